/**
 * Builds the npm package `codex-app-server` into `npm/` from the same sources Deno runs
 * (what `@deno/dnt` would do; JSR is out of reach here, so this script does it with `tsc`).
 *
 * Usage: `deno task build:npm` (`deno run -A scripts/build_npm.ts [--tests]`).
 * `--tests` also compiles `tests/` for Node into `.node-tests/` (see
 * `scripts/lib/node_tests.ts`). Exits non-zero when `tsc` reports a type error (after
 * emitting everything anyway).
 *
 * Layout of `npm/`:
 * ```
 * npm/package.json  README.md  LICENSE
 * npm/src/…     the TypeScript that was compiled: mod.ts, src/, generated/ with `npm:`
 *               specifiers mapped to bare names, plus `_polyfills.ts` (shipped: the source
 *               maps and declaration maps point here)
 * npm/esm/…     ES2022 modules, one per source: `.js`, `.d.ts`, `.js.map`, `.d.ts.map` (the
 *               tarball ships the declarations; the Node test suite runs the modules)
 * npm/dist/…    the entry points bundled (shared chunks; runtime adapters, validation and
 *               test hosts split off and loaded when first used), with source maps: what
 *               the package's `exports` load, so Node reads a few files at import, not ~40
 * npm/tsconfig.json   the compiler options used (not in the tarball)
 * ```
 *
 * @module
 */

import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, posix, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { listFiles, NPM_DIR, readJson, REPO_ROOT, repoRelative } from "./lib/files.ts";
import { type GraphModule, moduleGraph } from "./lib/module_graph.ts";
import { buildNodeTests } from "./lib/node_tests.ts";
import {
  bareFromNpmSpecifier,
  isRelative,
  npmSpecifier,
  packageOfPath,
  packageOfSpecifier,
  relativeSpecifier,
  rewriteDeclarationSpecifiers,
  rewriteSpecifiers,
  tsSpecifiers,
} from "./lib/npm_specifiers.ts";
import { NEEDS_POLYFILL, POLYFILLS, POLYFILLS_SOURCE } from "./lib/polyfills.ts";
import { systemNode } from "./lib/nodes.ts";
import { denoBin, run, runOrThrow } from "./lib/process.ts";
import { COMPILER_OPTIONS, jsFileOf, tsc } from "./lib/tsc.ts";

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
/** Where the sources are staged for tsc. */
const STAGE_DIR = join(NPM_DIR, "src");
/** Where tsc emits the package's modules. */
const ESM_DIR = join(NPM_DIR, "esm");
/** Where the bundled entry points go. */
const DIST_DIR = join(NPM_DIR, "dist");

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

/** The fields of the repository's `deno.json` the build reads. */
interface DenoJson {
  name?: string;
  version?: string;
  exports?: string | Record<string, string>;
  imports?: Record<string, string>;
}

/** The fields of the repository's `package.json` the build reads. */
interface RootPackage {
  dependencies?: Record<string, string>;
  repository?: unknown;
}

/** An entry point of the package: its export key and its source (repository-relative). */
interface Entry {
  key: string;
  file: string;
}

function log(message: string): void {
  console.log(`[build:npm] ${message}`);
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
  const denoJson = readJson<DenoJson>(join(REPO_ROOT, "deno.json"));
  const rootPackage = readJson<RootPackage>(join(REPO_ROOT, "package.json"));
  const importMap = denoJson.imports ?? {};
  const rootDependencies = rootPackage.dependencies ?? {};
  const version = checkVersions(denoJson.version, importMap, rootDependencies);
  const entries = entryPoints(denoJson.exports);
  const sources = packageSources(entries);
  const graph = moduleGraph(sources.map((rel) => join(REPO_ROOT, rel)));
  checkNothingOutside(graph, sources);

  rmSync(NPM_DIR, { recursive: true, force: true });
  mkdirSync(STAGE_DIR, { recursive: true });
  const usedPackages = stageSources(sources, entries, graph, importMap);
  const packageJson = await writePackageJson(
    version,
    entries,
    dependenciesOf(usedPackages, rootDependencies),
    rootPackage.repository,
  );
  if (packageJson.repository === undefined) {
    warn(
      "no repository: package.json declares none and git has no public origin, so the package " +
        "links to no source; set package.json's `repository` before publishing",
    );
  }
  copyReadmeAndLicense(warn);
  const typeErrors = await compile(sources.length + 1);
  rewriteDeclarationSpecifiers(ESM_DIR);
  verifyOutput(sources.concat(POLYFILLS));
  await bundle(entries, Object.keys(packageJson.dependencies as Record<string, string>));
  await probeUnderNode(entries);

  log(
    `built ${repoRelative(NPM_DIR)}/ in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { dir: NPM_DIR, sources, packageJson, warnings, typeErrors };
}

/**
 * The package version: the pinned runtime's. Checks that `deno.json` and `package.json`
 * agree on it and on every npm dependency both pin.
 */
function checkVersions(
  version: string | undefined,
  importMap: Record<string, string>,
  rootDependencies: Record<string, string>,
): string {
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
  return version;
}

/** The entry points, from `deno.json`'s `exports`. */
function entryPoints(exportsField: DenoJson["exports"]): Entry[] {
  const byKey = typeof exportsField === "string" ? { ".": exportsField } : exportsField ?? {};
  const entries = Object.entries(byKey).map(([key, file]) => ({
    key,
    file: posix.normalize(file),
  }));
  if (entries.length === 0) throw new Error("deno.json has no exports");
  return entries;
}

/** Every module of the package, sorted: the entry points and every `.ts` under the source dirs. */
function packageSources(entries: Entry[]): string[] {
  const sourceSet = new Set<string>(entries.map((e) => e.file));
  for (const dir of SOURCE_DIRS) {
    for (const rel of listFiles(join(REPO_ROOT, dir))) {
      if (/\.(?:m?ts|tsx)$/.test(rel) && !/_test\.ts$/.test(rel) && !rel.endsWith(".d.ts")) {
        sourceSet.add(`${dir}/${rel}`);
      }
    }
  }
  return [...sourceSet].sort();
}

/** Throws when the package imports a repository module it would not ship. */
function checkNothingOutside(graph: Map<string, GraphModule>, sources: string[]): void {
  const sourceSet = new Set(sources);
  for (const path of graph.keys()) {
    if (packageOfPath(path) !== undefined) continue;
    const rel = repoRelative(path);
    if (!sourceSet.has(rel)) {
      throw new Error(
        `Cannot build for npm: ${rel} is imported by the package but lies outside ` +
          `${SOURCE_DIRS.join("/, ")}/ and the entry points`,
      );
    }
  }
}

/**
 * Stages the sources in `npm/src/`: npm-style specifiers, plus the polyfill import where
 * needed, and the polyfill module itself.
 *
 * @returns The npm packages the sources import.
 */
function stageSources(
  sources: string[],
  entries: Entry[],
  graph: Map<string, GraphModule>,
  importMap: Record<string, string>,
): Set<string> {
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
          if (isRelative(dep.specifier)) return undefined;
          return relativeSpecifier(dirname(path), target);
        }),
    );
    const isEntry = entries.some((e) => e.file === rel);
    if (isEntry || NEEDS_POLYFILL.test(text)) {
      // Appended, so line numbers match the repository's sources; the module's body still
      // runs after every import it declares, wherever the declaration stands.
      const spec = relativeSpecifier(dirname(join(STAGE_DIR, rel)), join(STAGE_DIR, POLYFILLS));
      text = `${text.replace(/\n*$/, "\n")}import "${spec}"; // added by the npm build\n`;
    }
    mkdirSync(dirname(join(STAGE_DIR, rel)), { recursive: true });
    writeFileSync(join(STAGE_DIR, rel), text);
  }
  writeFileSync(join(STAGE_DIR, POLYFILLS), POLYFILLS_SOURCE);
  return usedPackages;
}

/** The package's dependencies: what it imports and always needs, at the root's pins. */
function dependenciesOf(
  usedPackages: Set<string>,
  rootDependencies: Record<string, string>,
): Record<string, string> {
  const dependencies: Record<string, string> = {};
  for (const pkg of [...new Set([...usedPackages, ...ALWAYS_DEPENDENCIES])].sort()) {
    const pinned = rootDependencies[pkg];
    if (pinned === undefined) {
      throw new Error(`The package imports "${pkg}", which package.json's dependencies lack`);
    }
    dependencies[pkg] = EXACT_DEPENDENCIES.has(pkg) || !/^\d/.test(pinned) ? pinned : `^${pinned}`;
  }
  return dependencies;
}

/** The package path of an entry point's emitted module (`./esm/….js`). */
function distOf(file: string): string {
  return `./dist/${jsFileOf(file)}`;
}

/** The package path of an entry point's emitted declarations (`./esm/….d.ts`). */
function dtsOf(file: string): string {
  return `./esm/${file.replace(/\.(m?)tsx?$/, ".d.$1ts")}`;
}

/** Writes `npm/package.json`, and returns it. */
async function writePackageJson(
  version: string,
  entries: Entry[],
  dependencies: Record<string, string>,
  declaredRepository: unknown,
): Promise<Record<string, unknown>> {
  const exportsMap: Record<string, unknown> = {};
  for (const { key, file } of entries) {
    exportsMap[key] = { types: dtsOf(file), import: distOf(file), default: distOf(file) };
  }
  exportsMap["./package.json"] = "./package.json";
  const main = entries.find((e) => e.key === ".") ?? entries[0];
  const packageJson: Record<string, unknown> = {
    name: PACKAGE_NAME,
    version,
    description: DESCRIPTION,
    keywords: ["codex", "openai", "app-server", "json-rpc", "sdk", "agent", "deno", "bun"],
    license: "Apache-2.0",
    repository: await repository(declaredRepository),
    type: "module",
    main: distOf(main.file),
    types: dtsOf(main.file),
    exports: exportsMap,
    // The bundles, the declarations (and their maps), and the sources both maps point at.
    files: ["dist/", "esm/**/*.d.ts", "esm/**/*.d.ts.map", "src/", "README.md", "LICENSE"],
    // ES modules only; `require()` of them needs Node 20.19 (or 22.12) and later.
    engines: { node: ">=20.19" },
    dependencies,
  };
  writeFileSync(join(NPM_DIR, "package.json"), JSON.stringify(packageJson, null, 2) + "\n");
  return packageJson;
}

/** The `repository` field: package.json's, else git's `origin`, else the fallback. */
async function repository(declared: unknown): Promise<unknown> {
  if (declared !== undefined) return declared;
  const origin = await run("git", ["config", "--get", "remote.origin.url"], { echo: false });
  let url = origin.code === 0 ? origin.output.trim() : "";
  if (url === "") return undefined; // no public home yet: omit the field rather than invent one
  url = url.replace(/^git@github\.com:/, "https://github.com/").replace(/\.git$/, "");
  // A clone of a local checkout has a path for its origin: no public home to link to.
  if (!/^(?:https?|ssh|git):\/\//.test(url)) return undefined;
  return { type: "git", url: `git+${url}.git` };
}

/**
 * The package's README: what a user of the installed package reads (install, quick start,
 * runtimes, trying it offline), not the repository's README, which is about developing
 * the SDK. Its code blocks are type-checked with the other docs (`deno task check`).
 */
export const PACKAGE_README = "docs/package-readme.md";

/**
 * Copies the package README and the LICENSE into `npm/` (the Apache-2.0 text when there is
 * no LICENSE).
 */
function copyReadmeAndLicense(warn: (message: string) => void): void {
  if (existsSync(join(REPO_ROOT, PACKAGE_README))) {
    cpSync(join(REPO_ROOT, PACKAGE_README), join(NPM_DIR, "README.md"));
  } else {
    warn(`the repository has no ${PACKAGE_README}: the package ships without a README`);
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
}

/**
 * Writes `npm/tsconfig.json` and compiles the staged sources into `npm/esm/`.
 *
 * @param modules How many modules are staged (for the log line).
 * @returns The type errors (empty when it passed).
 */
async function compile(modules: number): Promise<string[]> {
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
  log(`compiling ${modules} modules with tsc`);
  return await tsc(join(NPM_DIR, "tsconfig.json"));
}

/**
 * Checks the emitted files: every module has `.js`, `.d.ts` and maps; no `.ts` specifier is
 * left; every source map points at a file inside `npm/`.
 */
function verifyOutput(sources: string[]): void {
  const problems: string[] = [];
  for (const rel of sources) {
    const base = rel.replace(/\.(m?)tsx?$/, "");
    for (const ext of [".js", ".d.ts", ".js.map", ".d.ts.map"]) {
      if (!existsSync(join(ESM_DIR, base + ext))) problems.push(`missing esm/${base}${ext}`);
    }
  }
  for (const rel of listFiles(ESM_DIR)) {
    const path = join(ESM_DIR, rel);
    if (rel.endsWith(".js") || rel.endsWith(".d.ts")) {
      for (const specifier of tsSpecifiers(readFileSync(path, "utf8"))) {
        problems.push(`esm/${rel} still imports "${specifier}"`);
      }
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

/**
 * Bundles the staged entry points into `npm/dist/` with `deno bundle`: code splitting keeps
 * one copy of each class shared by the entry points and leaves the dynamic imports (runtime
 * adapters, validation, the test kit's hosts) as chunks loaded on first use; the package's
 * dependencies and Node's built-ins stay imports.
 *
 * @param entries The entry points.
 * @param externals The package's dependencies.
 */
async function bundle(entries: Entry[], externals: string[]): Promise<void> {
  log(`bundling ${entries.length} entry points into ${repoRelative(DIST_DIR)}/`);
  await runOrThrow(denoBin(), [
    "bundle",
    "--quiet",
    "--no-config",
    "--code-splitting",
    "--platform=deno",
    "--sourcemap=linked",
    ...externals.flatMap((name) => ["--external", name]),
    "--outdir",
    DIST_DIR,
    ...entries.map(({ file }) => join(STAGE_DIR, file)),
  ], { prefix: "[deno bundle] " });
  const problems: string[] = [];
  for (const { file } of entries) {
    if (!existsSync(join(NPM_DIR, distOf(file)))) problems.push(`missing ${distOf(file)}`);
  }
  for (const rel of listFiles(DIST_DIR)) {
    if (!rel.endsWith(".map")) continue;
    const path = join(DIST_DIR, rel);
    // The sources ship in src/: the maps point there instead of carrying a second copy.
    const { sourcesContent: _copy, ...map } = readJson<
      { sources: string[]; sourcesContent?: unknown }
    >(path);
    writeFileSync(path, JSON.stringify(map));
    for (const source of map.sources) {
      const target = resolve(dirname(path), source);
      if (!target.startsWith(STAGE_DIR + sep) || !existsSync(target)) {
        problems.push(`dist/${rel} points at ${source}, not a shipped source`);
      }
    }
  }
  if (problems.length > 0) throw new Error(`The bundle is broken:\n  ${problems.join("\n  ")}`);
}

/** Checks that the package loads under Node and that each entry point exports something. */
async function probeUnderNode(entries: Entry[]): Promise<void> {
  const probe = entries.map(({ key, file }) =>
    `const m${key.length} = await import(${
      JSON.stringify(pathToFileURL(join(NPM_DIR, distOf(file))).href)
    });` +
    `if (Object.keys(m${key.length}).length === 0) throw new Error(${
      JSON.stringify(`${key} exports nothing`)
    });`
  ).join("\n");
  await runOrThrow(systemNode(), ["--input-type=module", "-e", probe], { prefix: "[node] " });
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
