/**
 * The Node WebSocket client: the `ws` package, imported lazily on first use.
 *
 * Node differences papered over here:
 * - Node 20 has no global `WebSocket` without `--experimental-websocket`, and no Node
 *   global can reach a unix socket, so Node uses `ws` (headers through its `headers`
 *   option; unix sockets through a `ws+unix:///abs/path` URL, which ws splits at the first
 *   `:`, so a socket path containing `:` is refused up front).
 * - ws is the only client that gives a refused upgrade's HTTP status as data: its
 *   `unexpected-response` event carries the response, and then the socket is terminated.
 * - ws offers `permessage-deflate` by default; the server never accepts it, so the offer is
 *   turned off.
 * - ws's `message` event gives a `Buffer`, an `ArrayBuffer` or a `Buffer[]` plus an
 *   `isBinary` flag; text frames are decoded to strings here.
 * - Every close is reported as 1006 (the server never sends a close frame).
 *
 * @module
 */

import type {
  RawWebSocket,
  WebSocketEndpoint,
  WebSocketEvents,
  WebSocketOpener,
} from "./websocket_adapter.ts";

type WsModule = typeof import("npm:ws@8.23.0");
type WsData = import("npm:ws@8.23.0").RawData;

/**
 * Imports `ws` and returns an opener built on it.
 *
 * @returns A function that opens sockets with `ws`.
 * @throws {Error} The `ws` package cannot be imported (install it: `npm install ws`).
 *
 * @example
 * ```ts
 * import { loadNodeWebSocket } from "./websocket_node.ts";
 * const open = await loadNodeWebSocket();
 * const socket = open({ kind: "tcp", url: "ws://127.0.0.1:4500", headers: {} }, {
 *   open: () => socket.close(),
 *   message: () => {},
 *   error: (failure) => console.error(failure.message),
 *   close: (code) => console.log("closed", code),
 * });
 * ```
 */
export async function loadNodeWebSocket(): Promise<WebSocketOpener> {
  let ws: WsModule;
  try {
    ws = await import("npm:ws@8.23.0");
  } catch (error) {
    throw new Error(
      `the "ws" package, which WebSocket connections need on Node, cannot be loaded: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  const WebSocket = ws.WebSocket ?? ws.default;
  const decoder = new TextDecoder();

  return (endpoint: WebSocketEndpoint, events: WebSocketEvents): RawWebSocket => {
    let url: string;
    let headers: Record<string, string> = {};
    if (endpoint.kind === "tcp") {
      url = endpoint.url;
      headers = { ...endpoint.headers };
    } else {
      if (endpoint.path.includes(":")) {
        throw new Error(`a socket path containing ":" cannot be used with ws`);
      }
      url = `ws+unix://${endpoint.path}`;
    }
    const socket = new WebSocket(url, { headers, perMessageDeflate: false });
    socket.binaryType = "arraybuffer";
    socket.on("open", () => events.open());
    socket.on("message", (data: WsData, isBinary: boolean) => {
      const bytes = toBytes(data);
      events.message(isBinary ? bytes : decoder.decode(bytes));
    });
    socket.on("unexpected-response", (_request, response) => {
      const status = response.statusCode ?? 0;
      events.error({
        message: `Unexpected server response: ${status}`,
        httpStatus: status,
        cause: response,
      });
      socket.terminate();
    });
    socket.on("error", (error: Error) => events.error({ message: error.message, cause: error }));
    socket.on("close", (code: number) => events.close(code));
    return {
      send: (text) => socket.send(text),
      close: () => socket.close(),
      terminate: () => socket.terminate(),
    };
  };
}

function toBytes(data: WsData): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (!Array.isArray(data)) return data;
  const bytes = new Uint8Array(data.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of data) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
