/**
 * {@linkcode listenAppServer}: spawn a WebSocket app-server of your own and connect to it in
 * one call.
 *
 * @module
 */

import type { CallOptions } from "../_util/call.ts";
import { stderrParagraph } from "../_util/text.ts";
import { settleWithin } from "../_util/wait.ts";
import type { ChildProcess } from "../adapters/adapter.ts";
import { loadAdapter } from "../adapters/detect.ts";
import { CodexError } from "../errors.ts";
import { stdioTransport } from "../transport/stdio.ts";
import type { CloseOptions, MessageTransport, TransportCloseInfo } from "../transport/transport.ts";
import { connectWebSocket } from "../transport/websocket.ts";
import { buildLaunch, type LaunchOptions } from "./command.ts";

/** How long start-up and the connect may each take, by default. */
const CONNECT_TIMEOUT_MS = 10_000;
/** The default of `CloseOptions.graceMs`. */
const CLOSE_GRACE_MS = 2000;

/**
 * Options of {@linkcode listenAppServer}: launch options plus the connection's. `signal`
 * cancels a start in progress (and stops the process); `timeoutMs` bounds start-up and the
 * connect, each (default 10000 ms).
 */
export interface ListenAppServerOptions extends Omit<LaunchOptions, "appServerArgs">, CallOptions {
  /** The TCP port to listen on (on 127.0.0.1). Default 0: the system picks a free one. */
  readonly port?: number;
  /**
   * The capability token clients must present (`--ws-auth capability-token`; only its
   * SHA-256 is passed to the process). Default: a random token, which the returned
   * transport uses and `token` of the result gives for more connections. `false` turns
   * authentication off: then any user of this machine can connect to the port and drive
   * the agent (run commands as you) — use it only where nobody else can reach it.
   */
  readonly token?: string | false;
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
  /** The token more connections need, or `undefined` when authentication is off. */
  readonly token: string | undefined;
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
 * @throws {CodexError} The server exited or printed no address within `timeoutMs`.
 * @throws {WebSocketConnectError} The connect to the started server failed.
 *
 * @example
 * ```ts
 * import { Codex } from "codex-app-server";
 * import { listenAppServer } from "codex-app-server/transport";
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
  const token = options.token === false ? undefined : options.token ?? randomToken();
  if (token !== undefined) {
    args.push("--ws-auth", "capability-token", "--ws-token-sha256", await sha256Hex(token));
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
      token,
      signal,
      timeoutMs: options.timeoutMs,
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
    async close({ graceMs: grace = CLOSE_GRACE_MS }: CloseOptions = {}) {
      graceMs = grace;
      closedByUs = true;
      await socket.close({ graceMs: grace });
      await stop(grace);
      return await closed;
    },
  };
  return { transport, url, token, process: child };
}

/** Waits for the server's address line; fails on exit, timeout or abort. */
async function waitForAddress(
  announced: Promise<string>,
  processTransport: MessageTransport,
  options: ListenAppServerOptions,
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? CONNECT_TIMEOUT_MS;
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
      const lines = stderrParagraph(exit.stderrTail ?? []);
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

/** 32 random bytes as hex: a capability token nobody can guess. */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The lowercase hex SHA-256 of a string's UTF-8 bytes. */
async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
