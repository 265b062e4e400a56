/**
 * The contract between a JSON-RPC connection and whatever carries its messages.
 *
 * @module
 */

import type { TransportCloseInfo } from "../errors.ts";

export type { TransportCloseInfo } from "../errors.ts";

/**
 * How to close a connection, the same for every `close()` of the SDK.
 *
 * @example
 * ```ts
 * import type { CloseOptions } from "./transport.ts";
 * const quick: CloseOptions = { graceMs: 500 };
 * ```
 */
export interface CloseOptions {
  /**
   * How long the peer may take to go gracefully before it is forced. For a process (stdio):
   * stdin is closed at once, SIGTERM follows at `graceMs / 2` and SIGKILL at `graceMs`
   * (default 4000). For a WebSocket: how long the close handshake may take before the socket
   * is dropped (default 2000).
   */
  readonly graceMs?: number;
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
  /**
   * Optional: hands the peer's messages to `onBatch`, batch by batch as `readable` would yield
   * them, without a second stream. A connection reads through this when a transport has it
   * (the stdio transport does: one web stream less per message). Resolves when the input ends
   * or once `signal` aborts; rejects if reading fails. Use either this or `readable`, not both.
   */
  readMessages?(onBatch: (batch: unknown[]) => void, signal?: AbortSignal): Promise<void>;
  /** Messages to the peer, one serialized JSON text each. */
  readonly writable: WritableStream<string>;
  /**
   * Optional: sends one message (a serialized JSON text) at once, without the web stream
   * `writable` costs per message (the stdio transport has it). A failed send is not reported
   * here: the transport ends, and `closed` says why. Use either this or `writable`, not both.
   */
  send?(text: string): void;
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
  close(options?: CloseOptions): Promise<TransportCloseInfo>;
}
