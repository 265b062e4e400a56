/**
 * Host facts shared by the Node and Bun adapters, which both offer `node:` built-ins.
 *
 * @module
 */

import type { PathKind } from "./adapter.ts";

// The global `process` and `getBuiltinModule`, not `import … from "node:process"` and
// `"node:fs"`: Node builds an ES module for each built-in imported that way, which costs
// 3–10 ms before the first spawn (`node:process` alone 7 ms on Node 20, 10 on Node 24).
const process = globalThis.process;
const { accessSync, constants, statSync } = process.getBuiltinModule("node:fs");

/**
 * What is at `path`, through `node:fs`: nothing, a directory, a file, or an executable file.
 *
 * @param path The path to look at.
 * @returns Its kind.
 *
 * @example
 * ```ts
 * import { pathKind } from "./node_host.ts";
 * console.log(pathKind("/bin/sh")); // "executable"
 * ```
 */
export function pathKind(path: string): PathKind {
  let stat;
  try {
    stat = statSync(path, { throwIfNoEntry: false });
  } catch {
    return "missing"; // not reachable (a permission on a parent folder): as good as absent
  }
  if (stat === undefined) return "missing";
  if (stat.isDirectory()) return "directory";
  if (!stat.isFile()) return "file";
  try {
    accessSync(path, constants.X_OK);
    return "executable";
  } catch {
    return "file";
  }
}

/**
 * The parent environment with only string values, through `node:process`.
 *
 * @returns A fresh copy of the environment.
 *
 * @example
 * ```ts
 * import { environment } from "./node_host.ts";
 * console.log(environment().HOME);
 * ```
 */
export function environment(): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined) copy[key] = value;
  }
  return copy;
}

/** The platform, architecture and working directory, through `node:process`. */
export const hostFacts: { platform: string; arch: string; cwd: () => string } = {
  platform: process.platform,
  arch: process.arch,
  cwd: () => process.cwd(),
};

/**
 * Asks the person at the terminal (see `RuntimeAdapter.prompt`); `node:readline` is loaded
 * on first use only.
 *
 * @param question What to ask.
 * @param signal Stops waiting for the answer.
 * @returns The line typed, or `null` without a terminal or when `signal` aborts.
 *
 * @example
 * ```ts ignore
 * import { prompt } from "./node_host.ts";
 * const answer = await prompt("Continue? [y/N] ", AbortSignal.timeout(60_000));
 * ```
 */
export async function prompt(question: string, signal: AbortSignal): Promise<string | null> {
  return await (await import("./terminal.ts")).ask(question, signal);
}
