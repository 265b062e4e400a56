/**
 * Running the pinned Codex binary: finding it, reading its version and printing its JSON
 * Schema (stable and `--experimental`).
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { JsonSchemaObject } from "./json_schema.ts";
import { readDefinitions } from "./json_schema.ts";

/** `@openai/codex` platform packages by `platform-arch`. */
const TARGETS: Record<string, { pkg: string; triple: string; exe: string }> = {
  "linux-x64": { pkg: "codex-linux-x64", triple: "x86_64-unknown-linux-musl", exe: "codex" },
  "linux-arm64": { pkg: "codex-linux-arm64", triple: "aarch64-unknown-linux-musl", exe: "codex" },
  "darwin-x64": { pkg: "codex-darwin-x64", triple: "x86_64-apple-darwin", exe: "codex" },
  "darwin-arm64": { pkg: "codex-darwin-arm64", triple: "aarch64-apple-darwin", exe: "codex" },
  "win32-x64": { pkg: "codex-win32-x64", triple: "x86_64-pc-windows-msvc", exe: "codex.exe" },
  "win32-arm64": { pkg: "codex-win32-arm64", triple: "aarch64-pc-windows-msvc", exe: "codex.exe" },
};

/**
 * The pinned binary under the repository's `node_modules`.
 *
 * @param repoRoot The repository root.
 * @returns The binary's path.
 * @throws {Error} No binary for this platform is installed.
 */
export function locateCodex(repoRoot: string): string {
  const key = `${process.platform}-${process.arch}`;
  const target = TARGETS[key];
  if (target === undefined) {
    throw new Error(`No Codex binary is published for ${key}; pass --codex-bin`);
  }
  const tail = join("@openai", target.pkg, "vendor", target.triple, "bin", target.exe);
  const candidates = [
    join(repoRoot, "node_modules", tail),
    join(repoRoot, "node_modules", "@openai", "codex", "node_modules", tail),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new Error(
      `Cannot find the pinned Codex binary (looked at ${candidates.join(", ")}); run ` +
        "`npm install` or pass --codex-bin",
    );
  }
  return found;
}

/**
 * The binary's version from `codex --version` (`codex-cli 0.169.0` → `0.169.0`).
 *
 * @param binary The Codex binary.
 * @returns The version.
 * @throws {Error} The output has no version number.
 */
export function codexVersion(binary: string): string {
  const output = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
  const match = /(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\s*$/.exec(output);
  if (match === null) {
    throw new Error(`Cannot read a version from \`codex --version\`: "${output}"`);
  }
  return match[1];
}

/** Both schema flavours, flattened. */
export interface SchemaPair {
  /** `generate-json-schema` (the stable surface). */
  stable: Map<string, JsonSchemaObject>;
  /** `generate-json-schema --experimental` (the superset). */
  experimental: Map<string, JsonSchemaObject>;
}

/**
 * Runs `codex app-server generate-json-schema` into `dir` (with an isolated `CODEX_HOME`).
 *
 * @param binary The Codex binary.
 * @param dir Output directory (created).
 * @param experimental Whether to pass `--experimental`.
 */
export function writeJsonSchema(binary: string, dir: string, experimental: boolean): void {
  mkdirSync(dir, { recursive: true });
  const home = join(dir, ".codex-home");
  mkdirSync(home, { recursive: true });
  const args = [
    "app-server",
    "generate-json-schema",
    ...(experimental ? ["--experimental"] : []),
    "--out",
    dir,
  ];
  try {
    execFileSync(binary, args, {
      env: { ...process.env, CODEX_HOME: home },
      stdio: ["ignore", "ignore", "pipe"],
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * Prints both schemas into a temporary directory, reads them and removes the directory.
 *
 * @param binary The Codex binary.
 * @returns The flattened definitions of both.
 */
export function readSchemas(binary: string): SchemaPair {
  const dir = mkdtempSync(join(tmpdir(), "codex-schema-"));
  try {
    writeJsonSchema(binary, join(dir, "stable"), false);
    writeJsonSchema(binary, join(dir, "experimental"), true);
    return {
      stable: readDefinitions(join(dir, "stable")),
      experimental: readDefinitions(join(dir, "experimental")),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
