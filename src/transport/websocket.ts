/**
 * The WebSocket transports: one JSON-RPC message per text frame, over TCP
 * (`codex app-server --listen ws://IP:PORT`) or over a unix socket (`--listen unix://PATH`,
 * which speaks WebSocket too, not JSON Lines).
 *
 * The server never sends a close frame or pings: every end of the connection is seen as a
 * close with code 1005, 1006 or 0, all treated alike as "the peer is gone".
 *
 * @module
 */

import type { CallOptions } from "../_util/call.ts";
import { rememberSecret } from "../_util/secrets.ts";
import { describe } from "../_util/text.ts";
import type { RuntimeName } from "../adapters/adapter.ts";
import {
  loadWebSocketOpener,
  type RawWebSocket,
  type WebSocketEndpoint,
  type WebSocketFailure,
  type WebSocketOpener,
} from "../adapters/websocket_adapter.ts";
import { CodexError, WebSocketAuthError, WebSocketConnectError } from "../errors.ts";
import { MalformedMessage } from "../framing/malformed.ts";
import type { CloseOptions, MessageTransport, TransportCloseInfo } from "./transport.ts";

/**
 * Options of {@linkcode connectUnixSocket}: `signal` cancels a connect in progress (the
 * promise rejects with its reason), and `timeoutMs` bounds the connect (default 10000 ms;
 * it then fails with a `WebSocketConnectError`).
 */
export interface SocketConnectOptions extends CallOptions {
  /** Force a runtime's WebSocket client instead of detecting the runtime. */
  readonly runtime?: RuntimeName;
}

/** Options of {@linkcode connectWebSocket}. */
export interface WebSocketConnectOptions extends SocketConnectOptions {
  /**
   * The capability token of a server started with `--ws-auth capability-token`. It is sent
   * only as an `Authorization: Bearer <token>` header, and never in clear text to another
   * machine: over `ws://` it goes only to a loopback address (use `wss://` otherwise).
   */
  readonly token?: string;
  /**
   * Send the token over plain `ws://` to a host that is not loopback, where anyone on the
   * network path can read it. Default `false`: such a connect is refused before it starts.
   */
  readonly allowInsecureToken?: boolean;
}

/** Whether a URL's host is this machine (the token cannot leave it over `ws://`). */
function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** The default of `timeoutMs`: how long a connect may take. */
const CONNECT_TIMEOUT_MS = 10_000;
/** The default grace of `close()`. */
const CLOSE_GRACE_MS = 2000;

/**
 * Connects to an app-server listening on `ws://IP:PORT` and returns the connection as a
 * {@linkcode MessageTransport}. No subprotocol is offered and no `Origin` is sent (the
 * server rejects both).
 *
 * @param url The server's URL (`ws://127.0.0.1:4500`).
 * @param options The token, a connect timeout and an abort signal.
 * @returns The open transport.
 * @throws {WebSocketAuthError} The server answered HTTP 401: the token is missing or wrong.
 * @throws {WebSocketConnectError} The URL is not `ws:`/`wss:`, the connection was refused,
 * or it did not open within `timeoutMs`.
 *
 * @example
 * ```ts
 * import { Codex } from "codex-app-server";
 * import { connectWebSocket } from "codex-app-server/transport";
 * await using codex = await Codex.start({
 *   transport: () => connectWebSocket("ws://127.0.0.1:4500", { token: "s3cret" }),
 * });
 * ```
 */
export async function connectWebSocket(
  url: string,
  options: WebSocketConnectOptions = {},
): Promise<MessageTransport> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new WebSocketConnectError(JSON.stringify(url), "it is not a URL", null, {
      cause: error,
    });
  }
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new WebSocketConnectError(url, `expected a ws:// or wss:// URL, got ${parsed.protocol}`);
  }
  const headers: Record<string, string> = {};
  if (options.token !== undefined) {
    if (options.token === "" || /[\r\n]/.test(options.token)) {
      throw new WebSocketConnectError(url, "the token is empty or contains a line break");
    }
    if (parsed.protocol === "ws:" && !isLoopback(parsed) && !options.allowInsecureToken) {
      throw new WebSocketConnectError(
        url,
        `refusing to send the token in clear text over ws:// to ${parsed.hostname}, which is ` +
          "not this machine: use wss://, or pass allowInsecureToken: true on a network you trust",
      );
    }
    rememberSecret(options.token);
    headers.Authorization = `Bearer ${options.token}`;
  }
  return await openSocket({ kind: "tcp", url, headers }, url, options);
}

/**
 * Connects to an app-server listening on a unix socket (`--listen unix://PATH`, or the
 * default control socket of `--listen unix://`). That socket speaks WebSocket, so this
 * returns the same kind of transport as {@linkcode connectWebSocket}. The server enforces
 * no token on unix sockets: filesystem permissions are the protection.
 *
 * On Deno this needs `--allow-read` and `--allow-write` on the socket and
 * `--allow-net=unix:<path>,localhost:80`.
 *
 * @param path The socket's absolute path.
 * @param options A connect timeout and an abort signal.
 * @returns The open transport.
 * @throws {WebSocketConnectError} The path is not absolute, the socket is missing or
 * refuses connections, or the connect did not finish within `timeoutMs`.
 *
 * @example
 * ```ts
 * import { Codex } from "codex-app-server";
 * import { connectUnixSocket } from "codex-app-server/transport";
 * await using codex = await Codex.start({
 *   transport: () => connectUnixSocket("/run/user/1000/codex.sock"),
 * });
 * ```
 */
export async function connectUnixSocket(
  path: string,
  options: SocketConnectOptions = {},
): Promise<MessageTransport> {
  const target = `unix socket ${JSON.stringify(path)}`;
  if (!path.startsWith("/")) {
    throw new WebSocketConnectError(target, "the path must be absolute");
  }
  return await openSocket({ kind: "unix", path }, target, options);
}

/** Opens a socket and resolves with its transport once it is open. */
async function openSocket(
  endpoint: WebSocketEndpoint,
  target: string,
  options: SocketConnectOptions,
): Promise<MessageTransport> {
  const { signal } = options;
  signal?.throwIfAborted();
  let open: WebSocketOpener;
  try {
    open = await loadWebSocketOpener(options.runtime);
  } catch (error) {
    throw new WebSocketConnectError(target, describe(error), null, { cause: error });
  }
  signal?.throwIfAborted();
  const timeoutMs = options.timeoutMs ?? CONNECT_TIMEOUT_MS;
  const sentToken = endpoint.kind === "tcp" && endpoint.headers.Authorization !== undefined;

  return await new Promise<MessageTransport>((resolve, reject) => {
    let state: "connecting" | "open" | "failed" | "closed" = "connecting";
    let socket: RawWebSocket | undefined;
    let lastFailure: WebSocketFailure | undefined;
    let closedByUs = false;
    let forcedAfterMs: number | undefined;
    let readableDone = false;
    let reader!: ReadableStreamDefaultController<unknown[]>;
    let settleClosed!: (info: TransportCloseInfo) => void;
    const closed = new Promise<TransportCloseInfo>((done) => (settleClosed = done));

    const timer = setTimeout(
      () => fail(new WebSocketConnectError(target, `no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onAbort = () => fail(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const stopWaiting = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };

    function fail(error: unknown): void {
      if (state !== "connecting") return;
      state = "failed";
      stopWaiting();
      try {
        socket?.terminate();
      } catch {
        // The runtime already gave up on it.
      }
      reject(error);
    }

    function finish(code: number): void {
      if (state === "closed") return;
      state = "closed";
      let reason: string;
      if (forcedAfterMs !== undefined) {
        reason =
          `close() was called (the WebSocket to ${target} did not close within ${forcedAfterMs} ms)`;
      } else if (closedByUs) {
        reason = `close() was called (the WebSocket to ${target} closed with code ${code})`;
      } else {
        const detail = lastFailure === undefined ? "" : `: ${lastFailure.message}`;
        reason = `the WebSocket to ${target} closed (code ${code})${detail}`;
      }
      if (!readableDone) {
        readableDone = true;
        reader.close();
      }
      settleClosed({ reason, cause: lastFailure?.cause });
    }

    const readable = new ReadableStream<unknown[]>({
      start(controller) {
        reader = controller;
      },
      cancel() {
        readableDone = true;
      },
    });

    const writable = new WritableStream<string>({
      write(text) {
        if (state !== "open" || closedByUs) {
          throw new CodexError(`Cannot send on the WebSocket to ${target}: it is closed`);
        }
        socket!.send(text);
      },
    });

    const close = (
      { graceMs = CLOSE_GRACE_MS }: CloseOptions = {},
    ): Promise<TransportCloseInfo> => {
      if (state === "open" && !closedByUs) {
        closedByUs = true;
        try {
          socket!.close();
        } catch {
          // Already closing.
        }
        const force = setTimeout(() => {
          forcedAfterMs = graceMs;
          try {
            socket!.terminate();
          } catch {
            // Already gone.
          }
          finish(1006);
        }, graceMs);
        void closed.then(() => clearTimeout(force));
      }
      return closed;
    };

    const transport: MessageTransport = {
      readable,
      writable,
      closed,
      stderrTail: () => [],
      close,
    };

    try {
      socket = open(endpoint, {
        open() {
          if (state !== "connecting") return;
          state = "open";
          stopWaiting();
          resolve(transport);
        },
        message(data) {
          if (state !== "open" || readableDone) return;
          reader.enqueue([parseMessage(data)]);
        },
        error(failure) {
          if (state === "connecting") fail(connectError(target, failure, sentToken));
          else lastFailure ??= failure;
        },
        close(code) {
          if (state === "connecting") {
            fail(new WebSocketConnectError(target, `the socket closed with code ${code}`));
          } else if (state === "open") {
            finish(code);
          }
        },
      });
    } catch (error) {
      fail(new WebSocketConnectError(target, describe(error), null, { cause: error }));
    }
  });
}

/** The error for a connect the runtime reported as failed. */
function connectError(
  target: string,
  failure: WebSocketFailure,
  sentToken: boolean,
): WebSocketConnectError {
  const status = failure.httpStatus;
  const options = { cause: failure.cause };
  if (status === 401) {
    const detail = sentToken
      ? "the server rejected the token (HTTP 401)"
      : "the server requires a token (HTTP 401) and none was given";
    return new WebSocketAuthError(target, detail, status, options);
  }
  if (status !== undefined) {
    return new WebSocketConnectError(
      target,
      `the server refused the WebSocket upgrade (HTTP ${status}): ${failure.message}`,
      status,
      options,
    );
  }
  return new WebSocketConnectError(target, failure.message, null, options);
}

const decoder = new TextDecoder();

/** One frame as a message: parsed JSON, or a `MalformedMessage`. */
function parseMessage(data: string | Uint8Array): unknown {
  if (typeof data !== "string") {
    return new MalformedMessage(
      decoder.decode(data),
      new TypeError("Expected a text frame, got a binary frame"),
    );
  }
  try {
    return JSON.parse(data);
  } catch (error) {
    return new MalformedMessage(data, error);
  }
}
