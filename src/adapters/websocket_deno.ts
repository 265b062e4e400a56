/**
 * The Deno WebSocket client: the global `WebSocket`, no dependency.
 *
 * Deno differences papered over here:
 * - Request headers (the bearer token) go in the non-standard `{ headers }` option.
 * - A unix socket is not a URL Deno accepts (`ws+unix:` throws a `SyntaxError`); instead the
 *   socket is reached through an HTTP client made by `Deno.createHttpClient({ proxy: {
 *   transport: "unix", path } })`, passed as `{ client }` with the URL `ws://localhost/`.
 *   That client is closed when the socket closes. It needs no unstable flag in Deno 2.9,
 *   but `--allow-net=unix:<path>,localhost:80` plus read and write on the socket.
 * - A refused upgrade is reported only as text (`Invalid status code: 401`), so the HTTP
 *   status is parsed out of the error message.
 * - The socket closes with code 0 (not 1006) when the connect fails or the server goes
 *   away, and with 1005 after our own `close()`. There is no `terminate()`.
 * - Binary frames arrive as `ArrayBuffer` once `binaryType` is set, never `Blob`.
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

/** An HTTP client from `Deno.createHttpClient`. */
interface DenoHttpClient {
  close(): void;
}

/** The slice of the Deno globals this adapter uses, so `tsc` needs no Deno types. */
interface DenoWebSocketHost {
  WebSocket: new (
    url: string,
    options: { headers?: Record<string, string>; client?: DenoHttpClient },
  ) => WebSocketLike;
  Deno: {
    createHttpClient(options: { proxy: { transport: "unix"; path: string } }): DenoHttpClient;
  };
}

const host = globalThis as unknown as DenoWebSocketHost;

/**
 * Opens a WebSocket with Deno's global `WebSocket` (over TCP, or over a unix socket
 * through a `Deno.createHttpClient` proxy).
 *
 * @param endpoint Where to connect.
 * @param events Where to report what happens.
 * @returns The socket.
 *
 * @example
 * ```ts
 * import { openDenoWebSocket } from "./websocket_deno.ts";
 * const socket = openDenoWebSocket({ kind: "unix", path: "/tmp/codex.sock" }, {
 *   open: () => socket.close(),
 *   message: () => {},
 *   error: (failure) => console.error(failure.message),
 *   close: (code) => console.log("closed", code),
 * });
 * ```
 */
export const openDenoWebSocket: WebSocketOpener = (
  endpoint: WebSocketEndpoint,
  events: WebSocketEvents,
): RawWebSocket => {
  let client: DenoHttpClient | undefined;
  let socket: WebSocketLike;
  if (endpoint.kind === "tcp") {
    socket = new host.WebSocket(endpoint.url, { headers: { ...endpoint.headers } });
  } else {
    client = host.Deno.createHttpClient({ proxy: { transport: "unix", path: endpoint.path } });
    try {
      socket = new host.WebSocket("ws://localhost/", { client });
    } catch (error) {
      client.close();
      throw error;
    }
  }
  return wireWebSocket(socket, events, () => socket.close(), () => {
    try {
      client?.close();
    } catch {
      // Already closed.
    }
  });
};
