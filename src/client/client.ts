/**
 * The typed client under `Codex`: validated requests, typed notifications, the dispatch of
 * server requests to `onServerRequest` handlers, and per-turn routing, over one
 * {@linkcode JsonRpcConnection}.
 *
 * @module
 */

import type {
  ClientRequestMap,
  ClientRequestMethod,
  InitializeParams,
  InitializeResponse,
  ServerNotificationMap,
  ServerNotificationMethod,
} from "../../generated/mod.ts";
import { isServerNotificationMethod, isServerRequestMethod } from "../../generated/methods.ts";
import { CODEX_VERSION } from "../../generated/version.ts";
import type { CallOptions } from "../_util/call.ts";
import { keepAlive } from "../_util/keep_alive.ts";
import { raceSignal } from "../_util/wait.ts";
import {
  CallTimeoutError,
  CodexError,
  formatIssues,
  MethodNotFoundError,
  NotificationListenerError,
  ServerRequestHandlerError,
  type TransportClosedError,
} from "../errors.ts";
import { JsonRpcConnection, type RequestSendOptions } from "../rpc/connection.ts";
import type { CloseOptions, MessageTransport } from "../transport/transport.ts";
import {
  declineRequest,
  handlerFor,
  type OnServerRequest,
  type ServerRequest,
  type ServerRequestContext,
  unknownHandlerFor,
  type UnknownServerRequest,
  type UnknownServerRequestHandler,
} from "./server_requests.ts";
import { assertServerHasMethod, serverHasMethod } from "./version_skew.ts";
import type { ServerRequestOutcome } from "../turn_result.ts";
import { turnIdOf, TurnRouter } from "./turn_router.ts";
import { unknownKeys } from "./unknown_keys.ts";
import { conforms, conformsExactly } from "./conforms.ts";
import {
  checksNotification,
  invalidParams,
  invalidPayload,
  issuesOf,
  loadValidation,
  type ValidationMode,
} from "./validation.ts";

/** A server notification, narrowed on `method`. */
export type ServerNotification = {
  [M in ServerNotificationMethod]: {
    /** The notification's method. */
    readonly method: M;
    /** Its params. */
    readonly params: ServerNotificationMap[M];
  };
}[ServerNotificationMethod];

/**
 * A notification whose method the pinned protocol does not have (a newer app-server's).
 * Its params are passed through untouched and typed `unknown`. Only listeners added with
 * `{ unknown: true }` receive it; narrow with `"unknown" in notification` (or on
 * `notification.unknown`) before narrowing on `method`.
 */
export interface UnknownServerNotification {
  /** The notification's method, not one of the pinned protocol's. */
  readonly method: string;
  /** Its params, unchecked. */
  readonly params: unknown;
  /** Tells it from the pinned protocol's notifications: always `true`. */
  readonly unknown: true;
}

/** Receives the pinned protocol's notifications, in arrival order. */
export type NotificationListener = (notification: ServerNotification) => void;

/** Receives every notification, those of methods the pinned protocol lacks included. */
export type AnyNotificationListener = (
  notification: ServerNotification | UnknownServerNotification,
) => void;

/** Options of `onNotification`. */
export interface NotificationListenerOptions {
  /**
   * Also receive notifications whose method the pinned protocol does not have, as
   * {@linkcode UnknownServerNotification}. Default `false`.
   */
  readonly unknown?: boolean;
}

/** The params type of a client request method (`undefined` when it takes none). */
export type ParamsOf<M extends ClientRequestMethod> = ClientRequestMap[M]["params"];
/** The result type of a client request method. */
export type ResultOf<M extends ClientRequestMethod> = ClientRequestMap[M]["result"];

/** How a connection, or one thread, answers the server's requests. */
export interface ServerRequestOptions {
  /** Answers server requests; without one, they are declined (see `declineRequest`). */
  readonly onServerRequest?: OnServerRequest;
  /**
   * How long a handler may take to answer one request (a person deciding on a web page may
   * take minutes). When it passes, the handler's `context.signal` aborts and the request is
   * declined: it fails closed, and the turn's `result.serverRequests` says `"timedOut"`.
   * Default: no limit.
   */
  readonly serverRequestTimeoutMs?: number;
}

/** Options of {@linkcode CodexClient}. */
export interface CodexClientOptions extends ServerRequestOptions {
  /** How incoming messages are validated. Default `"report"`. */
  readonly validation?: ValidationMode;
  /**
   * The error channel: dropped or invalid input (`ProtocolError`), throwing listeners
   * (`NotificationListenerError`). Default: `console.warn`.
   */
  readonly onError?: (error: CodexError) => void;
}

/**
 * A server request given to a handler: what tells the handler to stop. Kept until its turn
 * ends (or, for a request outside any turn, until it is answered).
 */
interface Answering {
  readonly controller: AbortController;
  readonly turnId: string | undefined;
  answered: boolean;
}

/** A server request on its way to a handler. */
interface HandlerCall {
  readonly method: string;
  readonly id: string | number;
  readonly thread: string | undefined;
  readonly turnId: string | undefined;
  /** The thread's own server-request settings, if it has any. */
  readonly own: ServerRequestOptions | undefined;
  note(outcome: ServerRequestOutcome["outcome"]): void;
}

/**
 * The typed JSON-RPC client for one app-server connection.
 *
 * @example
 * ```ts
 * import { spawnAppServer } from "codex-app-server/transport";
 * import { CodexClient } from "./client.ts";
 * await using client = new CodexClient(await spawnAppServer());
 * await client.initialize({ clientInfo: { name: "demo", title: "Demo", version: "1.0.0" } });
 * const { thread } = await client.request("thread/start", {});
 * ```
 */
export class CodexClient implements AsyncDisposable {
  /** The underlying JSON-RPC connection. */
  readonly connection: JsonRpcConnection;
  /**
   * Routes turn events to their consumers (used by `Thread` and `TurnHandle`).
   *
   * @ignore
   */
  readonly router: TurnRouter = new TurnRouter();
  readonly #options: CodexClientOptions;
  readonly #mode: ValidationMode;
  readonly #listeners = new Map<AnyNotificationListener, boolean>();
  readonly #threadRequests = new Map<string, ServerRequestOptions>();
  #serverVersion: string | undefined;
  readonly #answering = new Map<string | number, Answering>();

  /**
   * Creates a `CodexClient`.
   *
   * @param transport The transport to the app-server.
   * @param options Server-request handlers and validation.
   */
  constructor(transport: MessageTransport, options: CodexClientOptions = {}) {
    this.#options = options;
    this.#mode = options.validation ?? "report";
    this.connection = new JsonRpcConnection(transport, {
      onServerRequest: (method, params, id) => this.#answer(method, params, id),
      onError: options.onError,
    });
    this.connection.onNotification(this.#dispatch.bind(this));
    this.connection.closed.then((error) => {
      this.router.failAll(error);
      for (const answering of this.#answering.values()) answering.controller.abort(error);
    });
  }

  /** Resolves once the connection has ended, with the error every waiter received. */
  get closed(): Promise<TransportClosedError> {
    return this.connection.closed;
  }

  /**
   * Runs the `initialize` handshake and sends `initialized`.
   *
   * @param params The `initialize` params (client info and capabilities).
   * @param options Abort signal and timeout.
   * @returns The server's `initialize` result.
   */
  async initialize(params: InitializeParams, options?: CallOptions): Promise<InitializeResponse> {
    const result = await this.request("initialize", params, options);
    this.#serverVersion = serverVersionOf(result.userAgent);
    await this.connection.notify("initialized");
    return result;
  }

  /**
   * The app-server's version ("0.169.0"), read from the `initialize` reply's user agent;
   * `undefined` before `initialize` or when the user agent has none.
   */
  get serverVersion(): string | undefined {
    return this.#serverVersion;
  }

  /**
   * Sends a typed request: params are validated before sending (nothing is sent when they
   * are invalid, or, unless validation is `"off"`, hold a key their schema does not know),
   * and the result is validated as the client's {@linkcode ValidationMode} says.
   *
   * @param method A client request method of the pinned protocol.
   * @param params Its params.
   * @param options Abort signal and timeout, and `onRequestId` to learn the request's id.
   * @returns The method's result.
   * @throws {UnsupportedMethodError} The app-server's version is older than the method.
   * @throws {InvalidParamsError} The params fail the method's schema, or hold an unknown key
   * (`data.issues` has paths: 'modle: unknown option "modle" — did you mean "model"?').
   * @throws {JsonRpcError} The server answered with an error.
   * @throws {TransportClosedError} The connection ended first.
   * @throws {CallTimeoutError} `timeoutMs` passed first.
   */
  async request<M extends ClientRequestMethod>(
    method: M,
    params: ParamsOf<M>,
    options?: RequestSendOptions,
  ): Promise<ResultOf<M>> {
    assertServerHasMethod(method, this.#serverVersion);
    const validation = loadValidation.value ?? await loadValidation();
    const schemas = validation.registry.clientRequestSchemas(method);
    if (schemas === undefined) {
      throw new CodexError(
        `Cannot send ${method}: it is not a method of the pinned protocol (codex ${CODEX_VERSION})`,
      );
    }
    const keysChecked = this.#mode !== "off";
    // One walk says the params pass (and hold no unknown key); the issues are found only
    // when they do not.
    if (
      schemas.params !== undefined &&
      !(keysChecked ? conformsExactly : conforms)(schemas.params, params)
    ) {
      const issues = issuesOf(validation, schemas.params, params);
      if (keysChecked) issues.push(...unknownKeys(conforms, schemas.params, params));
      if (issues.length > 0) throw invalidParams(method, issues);
    }
    const result = await this.connection.request(method, params, options);
    if (this.#mode !== "off") {
      const issues = issuesOf(validation, schemas.result, result);
      if (issues.length > 0) {
        const error = invalidPayload(`${method} result`, issues, result);
        if (this.#mode === "strict") throw error;
        this.#report(error);
      }
    }
    return result as ResultOf<M>;
  }

  /**
   * Adds a listener for every notification of the pinned protocol (turn events included).
   * A listener that throws is reported to `onError`; the other listeners still receive the
   * notification.
   *
   * @param listener Called with each notification in arrival order.
   * @returns A function that removes the listener.
   */
  onNotification(listener: NotificationListener): () => void;
  /**
   * Adds a listener that also receives the notifications whose method the pinned protocol
   * does not have (typed {@linkcode UnknownServerNotification}).
   *
   * @param listener Called with each notification in arrival order.
   * @param options `{ unknown: true }`.
   * @returns A function that removes the listener.
   */
  onNotification(
    listener: AnyNotificationListener,
    options: NotificationListenerOptions & { readonly unknown: true },
  ): () => void;
  onNotification(
    listener: NotificationListener | AnyNotificationListener,
    options: NotificationListenerOptions = {},
  ): () => void {
    const key = listener as AnyNotificationListener;
    this.#listeners.set(key, options.unknown === true);
    return () => this.#listeners.delete(key);
  }

  /**
   * Whether the connected app-server has a client request, as far as the SDK knows: `false`
   * only for a method the generated method history records as added after the server's
   * version (such a call fails with `UnsupportedMethodError`, and nothing is sent). Before
   * `initialize`, every method counts as supported.
   *
   * @param method A client request method of the pinned protocol.
   * @returns Whether it may be sent.
   */
  supports(method: ClientRequestMethod): boolean {
    return serverHasMethod(method, this.#serverVersion);
  }

  /**
   * Sets how one thread's server requests are answered, before the client's own handlers
   * and timeout.
   *
   * @param threadId The thread.
   * @param options Its handlers and timeout; `undefined` removes them.
   */
  setThreadServerRequests(threadId: string, options: ServerRequestOptions | undefined): void {
    if (options === undefined) this.#threadRequests.delete(threadId);
    else this.#threadRequests.set(threadId, options);
  }

  /**
   * Closes the connection (see {@linkcode JsonRpcConnection.close}).
   *
   * @param options How long to wait at each step before escalating.
   */
  async close(options?: CloseOptions): Promise<void> {
    await this.connection.close(options);
  }

  /** Closes the connection; what `await using` calls. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #dispatch(method: string, params: unknown): void {
    if (checksNotification(this.#mode, method) && !this.#keeps(method, params)) return;
    if (this.#answering.size > 0) this.#withdraw(method, params);
    this.router.route(method, params);
    if (this.#listeners.size > 0) this.#notify(method, params);
  }

  /**
   * Whether a checked notification is kept: it passes its check, or fails it in `"report"`
   * mode (the failure goes to `onError`). Kept out of `#dispatch`, which every notification
   * passes through: inside it, Bun's optimizing compiler compiled this code into every
   * delta's path.
   */
  #keeps(method: string, params: unknown): boolean {
    // Validation is loaded: every notification comes after the `initialize` request.
    const validation = loadValidation.value;
    if (validation === undefined) return true;
    const schema = validation.registry.serverNotificationSchema(method);
    const issues = schema === undefined ? [] : issuesOf(validation, schema, params);
    if (issues.length === 0) return true;
    this.#report(invalidPayload(`${method} notification`, issues, params));
    return this.#mode !== "strict";
  }

  /** Passes a notification to the `onNotification` listeners. */
  #notify(method: string, params: unknown): void {
    const known = isServerNotificationMethod(method);
    const notification: ServerNotification | UnknownServerNotification = known
      ? { method, params } as ServerNotification
      : { method, params, unknown: true };
    for (const [listener, wantsUnknown] of this.#listeners) {
      if (!known && !wantsUnknown) continue;
      try {
        listener(notification);
      } catch (error) {
        this.#report(new NotificationListenerError(method, error));
      }
    }
  }

  /**
   * Tells handlers to stop: those of requests the server withdrew while they were still
   * unanswered, and all of a turn's once it has ended.
   */
  #withdraw(method: string, params: unknown): void {
    if (method === "serverRequest/resolved") {
      const requestId = (params as { requestId?: string | number }).requestId;
      const answering = requestId === undefined ? undefined : this.#answering.get(requestId);
      if (answering !== undefined && !answering.answered) answering.controller.abort();
    } else if (method === "turn/completed") {
      const turnId = turnIdOf(params);
      for (const [id, answering] of this.#answering) {
        if (answering.turnId !== turnId) continue;
        answering.controller.abort();
        this.#answering.delete(id);
      }
    }
  }

  async #answer(method: string, params: unknown, id: string | number): Promise<unknown> {
    if (!isServerRequestMethod(method)) return await this.#answerUnknown(method, params, id);
    const validation = loadValidation.value ?? await loadValidation();
    const schemas = validation.registry.serverRequestSchemas(method);
    if (schemas !== undefined && this.#mode !== "off") {
      const issues = issuesOf(validation, schemas.params, params);
      if (issues.length > 0) this.#report(invalidPayload(`${method} request`, issues, params));
    }
    const request = { method, params, id } as ServerRequest;
    const call = this.#handlerCall(method, params, id);
    const handler = handlerFor(call.own?.onServerRequest, request) ??
      handlerFor(this.#options.onServerRequest, request);
    if (handler === undefined) {
      call.note("defaulted");
      return declineRequest(request);
    }
    return await this.#runHandler(call, (context) => handler(request, context), {
      check(result) {
        const issues = schemas === undefined ? [] : issuesOf(validation, schemas.result, result);
        if (issues.length > 0) {
          throw new CodexError(`the answer to ${method} is invalid: ${formatIssues(issues)}`);
        }
      },
      late: () => declineRequest(request),
    });
  }

  /**
   * A server request the pinned protocol does not have: the `unknown` handler (the
   * thread's, else the connection's) answers it unchecked, under the same signal and
   * `serverRequestTimeoutMs` as any handler (there is no safe default answer, so a late one
   * gets an error reply); without a handler it is refused with -32601, and the refusal is
   * reported to `onError`.
   */
  async #answerUnknown(method: string, params: unknown, id: string | number): Promise<unknown> {
    const request: UnknownServerRequest = { method, params, id, unknown: true };
    const call = this.#handlerCall(method, params, id);
    const handler: UnknownServerRequestHandler | undefined =
      unknownHandlerFor(call.own?.onServerRequest) ??
        unknownHandlerFor(this.#options.onServerRequest);
    if (handler === undefined) {
      call.note("defaulted");
      const refusal = new MethodNotFoundError(
        -32601,
        `${method} is not a server request of the pinned protocol (codex ${CODEX_VERSION}; ` +
          `the app-server is ${this.#serverVersion ?? "of an unknown version"}), and no ` +
          `onServerRequest "unknown" handler answers it`,
        undefined,
        method,
      );
      this.#report(refusal);
      throw refusal;
    }
    return await this.#runHandler(call, (context) => handler(request, context), {
      check() {},
      late(timeout) {
        throw timeout;
      },
    });
  }

  /** Where a server request belongs (its thread and turn), and how to note its outcome. */
  #handlerCall(method: string, params: unknown, id: string | number): HandlerCall {
    const threadId = (params as { threadId?: unknown } | null)?.threadId;
    const thread = typeof threadId === "string" ? threadId : undefined;
    const turnId = turnIdOf(params);
    return {
      method,
      id,
      thread,
      turnId,
      own: thread === undefined ? undefined : this.#threadRequests.get(thread),
      note: (outcome) => {
        if (turnId !== undefined) this.router.note(thread, turnId, { id, method, outcome });
      },
    };
  }

  /**
   * Runs a server request's handler: under a signal that aborts once the answer is no longer
   * wanted (the turn ended, the server withdrew the request, the connection closed) and
   * within `serverRequestTimeoutMs`; its outcome is noted on the turn, and a handler's error
   * is reported to the turn's consumers.
   */
  async #runHandler(
    call: HandlerCall,
    handle: (context: ServerRequestContext) => unknown,
    answer: { check(result: unknown): void; late(timeout: CallTimeoutError): unknown },
  ): Promise<unknown> {
    const { method, id, thread, turnId } = call;
    const answering: Answering = { controller: new AbortController(), turnId, answered: false };
    this.#answering.set(id, answering);
    const release = keepAlive();
    const { signal } = answering.controller;
    const timeoutMs = call.own?.serverRequestTimeoutMs ?? this.#options.serverRequestTimeoutMs;
    let timedOut = false;
    try {
      const given = Promise.resolve(handle({ signal, threadId: thread, turnId, id }));
      // A handler that never settles holds nothing once the answer is no longer wanted.
      const result = await raceSignal(
        timeoutMs === undefined ? given : answerWithin(given, timeoutMs),
        signal,
      );
      if (result === TIMED_OUT) {
        timedOut = true;
        const timeout = new CallTimeoutError(`the answer to ${method}`, timeoutMs!);
        answering.controller.abort(timeout);
        call.note("timedOut");
        return answer.late(timeout);
      }
      answer.check(result);
      call.note("answered");
      return result;
    } catch (error) {
      if (timedOut) throw error; // no safe refusal: the server gets an error reply
      if (signal.aborted) throw error; // withdrawn: nobody waits for this answer any more
      call.note("failed");
      if (turnId !== undefined) {
        this.router.report(thread, turnId, new ServerRequestHandlerError(method, error));
      }
      throw error;
    } finally {
      release();
      answering.answered = true;
      if (turnId === undefined) this.#answering.delete(id);
    }
  }

  #report(error: CodexError): void {
    if (this.#options.onError) this.#options.onError(error);
    else console.warn(`codex-app-server: ${error.message}`);
  }
}

/** What {@linkcode answerWithin} resolves with when the handler was too slow. */
const TIMED_OUT: unique symbol = Symbol("timed out");

/** The handler's answer, or `TIMED_OUT` once `timeoutMs` has passed (its late answer is ignored). */
function answerWithin<T>(answer: Promise<T>, timeoutMs: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  answer.catch(() => {}); // a late failure has nowhere to go
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

/**
 * The app-server's version from its user agent, which reads
 * `<clientInfo.name>/<codex version> (<os>) …`.
 *
 * @param userAgent The `initialize` reply's `userAgent`.
 * @returns The version ("0.169.0"), or `undefined`.
 *
 * @example
 * ```ts
 * import { serverVersionOf } from "./client.ts";
 * console.log(serverVersionOf("codex_app_server_ts/0.169.0 (Linux 6.1; x86_64)")); // "0.169.0"
 * ```
 */
export function serverVersionOf(userAgent: unknown): string | undefined {
  return typeof userAgent === "string" ? /^[^/\s]+\/(\d\S*)/.exec(userAgent)?.[1] : undefined;
}
