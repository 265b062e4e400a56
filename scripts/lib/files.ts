/**
 * Where the repository and its build outputs are, and listing and reading their files
 * (shared by the npm build, the Node test build, `scripts/test_all.ts` and the smoke test).
 *
 * @module
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this module lives in `scripts/lib/`). */
export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Where the package is built. */
export const NPM_DIR: string = join(REPO_ROOT, "npm");
/** Where the test files are compiled for Node: a mirror of the repository root. */
export const NODE_TESTS_DIR: string = join(REPO_ROOT, ".node-tests");

/** `path` relative to the repository root, with `/` separators. */
export function repoRelative(path: string): string {
  return relative(REPO_ROOT, path).split(sep).join("/");
}

/** A TypeScript module tsc compiles (`.ts`, `.mts`, `.tsx`; not a declaration file). */
export function isTypeScriptSource(file: string): boolean {
  return /\.(?:m?ts|tsx)$/.test(file) && !/\.d\.m?ts$/.test(file);
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

/** A JSON file's content, typed as the caller expects it. */
export function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}
