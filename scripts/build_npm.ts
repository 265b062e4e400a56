/**
 * Builds the npm package `codex-app-server` into `npm/` from the same sources Deno runs,
 * and compiles the same test files for Node against that build (what `@deno/dnt` would do;
 * JSR is out of reach here, so this script does it with `tsc`).
 *
 * Usage: `deno task build:npm` (`deno run -A scripts/build_npm.ts [--tests]`).
 * `--tests` also compiles `tests/` for Node into `.node-tests/` (see {@link buildNodeTests}).
 * Exits non-zero when `tsc` reports a type error (after emitting everything anyway).
 *
 * Layout of `npm/`:
 * ```
 * npm/package.json  README.md  LICENSE
 * npm/src/…     the TypeScript that was compiled: mod.ts, src/, generated/ with `npm:`
 *               specifiers mapped to bare names, plus `_polyfills.ts` (shipped: the source
 *               maps and declaration maps point here)
 * npm/esm/…     ES2022 modules: `.js`, `.d.ts`, `.js.map`, `.d.ts.map`
 * npm/tsconfig.json   the compiler options used (not in the tarball)
 * ```
 *
 * @module
 */

import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix, relative, resolve, sep } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository root (this script lives in `scripts/`). */
export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Where the package is built. */
export const NPM_DIR: string = join(REPO_ROOT, "npm");
/** Where the test files are compiled for Node: a mirror of the repository root. */
export const NODE_TESTS_DIR: string = join(REPO_ROOT, ".node-tests");

/** The npm package name. */
export const PACKAGE_NAME = "codex-app-server";
/** Package directories compiled besides the entry points (every `.ts` in them). */
const SOURCE_DIRS = ["src", "generated"];
/** Runtime dependencies the package declares even before the code imports them. */
const ALWAYS_DEPENDENCIES = ["@openai/codex", "ws"];
/** Dependencies pinned exactly (the runtime the generated protocol matches). */
const EXACT_DEPENDENCIES = new Set(["@openai/codex"]);
const DESCRIPTION = "TypeScript SDK for the Codex app-server JSON-RPC protocol " +
  "(stdio, WebSocket, unix socket): threads, turns, streamed events, approvals. " +
  "Runs on Node, Deno and Bun.";
/** Name of the polyfill module the build adds next to `mod.ts`. */
const POLYFILLS = "_polyfills.ts";
const POLYFILLS_SOURCE = `/**
 * Defines \`Symbol.dispose\` and \`Symbol.asyncDispose\` where the runtime lacks them (Node
 * before 20.4), as the registered symbols Node itself uses, so \`using\` and
 * \`[Symbol.asyncDispose]()\` work. Added by the npm build; not part of the Deno sources.
 *
 * @module
 */

const wellKnown = Symbol as unknown as Record<string, unknown>;
for (const name of ["dispose", "asyncDispose"]) {
  if (typeof wellKnown[name] !== "symbol") {
    Object.defineProperty(Symbol, name, {
      value: Symbol.for(\`nodejs.\${name}\`),
      writable: false,
      enumerable: false,
      configurable: false,
    });
  }
}

export {};
`;
/** A module that needs the polyfill before its body runs, or when its code runs. */
const NEEDS_POLYFILL = /Symbol\.(?:asyncDispose|dispose)\b|\busing\s+[A-Za-z_$][\w$]*\s*=/;

/** Shared compiler options for the package and the Node test build. */
const COMPILER_OPTIONS = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  lib: ["ES2022", "ESNext.Disposable"],
  types: ["node"],
  strict: true,
  skipLibCheck: true,
  isolatedModules: true,
  rewriteRelativeImportExtensions: true,
  sourceMap: true,
  newLine: "lf",
  // Never emit a broken program (e.g. a file outside rootDir would be written outside the
  // output directory); type errors alone are reported, then emitted past (see `tsc`).
  noEmitOnError: true,
} as const;

// ---------------------------------------------------------------------------------------
// Small process and file helpers (also used by scripts/test_all.ts and the smoke test).

/** Result of {@link run}. */
export interface RunResult {
  code: number | null;
  signal: string | null;
  /** The last 256 KiB of stdout + stderr, interleaved. */
  output: string;
  timedOut: boolean;
  ms: number;
}

/** Options of {@link run}. */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Copy the child's output to ours as it comes (default true). */
  echo?: boolean;
  /** Kill the child (and its process group) after this long. */
  timeoutMs?: number;
  /** Prefix for each echoed line. */
  prefix?: string;
}

const OUTPUT_TAIL = 256 * 1024;

/**
 * Runs a program without a shell, stdin closed, optionally echoing its output.
 *
 * @param command The executable.
 * @param args Its arguments.
 * @param options Working directory, environment, echo, timeout.
 * @returns Exit status and the tail of the output.
 */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const echo = options.echo ?? true;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  return new Promise((resolvePromise) => {
    let output = "";
    let timedOut = false;
    // In its own process group, so a timeout (or killChildren) ends its children too.
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    if (child.pid !== undefined) running.add(child.pid);
    const onData = (target: { write(text: string): unknown }) => {
      const decoder = new TextDecoder();
      let atLineStart = true;
      return (chunk: Uint8Array) => {
        const text = decoder.decode(chunk, { stream: true });
        output = (output + text).slice(-OUTPUT_TAIL);
        if (!echo || text === "") return;
        if (options.prefix === undefined) {
          target.write(text);
          return;
        }
        const prefix = options.prefix;
        const prefixed = text.replace(/\n(?=.)/g, `\n${prefix}`);
        target.write((atLineStart ? prefix : "") + prefixed);
        atLineStart = text.endsWith("\n");
      };
    };
    child.stdout.on("data", onData(process.stdout));
    child.stderr.on("data", onData(process.stderr));
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, "SIGKILL");
    }, options.timeoutMs);
    const finish = (code: number | null, signal: string | null) => {
      if (timer !== undefined) clearTimeout(timer);
      if (child.pid !== undefined) running.delete(child.pid);
      resolvePromise({ code, signal, output, timedOut, ms: performance.now() - started });
    };
    child.once("error", (error) => {
      output += `\n${error.message}\n`;
      finish(127, null);
    });
    child.once("close", (code, signal) => finish(code, signal));
  });
}

/** Process groups started by {@link run} that have not ended yet. */
const running = new Set<number>();

function killGroup(pid: number | undefined, signal: "SIGTERM" | "SIGKILL"): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Ends every process group {@link run} started that is still running (for an interrupted
 * run: the children live in their own groups, so a terminal's Ctrl-C does not reach them).
 *
 * @param signal The signal to send.
 */
export function killChildren(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): void {
  for (const pid of running) killGroup(pid, signal);
}

/** Runs a program and throws with its output when it fails. */
export async function runOrThrow(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    const tail = options.echo === false ? `\n${result.output.slice(-4000)}` : "";
    throw new Error(
      `Command failed (${
        result.timedOut ? "timed out" : `exit ${result.code ?? result.signal}`
      }): ` +
        `${command} ${args.join(" ")}${tail}`,
    );
  }
  return result;
}

/** The `deno` executable running this script. */
export function denoBin(): string {
  return process.execPath;
}

/** A binary from the repository's `node_modules/.bin` (bun, tsc, codex). */
export function localBin(name: string): string {
  const path = join(REPO_ROOT, "node_modules", ".bin", name);
  if (!existsSync(path)) {
    throw new Error(`Cannot find "${name}" in node_modules/.bin: run \`npm install\` first`);
  }
  return path;
}

/** `path` relative to `from`, with `/` separators and a leading `./` or `../`. */
export function relativeSpecifier(from: string, to: string): string {
  const rel = relative(from, to).split(sep).join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/** Every file below `dir` (recursively), as paths relative to it with `/` separators. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string, prefix: string) => {
    for (
      const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) =>
        a.name < b.name ? -1 : 1
      )
    ) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(join(current, entry.name), rel);
      else if (entry.isFile()) out.push(rel);
    }
  };
  if (existsSync(dir)) walk(dir, "");
  return out;
}

function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

function log(message: string): void {
  console.log(`[build:npm] ${message}`);
}

// ---------------------------------------------------------------------------------------
// Module graph, from `deno info` (the same resolution Deno uses to run the sources).

interface GraphDependency {
  /** The specifier as written. */
  specifier: string;
  /** What it resolves to (`file:///…`, `node:…`, `npm:…`), or undefined with `error`. */
  resolved?: string;
  error?: string;
}

interface GraphModule {
  path: string;
  dependencies: GraphDependency[];
}

interface DenoInfoResolution {
  specifier?: string;
  error?: string;
}

/**
 * The module graph of `files` (absolute paths), as Deno resolves it with the repository's
 * `deno.json`: each local module with the specifiers it imports (static, dynamic with a
 * literal, and type-only), where they point and where they are written.
 */
async function moduleGraph(files: string[]): Promise<Map<string, GraphModule>> {
  const dir = mkdtempSync(join(tmpdir(), "build-npm-graph-"));
  try {
    const entry = join(dir, "entry.ts");
    writeFileSync(entry, files.map((file) => `import "${pathToFileURL(file).href}";\n`).join(""));
    const result = await run(
      denoBin(),
      ["info", "--json", "--config", join(REPO_ROOT, "deno.json"), entry],
      { echo: false },
    );
    if (result.code !== 0) throw new Error(`deno info failed:\n${result.output.slice(-4000)}`);
    const info = JSON.parse(result.output.slice(result.output.indexOf("{"))) as {
      modules: {
        specifier: string;
        local?: string;
        error?: string;
        dependencies?: {
          specifier: string;
          code?: DenoInfoResolution;
          type?: DenoInfoResolution;
        }[];
      }[];
    };
    const graph = new Map<string, GraphModule>();
    for (const module of info.modules) {
      if (module.error) throw new Error(`Cannot build: ${module.specifier}: ${module.error}`);
      if (!module.specifier.startsWith("file:") || module.local === undefined) continue;
      if (module.local === entry) continue;
      const dependencies: GraphDependency[] = [];
      for (const dep of module.dependencies ?? []) {
        for (const resolution of [dep.code, dep.type]) {
          if (resolution === undefined) continue;
          dependencies.push({
            specifier: dep.specifier,
            resolved: resolution.specifier,
            error: resolution.error,
          });
        }
      }
      graph.set(module.local, { path: module.local, dependencies });
    }
    return graph;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A module specifier in an import or export (static, dynamic, type-level), per line. */
const IMPORT_SPECIFIER =
  /(\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+|\bexport\s*\*\s*from\s*)(["'])([^"'\n]+)\2/g;

/**
 * Replaces the specifiers `module` imports with what `rewrite` returns for them
 * (`undefined` keeps one), wherever they are written in an import or export outside a
 * comment (`deno info` lists each specifier once, with one position).
 */
function rewriteSpecifiers(
  text: string,
  module: GraphModule,
  rewrite: (dep: GraphDependency) => string | undefined,
): string {
  const replacements = new Map<string, string>();
  for (const dep of module.dependencies) {
    if (dep.error !== undefined) {
      throw new Error(`Cannot resolve "${dep.specifier}" in ${module.path}: ${dep.error}`);
    }
    if (replacements.has(dep.specifier)) continue;
    const replacement = rewrite(dep);
    if (replacement !== undefined && replacement !== dep.specifier) {
      replacements.set(dep.specifier, replacement);
    }
  }
  if (replacements.size === 0) return text;
  const found = new Set<string>();
  const rewritten = mapCodeLines(
    text,
    (line) =>
      line.replace(IMPORT_SPECIFIER, (match, lead: string, quote: string, specifier: string) => {
        const replacement = replacements.get(specifier);
        if (replacement === undefined) return match;
        found.add(specifier);
        return `${lead}${quote}${replacement}${quote}`;
      }),
  );
  for (const specifier of replacements.keys()) {
    if (!found.has(specifier)) {
      throw new Error(`Cannot find the import of "${specifier}" in ${module.path} to rewrite it`);
    }
  }
  return rewritten;
}

/** The npm package name in a path below some `node_modules/`. */
function packageOfPath(path: string): string | undefined {
  const normalized = path.split(sep).join("/");
  const at = normalized.lastIndexOf("/node_modules/");
  if (at < 0) return undefined;
  const match = /^((?:@[^/]+\/)?[^/]+)/.exec(normalized.slice(at + "/node_modules/".length));
  return match?.[1];
}

/** `npm:pkg@1.2.3/sub` → `pkg/sub` (and `npm:/pkg@…` the same). */
function bareFromNpmSpecifier(specifier: string): string {
  const body = specifier.replace(/^npm:\/?/, "");
  const match = /^((?:@[^/]+\/)?[^@/]+)(?:@[^/]*)?(\/.*)?$/.exec(body);
  if (match === null) throw new Error(`Cannot map npm specifier "${specifier}"`);
  return match[1] + (match[2] ?? "");
}

/**
 * What a non-relative specifier means for npm: the import map target when `deno.json` maps
 * it, else the specifier itself.
 */
function effectiveSpecifier(specifier: string, importMap: Record<string, string>): string {
  if (importMap[specifier] !== undefined) return importMap[specifier];
  for (const [key, value] of Object.entries(importMap)) {
    if (key.endsWith("/") && specifier.startsWith(key)) return value + specifier.slice(key.length);
  }
  return specifier;
}

/** How a staged module's dependency is written for Node. */
function npmSpecifier(
  dep: GraphDependency,
  importer: string,
  importMap: Record<string, string>,
  usedPackages: Set<string>,
  localTarget: (path: string) => string | undefined,
): string | undefined {
  const resolved = dep.resolved!;
  if (resolved.startsWith("node:")) return resolved;
  if (resolved.startsWith("npm:")) {
    const bare = bareFromNpmSpecifier(resolved);
    usedPackages.add(packageOfSpecifier(bare));
    return bare;
  }
  if (!resolved.startsWith("file:")) {
    throw new Error(
      `Cannot build for npm: "${dep.specifier}" in ${importer} resolves to ${resolved}; only ` +
        `relative, node: and npm imports can be shipped`,
    );
  }
  const path = fileURLToPath(resolved);
  const typesPackage = packageOfPath(path);
  if (typesPackage !== undefined) {
    // Types of an untyped package come from DefinitelyTyped: `ws` → `@types/ws`.
    const pkg = typesPackage.startsWith("@types/")
      ? typesPackage.slice("@types/".length).replace(/^(.+)__(.+)$/, "@$1/$2")
      : typesPackage;
    const effective = effectiveSpecifier(dep.specifier, importMap);
    const bare = effective.startsWith("npm:") ? bareFromNpmSpecifier(effective) : effective;
    if (packageOfSpecifier(bare) !== pkg) {
      throw new Error(
        `Cannot build for npm: "${dep.specifier}" in ${importer} resolves into package ` +
          `"${pkg}" under another name`,
      );
    }
    usedPackages.add(pkg);
    return bare;
  }
  return localTarget(path);
}

function packageOfSpecifier(bare: string): string {
  const parts = bare.split("/");
  return bare.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

// ---------------------------------------------------------------------------------------
// The package.

/** What {@link buildNpm} produced. */
export interface BuildResult {
  /** `npm/`. */
  dir: string;
  /** Staged source files, relative to `npm/src/`. */
  sources: string[];
  /** The written `npm/package.json`. */
  packageJson: Record<string, unknown>;
  /** Things the maintainers should know (missing README, LICENSE fallback, …). */
  warnings: string[];
  /** `tsc` errors (the output was still emitted and verified). */
  typeErrors: string[];
}

/**
 * Builds `npm/` from `deno.json`, `package.json` and the sources.
 *
 * @returns The output directory, the staged sources, the package.json and warnings.
 * @throws {Error} A source imports something npm cannot resolve, versions disagree, or
 * `tsc` reports an error.
 */
export async function buildNpm(): Promise<BuildResult> {
  const started = performance.now();
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    console.warn(`[build:npm] warning: ${message}`);
  };
  const denoJson = readJson<{
    name?: string;
    version?: string;
    exports?: string | Record<string, string>;
    imports?: Record<string, string>;
  }>(join(REPO_ROOT, "deno.json"));
  const rootPackage = readJson<{
    dependencies?: Record<string, string>;
    repository?: unknown;
  }>(join(REPO_ROOT, "package.json"));
  const importMap = denoJson.imports ?? {};
  const rootDependencies = rootPackage.dependencies ?? {};

  // Versions: the package version is the pinned runtime's.
  const version = denoJson.version;
  if (version === undefined) throw new Error("deno.json has no version");
  if (rootDependencies["@openai/codex"] !== version) {
    throw new Error(
      `deno.json version ${version} differs from the @openai/codex pin ` +
        `${rootDependencies["@openai/codex"]} in package.json`,
    );
  }
  for (const [key, value] of Object.entries(importMap)) {
    if (!value.startsWith("npm:")) continue;
    const pkg = packageOfSpecifier(bareFromNpmSpecifier(value));
    const mapped = /@([^/@]+)(?:\/|$)/.exec(value.replace(/^npm:\/?@?/, ""))?.[1];
    if (
      mapped !== undefined && rootDependencies[pkg] !== undefined &&
      rootDependencies[pkg] !== mapped
    ) {
      throw new Error(
        `deno.json maps "${key}" to ${value} but package.json pins ${pkg}@${rootDependencies[pkg]}`,
      );
    }
  }

  // Entry points, from deno.json exports.
  const exportsField = typeof denoJson.exports === "string"
    ? { ".": denoJson.exports }
    : denoJson.exports ?? {};
  const entries = Object.entries(exportsField).map(([key, file]) => ({
    key,
    file: posix.normalize(file),
  }));
  if (entries.length === 0) throw new Error("deno.json has no exports");

  // Every module of the package: the entry points and every .ts under the source dirs.
  const sourceSet = new Set<string>(entries.map((e) => e.file));
  for (const dir of SOURCE_DIRS) {
    for (const rel of listFiles(join(REPO_ROOT, dir))) {
      if (/\.(?:m?ts|tsx)$/.test(rel) && !/_test\.ts$/.test(rel) && !rel.endsWith(".d.ts")) {
        sourceSet.add(`${dir}/${rel}`);
      }
    }
  }
  const sources = [...sourceSet].sort();
  const graph = await moduleGraph(sources.map((rel) => join(REPO_ROOT, rel)));
  for (const path of graph.keys()) {
    if (packageOfPath(path) !== undefined) continue;
    const rel = relative(REPO_ROOT, path).split(sep).join("/");
    if (!sourceSet.has(rel)) {
      throw new Error(
        `Cannot build for npm: ${rel} is imported by the package but lies outside ` +
          `${SOURCE_DIRS.join("/, ")}/ and the entry points`,
      );
    }
  }

  rmSync(NPM_DIR, { recursive: true, force: true });
  const stageDir = join(NPM_DIR, "src");
  mkdirSync(stageDir, { recursive: true });

  // Stage the sources: npm-style specifiers, plus the polyfill import where needed.
  const usedPackages = new Set<string>();
  for (const rel of sources) {
    const path = join(REPO_ROOT, rel);
    const module = graph.get(path);
    if (module === undefined) throw new Error(`deno info did not report ${rel}`);
    let text = readFileSync(path, "utf8");
    text = rewriteSpecifiers(
      text,
      module,
      (dep) =>
        npmSpecifier(dep, rel, importMap, usedPackages, (target) => {
          // Local module: keep a relative specifier as written; rewrite an aliased one.
          if (dep.specifier.startsWith("./") || dep.specifier.startsWith("../")) return undefined;
          return relativeSpecifier(dirname(path), target);
        }),
    );
    const isEntry = entries.some((e) => e.file === rel);
    if (isEntry || NEEDS_POLYFILL.test(text)) {
      // Appended, so line numbers match the repository's sources; the module's body still
      // runs after every import it declares, wherever the declaration stands.
      const spec = relativeSpecifier(dirname(join(stageDir, rel)), join(stageDir, POLYFILLS));
      text = `${text.replace(/\n*$/, "\n")}import "${spec}"; // added by the npm build\n`;
    }
    mkdirSync(dirname(join(stageDir, rel)), { recursive: true });
    writeFileSync(join(stageDir, rel), text);
  }
  writeFileSync(join(stageDir, POLYFILLS), POLYFILLS_SOURCE);

  // package.json
  const dependencies: Record<string, string> = {};
  for (const pkg of [...new Set([...usedPackages, ...ALWAYS_DEPENDENCIES])].sort()) {
    const pinned = rootDependencies[pkg];
    if (pinned === undefined) {
      throw new Error(`The package imports "${pkg}", which package.json's dependencies lack`);
    }
    dependencies[pkg] = EXACT_DEPENDENCIES.has(pkg) || !/^\d/.test(pinned) ? pinned : `^${pinned}`;
  }
  const jsOf = (file: string) => `./esm/${file.replace(/\.(m?)tsx?$/, ".$1js")}`;
  const dtsOf = (file: string) => `./esm/${file.replace(/\.(m?)tsx?$/, ".d.$1ts")}`;
  const exportsMap: Record<string, unknown> = {};
  for (const { key, file } of entries) {
    exportsMap[key] = { types: dtsOf(file), import: jsOf(file), default: jsOf(file) };
  }
  exportsMap["./package.json"] = "./package.json";
  const main = entries.find((e) => e.key === ".") ?? entries[0];
  const packageJson: Record<string, unknown> = {
    name: PACKAGE_NAME,
    version,
    description: DESCRIPTION,
    keywords: ["codex", "openai", "app-server", "json-rpc", "sdk", "agent", "deno", "bun"],
    license: "Apache-2.0",
    repository: await repository(rootPackage.repository),
    type: "module",
    main: jsOf(main.file),
    types: dtsOf(main.file),
    exports: exportsMap,
    files: ["esm/", "src/", "README.md", "LICENSE"],
    engines: { node: ">=20" },
    dependencies,
  };
  writeFileSync(join(NPM_DIR, "package.json"), JSON.stringify(packageJson, null, 2) + "\n");

  // README and LICENSE.
  if (existsSync(join(REPO_ROOT, "README.md"))) {
    cpSync(join(REPO_ROOT, "README.md"), join(NPM_DIR, "README.md"));
  } else {
    warn("the repository has no README.md: the package ships without one");
  }
  const license = ["LICENSE", "LICENSE.md", "LICENSE.txt"].find((f) =>
    existsSync(join(REPO_ROOT, f))
  );
  if (license !== undefined) {
    cpSync(join(REPO_ROOT, license), join(NPM_DIR, "LICENSE"));
  } else {
    // The Apache-2.0 text, verbatim from a dev dependency under the same license.
    const source = join(REPO_ROOT, "node_modules", "typescript", "LICENSE.txt");
    const fallback = existsSync(source)
      ? source
      : join(REPO_ROOT, "node_modules", "typescript", "LICENSE");
    const text = readFileSync(fallback, "utf8");
    if (!/^\s*Apache License\s+Version 2\.0/.test(text)) {
      throw new Error(`No LICENSE in the repository, and ${fallback} is not the Apache-2.0 text`);
    }
    writeFileSync(join(NPM_DIR, "LICENSE"), text);
    warn("the repository has no LICENSE file: wrote the Apache-2.0 text into npm/LICENSE");
  }

  // Compile.
  const tsconfig = {
    compilerOptions: {
      ...COMPILER_OPTIONS,
      rootDir: "./src",
      outDir: "./esm",
      declaration: true,
      declarationMap: true,
    },
    include: ["src/**/*.ts"],
  };
  writeFileSync(join(NPM_DIR, "tsconfig.json"), JSON.stringify(tsconfig, null, 2) + "\n");
  log(`compiling ${sources.length + 1} modules with tsc`);
  const typeErrors = await tsc(join(NPM_DIR, "tsconfig.json"));
  rewriteDeclarationSpecifiers(join(NPM_DIR, "esm"));
  verifyOutput(sources.concat(POLYFILLS));

  // The package loads under Node and exposes its entry points.
  const probe = entries.map(({ key, file }) =>
    `const m${key.length} = await import(${
      JSON.stringify(pathToFileURL(join(NPM_DIR, jsOf(file))).href)
    });` +
    `if (Object.keys(m${key.length}).length === 0) throw new Error(${
      JSON.stringify(`${key} exports nothing`)
    });`
  ).join("\n");
  await runOrThrow("node", ["--input-type=module", "-e", probe], { prefix: "[node] " });

  log(
    `built ${relative(REPO_ROOT, NPM_DIR)}/ in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
  return { dir: NPM_DIR, sources, packageJson, warnings, typeErrors };
}

/**
 * Runs `tsc -p config`, echoing its output. When it reports type errors only, emits again
 * without type-checking, so the tests can still run; the errors are returned.
 *
 * @returns The type errors (empty when it passed).
 * @throws {Error} tsc failed otherwise (a config or program error, a crash).
 */
async function tsc(config: string): Promise<string[]> {
  // tsc writes a source file outside rootDir outside the output directory, and with
  // `noCheck` it does not even report it: refuse such a program before emitting anything.
  const listed = await run(localBin("tsc"), ["-p", config, "--listFilesOnly"], { echo: false });
  const root = dirname(config);
  const strays = listed.output.split("\n").map((line) => line.trim())
    .filter((file) => /\.(?:m?ts|tsx)$/.test(file) && !/\.d\.m?ts$/.test(file))
    .filter((file) => !resolve(file).startsWith(root + sep));
  if (listed.code !== 0 || strays.length > 0) {
    throw new Error(
      `tsc -p ${relative(REPO_ROOT, config)} would compile files outside ${
        relative(REPO_ROOT, root)
      }/: ` +
        (strays.length > 0 ? strays.join(", ") : listed.output.slice(-2000)),
    );
  }
  const result = await run(localBin("tsc"), ["-p", config, "--pretty", "false"], {
    prefix: "[tsc] ",
  });
  if (result.code === 0) return [];
  const errors = result.output.split("\n").filter((line) => /\berror TS\d+:/.test(line));
  if (errors.length === 0 || /error TS(?:5\d{3}|6\d{3}):/.test(errors.join("\n"))) {
    throw new Error(`tsc -p ${relative(REPO_ROOT, config)} failed (see its output above)`);
  }
  console.log(`[tsc] ${errors.length} type error(s); emitting without type-checking`);
  await runOrThrow(localBin("tsc"), ["-p", config, "--pretty", "false", "--noCheck"], {
    prefix: "[tsc] ",
  });
  return errors;
}

/** The `repository` field: package.json's, else git's `origin`, else the fallback. */
async function repository(declared: unknown): Promise<unknown> {
  if (declared !== undefined) return declared;
  const origin = await run("git", ["config", "--get", "remote.origin.url"], { echo: false });
  let url = origin.code === 0 ? origin.output.trim() : "";
  if (url === "") return undefined; // no public home yet: omit the field rather than invent one
  url = url.replace(/^git@github\.com:/, "https://github.com/").replace(/\.git$/, "");
  return { type: "git", url: `git+${url}.git` };
}

/** An import/export specifier of a relative `.ts` module, outside comments (per line). */
const TS_SPECIFIER =
  /(\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+|\brequire\s*\(\s*)(["'])(\.{1,2}\/[^"'\n]*?)\.(m?)ts(x?)\2/g;

/** Lines of code (not comment lines) of a file, with a callback to replace each. */
function mapCodeLines(text: string, map: (line: string) => string): string {
  let inBlock = false;
  return text.split("\n").map((line) => {
    const trimmed = line.trimStart();
    if (inBlock) {
      if (trimmed.includes("*/")) inBlock = false;
      return line;
    }
    if (trimmed.startsWith("/*")) {
      inBlock = !trimmed.includes("*/", 2);
      return line;
    }
    if (trimmed.startsWith("//") || trimmed.startsWith("*")) return line;
    return map(line);
  }).join("\n");
}

/**
 * tsc keeps `.ts` specifiers in declaration files; point them at the emitted `.js` (the
 * same length, so the declaration maps stay right).
 */
function rewriteDeclarationSpecifiers(esm: string): void {
  for (const rel of listFiles(esm)) {
    if (!rel.endsWith(".d.ts")) continue;
    const path = join(esm, rel);
    const text = readFileSync(path, "utf8");
    const rewritten = mapCodeLines(
      text,
      (line) =>
        line.replace(
          TS_SPECIFIER,
          (_m, lead, q, base, m, x) => `${lead}${q}${base}.${m}js${x}${q}`,
        ),
    );
    if (rewritten !== text) writeFileSync(path, rewritten);
  }
}

/**
 * Checks the emitted files: every module has `.js`, `.d.ts` and maps; no `.ts` specifier is
 * left; every source map points at a file inside `npm/`.
 */
function verifyOutput(sources: string[]): void {
  const esm = join(NPM_DIR, "esm");
  const problems: string[] = [];
  for (const rel of sources) {
    const base = rel.replace(/\.(m?)tsx?$/, "");
    for (const ext of [".js", ".d.ts", ".js.map", ".d.ts.map"]) {
      if (!existsSync(join(esm, base + ext))) problems.push(`missing esm/${base}${ext}`);
    }
  }
  for (const rel of listFiles(esm)) {
    const path = join(esm, rel);
    if (rel.endsWith(".js") || rel.endsWith(".d.ts")) {
      mapCodeLines(readFileSync(path, "utf8"), (line) => {
        for (const match of line.matchAll(TS_SPECIFIER)) {
          problems.push(`esm/${rel} still imports "${match[3]}.${match[4]}ts${match[5]}"`);
        }
        return line;
      });
    }
    if (rel.endsWith(".map")) {
      const map = readJson<{ sources: string[]; sourceRoot?: string }>(path);
      for (const source of map.sources) {
        const target = resolve(dirname(path), map.sourceRoot ?? "", source);
        if (!target.startsWith(NPM_DIR + sep)) {
          problems.push(`esm/${rel} points outside npm/: ${source}`);
        } else if (!existsSync(target)) problems.push(`esm/${rel} points at missing ${source}`);
      }
    }
  }
  if (problems.length > 0) throw new Error(`The build is broken:\n  ${problems.join("\n  ")}`);
}

// ---------------------------------------------------------------------------------------
// The test files, for Node.

/** What {@link buildNodeTests} produced. */
export interface NodeTestsBuild {
  /** `.node-tests/`, a mirror of the repository root; run the tests from here. */
  dir: string;
  /** The compiled test files (absolute paths), sorted. */
  testFiles: string[];
}

/**
 * Compiles `tests/` for Node into `.node-tests/`, a mirror of the repository root: the
 * test modules, and the repository modules they import that the package does not ship
 * (e.g. `scripts/generate.ts`), are compiled to `.js` in place in the mirror, and every
 * other entry is a symlink to the real one, so paths a test derives from `import.meta.url`
 * or the working directory land where they do under Deno. Each import of a package module
 * (`../mod.ts`, `../src/…`, `../generated/…`) is rewritten to its built `.js` in `npm/esm/`,
 * so the tests exercise the build; every test file also imports the build's polyfills
 * first. Emit only: `deno check` type-checks the tests (against Deno's web types, which
 * `@types/node`'s differ from, e.g. `Response.json()` or `ReadableStream.from`), and the
 * consumer smoke test type-checks the package's declarations. Needs {@link buildNpm}.
 *
 * @returns The mirror and the compiled `*_test.js` files.
 * @throws {Error} A test imports something that can be neither compiled nor mapped to
 * the package, or `tsc` fails.
 */
export async function buildNodeTests(): Promise<NodeTestsBuild> {
  const started = performance.now();
  const stagedSources = join(NPM_DIR, "src");
  const builtEsm = join(NPM_DIR, "esm");
  if (!existsSync(join(builtEsm, "mod.js"))) {
    throw new Error("npm/ is not built: run buildNpm() first");
  }
  const rootType = readJson<{ type?: string }>(join(REPO_ROOT, "package.json")).type;
  if (rootType !== "module") throw new Error('package.json must say "type": "module"');

  const toRel = (path: string) => relative(REPO_ROOT, path).split(sep).join("/");
  const isCode = (rel: string) => /\.(?:m?ts|tsx)$/.test(rel) && !/\.d\.m?ts$/.test(rel);
  const testFiles = listFiles(join(REPO_ROOT, "tests")).map((rel) => `tests/${rel}`);
  const graph = await moduleGraph(testFiles.filter(isCode).map((rel) => join(REPO_ROOT, rel)));
  const inPackage = (rel: string) => existsSync(join(stagedSources, rel));
  // Compiled in the mirror: the test modules and the repository modules they reach that
  // the package does not contain.
  const compiled = new Set<string>();
  for (const path of graph.keys()) {
    if (packageOfPath(path) !== undefined) continue;
    const rel = toRel(path);
    if (rel.startsWith("..")) throw new Error(`The tests import ${path}, outside the repository`);
    if (rel.startsWith("tests/") || !inPackage(rel)) compiled.add(rel);
  }
  // Directories made for real in the mirror: those holding compiled modules or test files.
  const realDirs = new Set<string>([""]);
  for (const rel of [...compiled, ...testFiles]) {
    for (let dir = posix.dirname(rel); dir !== "."; dir = posix.dirname(dir)) realDirs.add(dir);
  }

  const importMap =
    readJson<{ imports?: Record<string, string> }>(join(REPO_ROOT, "deno.json")).imports ??
      {};
  rmSync(NODE_TESTS_DIR, { recursive: true, force: true });
  const skip = new Set([".git", toRel(NODE_TESTS_DIR)]);
  const mirror = (dirRel: string) => {
    const target = join(NODE_TESTS_DIR, dirRel);
    mkdirSync(target, { recursive: true });
    for (const entry of readdirSync(join(REPO_ROOT, dirRel), { withFileTypes: true })) {
      const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
      if (skip.has(rel)) continue;
      if (entry.isDirectory() && realDirs.has(rel)) mirror(rel);
      else if (compiled.has(rel)) stage(rel);
      else symlinkSync(relative(target, join(REPO_ROOT, rel)), join(target, entry.name));
    }
  };
  const stage = (rel: string) => {
    const source = join(REPO_ROOT, rel);
    const target = join(NODE_TESTS_DIR, rel);
    const module = graph.get(source);
    if (module === undefined) throw new Error(`deno info did not report ${rel}`);
    let text = rewriteSpecifiers(
      readFileSync(source, "utf8"),
      module,
      (dep) =>
        npmSpecifier(dep, rel, importMap, new Set(), (path) => {
          const depRel = toRel(path);
          if (compiled.has(depRel)) {
            if (dep.specifier.startsWith("./") || dep.specifier.startsWith("../")) return undefined;
            return relativeSpecifier(dirname(source), path);
          }
          if (!inPackage(depRel)) {
            throw new Error(`${rel} imports ${depRel}, which cannot be compiled`);
          }
          const built = join(builtEsm, depRel.replace(/\.(m?)tsx?$/, ".$1js"));
          return relativeSpecifier(dirname(target), built);
        }),
    );
    if (/^tests\/.*_test\.(?:m?ts|tsx)$/.test(rel)) {
      // First, on the first line (line numbers stay), so the well-known symbols exist
      // before any other module's body runs.
      const polyfills = relativeSpecifier(dirname(target), join(builtEsm, "_polyfills.js"));
      text = `import "${polyfills}"; ${text}`;
    }
    writeFileSync(target, text);
  };
  mirror("");

  const tsconfigPath = join(NODE_TESTS_DIR, "tsconfig.node-tests.json");
  const tsconfig = {
    compilerOptions: { ...COMPILER_OPTIONS, rootDir: ".", noCheck: true },
    files: [...compiled].sort(),
  };
  writeFileSync(tsconfigPath, JSON.stringify(tsconfig, null, 2) + "\n");
  console.log(`[build:node-tests] compiling ${compiled.size} modules with tsc`);
  await tsc(tsconfigPath);
  const built = [...compiled]
    .filter((rel) => /^tests\/.*_test\.(?:m?ts|tsx)$/.test(rel))
    .map((rel) => join(NODE_TESTS_DIR, rel.replace(/\.(m?)tsx?$/, ".$1js")))
    .sort();
  const missing = built.filter((file) => !existsSync(file));
  if (missing.length > 0) throw new Error(`tsc did not emit ${missing.join(", ")}`);
  console.log(
    `[build:node-tests] ${built.length} test files in ${toRel(NODE_TESTS_DIR)}/ ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { dir: NODE_TESTS_DIR, testFiles: built };
}

if (import.meta.main) {
  try {
    const result = await buildNpm();
    const typeErrors = [...result.typeErrors];
    if (Deno.args.includes("--tests")) await buildNodeTests();
    if (result.warnings.length > 0) {
      console.warn(
        `[build:npm] ${result.warnings.length} warning(s):\n  ${result.warnings.join("\n  ")}`,
      );
    }
    if (typeErrors.length > 0) {
      console.error(
        `[build:npm] ${typeErrors.length} type error(s):\n  ${typeErrors.join("\n  ")}`,
      );
      Deno.exit(1);
    }
  } catch (error) {
    console.error(`[build:npm] ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
