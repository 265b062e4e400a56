/**
 * The Bun adapter: `Bun.spawn` for processes.
 *
 * Bun differences papered over here: a piped stdin is a `FileSink`, not a web stream, so we
 * wrap it in a `WritableStream`; `exited` gives only a number, and `signalCode` the signal.
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
import { environment, hostFacts, pathKind, prompt } from "./node_host.ts";

/** The slice of the `Bun` namespace this adapter uses, declared here so `tsc` needs no Bun types. */
interface BunHost {
  spawn(options: {
    cmd: string[];
    cwd?: string;
    env: Record<string, string>;
    stdin: "pipe";
    stdout: "pipe";
    stderr: "pipe";
  }): {
    pid: number;
    stdin: {
      write(chunk: Uint8Array): number;
      flush(): number | Promise<number>;
      end(): number | Promise<number>;
    };
    stdout: ReadableStream<Uint8Array>;
    stderr: ReadableStream<Uint8Array>;
    exited: Promise<number>;
    signalCode: string | null;
    exitCode: number | null;
    kill(signal?: string): void;
    unref(): void;
  };
}

const bun = (globalThis as unknown as { Bun: BunHost }).Bun;

function spawn(options: SpawnOptions): ChildProcess {
  let child;
  try {
    child = bun.spawn({
      cmd: [options.command, ...options.args],
      cwd: options.cwd,
      env: { ...options.env },
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
  } catch (error) {
    return unstartedProcess(error);
  }
  // Before any read: Bun refs a pipe read started while the process is referenced.
  child.unref();
  const spawned = child;
  let done = false;
  const exited = spawned.exited.then(
    (code): ProcessExit => {
      done = true;
      return spawned.signalCode
        ? { code: null, signal: spawned.signalCode }
        : { code, signal: null };
    },
    (error): ProcessExit => ({ code: null, signal: null, error }),
  );
  const sink = spawned.stdin;
  const stdin = new WritableStream<Uint8Array>({
    async write(chunk) {
      sink.write(chunk);
      await sink.flush();
    },
    async close() {
      await sink.end();
    },
    async abort() {
      await sink.end();
    },
  });
  return {
    pid: spawned.pid,
    stdin,
    stdout: spawned.stdout,
    stderr: spawned.stderr,
    exited,
    kill(signal = "SIGTERM") {
      if (!done) spawned.kill(signal);
    },
  };
}

/**
 * The adapter used when running under Bun.
 *
 * @example
 * ```ts
 * import { bunAdapter } from "./bun.ts";
 * console.log(bunAdapter.platform, bunAdapter.arch); // "linux" "x64"
 * ```
 */
export const bunAdapter: RuntimeAdapter = {
  name: "bun",
  platform: hostFacts.platform,
  arch: hostFacts.arch,
  spawn,
  environment,
  pathKind,
  prompt,
  cwd: hostFacts.cwd,
};
