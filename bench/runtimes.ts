/**
 * The runtimes a bench run measures, and how each one runs a child: Deno and Bun run
 * `bench/child.ts` on the sources; Node runs a bundle of it on a snapshot of the npm build.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ChildConfig } from "./child.ts";
import { commandOutput, exists, ROOT } from "./machine.ts";

/** A runtime's name, as the rows show it. */
export type RuntimeName = "deno" | "bun" | "node";

/** A runtime, and how it runs a child. */
export interface Runtime {
  readonly name: RuntimeName;
  readonly version: string;
  /** The executable. */
  readonly exe: string;
  /** Arguments before the profiler flags (`run -A` for Deno). */
  readonly flags: string[];
  /** The child script. */
  readonly script: string;
  readonly urls: ChildConfig["urls"];
  /**
   * The SDK's entry point (`urls.sdk`) in copies of its code, {@linkcode SDK_COPIES} of them:
   * the clients that `warm` runs in one process load one each, so that each runs code only
   * its own turns have compiled, as in a program with one client.
   */
  readonly sdkCopies: readonly string[];
  /** The entry point of the `--ab` checkout's SDK, copied like those; "" without `--ab`. */
  readonly abCopy: string;
}

/** How many copies of the SDK's code each runtime has (`Runtime.sdkCopies`). */
export const SDK_COPIES = 4;

/** What {@link findRuntimes} looks for, and where. */
export interface RuntimeSearch {
  /** The run's temporary directory (the Node column's snapshot and bundle go here). */
  readonly tmp: string;
  /** The checkout whose SDK the children load. */
  readonly sdkRoot: string;
  /** A checkout whose SDK `warm` runs beside the others (`--ab`), if any. */
  readonly abRoot?: string;
  /** The runtimes asked for (all when undefined). */
  readonly wanted?: string[];
  /** Prints a note and keeps it for `bench/RESULTS.md`. */
  readonly say: (text: string) => void;
}

/**
 * The runtimes asked for, with the module URLs each child loads. Node is left out, with a
 * note, when there is no usable npm build.
 */
export async function findRuntimes(search: RuntimeSearch): Promise<Runtime[]> {
  const emptyUrl = pathToFileURL(join(search.tmp, "empty.mjs")).href;
  await Deno.writeTextFile(join(search.tmp, "empty.mjs"), "export {};\n");
  const url = (path: string) => pathToFileURL(join(search.sdkRoot, path)).href;
  const srcUrls = {
    sdk: url("mod.ts"),
    empty: emptyUrl,
    decode: url("src/framing/jsonl_decode.ts"),
    check: (await exists(join(search.sdkRoot, "src/client/conforms.ts")))
      ? url("src/client/conforms.ts")
      : "",
    generated: url("generated/mod.ts"),
    valibot: valibotUrl(),
  };
  const sources = wantsSources(search.wanted);
  const srcCopies = sources ? await copiesOfSources(search) : [];
  const abSources = sources && search.abRoot !== undefined
    ? await copySources(search.abRoot, join(search.tmp, "sources-ab"))
    : "";
  const wanted = (name: string) => search.wanted?.includes(name) ?? true;
  const runtimes: Runtime[] = [];
  if (wanted("deno")) {
    const deno = Deno.execPath();
    runtimes.push({
      name: "deno",
      version: (await commandOutput(deno, ["--version"])).split("\n")[0],
      exe: deno,
      flags: ["run", "-A", "--no-lock", "--quiet"],
      script: join(ROOT, "bench/child.ts"),
      urls: srcUrls,
      sdkCopies: srcCopies,
      abCopy: abSources,
    });
  }
  if (wanted("bun")) {
    const bun = join(ROOT, "node_modules/bun/bin/bun.exe");
    runtimes.push({
      name: "bun",
      version: `bun ${await commandOutput(bun, ["--version"])}`,
      exe: bun,
      flags: [],
      script: join(ROOT, "bench/child.ts"),
      urls: srcUrls,
      sdkCopies: srcCopies,
      abCopy: abSources,
    });
  }
  if (wanted("node")) {
    const node = await nodeRuntime(search, emptyUrl);
    if (node !== undefined) runtimes.push(node);
  }
  return runtimes;
}

/** Whether Deno or Bun, which run the sources, is among the runtimes asked for. */
function wantsSources(wanted: string[] | undefined): boolean {
  return wanted === undefined || wanted.includes("deno") || wanted.includes("bun");
}

/**
 * {@linkcode SDK_COPIES} copies of the sources in the run's temporary directory; returns the
 * URL of each one's `mod.ts`.
 */
async function copiesOfSources(search: RuntimeSearch): Promise<string[]> {
  const urls = [];
  for (let i = 0; i < SDK_COPIES; i++) {
    urls.push(await copySources(search.sdkRoot, join(search.tmp, `sources-${i}`)));
  }
  return urls;
}

/**
 * Copies the sources of the checkout at `root` (`mod.ts`, `transport.ts`, `src/`,
 * `generated/`) to `dest`; returns the URL of the copy's `mod.ts`. Its `npm:` imports resolve
 * as the originals' do (Deno through the repository's `deno.json`, Bun through its preload).
 */
async function copySources(root: string, dest: string): Promise<string> {
  await Deno.mkdir(dest, { recursive: true });
  for (const file of ["mod.ts", "transport.ts"]) {
    await Deno.copyFile(join(root, file), join(dest, file));
  }
  for (const dir of ["src", "generated"]) await copyTree(join(root, dir), join(dest, dir), ".ts");
  return pathToFileURL(join(dest, "mod.ts")).href;
}

/** valibot, which every runtime loads from the repository's `node_modules`. */
function valibotUrl(): string {
  return pathToFileURL(join(ROOT, "node_modules/valibot/dist/index.mjs")).href;
}

/**
 * Node, on a snapshot of the npm build (so a rebuild of npm/ during the run cannot break
 * it); undefined, with a note, when there is no build or it cannot be prepared.
 */
async function nodeRuntime(search: RuntimeSearch, emptyUrl: string): Promise<Runtime | undefined> {
  const npmDir = join(search.tmp, "npm");
  const bundle = join(search.tmp, "node/child.mjs");
  // The package's entry point (the bundle), as a user's `import "codex-app-server"` loads it.
  const builtMod = join(search.sdkRoot, "npm/dist/mod.js");
  if (!(await exists(builtMod))) {
    search.say(
      "note: no npm build (npm/dist/mod.js): skipping the Node column " +
        "(build it with `npx deno run -A scripts/build_npm.ts`).",
    );
    return undefined;
  }
  if (await newestSource(search.sdkRoot) > await builtAt(search.sdkRoot)) {
    search.say("note: the npm build is older than src/: the Node column measures the old code.");
  }
  const copies = Array.from({ length: SDK_COPIES }, (_, i) => join(search.tmp, `npm-${i}`));
  let failure = await snapshotNpm(join(search.sdkRoot, "npm"), npmDir) ??
    await bundleForNode(bundle);
  for (const copy of copies) failure ??= await copyBuild(npmDir, copy);
  const abCopy = join(search.tmp, "npm-ab");
  if (search.abRoot !== undefined) {
    if (await newestSource(search.abRoot) > await builtAt(search.abRoot)) {
      search.say("note: the --ab checkout's npm build is older than its src/.");
    }
    failure ??= await copyBuild(join(search.abRoot, "npm"), abCopy);
  }
  if (failure !== undefined) {
    search.say(`note: ${failure.split("\n")[0]}: skipping the Node column.`);
    return undefined;
  }
  const decode = join(npmDir, "esm/src/framing/jsonl_decode.js");
  const check = join(npmDir, "esm/src/client/conforms.js");
  return {
    name: "node",
    version: `node ${await commandOutput("node", ["--version"])}`,
    exe: "node",
    flags: [],
    script: bundle,
    urls: {
      sdk: pathToFileURL(join(npmDir, "dist/mod.js")).href,
      empty: emptyUrl,
      decode: (await exists(decode)) ? pathToFileURL(decode).href : "",
      check: (await exists(check)) ? pathToFileURL(check).href : "",
      generated: pathToFileURL(join(npmDir, "dist/generated/mod.js")).href,
      valibot: valibotUrl(),
    },
    sdkCopies: copies.map((copy) => pathToFileURL(join(copy, "dist/mod.js")).href),
    abCopy: search.abRoot === undefined ? "" : pathToFileURL(join(abCopy, "dist/mod.js")).href,
  };
}

/** When the npm build of the checkout at `root` was made (its `npm/dist/mod.js`), 0 if never. */
async function builtAt(root: string): Promise<number> {
  const stat = await Deno.stat(join(root, "npm/dist/mod.js")).catch(() => undefined);
  return stat?.mtime?.getTime() ?? 0;
}

/** Modification time of the newest `.ts` file under `mod.ts`, `src/` and `generated/`. */
async function newestSource(root: string): Promise<number> {
  let newest = (await Deno.stat(join(root, "mod.ts"))).mtime?.getTime() ?? 0;
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith(".ts")) {
        newest = Math.max(newest, (await Deno.stat(path)).mtime?.getTime() ?? 0);
      }
    }
  };
  for (const dir of ["src", "generated"]) await walk(join(root, dir)).catch(() => {});
  return newest;
}

/**
 * Copies `npm/package.json`, `npm/dist/` and `npm/esm/` to `dest`, next to a `node_modules` link to the
 * repository's (for valibot and the codex binary). Returns why it failed, if it did.
 */
async function snapshotNpm(npm: string, dest: string): Promise<string | undefined> {
  try {
    await Deno.mkdir(dest, { recursive: true });
    await Deno.copyFile(join(npm, "package.json"), join(dest, "package.json"));
    for (const dir of ["dist", "esm"]) await copyTree(join(npm, dir), join(dest, dir), ".js");
    await Deno.symlink(join(ROOT, "node_modules"), join(dirname(dest), "node_modules"));
    return undefined;
  } catch (error) {
    return `could not copy the npm build: ${error instanceof Error ? error.message : error}`;
  }
}

/**
 * Copies a snapshot's `package.json` and `dist/` to `dest`, a sibling that shares its
 * `node_modules` link (`Runtime.sdkCopies`). Returns why it failed, if it did.
 */
async function copyBuild(snapshot: string, dest: string): Promise<string | undefined> {
  try {
    await Deno.mkdir(dest, { recursive: true });
    await Deno.copyFile(join(snapshot, "package.json"), join(dest, "package.json"));
    await copyTree(join(snapshot, "dist"), join(dest, "dist"), ".js");
    return undefined;
  } catch (error) {
    return `could not copy the npm build: ${error instanceof Error ? error.message : error}`;
  }
}

/** Copies the files below `from` whose names end with `ext` to `to`, keeping the tree. */
async function copyTree(from: string, to: string, ext: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyTree(join(from, entry.name), join(to, entry.name), ext);
    else if (entry.name.endsWith(ext)) {
      await Deno.copyFile(join(from, entry.name), join(to, entry.name));
    }
  }
}

/** Bundles bench/child.ts for Node (which cannot run TypeScript). Returns why it failed. */
async function bundleForNode(out: string): Promise<string | undefined> {
  const built = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--no-lock", "--quiet", "--platform", "deno", "-o", out, "bench/child.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (built.success) return undefined;
  return `could not bundle bench/child.ts for Node: ${
    new TextDecoder().decode(built.stderr).trim().split("\n").pop()
  }`;
}
