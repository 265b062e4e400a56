/**
 * The wiring Deno's and Bun's global `WebSocket` share: both follow the WHATWG event
 * handlers, take request headers in a non-standard `{ headers }` option, and report a
 * refused upgrade only as text (so its HTTP status is parsed out of the message).
 *
 * @module
 */

import type { RawWebSocket, WebSocketEvents } from "./websocket_adapter.ts";

/** The slice of a WHATWG `WebSocket` (as Deno and Bun ship it) this wiring uses. */
export interface WebSocketLike {
  /** How binary frames arrive; set to `"arraybuffer"`. */
  binaryType: string;
  /** The upgrade succeeded. */
  onopen: (() => void) | null;
  /** A frame arrived. */
  onmessage: ((event: { data: unknown }) => void) | null;
  /** Something failed; the runtimes put the detail in `message` or `error`. */
  onerror: ((event: { message?: string; error?: unknown }) => void) | null;
  /** The socket closed. */
  onclose: ((event: { code: number }) => void) | null;
  /** Sends one text frame. */
  send(data: string): void;
  /** Starts a normal close. */
  close(): void;
}

const STATUS_IN_MESSAGE = /status code:?\s*(\d{3})/i;

/**
 * Connects a runtime's `WebSocket` to the adapter's {@linkcode WebSocketEvents}.
 *
 * @param socket The socket, just constructed.
 * @param events Where to report what happens.
 * @param terminate How to drop the connection at once (Deno has no `terminate()`: `close`).
 * @param onClosed Runs when the socket has closed, before `events.close` (to free a client).
 * @returns The socket as the transport uses it.
 *
 * @example
 * ```ts
 * import { type WebSocketLike, wireWebSocket } from "./websocket_web.ts";
 * const socket = new WebSocket("ws://127.0.0.1:4500") as unknown as WebSocketLike;
 * const raw = wireWebSocket(socket, {
 *   open: () => raw.send('{"id":1,"method":"initialize","params":{}}'),
 *   message: (data) => console.log(data),
 *   error: (failure) => console.error(failure.message, failure.httpStatus),
 *   close: (code) => console.log("closed", code),
 * }, () => socket.close());
 * ```
 */
export function wireWebSocket(
  socket: WebSocketLike,
  events: WebSocketEvents,
  terminate: () => void,
  onClosed?: () => void,
): RawWebSocket {
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
    onClosed?.();
    events.close(event.code);
  };
  return { send: (text) => socket.send(text), close: () => socket.close(), terminate };
}
