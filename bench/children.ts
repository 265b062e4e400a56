/**
 * Runs one measurement in a fresh child process (`bench/child.ts` on the given runtime)
 * and reads back its result, optionally with a V8 CPU profile of the child.
 *
 * @module
 */

import type { ChildConfig, ChildResult } from "./child.ts";
import { ROOT } from "./machine.ts";
import type { Runtime } from "./runtimes.ts";

/** One child's result, with its wall time as the parent sees it. */
export interface ChildRun {
  readonly result: ChildResult;
  /** Spawn to exit, ms (as this process sees it). */
  readonly wallMs: number;
}

/**
 * Runs one child to completion (killed after `timeoutMs`).
 *
 * @throws {Error} The child failed or reported no result; with its stderr tail.
 */
export type RunChild = (
  runtime: Runtime,
  config: ChildConfig,
  timeoutMs: number,
) => Promise<ChildRun>;

/**
 * How each runtime is told to run its optimizing compiler on the main thread: V8's
 * `--no-concurrent-recompilation` (its optimizing tiers), JavaScriptCore's `useConcurrentJIT`
 * (DFG and FTL). The work is the same; the thread doing it changes, so what the concurrent
 * compiler costs shows as the difference.
 */
const SYNC_JIT: Record<string, { flags: string[]; env: Record<string, string> }> = {
  deno: {
    flags: ["--v8-flags=--no-concurrent-recompilation"],
    env: {},
  },
  node: { flags: ["--no-concurrent-recompilation"], env: {} },
  bun: { flags: [], env: { BUN_JSC_useConcurrentJIT: "0" } },
};

/**
 * A {@link RunChild} that, given `profileDir`, writes a V8 CPU profile of every child there
 * (`<runtime>-<scenario>-<impl>-<n>.cpuprofile`), sampled every 100 µs: a short turn is a few
 * milliseconds of CPU, too few samples at the default 1 ms. With `syncJit`, every child runs
 * its runtime's optimizing compiler on its main thread (`SYNC_JIT`).
 */
export function childRunner(profileDir: string | undefined, syncJit = false): RunChild {
  let profileCount = 0;
  return async (runtime, config, timeoutMs) => {
    const jit = syncJit ? SYNC_JIT[runtime.name] : undefined;
    const profile = profileDir === undefined ? [] : [
      "--cpu-prof",
      "--cpu-prof-interval=100",
      `--cpu-prof-dir=${profileDir}`,
      `--cpu-prof-name=${runtime.name}-${config.scenario}-${config.impl}-${++profileCount}.cpuprofile`,
    ];
    const t0 = performance.now();
    const flags = runtime.name === "deno" && jit !== undefined
      ? [runtime.flags[0], ...jit.flags, ...runtime.flags.slice(1)] // after `run`
      : [...(jit?.flags ?? []), ...runtime.flags];
    const child = new Deno.Command(runtime.exe, {
      args: [...flags, ...profile, runtime.script, JSON.stringify(config)],
      env: jit?.env,
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const { code, stdout, stderr } = await child.output();
    const wallMs = performance.now() - t0;
    clearTimeout(timer);
    const line = new TextDecoder().decode(stdout).split("\n").find((l) => l.startsWith("RESULT "));
    if (code !== 0 || line === undefined) {
      const tail = new TextDecoder().decode(stderr).slice(-2000);
      throw new Error(
        `${runtime.name} ${config.scenario}/${config.impl} failed (exit ${code}):\n${tail}`,
      );
    }
    return { result: JSON.parse(line.slice("RESULT ".length)) as ChildResult, wallMs };
  };
}
