/**
 * Compiles `tests/` for Node into `.node-tests/`, a mirror of the repository root whose
 * tests import the npm build in `npm/esm/` instead of the sources (see {@link buildNodeTests}).
 *
 * @module
 */

import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import {
  isTypeScriptSource,
  listFiles,
  NODE_TESTS_DIR,
  NPM_DIR,
  readJson,
  REPO_ROOT,
  repoRelative,
} from "./files.ts";
import { type GraphDependency, type GraphModule, moduleGraph } from "./module_graph.ts";
import {
  isRelative,
  npmSpecifier,
  packageOfPath,
  relativeSpecifier,
  rewriteSpecifiers,
} from "./npm_specifiers.ts";
import { POLYFILLS } from "./polyfills.ts";
import { COMPILER_OPTIONS, jsFileOf, tsc } from "./tsc.ts";

/** What {@link buildNodeTests} produced. */
export interface NodeTestsBuild {
  /** `.node-tests/`, a mirror of the repository root; run the tests from here. */
  dir: string;
  /** The compiled test files (absolute paths), sorted. */
  testFiles: string[];
}

/** The package's staged sources. */
const STAGED_SOURCES = join(NPM_DIR, "src");
/** The package's compiled modules. */
const BUILT_ESM = join(NPM_DIR, "esm");
/** A test module (repository-relative). */
const TEST_MODULE = /^tests\/.*_test\.(?:m?ts|tsx)$/;
/** Entries of the repository root the mirror leaves out. */
const NOT_MIRRORED = new Set([".git", repoRelative(NODE_TESTS_DIR)]);

/** What goes into the mirror besides symlinks. */
interface MirrorPlan {
  graph: Map<string, GraphModule>;
  /** Modules compiled in the mirror (repository-relative). */
  compiled: Set<string>;
  /** Directories made for real in the mirror: those holding compiled modules or test files. */
  realDirs: Set<string>;
  /** `deno.json`'s import map. */
  importMap: Record<string, string>;
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
 * consumer smoke test type-checks the package's declarations. Needs `buildNpm` (in
 * `scripts/build_npm.ts`).
 *
 * @returns The mirror and the compiled `*_test.js` files.
 * @throws {Error} A test imports something that can be neither compiled nor mapped to
 * the package, or `tsc` fails.
 */
export async function buildNodeTests(): Promise<NodeTestsBuild> {
  const started = performance.now();
  if (!existsSync(join(BUILT_ESM, "mod.js"))) {
    throw new Error("npm/ is not built: run buildNpm() first");
  }
  const rootType = readJson<{ type?: string }>(join(REPO_ROOT, "package.json")).type;
  if (rootType !== "module") throw new Error('package.json must say "type": "module"');

  const testFiles = listFiles(join(REPO_ROOT, "tests")).map((rel) => `tests/${rel}`);
  const graph = moduleGraph(
    testFiles.filter(isTypeScriptSource).map((rel) => join(REPO_ROOT, rel)),
  );
  const compiled = modulesToCompile(graph);
  const plan: MirrorPlan = {
    graph,
    compiled,
    realDirs: directoriesOf([...compiled, ...testFiles]),
    importMap:
      readJson<{ imports?: Record<string, string> }>(join(REPO_ROOT, "deno.json")).imports ?? {},
  };
  rmSync(NODE_TESTS_DIR, { recursive: true, force: true });
  writeMirror(plan, "");
  const built = await compileMirror(compiled);
  console.log(
    `[build:node-tests] ${built.length} test files in ${repoRelative(NODE_TESTS_DIR)}/ ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { dir: NODE_TESTS_DIR, testFiles: built };
}

/** A repository module the package ships (staged in `npm/src/`). */
function inPackage(rel: string): boolean {
  return existsSync(join(STAGED_SOURCES, rel));
}

/**
 * The modules compiled in the mirror: the test modules and the repository modules they
 * reach that the package does not contain.
 */
function modulesToCompile(graph: Map<string, GraphModule>): Set<string> {
  const compiled = new Set<string>();
  for (const path of graph.keys()) {
    if (packageOfPath(path) !== undefined) continue;
    const rel = repoRelative(path);
    if (rel.startsWith("..")) throw new Error(`The tests import ${path}, outside the repository`);
    if (rel.startsWith("tests/") || !inPackage(rel)) compiled.add(rel);
  }
  return compiled;
}

/** Every directory (and parent) holding one of `files`, and the root (`""`). */
function directoriesOf(files: string[]): Set<string> {
  const dirs = new Set<string>([""]);
  for (const rel of files) {
    for (let dir = posix.dirname(rel); dir !== "."; dir = posix.dirname(dir)) dirs.add(dir);
  }
  return dirs;
}

/** Mirrors the repository directory `dirRel` into `.node-tests/`, recursively. */
function writeMirror(plan: MirrorPlan, dirRel: string): void {
  const target = join(NODE_TESTS_DIR, dirRel);
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(join(REPO_ROOT, dirRel), { withFileTypes: true })) {
    const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
    if (NOT_MIRRORED.has(rel)) continue;
    if (entry.isDirectory() && plan.realDirs.has(rel)) writeMirror(plan, rel);
    else if (plan.compiled.has(rel)) stageModule(plan, rel);
    else symlinkSync(relative(target, join(REPO_ROOT, rel)), join(target, entry.name));
  }
}

/** Writes the module `rel` into the mirror with its imports pointed at Node's targets. */
function stageModule(plan: MirrorPlan, rel: string): void {
  const source = join(REPO_ROOT, rel);
  const target = join(NODE_TESTS_DIR, rel);
  const module = plan.graph.get(source);
  if (module === undefined) throw new Error(`deno info did not report ${rel}`);
  let text = rewriteSpecifiers(
    readFileSync(source, "utf8"),
    module,
    (dep) =>
      npmSpecifier(
        dep,
        rel,
        plan.importMap,
        new Set(),
        (path) => localImport(plan, dep, rel, path),
      ),
  );
  if (TEST_MODULE.test(rel)) {
    // First, on the first line (line numbers stay), so the well-known symbols exist
    // before any other module's body runs.
    const polyfills = relativeSpecifier(dirname(target), join(BUILT_ESM, jsFileOf(POLYFILLS)));
    text = `import "${polyfills}"; ${text}`;
  }
  writeFileSync(target, text);
}

/**
 * How the mirrored module `importer` imports the repository module at `path`: another
 * compiled module in the mirror (as written when relative), else the package's built `.js`.
 */
function localImport(
  plan: MirrorPlan,
  dep: GraphDependency,
  importer: string,
  path: string,
): string | undefined {
  const depRel = repoRelative(path);
  if (plan.compiled.has(depRel)) {
    if (isRelative(dep.specifier)) return undefined;
    return relativeSpecifier(dirname(join(REPO_ROOT, importer)), path);
  }
  if (!inPackage(depRel)) {
    throw new Error(`${importer} imports ${depRel}, which cannot be compiled`);
  }
  const built = join(BUILT_ESM, jsFileOf(depRel));
  return relativeSpecifier(dirname(join(NODE_TESTS_DIR, importer)), built);
}

/**
 * Compiles the mirror's modules in place with tsc (emit only).
 *
 * @returns The emitted test files (absolute paths), sorted.
 */
async function compileMirror(compiled: Set<string>): Promise<string[]> {
  const tsconfigPath = join(NODE_TESTS_DIR, "tsconfig.node-tests.json");
  const tsconfig = {
    compilerOptions: { ...COMPILER_OPTIONS, rootDir: ".", noCheck: true },
    files: [...compiled].sort(),
  };
  writeFileSync(tsconfigPath, JSON.stringify(tsconfig, null, 2) + "\n");
  console.log(`[build:node-tests] compiling ${compiled.size} modules with tsc`);
  await tsc(tsconfigPath);
  const built = [...compiled]
    .filter((rel) => TEST_MODULE.test(rel))
    .map((rel) => join(NODE_TESTS_DIR, jsFileOf(rel)))
    .sort();
  const missing = built.filter((file) => !existsSync(file));
  if (missing.length > 0) throw new Error(`tsc did not emit ${missing.join(", ")}`);
  return built;
}
