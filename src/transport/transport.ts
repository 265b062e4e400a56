/**
 * The contract between a JSON-RPC connection and whatever carries its messages.
 *
 * @module
 */

/** Why a transport ended: a process exit, a socket close, or an error. */
export interface TransportCloseInfo {
  /** A one-line, human-readable reason ("codex exited with code 1"). */
  readonly reason: string;
  /** The process exit code, when the transport was a child process that exited. */
  readonly exitCode?: number | null;
  /** The signal that ended the process, when one did ("SIGKILL"). */
  readonly signal?: string | null;
  /** The last lines the process wrote to stderr, oldest first. */
  readonly stderrTail?: readonly string[];
  /** The underlying error, when the transport failed rather than ended. */
  readonly cause?: unknown;
}

/**
 * A bidirectional stream of JSON-RPC messages.
 *
 * `readable` yields batches: arrays of parsed JSON values, one per message, in order (a
 * `MalformedMessage` stands for input that was not JSON). A batch is whatever arrived
 * together — a pipe read, a WebSocket frame — so the reader pays one stream read per batch,
 * not per message. `writable` takes one serialized JSON text per message, which the transport
 * frames. `closed` settles once, when the peer is gone, and never rejects.
 *
 * @example
 * ```ts
 * import type { MessageTransport } from "./transport.ts";
 * function describe(transport: MessageTransport): Promise<string> {
 *   return transport.closed.then((info) => info.reason);
 * }
 * ```
 */
export interface MessageTransport {
  /** Batches of messages from the peer, each message a parsed JSON value (or malformed-input report). */
  readonly readable: ReadableStream<unknown[]>;
  /** Messages to the peer, one serialized JSON text each. */
  readonly writable: WritableStream<string>;
  /** Resolves once the transport has ended, with why. */
  readonly closed: Promise<TransportCloseInfo>;
  /** The peer's process id, when the transport spawned it. */
  readonly pid?: number;
  /** The last stderr lines of the peer process (empty for sockets). */
  stderrTail(): readonly string[];
  /**
   * Ends the transport: closes the outgoing side, waits up to `graceMs` for the peer to
   * go away, then forces it. Resolves with the same value as `closed`.
   */
  close(graceMs?: number): Promise<TransportCloseInfo>;
}
