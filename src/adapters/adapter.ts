/**
 * The small contract every runtime adapter implements: spawn a process with web streams,
 * and the few host facts the SDK needs. Runtime names appear only in `src/adapters/`.
 *
 * @module
 */

/** How a child process ended. */
export interface ProcessExit {
  /** The exit code, or `null` when a signal ended the process. */
  readonly code: number | null;
  /** The signal name ("SIGTERM"), or `null` when the process exited by itself. */
  readonly signal: string | null;
  /** Set when the process could not be started or waited for. */
  readonly error?: unknown;
}

/** What to run. The command is never passed through a shell. */
export interface SpawnOptions {
  /** The executable's path. */
  readonly command: string;
  /** Its arguments. */
  readonly args: readonly string[];
  /** Working directory; the parent's when omitted. */
  readonly cwd?: string;
  /** The complete environment of the child (already merged by the caller). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * A running child process whose pipes are web streams. Neither the process nor its pipes
 * keep the program alive (adapters unreference them at spawn): whoever uses the process
 * holds the event loop while it has work in flight.
 *
 * @example
 * ```ts
 * import type { ChildProcess } from "./adapter.ts";
 * async function waitFor(child: ChildProcess): Promise<number | null> {
 *   return (await child.exited).code;
 * }
 * ```
 */
export interface ChildProcess {
  /** The operating-system process id. */
  readonly pid: number;
  /** The child's stdin. */
  readonly stdin: WritableStream<Uint8Array>;
  /**
   * Optional: writes to stdin without a web stream, at once and in order. A failed write is
   * not reported here (the process's exit is what tells). Write either through this or
   * through `stdin`, not both; closing `stdin` after writing here ends the pipe after what
   * was written. An adapter offers it where its runtime's web streams cost more than its own
   * pipes (Node's: a promise and several calls a write).
   */
  writeStdin?(chunk: Uint8Array): void;
  /**
   * Optional, with `writeStdin`: ends stdin after what was written (the child reads EOF),
   * without a web stream. Does nothing once stdin has ended.
   */
  endStdin?(): void;
  /** The child's stdout. */
  readonly stdout: ReadableStream<Uint8Array>;
  /**
   * Optional: reads stdout without a web stream, handing each chunk to `onChunk` as it
   * arrives. Resolves when stdout ends, or at once when `signal` aborts (nothing more is
   * handed over; the pipe is closed); rejects if reading fails or `onChunk` throws. Read
   * stdout either through this or through `stdout`, not both. An adapter offers it where its
   * runtime's web streams cost more than its own pipes (Node's are written in JavaScript: a
   * promise and several calls a chunk, and the app-server writes a chunk a message).
   */
  readStdout?(onChunk: (chunk: Uint8Array) => void, signal?: AbortSignal): Promise<void>;
  /** The child's stderr. */
  readonly stderr: ReadableStream<Uint8Array>;
  /**
   * Optional: reads stderr as `readStdout` reads stdout, with the same contract. Read stderr
   * either through this or through `stderr`, not both.
   */
  readStderr?(onChunk: (chunk: Uint8Array) => void, signal?: AbortSignal): Promise<void>;
  /** Resolves when the process has exited; never rejects. */
  readonly exited: Promise<ProcessExit>;
  /** Sends a signal ("SIGTERM" by default); does nothing once the process has exited. */
  kill(signal?: "SIGTERM" | "SIGKILL"): void;
}

/** What is at a path, as far as running it goes. */
export type PathKind = "missing" | "directory" | "file" | "executable";

/** The runtimes the SDK knows. */
export type RuntimeName = "deno" | "bun" | "node";

/**
 * One runtime's implementation of the host operations the SDK uses.
 *
 * @example
 * ```ts
 * import type { RuntimeAdapter } from "./adapter.ts";
 * function label(adapter: RuntimeAdapter): string {
 *   return `${adapter.name} on ${adapter.platform}-${adapter.arch}`;
 * }
 * ```
 */
export interface RuntimeAdapter {
  /** Which runtime this is. */
  readonly name: RuntimeName;
  /** The operating system, spelled as Node spells it ("linux", "darwin", "win32"). */
  readonly platform: string;
  /** The CPU architecture, spelled as Node spells it ("x64", "arm64"). */
  readonly arch: string;
  /** Starts a child process with piped stdin, stdout and stderr. */
  spawn(options: SpawnOptions): ChildProcess;
  /** The parent process's environment. */
  environment(): Record<string, string>;
  /** What is at `path`: nothing, a directory, a file, or a file this user may execute. */
  pathKind(path: string): PathKind;
  /** The current working directory. */
  cwd(): string;
  /**
   * Asks the person at the terminal: writes `question` to stderr and reads one line from
   * stdin. Resolves `null` when stdin or stderr is not a terminal, or when `signal` aborts.
   */
  prompt(question: string, signal: AbortSignal): Promise<string | null>;
}

/**
 * The stand-in for a process that could not be started: empty pipes, and an `exited` that
 * reports the spawn error. Adapters return it so a spawn failure surfaces through `exited`
 * on every runtime, like Node's asynchronous `error` event.
 *
 * @param error Why the spawn failed.
 * @returns A process that has already "exited".
 *
 * @example
 * ```ts
 * import { unstartedProcess } from "./adapter.ts";
 * const child = unstartedProcess(new Error("ENOENT"));
 * console.log((await child.exited).error); // Error: ENOENT
 * ```
 */
export function unstartedProcess(error: unknown): ChildProcess {
  const empty = () => new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
  return {
    pid: -1,
    stdin: new WritableStream(),
    stdout: empty(),
    stderr: empty(),
    exited: Promise.resolve({ code: null, signal: null, error }),
    kill() {},
  };
}
