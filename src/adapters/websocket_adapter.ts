/**
 * The small contract every runtime's WebSocket client implements, and the loader that picks
 * the one for the running runtime. The transport (`src/transport/websocket.ts`) sees only
 * this contract: one callback per event, string text frames, and failures whose HTTP
 * status (a 401 for a bad token) is already parsed out of each runtime's own reporting.
 *
 * @module
 */

import { lazy } from "../_util/lazy.ts";
import type { RuntimeName } from "./adapter.ts";
import { detectRuntime } from "./detect.ts";

/**
 * Where to connect: a `ws://` URL over TCP (with the request headers to send, e.g.
 * `Authorization`), or a unix socket speaking WebSocket (an absolute path).
 */
export type WebSocketEndpoint =
  | {
    readonly kind: "tcp";
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
  }
  | { readonly kind: "unix"; readonly path: string };

/** A failure a runtime reported, normalized. */
export interface WebSocketFailure {
  /** The runtime's own description ("connect ECONNREFUSED 127.0.0.1:1"). */
  readonly message: string;
  /** The HTTP status the server answered the upgrade with, when it was not 101. */
  readonly httpStatus?: number;
  /** The runtime's error object or event, when it had one. */
  readonly cause?: unknown;
}

/**
 * What a socket reports, in the order a runtime reports it: `open` at most once, then
 * `message`s; `error` any time (before `close`); `close` last, once.
 */
export interface WebSocketEvents {
  /** The upgrade succeeded. */
  open(): void;
  /** One frame arrived: a string for a text frame, bytes for a binary one. */
  message(data: string | Uint8Array): void;
  /** Something failed (the connect, or the open connection). */
  error(failure: WebSocketFailure): void;
  /** The socket is closed; `code` is the runtime's close code (1005, 1006 or 0 here). */
  close(code: number): void;
}

/**
 * A socket as the transport uses it.
 *
 * @example
 * ```ts
 * import type { RawWebSocket } from "./websocket_adapter.ts";
 * function hello(socket: RawWebSocket): void {
 *   socket.send(JSON.stringify({ method: "initialized" }));
 * }
 * ```
 */
export interface RawWebSocket {
  /** Sends one text frame. */
  send(text: string): void;
  /** Starts a normal close (or cancels a connect in progress). */
  close(): void;
  /** Drops the connection at once, where the runtime can; otherwise the same as `close`. */
  terminate(): void;
}

/**
 * Opens a socket and wires `events` to it. May throw synchronously (a URL or permission
 * the runtime refuses); every later failure goes to `events.error`.
 */
export type WebSocketOpener = (
  endpoint: WebSocketEndpoint,
  events: WebSocketEvents,
) => RawWebSocket;

const openers: Record<RuntimeName, () => Promise<WebSocketOpener>> = {
  deno: lazy(async () => (await import("./websocket_deno.ts")).openDenoWebSocket),
  bun: lazy(async () => (await import("./websocket_bun.ts")).openBunWebSocket),
  node: lazy(async () => await (await import("./websocket_node.ts")).loadNodeWebSocket()),
};

/**
 * Loads the WebSocket client of a runtime (the detected one by default): the global
 * `WebSocket` on Deno and Bun, the `ws` package on Node. Each is imported on first use only.
 *
 * @param name Force a runtime instead of detecting it.
 * @returns A function that opens sockets.
 * @throws {Error} On Node, the `ws` package is not installed.
 *
 * @example
 * ```ts
 * import { loadWebSocketOpener } from "./websocket_adapter.ts";
 * const open = await loadWebSocketOpener();
 * const socket = open({ kind: "tcp", url: "ws://127.0.0.1:4500", headers: {} }, {
 *   open: () => socket.send('{"id":1,"method":"initialize","params":{}}'),
 *   message: (data) => console.log(data),
 *   error: (failure) => console.error(failure.message),
 *   close: (code) => console.log("closed", code),
 * });
 * ```
 */
export function loadWebSocketOpener(name: RuntimeName = detectRuntime()): Promise<WebSocketOpener> {
  return openers[name]();
}
