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

/** The slice of Deno's `WebSocket` this adapter uses. */
interface DenoWebSocket {
  binaryType: string;
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message?: string; error?: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  send(data: string): void;
  close(): void;
}

/** An HTTP client from `Deno.createHttpClient`. */
interface DenoHttpClient {
  close(): void;
}

/** The slice of the Deno globals this adapter uses, so `tsc` needs no Deno types. */
interface DenoWebSocketHost {
  WebSocket: new (
    url: string,
    options: { headers?: Record<string, string>; client?: DenoHttpClient },
  ) => DenoWebSocket;
  Deno: {
    createHttpClient(options: { proxy: { transport: "unix"; path: string } }): DenoHttpClient;
  };
}

const host = globalThis as unknown as DenoWebSocketHost;

const STATUS_IN_MESSAGE = /status code:?\s*(\d{3})/i;

/**
 * Opens a WebSocket with Deno's global `WebSocket` (over TCP, or over a unix socket
 * through a `Deno.createHttpClient` proxy).
 *
 * @param endpoint Where to connect.
 * @param events Where to report what happens.
 * @returns The socket.
 *
 * @example
 * ```ts ignore
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
  let socket: DenoWebSocket;
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
  socket.binaryType = "arraybuffer";
  socket.onopen = () => events.open();
  socket.onmessage = (event) => {
    const data = event.data;
    events.message(typeof data === "string" ? data : new Uint8Array(data as ArrayBuffer));
  };
  socket.onerror = (event) => {
    const message = event.message ?? String(event.error ?? "WebSocket error");
    const status = STATUS_IN_MESSAGE.exec(message);
    events.error({
      message,
      ...(status === null ? {} : { httpStatus: Number(status[1]) }),
      cause: event.error ?? event,
    });
  };
  socket.onclose = (event) => {
    try {
      client?.close();
    } catch {
      // Already closed.
    }
    events.close(event.code);
  };
  return {
    send: (text) => socket.send(text),
    close: () => socket.close(),
    terminate: () => socket.close(),
  };
};
