/**
 * The stdio transport: JSON Lines over a child process's stdin and stdout.
 *
 * @module
 */

import { deferred } from "../_util/deferred.ts";
import { redact } from "../_util/secrets.ts";
import { describe, stripAnsi } from "../_util/text.ts";
import { settleWithin } from "../_util/wait.ts";
import type { ChildProcess, ProcessExit } from "../adapters/adapter.ts";
import { CodexError } from "../errors.ts";
import { JsonlDecoder } from "../framing/jsonl_decode.ts";
import type { CloseOptions, MessageTransport, TransportCloseInfo } from "./transport.ts";

/** Options of {@linkcode stdioTransport}. */
export interface StdioTransportOptions {
  /** Called with each line the process writes to stderr. */
  readonly onStderr?: (line: string) => void;
}

/** How many stderr lines are kept for error messages. */
const STDERR_LINES = 50;
/** Longer stderr lines are cut to this many characters (a line without end stays bounded). */
const STDERR_LINE_CHARS = 4096;
/** The default of `CloseOptions.graceMs`: the whole graceful part of `close()`. */
const CLOSE_GRACE_MS = 4000;
/** How long `closed` waits, after the exit, for stderr's last lines. */
const STDERR_SETTLE_MS = 100;
/** How long a process whose stdout ended may take to exit before it is killed. */
const STDOUT_GRACE_MS = 250;
/** How long `close()` waits for the exit after SIGKILL before it gives up on it. */
const KILL_SETTLE_MS = 1000;

/**
 * Wraps a spawned process as a {@linkcode MessageTransport}: messages are JSON Lines on
 * stdin and stdout; stderr is drained continuously into a ring buffer (an undrained pipe
 * would block the child) and optionally forwarded line by line. Besides `readable` and
 * `writable`, it has `readMessages` and `send`, which skip the web streams' cost per message
 * (a connection uses them).
 *
 * The transport ends when the process exits, or — should the process close its stdout and
 * live on — `STDOUT_GRACE_MS` (250 ms) after its stdout ended; the process is then killed.
 *
 * @param child A process from a runtime adapter's `spawn`.
 * @param options Stderr handling.
 * @returns The transport.
 *
 * @example
 * ```ts
 * import { loadAdapter } from "../adapters/detect.ts";
 * import { stdioTransport } from "./stdio.ts";
 * const adapter = await loadAdapter();
 * const child = adapter.spawn({ command: "codex", args: ["app-server"], env: adapter.environment() });
 * const transport = stdioTransport(child, { onStderr: (line) => console.error(line) });
 * await transport.close();
 * ```
 */
export function stdioTransport(
  child: ChildProcess,
  options: StdioTransportOptions = {},
): MessageTransport {
  const tail = new LineRing(STDERR_LINES);
  const { onStderr } = options;
  // Lines are kept as read; masking and colour stripping wait until the tail is asked for.
  const stderrDone = drainLines(child, (line) => {
    tail.push(line);
    if (onStderr !== undefined) onStderr(redact(line));
  });
  /** The tail for messages: secrets masked, without terminal colours. */
  const stderrTail = () => tail.lines().map((line) => stripAnsi(redact(line)));

  // The web streams, the process's and our own, are made when first used: a connection uses
  // none of them where the adapter reads and writes its pipes itself (Node's, whose first web
  // stream costs it 2 ms of loading).
  let stdinWriter: WritableStreamDefaultWriter<Uint8Array> | undefined;
  const stdin = () => {
    if (stdinWriter === undefined) {
      stdinWriter = child.stdin.getWriter();
      stdinWriter.closed.catch(() => {}); // a dead child is reported through `closed`
    }
    return stdinWriter;
  };
  const endStdin = () => {
    if (stdinWriter === undefined && child.endStdin !== undefined) child.endStdin();
    else stdin().close().catch(() => {});
  };
  const encoder = new TextEncoder();
  /** A message as the bytes of its line. */
  const line = (text: string) => encoder.encode(text + "\n");
  let writable: WritableStream<string> | undefined;
  let readable: ReadableStream<unknown[]> | undefined;

  const ended = deferred<TransportCloseInfo>();
  const closed = ended.promise;
  child.exited.then(async (exit) => {
    await settleWithin(stderrDone, STDERR_SETTLE_MS);
    ended.resolve(describeExit(exit, stderrTail()));
  });

  /** Signals the process to go, harder at each step; resolves once it has (or given up). */
  let stopping: Promise<void> | undefined;
  const stop = (graceMs: number) => {
    stopping ??= (async () => {
      // Never awaited: a frozen peer may never drain the pipe, and EOF would wait behind it.
      endStdin();
      if (await settleWithin(child.exited, graceMs / 2)) return;
      child.kill("SIGTERM");
      if (await settleWithin(child.exited, graceMs / 2)) return;
      child.kill("SIGKILL");
      if (await settleWithin(child.exited, KILL_SETTLE_MS)) return;
      ended.resolve({
        reason: `codex (pid ${child.pid}) did not exit after SIGKILL`,
        exitCode: null,
        signal: null,
        stderrTail: stderrTail(),
      });
    })();
    return stopping;
  };

  const stdoutEnded = async () => {
    if (await settleWithin(child.exited, STDOUT_GRACE_MS)) return;
    ended.resolve({
      reason: "codex closed its stdout but did not exit; it was stopped",
      exitCode: null,
      signal: null,
      stderrTail: stderrTail(),
    });
    void stop(CLOSE_GRACE_MS);
  };

  /** Stdout is read one way only: by `readable` or by `readMessages`, once. */
  let stdoutTaken = false;
  const takeStdout = () => {
    if (stdoutTaken) {
      throw new CodexError("Cannot read messages: the transport's output is already being read");
    }
    stdoutTaken = true;
    return child;
  };

  const transport: MessageTransport = {
    pid: child.pid,
    get readable() {
      return readable ??= decodeJsonl(takeStdout, stdoutEnded);
    },
    get writable() {
      return writable ??= new WritableStream<string>({
        write: (text) => stdin().write(line(text)),
      });
    },
    closed,
    stderrTail,
    async close({ graceMs = CLOSE_GRACE_MS }: CloseOptions = {}) {
      await stop(graceMs);
      return await closed;
    },
  };
  // Not enumerable: a wrapper made by spreading the transport (`{ ...transport, readable }`)
  // must not pass them on, or the connection would read (write) around the wrapper's
  // `readable` (`writable`).
  Object.defineProperty(transport, "readMessages", {
    value: (onBatch: (batch: unknown[]) => void, signal?: AbortSignal) =>
      readJsonl(takeStdout, onBatch, stdoutEnded, signal),
  });
  const writeStdin = child.writeStdin?.bind(child);
  Object.defineProperty(transport, "send", {
    value: writeStdin === undefined
      ? (text: string) => void stdin().write(line(text)).catch(() => {})
      : (text: string) => writeStdin(line(text)),
  });
  return transport;
}

/**
 * Byte stream to message batches, as a stream: for `readable`. A pull source that reads and
 * decodes directly, rather than `pipeThrough` a decoding stream: the app-server writes one
 * notification per pipe write, and a pipe costs several promise hops per chunk (measured ~10
 * µs per event on Node 20, where the budget is 2). It reads the pipe only as it is read.
 */
function decodeJsonl(
  takeStdout: () => ChildProcess,
  onEnd: () => void,
): ReadableStream<unknown[]> {
  // The pipe is taken at the first read, not before: until then `readMessages` may have it.
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const decoder = new JsonlDecoder();
  return new ReadableStream<unknown[]>({
    async pull(controller) {
      reader ??= takeStdout().stdout.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        const batch = done ? decoder.end() : decoder.push(value);
        if (batch.length > 0) controller.enqueue(batch);
        if (done) {
          controller.close();
          onEnd();
          return;
        }
        if (batch.length > 0) return;
      }
    },
    async cancel(reason) {
      try {
        reader ??= takeStdout().stdout.getReader();
      } catch {
        return; // `readMessages` reads the pipe: not ours to cancel
      }
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * Stdout to message batches, handed to `onBatch` as they arrive: for `readMessages`, without
 * the second web stream `readable` costs per message (half the promises of a short turn on
 * Node), and without the first where the adapter reads its pipe by itself (`readStdout`).
 * Aborting `signal` cancels the read: nothing more is handed over, not even the unterminated
 * rest, and the end is not reported.
 */
async function readJsonl(
  takeStdout: () => ChildProcess,
  onBatch: (batch: unknown[]) => void,
  onEnd: () => void,
  signal?: AbortSignal,
): Promise<void> {
  const child = takeStdout();
  const decoder = new JsonlDecoder();
  const onChunk = (chunk: Uint8Array) => {
    const batch = decoder.push(chunk);
    if (batch.length > 0) onBatch(batch);
  };
  await readPipe(child, "stdout", onChunk, signal);
  if (signal?.aborted) return; // cancelled: what was cut off is not a message
  const rest = decoder.end();
  if (rest.length > 0) onBatch(rest);
  onEnd();
}

/**
 * Reads one of the child's pipes into `onChunk`: by the adapter's own reader where it has one
 * (`readStdout`, `readStderr`: Node's), else the web stream by `readChunks`.
 */
function readPipe(
  child: ChildProcess,
  pipe: "stdout" | "stderr",
  onChunk: (chunk: Uint8Array) => void,
  signal?: AbortSignal,
): Promise<void> {
  const read = pipe === "stdout" ? child.readStdout : child.readStderr;
  return read !== undefined
    ? read.call(child, onChunk, signal)
    : readChunks(child[pipe], onChunk, signal);
}

/** The size of the one buffer a byte stream is read into: a pipe's usual capacity. */
const READ_BUFFER_BYTES = 65_536;

/**
 * Reads a byte stream into `onChunk` until it ends or `signal` aborts (which cancels it).
 *
 * A byte stream (Deno's pipes) is read with a BYOB reader into one buffer, handed back at
 * each read, instead of a new chunk the stream allocates per read: about 8 µs less CPU per
 * message on Deno, where the app-server's messages arrive one read each. `onChunk` must not
 * keep its chunk past the call (the decoder copies it into text at once). Other streams
 * (Bun's pipes) are read as they come.
 */
async function readChunks(
  bytes: ReadableStream<Uint8Array>,
  onChunk: (chunk: Uint8Array) => void,
  signal?: AbortSignal,
): Promise<void> {
  const owned = byobReader(bytes);
  const reader = owned ?? bytes.getReader();
  const cancel = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", cancel, { once: true });
  if (signal?.aborted) cancel();
  try {
    if (owned === undefined) {
      const plain = reader as ReadableStreamDefaultReader<Uint8Array>;
      for (;;) {
        const { done, value } = await plain.read();
        if (done || signal?.aborted) return;
        onChunk(value);
      }
    }
    let buffer = new Uint8Array(READ_BUFFER_BYTES);
    for (;;) {
      const { done, value } = await owned.read(buffer);
      if (done || signal?.aborted) return;
      onChunk(value);
      buffer = new Uint8Array(value.buffer); // the whole buffer, back for the next read
    }
  } finally {
    signal?.removeEventListener("abort", cancel);
  }
}

/** A BYOB reader of `bytes` if it is a byte stream; `undefined` (and unlocked) if not. */
function byobReader(bytes: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | undefined {
  try {
    return bytes.getReader({ mode: "byob" });
  } catch (error) {
    if (bytes.locked) throw error;
    return undefined; // not a byte stream
  }
}

function describeExit(exit: ProcessExit, stderrTail: string[]): TransportCloseInfo {
  let reason: string;
  if (exit.error !== undefined) {
    reason = `could not run codex: ${describe(exit.error)}`;
  } else if (exit.signal !== null) {
    reason = `codex was killed by ${exit.signal}`;
  } else {
    reason = `codex exited with code ${exit.code}`;
  }
  return { reason, exitCode: exit.code, signal: exit.signal, stderrTail, cause: exit.error };
}

/**
 * Reads the child's stderr to its end, calling `onLine` for each line of text. Each character is
 * scanned once, and a line longer than `STDERR_LINE_CHARS` is cut there (the rest of it is
 * dropped), so a process writing without newlines costs neither quadratic time nor memory.
 */
async function drainLines(
  child: ChildProcess,
  onLine: (line: string) => void,
): Promise<void> {
  let partial = "";
  let cut = false;
  const take = (piece: string, ends: boolean) => {
    if (!cut) {
      partial += piece;
      if (partial.length > STDERR_LINE_CHARS) {
        partial = `${partial.slice(0, STDERR_LINE_CHARS)} […]`;
        cut = true;
      }
    }
    if (!ends) return;
    onLine(partial.endsWith("\r") ? partial.slice(0, -1) : partial);
    partial = "";
    cut = false;
  };
  const takeText = (text: string) => {
    let start = 0;
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      take(text.slice(start, end), true);
      start = end + 1;
    }
    if (start < text.length) take(text.slice(start), false);
  };
  // Read chunks and one streaming TextDecoder, not `pipeThrough(new TextDecoderStream())`: a
  // pipe costs several promise hops per chunk, and a chatty app-server writes a log line per
  // chunk (an unknown model's name: six warnings a turn).
  const decoder = new TextDecoder();
  try {
    await readPipe(child, "stderr", (chunk) => takeText(decoder.decode(chunk, { stream: true })));
  } catch {
    // The pipe broke with the process: what was read is kept.
  }
  takeText(decoder.decode());
  if (partial.length > 0) onLine(partial);
}

/** A fixed-size ring of the most recent lines. */
class LineRing {
  readonly #capacity: number;
  readonly #lines: string[] = [];
  #start = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  push(line: string): void {
    if (this.#lines.length < this.#capacity) {
      this.#lines.push(line);
    } else {
      this.#lines[this.#start] = line;
      this.#start = (this.#start + 1) % this.#capacity;
    }
  }

  lines(): string[] {
    return [...this.#lines.slice(this.#start), ...this.#lines.slice(0, this.#start)];
  }
}
