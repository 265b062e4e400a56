/**
 * The module graph of local TypeScript files, from `deno info` (the same resolution Deno
 * uses to run the sources): each module with the specifiers it imports and where they point.
 *
 * @module
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "./files.ts";
import { denoBin, run } from "./process.ts";

/** One specifier a module imports, and what Deno resolves it to. */
export interface GraphDependency {
  /** The specifier as written. */
  specifier: string;
  /** What it resolves to (`file:///…`, `node:…`, `npm:…`), or undefined with `error`. */
  resolved?: string;
  error?: string;
}

/** A local module of the graph. */
export interface GraphModule {
  /** Its absolute path. */
  path: string;
  dependencies: GraphDependency[];
}

interface DenoInfoResolution {
  specifier?: string;
  error?: string;
}

/** The part of `deno info --json` read here. */
interface DenoInfo {
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
}

/**
 * The module graph of `files` (absolute paths), as Deno resolves it with the repository's
 * `deno.json`: each local module with the specifiers it imports (static, dynamic with a
 * literal, and type-only), where they point and where they are written.
 *
 * @returns The local modules, by absolute path.
 * @throws {Error} `deno info` fails or reports a module it cannot load.
 */
export async function moduleGraph(files: string[]): Promise<Map<string, GraphModule>> {
  const dir = mkdtempSync(join(tmpdir(), "build-npm-graph-"));
  try {
    const entry = join(dir, "entry.ts");
    writeFileSync(entry, files.map((file) => `import "${pathToFileURL(file).href}";\n`).join(""));
    const info = await denoInfo(entry);
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

/** `deno info --json` of `entry`, with the repository's `deno.json`. */
async function denoInfo(entry: string): Promise<DenoInfo> {
  const result = await run(
    denoBin(),
    ["info", "--json", "--config", join(REPO_ROOT, "deno.json"), entry],
    // The whole JSON (several MiB for the test suite's graph), not the usual tail.
    { echo: false, outputLimit: 256 * 1024 * 1024 },
  );
  if (result.code !== 0) throw new Error(`deno info failed:\n${result.output.slice(-4000)}`);
  return JSON.parse(result.output.slice(result.output.indexOf("{"))) as DenoInfo;
}
