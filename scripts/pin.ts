/**
 * Moves the SDK to another `@openai/codex` runtime in one command:
 *
 * 1. prints the JSON Schema (stable and `--experimental`) of the binary installed now, which
 *    must be the current pin;
 * 2. `npm install --save-exact @openai/codex@VERSION` (`package.json` and the lock file), and
 *    moves the dev dependency `codex-previous` (an npm alias) to the old pin, which the
 *    version-skew tests run for real;
 * 3. sets `version` in `deno.json`;
 * 4. records the methods the new version added in `scripts/generate/method_history.json`
 *    (and forgets those it removed), then regenerates `generated/` (`deno task generate`);
 * 5. moves the docs' statements of the pinned version (see `scripts/lib/pin_docs.ts` for
 *    the rule) and lists the prose mentions of the old version it left alone;
 * 6. writes the protocol diff of the old and new schemas as a `CHANGELOG.md` entry under
 *    `## Unreleased`, and prints it;
 * 7. runs the freshness and version-agreement tests (`tests/generate_test.ts` and "The
 *    pinned versions agree" in `tests/stdio_test.ts`).
 *
 * Usage: `deno task pin VERSION [--no-test]` (`VERSION` may be `latest`). Exits non-zero
 * when a step or a test fails; what was written stays, for a look with `git diff`.
 *
 * @module
 */

import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { nodeAdapter } from "../src/adapters/node.ts";
import { locateCodex } from "../src/process/locate.ts";
import { isVersion } from "../src/_util/version.ts";
import { denoBinary, generate } from "./generate.ts";
import { codexVersion, readSchemas } from "./generate/codex.ts";
import { HISTORY_FILE, readHistory, recordChanges, writeHistory } from "./generate/history.ts";
import { REPO_ROOT, repoRelative } from "./lib/files.ts";
import { changelogEntry, insertEntry } from "./lib/pin_changelog.ts";
import { diffCounts, diffItems, type ProtocolDiff, protocolDiff } from "./lib/pin_diff.ts";
import { type DocsRewrite, rewriteDocs } from "./lib/pin_docs.ts";

/** The npm package of the runtime. */
const PACKAGE = "@openai/codex";
/** The dev dependency that installs the previous pin (`tests/support/previous_codex.ts`). */
const PREVIOUS_ALIAS = "codex-previous";

/** Options of {@link pin}. */
export interface PinOptions {
  /** The version to pin, or `latest`. */
  readonly version: string;
  /** Run the freshness and version-agreement tests at the end (default `true`). */
  readonly test?: boolean;
  /** Where progress goes (default `console.log`). */
  readonly log?: (line: string) => void;
}

/** What {@link pin} did. */
export interface PinReport {
  /** The protocol diff. */
  readonly diff: ProtocolDiff;
  /** The docs rewrite (empty when the version did not change). */
  readonly docs: DocsRewrite;
  /** Files written, relative to the repository root. */
  readonly files: string[];
  /** Whether the tests passed (`undefined` when not run). */
  readonly testsPassed: boolean | undefined;
}

/** Runs a command in the repository, its output passed through; throws when it fails. */
function run(command: string, args: string[], what: string): void {
  const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio: "inherit" });
  if (result.status !== 0) {
    throw new Error(
      `Cannot ${what}: \`${command} ${args.join(" ")}\` exited with ${
        result.status ?? result.signal ?? result.error
      }`,
    );
  }
}

/** `npm` (`npm.cmd` on Windows). */
function npm(): string {
  return process.platform === "win32" ? "npm.cmd" : "npm";
}

/**
 * The version `npm` resolves `spec` to (`latest`, or an exact version it must have).
 *
 * @param spec A version or dist-tag.
 * @returns The exact version.
 * @throws {Error} The registry does not have it.
 */
export function resolveVersion(spec: string): string {
  const result = spawnSync(npm(), ["view", `${PACKAGE}@${spec}`, "version"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
  const versions = (result.stdout ?? "").trim().split("\n").map((line) => line.trim());
  const version = versions.at(-1)?.replace(/^.*'(.+)'$/, "$1") ?? "";
  if (result.status !== 0 || !isVersion(version) || (isVersion(spec) && version !== spec)) {
    throw new Error(
      `Cannot pin ${PACKAGE}@${spec}: npm has no such version (\`npm view ${PACKAGE} ` +
        `versions\` lists them)${result.stderr ? `\n${result.stderr.trim()}` : ""}`,
    );
  }
  return version;
}

/** The pin in `package.json`. */
function currentPin(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
  const pinned = pkg.dependencies?.[PACKAGE];
  if (!isVersion(pinned)) {
    throw new Error(`Cannot read the pin: package.json has ${PACKAGE} "${pinned}", not a version`);
  }
  return pinned;
}

/** The installed binary, and its version. */
function installedBinary(): { binary: string; version: string } {
  const { binary } = locateCodex(nodeAdapter);
  return { binary, version: codexVersion(binary) };
}

/** Sets `version` in `deno.json`, keeping the rest of the file as it is. */
function setDenoVersion(from: string, to: string): void {
  const path = join(REPO_ROOT, "deno.json");
  const text = readFileSync(path, "utf8");
  const current = JSON.parse(text).version;
  const line = /^(\s*"version"\s*:\s*")([^"]*)(")/m;
  if (current !== from && current !== to) {
    throw new Error(`Cannot set deno.json's version: it is "${current}", not the pin "${from}"`);
  }
  writeFileSync(path, text.replace(line, `$1${to}$3`));
}

/** Whether the git work tree has changes (a warning only: the result is best committed alone). */
function dirtyFiles(): string[] {
  try {
    return execFileSync("git", ["status", "--porcelain"], { cwd: REPO_ROOT, encoding: "utf8" })
      .split("\n").filter((line) => line.trim() !== "");
  } catch {
    return [];
  }
}

/** Runs the freshness and version-agreement tests; `true` when they pass. */
function runTests(log: (line: string) => void): boolean {
  const runs: [string, string[]][] = [
    ["tests/generate_test.ts", []],
    ["tests/stdio_test.ts", ["--filter", "The pinned versions agree"]],
  ];
  let passed = true;
  for (const [file, extra] of runs) {
    log(
      `pin: deno test -A ${
        [...extra.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)), file].join(" ")
      }`,
    );
    const result = spawnSync(denoBinary(), ["test", "-A", ...extra, file], {
      cwd: REPO_ROOT,
      stdio: "inherit",
    });
    if (result.status !== 0) passed = false;
  }
  return passed;
}

/**
 * Pins another `@openai/codex` (see the module doc for every step).
 *
 * @param options The version, whether to test, and where progress goes.
 * @returns What changed.
 * @throws {Error} A step failed; the files written so far stay.
 *
 * @example
 * ```ts ignore
 * import { pin } from "./pin.ts";
 * const report = await pin({ version: "0.171.0" });
 * console.log(report.diff.methods.clientRequests.added);
 * ```
 */
export function pin(options: PinOptions): PinReport {
  const log = options.log ?? console.log;
  const to = resolveVersion(options.version);
  const from = currentPin();
  const dirty = dirtyFiles();
  if (dirty.length > 0) {
    log(
      `pin: warning: the work tree has ${dirty.length} changed files; commit them first to ` +
        "keep the bump a commit of its own",
    );
  }
  const old = installedBinary();
  if (old.version !== from) {
    throw new Error(
      `Cannot read the old schema: node_modules holds codex ${old.version} but package.json ` +
        `pins ${from}; run \`npm install\` first`,
    );
  }
  log(`pin: ${PACKAGE} ${from} -> ${to}`);
  log(`pin: printing the JSON Schema of codex ${from}`);
  const before = readSchemas(old.binary);

  log(`pin: npm install --save-exact ${PACKAGE}@${to}`);
  run(npm(), ["install", "--save-exact", "--no-audit", "--no-fund", `${PACKAGE}@${to}`], "install");
  if (from !== to) {
    // The version-skew tests run the previous pin for real, from this dev dependency.
    log(`pin: npm install --save-dev --save-exact ${PREVIOUS_ALIAS}@npm:${PACKAGE}@${from}`);
    run(
      npm(),
      [
        "install",
        "--save-dev",
        "--save-exact",
        "--no-audit",
        "--no-fund",
        `${PREVIOUS_ALIAS}@npm:${PACKAGE}@${from}`,
      ],
      "install the previous pin",
    );
  }
  const now = installedBinary();
  if (now.version !== to || currentPin() !== to) {
    throw new Error(
      `npm install did not pin ${to}: package.json says ${currentPin()}, the binary ${now.version}`,
    );
  }
  log(`pin: printing the JSON Schema of codex ${to}`);
  const after = readSchemas(now.binary);
  const diff = protocolDiff(before, after, from, to);

  const files = ["package.json", "package-lock.json", "deno.json"];
  setDenoVersion(from, to);
  let docs: DocsRewrite = { changed: [], left: [], files: [] };
  if (from !== to) {
    writeHistory(recordChanges(readHistory(), diff.methods, from, to));
    files.push(repoRelative(HISTORY_FILE));
  }
  log("pin: deno task generate");
  files.push(...generate().map((name) => `generated/${name}`));
  if (from !== to) {
    docs = rewriteDocs(REPO_ROOT, from, to);
    files.push(...docs.files);
    const changelog = join(REPO_ROOT, "CHANGELOG.md");
    writeFileSync(
      changelog,
      insertEntry(readFileSync(changelog, "utf8"), changelogEntry(diff, docs)),
    );
    files.push("CHANGELOG.md");
  }
  // Tables in Markdown realign when a version changes length; JSON keeps deno fmt's layout.
  const formatted = files.filter((file) =>
    /\.(?:md|json|ts)$/.test(file) && !/^(?:package(?:-lock)?\.json|generated\/)/.test(file)
  );
  run(denoBinary(), ["fmt", "--quiet", ...formatted], "format the files it wrote");

  log("");
  log(`pin: protocol diff ${from} -> ${to}: ${diffCounts(diff)}`);
  for (const item of diffItems(diff)) log(item);
  log("");
  log(`pin: ${docs.changed.length} statements of the pinned version moved to ${to}:`);
  for (const line of docs.changed) log(`  ${line.file}:${line.line}: ${line.after.trim()}`);
  if (docs.left.length > 0) {
    log(
      `pin: left alone, ${docs.left.length} mentions of ${from} in prose (behaviour seen on ` +
        `that version; re-check them on ${to}):`,
    );
    for (const line of docs.left) log(`  ${line.file}:${line.line}: ${line.after.trim()}`);
  }
  log(`pin: wrote ${files.length} files: ${files.join(", ")}`);

  let testsPassed: boolean | undefined;
  if (options.test ?? true) {
    testsPassed = runTests(log);
    log(testsPassed ? "pin: tests passed" : "pin: TESTS FAILED (see above)");
  }
  return { diff, docs, files, testsPassed };
}

/** Command-line usage. */
const USAGE = "usage: deno task pin VERSION [--no-test]   (VERSION: e.g. 0.171.0, or latest)";

if (import.meta.main) {
  const args = process.argv.slice(2);
  const positional = args.filter((arg) => !arg.startsWith("--"));
  const unknown = args.filter((arg) => arg.startsWith("--") && arg !== "--no-test");
  if (positional.length !== 1 || unknown.length > 0) {
    console.error(USAGE);
    process.exit(2);
  }
  try {
    const report = pin({ version: positional[0], test: !args.includes("--no-test") });
    if (report.testsPassed === false) process.exit(1);
  } catch (error) {
    console.error(`pin: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}
