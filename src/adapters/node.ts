/**
 * The Node adapter: `node:child_process` for processes.
 *
 * Node differences papered over here: a spawn failure (missing program) arrives as an
 * asynchronous `error` event, which we turn into an exit with `error` set; Node streams are
 * exposed as web streams through thin wrappers (`toWebWritable`, `toWebReadable`), and
 * stdout and stderr can also be read by their `data` events (`readStdout`, `readStderr`) and
 * stdin written and ended without a web stream (`writeStdin`, `endStdin`), as the stdio
 * transport does; each web stream is made when first asked for.
 *
 * @module
 */

import type { Readable, Writable } from "node:stream";
import { CodexError } from "../errors.ts";
import type { ChildProcess, ProcessExit, RuntimeAdapter, SpawnOptions } from "./adapter.ts";
import { environment, hostFacts, pathKind, prompt } from "./node_host.ts";

// Through `getBuiltinModule`, for the reason given in `node_host.ts`.
const { spawn: nodeSpawn } = globalThis.process.getBuiltinModule("node:child_process");

function spawn(options: SpawnOptions): ChildProcess {
  const child = nodeSpawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: { ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let done = false;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("error", (error) => {
      if (child.pid === undefined) {
        done = true;
        resolve({ code: null, signal: null, error });
      }
    });
    child.once("exit", (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  // A write to a child that died is reported through `exited`; keep the pipe quiet.
  child.stdin.on("error", () => {});
  // Neither the process nor its pipes keep the program alive (see `ChildProcess`).
  child.unref();
  for (const pipe of [child.stdin, child.stdout, child.stderr]) {
    (pipe as { unref?: () => void }).unref?.();
  }
  // No web stream is made before it is asked for: Node's first costs it 2 ms of loading.
  let stdin: WritableStream<Uint8Array> | undefined;
  const stdout = oneWayPipe(child.stdout, "stdout");
  const stderr = oneWayPipe(child.stderr, "stderr");
  return {
    pid: child.pid ?? -1,
    get stdin() {
      return stdin ??= toWebWritable(child.stdin);
    },
    writeStdin(chunk) {
      // After the pipe has ended or broken, Node reports the write to the quiet error
      // listener above, without throwing.
      child.stdin.write(chunk);
    },
    endStdin() {
      child.stdin.end();
    },
    get stdout() {
      return stdout.stream();
    },
    readStdout: stdout.read,
    get stderr() {
      return stderr.stream();
    },
    readStderr: stderr.read,
    exited,
    kill(signal = "SIGTERM") {
      if (!done) child.kill(signal);
    },
  };
}

/**
 * A pipe read one way only: as a web stream, made at the first ask, or by `data` events
 * (`read`, which is `readStdout` or `readStderr`).
 */
function oneWayPipe(source: Readable, name: "stdout" | "stderr") {
  let stream: ReadableStream<Uint8Array> | undefined;
  let pushed = false;
  const taken = (how: string) =>
    new CodexError(`Cannot read ${name} ${how}: it is already being read the other way`);
  return {
    stream(): ReadableStream<Uint8Array> {
      if (pushed) throw taken("as a stream");
      return stream ??= toWebReadable(source);
    },
    read(onChunk: (chunk: Uint8Array) => void, signal?: AbortSignal): Promise<void> {
      if (pushed || stream !== undefined) return Promise.reject(taken("by push"));
      pushed = true;
      return readPushed(source, onChunk, signal);
    },
  };
}

/**
 * A Node writable as a web `WritableStream`. A write settles at once unless Node asks to
 * wait (`write` returned `false`), then when the chunk is flushed or fails; Node calls back
 * even for a pipe destroyed meanwhile, so no write waits forever. Not `Writable.toWeb`,
 * whose first use loads Node's stream adapters, 4 ms before the first spawn.
 */
function toWebWritable(sink: Writable): WritableStream<Uint8Array> {
  return new WritableStream<Uint8Array>({
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        const flowing = sink.write(chunk, (error) => error ? reject(error) : resolve());
        if (flowing) resolve();
      }),
    close: () => new Promise<void>((resolve) => sink.end(resolve)),
    abort: () => void sink.destroy(),
  });
}

/** How many chunks may wait unread before the Node stream is paused. */
const QUEUED_CHUNKS = 16;

/**
 * A Node readable as a web `ReadableStream`, with backpressure: the Node stream is paused
 * once `QUEUED_CHUNKS` chunks wait unread, and resumed by the next read. Node 20's
 * `Readable.toWeb` costs several microseconds per chunk; the app-server writes a chunk per
 * notification, so this thin wrapper is what keeps the SDK's per-event cost low on Node. A
 * high-water mark of 0 makes Node call `pull` only when a read waits (with 16, after every
 * chunk as well: two promises each time).
 */
function toWebReadable(source: Readable): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      source.on("data", (chunk: Uint8Array) => {
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 0) <= -QUEUED_CHUNKS) source.pause();
      });
      source.once("end", () => controller.close());
      source.once("error", (error) => controller.error(error));
    },
    pull() {
      if (source.isPaused()) source.resume();
    },
    cancel() {
      source.destroy();
    },
  }, { highWaterMark: 0 });
}

/**
 * Reads a Node readable by its `data` events until it ends, `signal` aborts (the stream is
 * destroyed) or `onChunk` throws: what `readStdout` and `readStderr` are, without the promise
 * and the calls per chunk that a web stream costs on Node.
 */
function readPushed(
  source: Readable,
  onChunk: (chunk: Uint8Array) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const finish = (error?: unknown) => {
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("close", onEnd);
      source.off("error", finish);
      signal?.removeEventListener("abort", onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onEnd = () => finish();
    const onAbort = () => {
      source.destroy();
      finish();
    };
    const onData = (chunk: Uint8Array) => {
      try {
        onChunk(chunk);
      } catch (error) {
        source.destroy();
        finish(error);
      }
    };
    if (signal?.aborted) return onAbort();
    if (source.readableEnded || source.destroyed) return finish();
    signal?.addEventListener("abort", onAbort, { once: true });
    source.on("data", onData);
    // `close` without `end`: the pipe was destroyed (a spawn that failed).
    source.once("end", onEnd);
    source.once("close", onEnd);
    source.once("error", finish);
  });
}

/**
 * The adapter used when running under Node (the npm build).
 *
 * @example
 * ```ts
 * import { nodeAdapter } from "./node.ts";
 * console.log(nodeAdapter.platform, nodeAdapter.arch); // "linux" "x64"
 * ```
 */
export const nodeAdapter: RuntimeAdapter = {
  name: "node",
  platform: hostFacts.platform,
  arch: hostFacts.arch,
  spawn,
  environment,
  pathKind,
  prompt,
  cwd: hostFacts.cwd,
};
