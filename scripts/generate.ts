/**
 * Generates `generated/` from the pinned Codex runtime's JSON Schema: the TypeScript type
 * (`types.ts`) and valibot schema (`schemas.ts`, as `schemas.<TypeName>`) of every
 * definition, the index of both by name (`definitions.ts`), the typed method registry
 * (`registry.ts`, `registry_types.ts`), the method names and the version that introduced
 * each method added since the method history's baseline (`methods.ts`, from
 * `scripts/generate/method_history.json`), the version (`version.ts`) and `mod.ts`.
 *
 * Usage: `deno task generate [--codex-bin PATH] [--out DIR]` (default `generated/`).
 *
 * It runs `codex app-server generate-json-schema` twice (stable and `--experimental`),
 * generates from the experimental superset and tags what only it contains `@experimental`.
 * Output is deterministic: sorted, no timestamps, formatted with `deno fmt` using the
 * repository's `deno.json`.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { codexVersion, readSchemas } from "./generate/codex.ts";
import { nodeAdapter } from "../src/adapters/node.ts";
import { locateCodex } from "../src/process/locate.ts";
import { fileHeader, GENERATED_MARKER, jsdoc } from "./generate/emit.ts";
import { emitSchemas } from "./generate/emit_schemas.ts";
import { emitDefinitions, emitTypes } from "./generate/emit_types.ts";
import { buildModel } from "./generate/model.ts";
import { buildRegistry, emitRegistry, methodRoles } from "./generate/registry.ts";
import { emitMethods } from "./generate/emit_methods.ts";
import {
  annotateAddedIn,
  checkHistory,
  HISTORY_FILE,
  readHistory,
  registryMethods,
} from "./generate/history.ts";

/** The repository root (this script lives in `scripts/`). */
export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** Output directory; default `generated/` in the repository. */
  outDir?: string;
  /** Codex binary; default the pinned one under `node_modules`. */
  codexBin?: string;
  /** The method history; default `scripts/generate/method_history.json`. */
  historyFile?: string;
}

/**
 * Generates the `generated/` modules.
 *
 * @param options Output directory and binary.
 * @returns The names of the files written, sorted.
 * @throws {Error} The binary is missing, the schema has an unsupported construct, or
 * formatting fails.
 *
 * @example
 * ```ts ignore
 * import { generate } from "./generate.ts";
 * generate({ outDir: "/tmp/generated" });
 * ```
 */
export function generate(options: GenerateOptions = {}): string[] {
  const outDir = resolve(options.outDir ?? join(REPO_ROOT, "generated"));
  // The SDK's locator, through the `node:` adapter (sync, and it runs on every runtime).
  const binary = options.codexBin ?? locateCodex(nodeAdapter).binary;
  const version = codexVersion(binary);
  const { stable, experimental } = readSchemas(binary);

  const model = buildModel(experimental, stable);
  const registry = buildRegistry(experimental, stable);
  const history = readHistory(options.historyFile ?? HISTORY_FILE);
  checkHistory(history, registryMethods(registry), version);
  annotateAddedIn(registry, history);
  const { registry: registryModule, registryTypes } = emitRegistry(registry, version);
  const files: Record<string, string> = {
    "definitions.ts": emitDefinitions(model, version),
    "methods.ts": emitMethods(registry, history, version),
    "mod.ts": emitMod(version),
    "registry.ts": registryModule,
    "registry_types.ts": registryTypes,
    "schemas.ts": emitSchemas(model, version),
    "types.ts": emitTypes(model, version, methodRoles(registry)),
    "version.ts": emitVersion(version),
  };
  // Format everything before writing anything, so a failure leaves generated/ untouched.
  const names = Object.keys(files).sort();
  const formatted = names.map((name) => format(files[name]));
  mkdirSync(outDir, { recursive: true });
  names.forEach((name, i) => writeFileSync(join(outDir, name), formatted[i]));
  pruneStale(outDir, new Set(names));
  return names;
}

/** `version.ts`. */
function emitVersion(version: string): string {
  return fileHeader(version, "The Codex runtime version the generated modules were built from.") +
    jsdoc(
      "Version of the Codex binary whose JSON Schema produced `generated/` (from `codex --version`).",
    ) +
    `export const CODEX_VERSION = ${JSON.stringify(version)};\n`;
}

/** `mod.ts`. */
function emitMod(version: string): string {
  return fileHeader(
    version,
    "Everything generated from the Codex app-server JSON Schema: the TypeScript type and\n" +
      "valibot schema (`schemas.<TypeName>`) of every protocol definition, the typed method\n" +
      "registry, and the runtime version. Schemas are built on first use; the types are\n" +
      "re-exported type-only, so importing this module loads no type text at run time.\n\n" +
      "@example\n```ts\n" +
      'import * as v from "valibot";\n' +
      'import { serverNotificationSchema, type TurnCompletedNotification } from "./mod.ts";\n\n' +
      'const schema = serverNotificationSchema("turn/completed");\n' +
      "const params: TurnCompletedNotification = v.parse(schema, {\n" +
      '  threadId: "thr_1",\n' +
      '  turn: { id: "turn_1", items: [], status: "completed", error: null },\n' +
      "});\n" +
      "console.log(params.turn.status);\n```",
  ) +
    `export type * from "./types.ts";\nexport type { Definitions } from "./definitions.ts";\n` +
    `export * from "./schemas.ts";\nexport * from "./registry.ts";\nexport * from "./version.ts";\n`;
}

/**
 * The `deno` binary: the running one under Deno, else the pinned one in `node_modules`.
 *
 * @returns Its path, or `deno` (from `PATH`) when neither is there.
 */
export function denoBinary(): string {
  if ("Deno" in globalThis) return process.execPath;
  const local = join(
    REPO_ROOT,
    "node_modules",
    ".bin",
    process.platform === "win32" ? "deno.cmd" : "deno",
  );
  return existsSync(local) ? local : "deno";
}

/**
 * Formats TypeScript source with `deno fmt` and the repository's configuration. One pass
 * is not always a fixed point (a call that becomes multi-line gains its trailing comma
 * only on the next pass), so it repeats until the text stops changing.
 *
 * @param source Unformatted source.
 * @returns Formatted source that `deno fmt --check` accepts.
 * @throws {Error} `deno fmt` failed (usually a syntax error in the emitted code) or did not
 * settle.
 */
export function format(source: string): string {
  let text = source;
  for (let pass = 0; pass < 4; pass++) {
    const result = spawnSync(
      denoBinary(),
      ["fmt", "--config", join(REPO_ROOT, "deno.json"), "--ext", "ts", "-"],
      { input: text, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
    );
    if (result.status !== 0) {
      throw new Error(
        `Cannot format generated code: deno fmt failed\n${result.stderr ?? result.error}`,
      );
    }
    if (result.stdout === text) return text;
    text = result.stdout;
  }
  throw new Error("Cannot format generated code: deno fmt output did not settle");
}

/** Removes earlier generated files that this run no longer writes. */
function pruneStale(outDir: string, keep: Set<string>): void {
  for (const name of readdirSync(outDir)) {
    const path = join(outDir, name);
    if (keep.has(name) || !statSync(path).isFile()) continue;
    if (readFileSync(path, "utf8").startsWith(GENERATED_MARKER)) rmSync(path);
    else console.warn(`generate: leaving ${path}, which was not written by the generator`);
  }
}

/** Command-line usage. */
const USAGE = "usage: [--codex-bin PATH] [--out DIR]";

/** Parses `--out DIR` and `--codex-bin PATH` (also `--flag=value`). */
function parseArgs(args: string[]): GenerateOptions {
  const options: GenerateOptions = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.split(/=(.*)/s, 2);
    const value = inline ?? args[++i];
    if ((flag !== "--out" && flag !== "--codex-bin") || value === undefined) {
      throw new Error(`Unexpected argument "${arg}" (${USAGE})`);
    }
    if (flag === "--out") options.outDir = value;
    else options.codexBin = value;
  }
  return options;
}

if (import.meta.main) {
  try {
    const options = parseArgs(process.argv.slice(2));
    const names = generate(options);
    console.log(`generate: wrote ${names.join(", ")} to ${options.outDir ?? "generated/"}`);
  } catch (error) {
    console.error(`generate: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}
