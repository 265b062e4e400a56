/**
 * A JSON-RPC 2.0 client connection (the Codex dialect: no `"jsonrpc"` member) over any
 * {@linkcode MessageTransport}. It owns the pending-request map, dispatches notifications
 * and server-initiated requests, and settles everything with one error when the transport
 * ends.
 *
 * @module
 */

import { type CallOptions, callScope } from "../_util/call.ts";
import { keepAlive } from "../_util/keep_alive.ts";
import { describe } from "../_util/text.ts";
import {
  CodexError,
  JsonRpcError,
  NotificationListenerError,
  ProtocolError,
  TransportClosedError,
  type TransportCloseInfo,
} from "../errors.ts";
import { MalformedMessage } from "../framing/malformed.ts";
import type { CloseOptions, MessageTransport } from "../transport/transport.ts";

/** A request id as JSON-RPC allows it. */
type Id = string | number;

/**
 * Answers one server-initiated request, untyped (the typed handlers of `Codex` sit on top).
 * Return the `result`; throw to answer with an error (a {@linkcode JsonRpcError} keeps its
 * code, anything else becomes -32603).
 */
export type RawServerRequestHandler = (
  method: string,
  params: unknown,
  id: string | number,
) => unknown | Promise<unknown>;

/** Receives every notification, in arrival order. */
export type NotificationListener = (method: string, params: unknown) => void;

/**
 * Options of {@linkcode JsonRpcConnection.request}: cancellation, and a way to learn the id
 * the request is sent with (for notifications that name it, such as
 * `thread/search/partial`, or a cancel request that targets it).
 *
 * @example
 * ```ts
 * import type { RequestSendOptions } from "./connection.ts";
 * let id: number | undefined;
 * const options: RequestSendOptions = { timeoutMs: 5_000, onRequestId: (sent) => (id = sent) };
 * ```
 */
export interface RequestSendOptions extends CallOptions {
  /** Called with the request's JSON-RPC id just before it is sent. */
  readonly onRequestId?: (id: number) => void;
}

/** Options of {@linkcode JsonRpcConnection}. */
export interface ConnectionOptions {
  /**
   * Answers server-initiated requests. Without one, every server request is answered with
   * a -32601 error, so the server never waits on silence.
   */
  readonly onServerRequest?: RawServerRequestHandler;
  /**
   * Told about what cannot be thrown to a caller: input the connection had to drop
   * (`ProtocolError`: malformed lines, non-JSON-RPC messages, replies to unknown ids) and
   * listeners that threw (`NotificationListenerError`). Without one, these go to
   * `console.warn`.
   */
  readonly onError?: (error: CodexError) => void;
}

interface Pending {
  readonly method: string;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly cleanup: () => void;
}

/** Wire code for an internal error, used when a server-request handler throws. */
const INTERNAL_ERROR = -32603;
/** Wire code for "method not found", used when no handler answers a server request. */
const METHOD_NOT_FOUND = -32601;
/** How long the reader may lag behind a transport that has already closed. */
const READ_SETTLE_MS = 50;

/**
 * A JSON-RPC connection to a Codex app-server.
 *
 * @example
 * ```ts
 * import { spawnAppServer } from "codex-app-server/transport";
 * import { JsonRpcConnection } from "./connection.ts";
 * await using connection = new JsonRpcConnection(await spawnAppServer(), {
 *   onServerRequest: (method) => method.endsWith("requestApproval") ? { decision: "accept" } : {},
 * });
 * connection.onNotification((method, params) => console.log(method, params));
 * const info = await connection.request("initialize", { clientInfo: { name: "demo", title: "Demo", version: "1" } });
 * ```
 */
export class JsonRpcConnection implements AsyncDisposable {
  readonly #transport: MessageTransport;
  /** Sends one message: the transport's `send`, else a write to its `writable`. */
  readonly #write: (text: string) => void;
  /** The writer of `writable`, when the transport has no `send`. */
  readonly #writer: WritableStreamDefaultWriter<string> | undefined;
  readonly #options: ConnectionOptions;
  readonly #pending = new Map<Id, Pending>();
  readonly #listeners = new Set<NotificationListener>();
  #nextId = 1;
  /** Why the connection ended (the user closed it, or the transport ended); set once. */
  #closedInfo: TransportCloseInfo | undefined;
  #settleClosed!: (error: TransportClosedError) => void;
  /** Settles once reading has stopped and the transport has ended. */
  readonly #ended: Promise<void>;

  /**
   * Resolves with the error every waiter received, as soon as they received it: when
   * `close()` is called, or when the transport ends.
   */
  readonly closed: Promise<TransportClosedError>;

  /**
   * Creates a `JsonRpcConnection`.
   *
   * @param transport The message transport to speak over; the connection reads it at once.
   * @param options Handlers for server requests and protocol problems.
   */
  constructor(transport: MessageTransport, options: ConnectionOptions = {}) {
    this.#transport = transport;
    this.#options = options;
    if (transport.send !== undefined) {
      this.#write = transport.send.bind(transport);
    } else {
      const writer = this.#writer = transport.writable.getWriter();
      writer.closed.catch(() => {});
      this.#write = (text) => void writer.write(text).catch(() => {});
    }
    this.closed = new Promise((resolve) => (this.#settleClosed = resolve));
    this.#ended = this.#readAll();
  }

  /**
   * Sends a request and resolves with its `result`.
   *
   * @param method The method name.
   * @param params The params object (omitted from the message when `undefined`).
   * @param options Abort signal and timeout (aborting removes the pending entry; a late
   * reply is dropped), and `onRequestId`.
   * @returns The `result` member of the reply.
   * @throws {JsonRpcError} The server's error reply, as its most specific subclass.
   * @throws {TransportClosedError} The connection ended first (or had already ended).
   * @throws {CallTimeoutError} `timeoutMs` elapsed first.
   */
  request(method: string, params?: unknown, options?: RequestSendOptions): Promise<unknown> {
    const unusable = this.#unusable(method);
    if (unusable !== undefined) return Promise.reject(unusable);
    const scope = callScope(options, method);
    const { signal } = scope;
    if (signal?.aborted) return Promise.reject(signal.reason); // aborted, or a deadline of 0
    const id = this.#nextId++;
    let text: string;
    try {
      text = JSON.stringify(params === undefined ? { id, method } : { id, method, params });
    } catch (error) {
      scope[Symbol.dispose]();
      return Promise.reject(
        new CodexError(`Cannot send ${method}: params are not serializable as JSON`, {
          cause: error,
        }),
      );
    }
    const release = keepAlive();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(id);
        cleanup();
        reject(signal!.reason);
      };
      const cleanup = () => {
        release();
        scope[Symbol.dispose]();
        signal?.removeEventListener("abort", onAbort);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(id, { method, resolve, reject, cleanup });
      options?.onRequestId?.(id);
      this.#send(text);
    });
  }

  /**
   * Sends a notification (a message without an id; nothing answers it).
   *
   * @param method The method name.
   * @param params The params object, if any.
   * @throws {TransportClosedError} The connection has ended.
   */
  notify(method: string, params?: unknown): Promise<void> {
    const unusable = this.#unusable(method);
    if (unusable !== undefined) return Promise.reject(unusable);
    this.#send(JSON.stringify(params === undefined ? { method } : { method, params }));
    return Promise.resolve();
  }

  /**
   * Adds a listener for every notification.
   *
   * @param listener Called synchronously with each notification's method and params.
   * @returns A function that removes the listener.
   */
  onNotification(listener: NotificationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Closes the connection: every pending request rejects at once with a
   * {@linkcode TransportClosedError} that says the user closed it (`closedByUser`), nothing
   * more is dispatched, and the transport is shut down (see `MessageTransport.close`).
   *
   * @param options How long the peer may take to go before it is forced (`graceMs`).
   * @returns The error every waiter received.
   */
  async close(options?: CloseOptions): Promise<TransportClosedError> {
    this.#end({ reason: "close() was called", closedByUser: true });
    await this.#transport.close(options);
    await this.#ended;
    return await this.closed;
  }

  /** Closes the connection; what `await using` calls. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #unusable(method: string): TransportClosedError | undefined {
    if (this.#closedInfo === undefined) return undefined;
    return new TransportClosedError(this.#closedInfo, `Cannot send ${method}`);
  }

  /** Fails every waiter with why the connection ended (once; later ends change nothing). */
  #end(info: TransportCloseInfo): void {
    if (this.#closedInfo !== undefined) return;
    this.#closedInfo = info;
    for (const pending of this.#pending.values()) {
      pending.cleanup();
      pending.reject(new TransportClosedError(info, pending.method));
    }
    this.#pending.clear();
    this.#settleClosed(new TransportClosedError(info));
  }

  #send(text: string): void {
    // Writes go out in order; a failed one means the peer is gone, which the transport's
    // `closed` reports to every waiter.
    try {
      this.#write(text);
    } catch {
      // The same: the transport ends and says why.
    }
  }

  async #readAll(): Promise<void> {
    const transport = this.#transport;
    const stop = new AbortController();
    let stopReading: ReturnType<typeof setTimeout> | undefined;
    transport.closed.then(() => {
      stopReading = setTimeout(() => stop.abort(), READ_SETTLE_MS);
    });
    const dispatchAll = (batch: unknown[]) => {
      for (let i = 0; i < batch.length; i++) this.#dispatch(batch[i]);
    };
    try {
      if (transport.readMessages !== undefined) {
        await transport.readMessages(dispatchAll, stop.signal);
      } else {
        const reader = transport.readable.getReader();
        stop.signal.addEventListener("abort", () => void reader.cancel().catch(() => {}));
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          dispatchAll(value);
        }
      }
    } catch {
      // A broken pipe ends reading; the transport says why.
    }
    const info = await this.#transport.closed;
    clearTimeout(stopReading);
    this.#end(info);
    this.#writer?.abort().catch(() => {});
  }

  #dispatch(message: unknown): void {
    if (this.#closedInfo !== undefined) return; // closed by the user: nobody listens
    if (message instanceof MalformedMessage) {
      this.#report(new ProtocolError("Dropped a line that is not JSON", [], message.text));
      return;
    }
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      this.#report(new ProtocolError("Dropped a message that is not a JSON object", [], message));
      return;
    }
    const { method, id } = message as { method?: unknown; id?: unknown };
    if (typeof method === "string") {
      const params = (message as { params?: unknown }).params;
      if (id === undefined || id === null) this.#notifyListeners(method, params);
      else this.#answer(id as Id, method, params);
      return;
    }
    if (typeof id === "string" || typeof id === "number") {
      this.#settle(id, message as { result?: unknown; error?: unknown });
      return;
    }
    this.#report(new ProtocolError("Dropped a message that is not JSON-RPC", [], message));
  }

  #notifyListeners(method: string, params: unknown): void {
    for (const listener of this.#listeners) {
      try {
        listener(method, params);
      } catch (error) {
        this.#report(new NotificationListenerError(method, error));
      }
    }
  }

  #settle(id: Id, reply: { result?: unknown; error?: unknown }): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) {
      this.#report(new ProtocolError(`Dropped a reply to unknown request id ${id}`, [], reply));
      return;
    }
    this.#pending.delete(id);
    pending.cleanup();
    const error = reply.error as { code?: unknown; message?: unknown; data?: unknown } | undefined;
    if (error === undefined) {
      pending.resolve(reply.result);
    } else if (
      typeof error === "object" && error !== null && typeof error.code === "number" &&
      typeof error.message === "string"
    ) {
      pending.reject(
        JsonRpcError.from(
          { code: error.code, message: error.message, data: error.data },
          pending.method,
        ),
      );
    } else {
      pending.reject(new ProtocolError(`Malformed error reply to ${pending.method}`, [], reply));
    }
  }

  async #answer(id: Id, method: string, params: unknown): Promise<void> {
    const handler = this.#options.onServerRequest;
    let reply: unknown;
    if (handler === undefined) {
      reply = {
        id,
        error: { code: METHOD_NOT_FOUND, message: `No handler for server request ${method}` },
      };
    } else {
      try {
        reply = { id, result: (await handler(method, params, id)) ?? {} };
      } catch (error) {
        const code = error instanceof JsonRpcError ? error.code : INTERNAL_ERROR;
        reply = { id, error: { code, message: describe(error) } };
      }
    }
    if (this.#closedInfo === undefined) this.#send(JSON.stringify(reply));
  }

  #report(error: CodexError): void {
    if (this.#options.onError) this.#options.onError(error);
    else console.warn(`codex-app-server: ${error.message}`);
  }
}
