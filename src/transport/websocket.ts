/**
 * The WebSocket transports: one JSON-RPC message per text frame, over TCP
 * (`codex app-server --listen ws://IP:PORT`) or over a unix socket (`--listen unix://PATH`,
 * which speaks WebSocket too, not JSON Lines). Plus {@linkcode listenAppServer}, which
 * spawns a WebSocket app-server and connects to it in one call.
 *
 * The server never sends a close frame or pings: every end of the connection is seen as a
 * close with code 1005, 1006 or 0, all treated alike as "the peer is gone".
 *
 * @module
 */

import { settleWithin } from "./settle_within.ts";
import type { ChildProcess, RuntimeName } from "../adapters/adapter.ts";
import { loadAdapter } from "../adapters/detect.ts";
import {
  loadWebSocketOpener,
  type RawWebSocket,
  type WebSocketEndpoint,
  type WebSocketFailure,
  type WebSocketOpener,
} from "../adapters/websocket_adapter.ts";
import { MalformedMessage } from "../framing/malformed.ts";
import { buildLaunch, type LaunchOptions } from "../launch.ts";
import { CodexError } from "../rpc/errors.ts";
import { stdioTransport } from "./stdio.ts";
import type { MessageTransport, TransportCloseInfo } from "./transport.ts";

/** Options of {@linkcode connectUnixSocket}. */
export interface SocketConnectOptions {
  /** Aborting cancels a connect in progress (the promise rejects with the abort reason). */
  readonly signal?: AbortSignal;
  /** How long the connect may take before it fails. Default 10000 ms. */
  readonly connectTimeoutMs?: number;
  /** Force a runtime's WebSocket client instead of detecting the runtime. */
  readonly runtime?: RuntimeName;
}

/** Options of {@linkcode connectWebSocket}. */
export interface WebSocketConnectOptions extends SocketConnectOptions {
  /**
   * The capability token of a server started with `--ws-auth capability-token`. It is sent
   * only as an `Authorization: Bearer <token>` header.
   */
  readonly token?: string;
}

/**
 * A WebSocket connect failed: the server refused the connection or the upgrade, the
 * socket does not exist, or nothing answered in time.
 *
 * @example
 * ```ts ignore
 * import { connectWebSocket, WebSocketConnectError } from "./websocket.ts";
 * try {
 *   await connectWebSocket("ws://127.0.0.1:1");
 * } catch (error) {
 *   if (error instanceof WebSocketConnectError) console.error(error.target, error.message);
 * }
 * ```
 */
export class WebSocketConnectError extends CodexError {
  /** The URL or socket path that was being connected to. */
  readonly target: string;
  /** The HTTP status the server answered the upgrade with, when it was not 101. */
  readonly httpStatus: number | null;

  /**
   * Builds the error; the message reads "Cannot connect to <target>: <detail>".
   *
   * @param target The URL or socket path.
   * @param detail Why the connect failed.
   * @param httpStatus The HTTP status of a refused upgrade.
   * @param options The underlying cause.
   */
  constructor(target: string, detail: string, httpStatus?: number | null, options?: ErrorOptions) {
    super(`Cannot connect to ${target}: ${detail}`, options);
    this.target = target;
    this.httpStatus = httpStatus ?? null;
  }
}

/**
 * The server refused the WebSocket upgrade with HTTP 401: the token is missing or wrong.
 *
 * @example
 * ```ts ignore
 * import { connectWebSocket, WebSocketAuthError } from "./websocket.ts";
 * try {
 *   await connectWebSocket("ws://127.0.0.1:4500", { token: "wrong" });
 * } catch (error) {
 *   if (error instanceof WebSocketAuthError) console.error("check the token");
 * }
 * ```
 */
export class WebSocketAuthError extends WebSocketConnectError {}

/** The default of `connectTimeoutMs`. */
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
 * or it did not open within `connectTimeoutMs`.
 *
 * @example
 * ```ts ignore
 * import { Codex } from "codex-app-server";
 * import { connectWebSocket } from "./websocket.ts";
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
 * refuses connections, or the connect did not finish within `connectTimeoutMs`.
 *
 * @example
 * ```ts ignore
 * import { Codex } from "codex-app-server";
 * import { connectUnixSocket } from "./websocket.ts";
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
  const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
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

    const close = (graceMs = CLOSE_GRACE_MS): Promise<TransportCloseInfo> => {
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Options of {@linkcode listenAppServer}: launch options plus the connection's. */
export interface ListenAppServerOptions extends Omit<LaunchOptions, "appServerArgs"> {
  /** The TCP port to listen on (on 127.0.0.1). Default 0: the system picks a free one. */
  readonly port?: number;
  /**
   * Require this capability token (`--ws-auth capability-token`, the token's SHA-256 passed
   * as `--ws-token-sha256`); the returned transport connects with it. Default: no auth.
   */
  readonly token?: string;
  /** How long start-up and the connect may take, each. Default 10000 ms. */
  readonly connectTimeoutMs?: number;
  /** Aborting cancels a start in progress (and stops the process). */
  readonly signal?: AbortSignal;
  /** Force a runtime adapter instead of detecting it. */
  readonly runtime?: RuntimeName;
}

/** A WebSocket app-server spawned by {@linkcode listenAppServer}, and a connection to it. */
export interface ListeningAppServer {
  /**
   * A connection to the server. Its `close()` also stops the process (SIGTERM, then
   * SIGKILL after the grace period), and so does the connection ending any other way.
   * `stderrTail()` gives the process's last stderr lines.
   */
  readonly transport: MessageTransport;
  /** The URL the server listens on (`ws://127.0.0.1:PORT`), for more connections. */
  readonly url: string;
  /** The server process. */
  readonly process: ChildProcess;
}

const LISTENING = /listening on:\s*(ws:\/\/\S+)/;
/** How long `closed` waits, after the socket closed, for the process's exit status. */
const EXIT_SETTLE_MS = 200;

/**
 * Spawns `codex app-server --listen ws://127.0.0.1:PORT` and connects to it: one call for
 * a WebSocket server of your own (the port is read from the server's stderr line
 * `listening on: ws://127.0.0.1:PORT`). Closing the transport stops the process.
 *
 * @param options How to start the server, and the connect settings.
 * @returns The transport, the server's URL and its process.
 * @throws {CodexNotFoundError} No Codex binary was found.
 * @throws {CodexError} The server exited or printed no address within `connectTimeoutMs`.
 * @throws {WebSocketConnectError} The connect to the started server failed.
 *
 * @example
 * ```ts ignore
 * import { Codex } from "codex-app-server";
 * import { listenAppServer } from "./websocket.ts";
 * await using codex = await Codex.start({
 *   transport: async () => (await listenAppServer({ token: crypto.randomUUID() })).transport,
 * });
 * ```
 */
export async function listenAppServer(
  options: ListenAppServerOptions = {},
): Promise<ListeningAppServer> {
  const { signal } = options;
  signal?.throwIfAborted();
  const adapter = await loadAdapter(options.runtime);
  const args = ["--listen", `ws://127.0.0.1:${options.port ?? 0}`];
  if (options.token !== undefined) {
    args.push("--ws-auth", "capability-token", "--ws-token-sha256", await sha256Hex(options.token));
  }
  const launch = buildLaunch(adapter, { ...options, appServerArgs: args });
  const child = adapter.spawn({ ...launch, cwd: options.cwd });

  let announce!: (url: string) => void;
  const announced = new Promise<string>((resolve) => (announce = resolve));
  // The stdio transport drains and keeps stderr and reports the exit; stdout stays unused.
  const processTransport = stdioTransport(child, {
    onStderr(line) {
      const match = LISTENING.exec(line);
      if (match !== null) announce(match[1]);
      options.onStderr?.(line);
    },
  });
  processTransport.readable.pipeTo(new WritableStream()).catch(() => {});

  let stopping: Promise<unknown> | undefined;
  const stop = (graceMs: number) => {
    stopping ??= (async () => {
      child.kill("SIGTERM");
      if (!(await settleWithin(child.exited, graceMs))) child.kill("SIGKILL");
      await processTransport.closed;
    })();
    return stopping;
  };

  let url: string;
  let socket: MessageTransport;
  try {
    url = await waitForAddress(announced, processTransport, options);
    socket = await connectWebSocket(url, {
      token: options.token,
      signal,
      connectTimeoutMs: options.connectTimeoutMs,
      runtime: options.runtime,
    });
  } catch (error) {
    await stop(CLOSE_GRACE_MS);
    throw error;
  }

  let graceMs = CLOSE_GRACE_MS;
  let closedByUs = false;
  const closed = socket.closed.then(async (info): Promise<TransportCloseInfo> => {
    void stop(graceMs);
    // After our own close() the exit (SIGTERM) is expected and the socket's reason says why.
    if (closedByUs || !(await settleWithin(child.exited, EXIT_SETTLE_MS))) {
      return { ...info, stderrTail: processTransport.stderrTail() };
    }
    const exit = await processTransport.closed;
    return {
      ...info,
      reason: `${info.reason}; ${exit.reason}`,
      exitCode: exit.exitCode,
      signal: exit.signal,
      stderrTail: exit.stderrTail,
    };
  });
  const transport: MessageTransport = {
    readable: socket.readable,
    writable: socket.writable,
    closed,
    stderrTail: () => processTransport.stderrTail(),
    async close(grace = CLOSE_GRACE_MS) {
      graceMs = grace;
      closedByUs = true;
      await socket.close(grace);
      await stop(grace);
      return await closed;
    },
  };
  return { transport, url, process: child };
}

/** Waits for the server's address line; fails on exit, timeout or abort. */
async function waitForAddress(
  announced: Promise<string>,
  processTransport: MessageTransport,
  options: ListenAppServerOptions,
): Promise<string> {
  const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  const action = "Cannot start codex app-server on WebSocket";
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const failure = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CodexError(`${action}: it printed no address within ${timeoutMs} ms`)),
      timeoutMs,
    );
    onAbort = () => reject(options.signal!.reason);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    processTransport.closed.then((exit) => {
      const tail = exit.stderrTail ?? [];
      const lines = tail.length === 0 ? "" : `\nLast stderr lines:\n${tail.slice(-10).join("\n")}`;
      reject(new CodexError(`${action}: ${exit.reason}${lines}`, { cause: exit.cause }));
    });
  });
  try {
    return await Promise.race([announced, failure]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) options.signal?.removeEventListener("abort", onAbort);
  }
}

/** The lowercase hex SHA-256 of a string's UTF-8 bytes. */
async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
