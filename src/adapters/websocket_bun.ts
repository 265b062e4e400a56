/**
 * The Bun WebSocket client: the global `WebSocket`, no dependency.
 *
 * Bun differences papered over here:
 * - Request headers (the bearer token) go in the non-standard `{ headers }` option.
 * - Unix sockets work natively with a `ws+unix:///abs/path` URL. Bun splits that path at
 *   its first `:` (socket path before, request path after), so a socket path containing
 *   `:` cannot be expressed and is refused up front.
 * - A refused upgrade is reported only as text (`Expected 101 status code: 401`), so the
 *   HTTP status is parsed out of the error message.
 * - Every close is reported as 1006, ours included; `terminate()` exists.
 * - Binary frames arrive as a Node `Buffer` by default; `binaryType` is set to
 *   `"arraybuffer"`.
 *
 * @module
 */

import type {
  RawWebSocket,
  WebSocketEndpoint,
  WebSocketEvents,
  WebSocketOpener,
} from "./websocket_adapter.ts";
import { type WebSocketLike, wireWebSocket } from "./websocket_web.ts";

/** Bun's `WebSocket`: the WHATWG slice, plus `terminate()`. */
type BunWebSocket = WebSocketLike & { terminate(): void };

/** The slice of the Bun globals this adapter uses, so `tsc` needs no Bun types. */
interface BunWebSocketHost {
  WebSocket: new (url: string, options: { headers?: Record<string, string> }) => BunWebSocket;
}

const host = globalThis as unknown as BunWebSocketHost;

/**
 * Opens a WebSocket with Bun's global `WebSocket` (over TCP, or over a unix socket with a
 * `ws+unix://` URL).
 *
 * @param endpoint Where to connect.
 * @param events Where to report what happens.
 * @returns The socket.
 * @throws {Error} The socket path contains `:`.
 *
 * @example
 * ```ts
 * import { openBunWebSocket } from "./websocket_bun.ts";
 * const socket = openBunWebSocket({ kind: "unix", path: "/tmp/codex.sock" }, {
 *   open: () => socket.close(),
 *   message: () => {},
 *   error: (failure) => console.error(failure.message),
 *   close: (code) => console.log("closed", code),
 * });
 * ```
 */
export const openBunWebSocket: WebSocketOpener = (
  endpoint: WebSocketEndpoint,
  events: WebSocketEvents,
): RawWebSocket => {
  let socket: BunWebSocket;
  if (endpoint.kind === "tcp") {
    socket = new host.WebSocket(endpoint.url, { headers: { ...endpoint.headers } });
  } else {
    if (endpoint.path.includes(":")) {
      throw new Error(`a socket path containing ":" cannot be used with Bun's WebSocket`);
    }
    socket = new host.WebSocket(`ws+unix://${endpoint.path}`, {});
  }
  return wireWebSocket(socket, events, () => socket.terminate());
};
