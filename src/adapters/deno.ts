/**
 * The Deno adapter: `Deno.Command` for processes, `Deno.statSync` for files.
 *
 * Deno differences papered over here: `ChildProcess.status` reports a signal by name and a
 * code of 128+n, which we turn into `{ code: null, signal }` as Node reports it; spawning a
 * missing program throws synchronously, which we turn into an exit with `error` set.
 *
 * @module
 */

import {
  type ChildProcess,
  type ProcessExit,
  type RuntimeAdapter,
  type SpawnOptions,
  unstartedProcess,
} from "./adapter.ts";

/** The slice of the `Deno` namespace this adapter uses, declared here so `tsc` needs no Deno types. */
interface DenoHost {
  build: { os: string; arch: string };
  env: { toObject(): Record<string, string> };
  cwd(): string;
  statSync(path: string): { isFile: boolean; isDirectory: boolean; mode: number | null };
  Command: new (command: string, options: {
    args: string[];
    cwd?: string;
    env: Record<string, string>;
    clearEnv: boolean;
    stdin: "piped";
    stdout: "piped";
    stderr: "piped";
  }) => {
    spawn(): {
      pid: number;
      stdin: WritableStream<Uint8Array>;
      stdout: ReadableStream<Uint8Array>;
      stderr: ReadableStream<Uint8Array>;
      status: Promise<{ code: number; signal: string | null }>;
      kill(signal?: string): void;
      unref(): void;
    };
  };
}

const deno = (globalThis as unknown as { Deno: DenoHost }).Deno;

const NODE_ARCH: Record<string, string> = { x86_64: "x64", aarch64: "arm64" };
const NODE_OS: Record<string, string> = { windows: "win32" };

function spawn(options: SpawnOptions): ChildProcess {
  let child;
  try {
    child = new deno.Command(options.command, {
      args: [...options.args],
      cwd: options.cwd,
      env: { ...options.env },
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    return unstartedProcess(error);
  }
  child.unref(); // neither the process nor its pipes keep the program alive
  let done = false;
  const exited = child.status.then(
    (status): ProcessExit => {
      done = true;
      return status.signal === null
        ? { code: status.code, signal: null }
        : { code: null, signal: status.signal };
    },
    (error): ProcessExit => ({ code: null, signal: null, error }),
  );
  const spawned = child;
  return {
    pid: spawned.pid,
    stdin: spawned.stdin,
    stdout: spawned.stdout,
    stderr: spawned.stderr,
    exited,
    kill(signal = "SIGTERM") {
      if (done) return;
      try {
        spawned.kill(signal);
      } catch {
        // Already gone: nothing to signal.
      }
    },
  };
}

/**
 * The adapter used when running under Deno.
 *
 * @example
 * ```ts
 * import { denoAdapter } from "./deno.ts";
 * console.log(denoAdapter.platform, denoAdapter.arch); // "linux" "x64"
 * ```
 */
export const denoAdapter: RuntimeAdapter = {
  name: "deno",
  platform: NODE_OS[deno.build.os] ?? deno.build.os,
  arch: NODE_ARCH[deno.build.arch] ?? deno.build.arch,
  spawn,
  environment: () => deno.env.toObject(),
  pathKind(path) {
    let stat;
    try {
      stat = deno.statSync(path);
    } catch {
      return "missing";
    }
    if (stat.isDirectory) return "directory";
    // Any execute bit (Deno reports no access check); Windows has no mode bits.
    return !stat.isFile || (stat.mode !== null && (stat.mode & 0o111) === 0)
      ? "file"
      : "executable";
  },
  cwd: () => deno.cwd(),
  prompt: async (question, signal) => await (await import("./terminal.ts")).ask(question, signal),
};
