/**
 * Running the pinned Codex binary (found by the SDK's own `locateCodex`): reading its
 * version and printing its JSON Schema (stable and `--experimental`).
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { JsonSchemaObject } from "./json_schema.ts";
import { readDefinitions } from "./json_schema.ts";

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
