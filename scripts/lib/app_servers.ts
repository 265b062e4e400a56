/**
 * The `codex app-server` processes running on this machine, by pid, read from `/proc`
 * (Linux): the test command takes them before and after each suite, and fails the run when
 * a suite left one behind.
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";

/**
 * The pids of the running (not zombie) processes whose program is named `codex` and whose
 * arguments hold `app-server`.
 *
 * @returns The pids, or `undefined` where there is no `/proc` to read.
 *
 * @example
 * ```ts
 * import { appServerPids } from "./app_servers.ts";
 * console.log(appServerPids()?.size ?? "no /proc here"); // 0
 * ```
 */
export function appServerPids(): Set<number> | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const pids = new Set<number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // A zombie's cmdline is empty, so it never matches.
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (/(^|[/\\])codex(\.exe)?$/.test(argv[0]) && argv.includes("app-server")) {
        pids.add(Number(entry));
      }
    } catch {
      // It exited while we looked.
    }
  }
  return pids;
}

/**
 * The app-servers started since `before` that are still running once `graceMs` has passed
 * (polled, so a clean suite costs one look).
 *
 * @param before {@linkcode appServerPids} taken before the suite.
 * @param graceMs How long a just-closed app-server may take to exit.
 * @returns Their pids (empty when none is left, or when `/proc` cannot be read).
 *
 * @example
 * ```ts
 * import { appServerPids, leftoverAppServers } from "./app_servers.ts";
 * const before = appServerPids() ?? new Set<number>();
 * console.log(await leftoverAppServers(before, 0)); // []
 * ```
 */
export async function leftoverAppServers(
  before: ReadonlySet<number>,
  graceMs = 3_000,
): Promise<number[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const left = [...appServerPids() ?? []].filter((pid) => !before.has(pid));
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
