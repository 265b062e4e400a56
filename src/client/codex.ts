/**
 * `Codex`: the entry point. Starts (or connects to) an app-server, initializes it, and
 * opens threads.
 *
 * @module
 */

import type {
  ClientInfo,
  ClientRequestMethod,
  GetAccountParams,
  GetAccountResponse,
  InitializeResponse,
  ModelListParams,
  ModelListResponse,
  ServerNotificationMap,
  ServerNotificationMethod,
  ThreadForkParams,
  ThreadListParams,
  ThreadListResponse,
  ThreadResumeParams,
  ThreadStartParams,
} from "../../generated/mod.ts";
import { CODEX_VERSION } from "../../generated/version.ts";
import { type CallOptions, callScope, withoutCallOptions } from "../_util/call.ts";
import { rememberSecret } from "../_util/secrets.ts";
import { heldWait, raceSignal } from "../_util/wait.ts";
import { CodexError } from "../errors.ts";
import type { LaunchOptions } from "../process/command.ts";
import { spawnAppServer } from "../process/spawn.ts";
import type { CloseOptions, MessageTransport } from "../transport/transport.ts";
import {
  type AnyNotificationListener,
  CodexClient,
  type NotificationListener,
  type NotificationListenerOptions,
  type ParamsOf,
  type ResultOf,
  type ServerNotification,
  type ServerRequestOptions,
  serverVersionOf,
} from "./client.ts";
import {
  type ChatgptLoginHandle,
  type DeviceCodeLoginHandle,
  LoginWaiter,
  startChatgptLogin,
} from "./login.ts";
import { applyPresets, type ApprovalOptions, type ThreadPresetFields } from "./presets.ts";
import type { OnServerRequest } from "./server_requests.ts";
import { Thread } from "./thread.ts";
import { ThreadSearch, type ThreadSearchOptions } from "./thread_search.ts";
import { loadValidation, type ValidationMode } from "./validation.ts";
import { checkServerVersion, type RequireVersion } from "./version_skew.ts";

/** What every `Codex` accepts, whichever way it reaches the app-server. */
export interface CodexBaseOptions extends CallOptions, ServerRequestOptions {
  /**
   * Aborting closes the connection (and cancels a start in progress), as `signal` does for
   * `child_process.spawn`. The listener is removed by `close()`.
   */
  readonly signal?: AbortSignal;
  /** Bounds the start-up (spawn or connect, and `initialize`); it then fails and closes. */
  readonly timeoutMs?: number;
  /** Identifies this client to the server. Default `codex-app-server` / SDK version. */
  readonly clientInfo?: ClientInfo;
  /** Opt in to experimental methods and fields (`capabilities.experimentalApi`). Default `true`. */
  readonly experimentalApi?: boolean;
  /** Notification methods the server should not send on this connection. */
  readonly optOutNotificationMethods?: readonly string[];
  /**
   * Answers approval requests and the server's other requests: one handler per method
   * (typed by method) or one function for all. Without one — or for a method it does not
   * answer — approvals are declined and questions cancelled (see `declineRequest`).
   * A thread's own `onServerRequest` (given to `threadStart` …) wins for its requests.
   */
  readonly onServerRequest?: OnServerRequest;
  /** How incoming messages are validated. Default `"report"`. */
  readonly validation?: ValidationMode;
  /**
   * Which app-server versions to accept, checked at `initialize` against the pinned runtime
   * (`CODEX_VERSION`); another version then fails the start with `VersionMismatchError`.
   * `"exact"`: the pinned version only; `"minor"`: the same `MAJOR.MINOR`; `"any"`
   * (default): every version — methods the server is known to lack fail before sending
   * (`UnsupportedMethodError`), and what the pinned protocol does not know arrives typed as
   * unknown (see `onNotification(…, { unknown: true })` and the `unknown` server-request
   * handler).
   */
  readonly requireVersion?: RequireVersion;
  /**
   * The default `stallTimeoutMs` of every turn (see `TurnOptions.stallTimeoutMs`). Off by
   * default.
   */
  readonly stallTimeoutMs?: number;
  /**
   * The error channel for what cannot be thrown to a caller: input the SDK had to drop or
   * found invalid (`ProtocolError`) and notification listeners that threw
   * (`NotificationListenerError`). Default: `console.warn`.
   */
  readonly onError?: (error: CodexError) => void;
}

/** Options of a `Codex` that spawns `codex app-server` over stdio (the default). */
export interface CodexSpawnOptions extends CodexBaseOptions, LaunchOptions {
  /** Leave unset to spawn the app-server. */
  readonly transport?: undefined;
}

/** A transport, or a function that opens one (e.g. a WebSocket connect). */
export type TransportSource =
  | MessageTransport
  | (() => MessageTransport | Promise<MessageTransport>);

/**
 * Options of a `Codex` that talks to an app-server through a transport of yours. Launch
 * options cannot be given with it: nothing is spawned, so they would be ignored.
 */
export interface CodexTransportOptions
  extends CodexBaseOptions, Partial<Record<keyof LaunchOptions, never>> {
  /** The transport, or a function that opens it (e.g. `() => connectWebSocket(url)`). */
  readonly transport: TransportSource;
}

/** Options of {@linkcode Codex}: spawn the app-server, or connect through a transport. */
export type CodexOptions = CodexSpawnOptions | CodexTransportOptions;

/** The validated `initialize` result, with the server's version parsed out. */
export interface CodexMetadata extends InitializeResponse {
  /**
   * The app-server's version ("0.169.0"), from its user agent, which reads
   * `<clientInfo.name>/<codex version> (<os>) … (<clientInfo.name>; <clientInfo.version>)`.
   */
  readonly serverVersion: string;
}

/**
 * The SDK-side options of thread calls: cancellation, a handler for the thread's requests,
 * and the default stall watchdog of its turns.
 */
export interface ThreadCallOptions extends CallOptions, ApprovalOptions, ServerRequestOptions {
  /** Answers this thread's server requests before the connection's `onServerRequest`. */
  readonly onServerRequest?: OnServerRequest;
  /** How long a handler may take on this thread's requests (else the connection's limit). */
  readonly serverRequestTimeoutMs?: number;
  /** The default `stallTimeoutMs` of the thread's turns (else the `Codex`'s). */
  readonly stallTimeoutMs?: number;
}

/** Options of `threadStart`: `thread/start` params, presets, and the SDK-side options. */
export interface ThreadStartOptions
  extends
    Omit<ThreadStartParams, "approvalPolicy" | "approvalsReviewer" | "sandbox">,
    ThreadCallOptions {}

/** Options of `threadResume`: `thread/resume` params (less `threadId`) and the rest. */
export interface ThreadResumeOptions
  extends
    Omit<ThreadResumeParams, "threadId" | "approvalPolicy" | "approvalsReviewer" | "sandbox">,
    ThreadCallOptions {}

/** Options of `threadFork`: `thread/fork` params (less `threadId`) and the rest. */
export interface ThreadForkOptions
  extends
    Omit<ThreadForkParams, "threadId" | "approvalPolicy" | "approvalsReviewer" | "sandbox">,
    ThreadCallOptions {}

/** Options of `threadList`: filters, sort and cursor, with signal and timeout. */
export interface ThreadListOptions extends ThreadListParams, CallOptions {}

/** Options of `models`: `model/list` params, with signal and timeout. */
export interface ModelListOptions extends ModelListParams, CallOptions {}

/** Options of `account`: `refreshToken` to refresh the token first, with signal and timeout. */
export interface AccountReadOptions extends GetAccountParams, CallOptions {}

/**
 * Options of `codex.nextNotification()`: which notification of the method to take, and how
 * long to wait for it.
 */
export interface NextNotificationOptions<M extends ServerNotificationMethod> extends CallOptions {
  /**
   * Takes only a notification whose params pass this test (say, one thread's); a test that
   * throws rejects the wait with what it threw.
   */
  readonly where?: (params: ServerNotificationMap[M]) => boolean;
}

const DEFAULT_CLIENT_INFO: ClientInfo = {
  name: "codex_app_server_ts",
  title: "Codex App Server TypeScript SDK",
  version: CODEX_VERSION,
};

/**
 * A connection to a Codex app-server.
 *
 * `Codex.start()` spawns and initializes eagerly; `new Codex()` does it on first use.
 * Close it with `close()` or `await using`. Every async method takes `signal` and
 * `timeoutMs` in its options.
 *
 * @example
 * ```ts
 * import { Codex } from "codex-app-server";
 * await using codex = await Codex.start();
 * const thread = await codex.threadStart({ model: "gpt-5", timeoutMs: 5_000 });
 * const result = await thread.run("Say hello in one sentence.", { timeoutMs: 60_000 });
 * console.log(result.finalResponse);
 * ```
 */
export class Codex implements AsyncDisposable {
  readonly #options: CodexOptions;
  readonly #listeners = new Map<
    AnyNotificationListener,
    { readonly options: NotificationListenerOptions; remove: (() => void) | undefined }
  >();
  readonly #onAbort: (() => void) | undefined;
  #ready: Promise<CodexClient> | undefined;
  #starting: CodexClient | undefined;
  #client: CodexClient | undefined;
  #metadata: CodexMetadata | undefined;
  #logins: LoginWaiter | undefined;
  #closed = false;

  /**
   * Creates a client that starts the app-server on first use.
   *
   * @param options How to start and talk to the app-server.
   */
  constructor(options: CodexOptions = {}) {
    this.#options = options;
    if (options.signal !== undefined) {
      this.#onAbort = () => void this.close();
      options.signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /**
   * Starts the app-server and initializes it before returning.
   *
   * @param options How to start and talk to the app-server.
   * @returns A ready client.
   * @throws {CodexNotFoundError} No Codex binary was found.
   * @throws {VersionMismatchError} `requireVersion` does not allow the app-server's version.
   * @throws {TransportClosedError} The app-server exited during start-up (its stderr tail
   * is in the error).
   * @throws {CallTimeoutError} `timeoutMs` passed first.
   */
  static async start(options: CodexOptions = {}): Promise<Codex> {
    const codex = new Codex(options);
    try {
      await codex.#connect();
    } catch (error) {
      await codex.close();
      throw error;
    }
    return codex;
  }

  /**
   * The validated `initialize` result.
   *
   * @throws {CodexError} The client has not initialized yet (use `Codex.start`).
   */
  get metadata(): CodexMetadata {
    if (this.#metadata === undefined) {
      throw new CodexError("Codex metadata is not available before initialize: use Codex.start()");
    }
    return this.#metadata;
  }

  /**
   * Adds a listener for every notification of the pinned protocol on the connection (turn
   * events included), for events outside any turn. It may be added before the connection
   * starts. A listener that throws is reported to `onError`; the others still receive the
   * notification.
   *
   * @param listener Called with each notification in arrival order.
   * @returns A function that removes the listener.
   *
   * @example
   * ```ts
   * import { Codex } from "codex-app-server";
   * await using codex = await Codex.start();
   * codex.onNotification((event) => {
   *   if (event.method === "thread/started") console.log("thread", event.params.thread.id);
   * });
   * ```
   */
  onNotification(listener: NotificationListener): () => void;
  /**
   * Adds a listener that also receives the notifications whose method the pinned protocol
   * does not have — from an app-server newer than the pin — as `UnknownServerNotification`
   * (`{ method, params: unknown, unknown: true }`, passed through untouched).
   *
   * @param listener Called with each notification in arrival order.
   * @param options `{ unknown: true }`.
   * @returns A function that removes the listener.
   *
   * @example
   * ```ts
   * import { Codex } from "codex-app-server";
   * await using codex = await Codex.start({ codexBin: "/opt/codex-next/bin/codex" });
   * codex.onNotification((event) => {
   *   if ("unknown" in event) console.log("not in the pinned protocol:", event.method, event.params);
   *   else if (event.method === "turn/completed") console.log(event.params.turn.status);
   * }, { unknown: true });
   * ```
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
    this.#listeners.get(key)?.remove?.();
    this.#listeners.set(key, {
      options,
      remove: this.#client && addListener(this.#client, key, options),
    });
    return () => {
      this.#listeners.get(key)?.remove?.();
      this.#listeners.delete(key);
    };
  }

  /**
   * Waits for the next notification of `method` (whose params pass `where`, if given) and
   * returns it: the Python SDK's `next_notification()`, for what happens outside any turn
   * you started, such as the end of a compaction. It listens from the call on: call it before
   * the request that leads to the notification. While it waits, the program stays alive, as
   * it does while a request is pending.
   *
   * @param method The notification's method.
   * @param options `where` picks the notification by its params; `signal` / `timeoutMs`
   * bound the wait.
   * @returns The notification, narrowed to `method`.
   * @throws {TransportClosedError} The connection closed first (`close()` included).
   * @throws {CallTimeoutError} `timeoutMs` passed first.
   *
   * @example
   * ```ts
   * import type { Codex, Thread } from "codex-app-server";
   * declare const codex: Codex;
   * declare const thread: Thread;
   * const compacted = codex.nextNotification("turn/completed", {
   *   where: (params) => params.threadId === thread.id,
   *   timeoutMs: 120_000,
   * });
   * await thread.compact();
   * console.log(`compaction ${(await compacted).params.turn.status}`);
   * ```
   */
  async nextNotification<M extends ServerNotificationMethod>(
    method: M,
    options: NextNotificationOptions<M> = {},
  ): Promise<Extract<ServerNotification, { method: M }>> {
    type Wanted = Extract<ServerNotification, { method: M }>;
    const { where } = options;
    let stop = () => {};
    const arrived = new Promise<Wanted>((resolve, reject) => {
      stop = this.onNotification((event) => {
        if (event.method !== method) return;
        try {
          if (where === undefined || where(event.params as ServerNotificationMap[M])) {
            resolve(event as Wanted);
          }
        } catch (error) {
          reject(error);
        }
      });
    });
    // The start-up, on a `new Codex()`, is part of the wait: bounded and held with it. Once
    // connected, every wait watches the client's one `closed` promise (see `heldWait`).
    const client = this.#closed ? undefined : this.#client;
    const ended = () => client?.closed ?? this.#connect().then((started) => started.closed);
    try {
      return await heldWait(arrived, ended, `wait for ${method}`, options);
    } finally {
      stop();
    }
  }

  /**
   * Whether the connected app-server has a client request, as far as the SDK knows: `false`
   * for a method the pinned protocol's method history records as added after the server's
   * version (calling it fails with `UnsupportedMethodError`, before anything is sent).
   * Before the connection has started, every method counts as supported.
   *
   * @param method A client request method of the pinned protocol.
   * @returns Whether it may be sent.
   *
   * @example
   * ```ts
   * import { Codex } from "codex-app-server";
   * await using codex = await Codex.start();
   * if (!codex.supports("thread/search/stream")) console.log("this app-server has no streamed search");
   * ```
   */
  supports(method: ClientRequestMethod): boolean {
    return this.#client?.supports(method) ?? true;
  }

  /**
   * Starts a thread (`thread/start`).
   *
   * @param options Thread settings, approval presets, a handler for its server requests,
   * signal and timeout.
   * @returns The new thread.
   */
  async threadStart(options: ThreadStartOptions = {}): Promise<Thread> {
    const params: ThreadStartParams = threadParams(options, "Cannot start thread");
    return await this.#call("thread/start", options, async (client, signal) => {
      const { thread } = await client.request("thread/start", params, { signal });
      return this.#thread(client, thread.id, options);
    });
  }

  /**
   * Reopens an existing thread (`thread/resume`), e.g. in a new app-server process.
   *
   * @param threadId The thread's id.
   * @param options Overrides, approval presets, a handler, signal and timeout.
   * @returns The thread.
   */
  async threadResume(threadId: string, options: ThreadResumeOptions = {}): Promise<Thread> {
    const params = threadParams(options, `Cannot resume thread ${threadId}`);
    return await this.#call("thread/resume", options, async (client, signal) => {
      const { thread } = await client.request("thread/resume", { ...params, threadId }, {
        signal,
      });
      return this.#thread(client, thread.id, options);
    });
  }

  /**
   * Copies a thread's history into a new thread (`thread/fork`).
   *
   * @param threadId The thread to fork.
   * @param options Overrides, approval presets, a handler, signal and timeout.
   * @returns The new thread.
   */
  async threadFork(threadId: string, options: ThreadForkOptions = {}): Promise<Thread> {
    const params = threadParams(options, `Cannot fork thread ${threadId}`);
    return await this.#call("thread/fork", options, async (client, signal) => {
      const { thread } = await client.request("thread/fork", { ...params, threadId }, {
        signal,
      });
      return this.#thread(client, thread.id, options);
    });
  }

  /**
   * Lists stored threads (`thread/list`).
   *
   * @param options Filters, sort and cursor; signal and timeout.
   * @returns One page of threads and the next cursor.
   */
  threadList(options: ThreadListOptions = {}): Promise<ThreadListResponse> {
    return this.#request("thread/list", withoutCallOptions(options), options);
  }

  /**
   * Searches the stored threads (`thread/search/stream`, app-server 0.171.0 or newer):
   * iterate the result for best-effort `partial` batches as the server finds matches, then
   * the authoritative `final` page; or await its `result()` for the page alone. Nothing is
   * sent until then. `signal`, `timeoutMs`, leaving the loop early and disposal cancel it
   * on the server (`thread/search/stream/cancel`). A thread is searchable once it has had a
   * turn. On an older app-server it fails with `UnsupportedMethodError`, before sending.
   *
   * @param searchTerm What to search for: a substring or full-text query (not blank, at most
   * 65,536 UTF-8 bytes once trimmed).
   * @param options `limit`, `cursor`, `sortKey`, `sortDirection`, `archived`, `sourceKinds`,
   * …; signal and timeout.
   * @returns The search.
   * @throws {CodexError} The search term is blank or too long.
   *
   * @example
   * ```ts
   * import { Codex } from "codex-app-server";
   * await using codex = await Codex.start();
   * const controller = new AbortController(); // e.g. wired to the search box's next keystroke
   * for await (const event of codex.threadSearch("flaky test", { signal: controller.signal })) {
   *   if (event.type === "partial") console.log("so far:", event.data.map((m) => m.snippet));
   *   else console.log("final:", event.response.data.map((m) => m.thread.id));
   * }
   * ```
   */
  threadSearch(searchTerm: string, options: ThreadSearchOptions = {}): ThreadSearch {
    return new ThreadSearch(() => this.#connect(), searchTerm, options);
  }

  /**
   * Archives a thread (`thread/archive`); `threadResume` loads it again after
   * `threadUnarchive`.
   *
   * @param threadId The thread's id.
   * @param options Abort signal and timeout.
   */
  async threadArchive(threadId: string, options?: CallOptions): Promise<void> {
    await this.#request("thread/archive", { threadId }, options);
  }

  /**
   * Restores an archived thread (`thread/unarchive`). Run turns on it after `threadResume`.
   *
   * @param threadId The thread's id.
   * @param options Abort signal and timeout.
   */
  async threadUnarchive(threadId: string, options?: CallOptions): Promise<void> {
    await this.#request("thread/unarchive", { threadId }, options);
  }

  /**
   * Lists the models the server offers (`model/list`).
   *
   * @param options `includeHidden` for models hidden from pickers, paging; signal and timeout.
   * @returns The models.
   */
  models(options: ModelListOptions = {}): Promise<ModelListResponse> {
    const { includeHidden, ...rest } = withoutCallOptions(options);
    return this.#request("model/list", { ...rest, includeHidden: includeHidden ?? false }, options);
  }

  /**
   * Reads the signed-in account (`account/read`).
   *
   * @param options `refreshToken` to refresh the token first; signal and timeout.
   * @returns The account (or `null`) and whether OpenAI auth is required.
   */
  account(options: AccountReadOptions = {}): Promise<GetAccountResponse> {
    return this.#request("account/read", {
      refreshToken: options.refreshToken ?? false,
    }, options);
  }

  /**
   * Signs in with an API key (`account/login/start` with `type: "apiKey"`).
   *
   * @param apiKey The key.
   * @param options Abort signal and timeout.
   */
  async loginApiKey(apiKey: string, options?: CallOptions): Promise<void> {
    rememberSecret(apiKey);
    await this.#request("account/login/start", { type: "apiKey", apiKey }, options);
  }

  /**
   * Starts a ChatGPT browser login.
   *
   * @param options Abort signal and timeout of the request.
   * @returns A handle with the URL to open and `wait()` / `cancel()`.
   */
  loginChatgpt(options?: CallOptions): Promise<ChatgptLoginHandle> {
    return this.#call(
      "account/login/start",
      options,
      (client, signal) => startChatgptLogin(client, this.#logins!, "chatgpt", { signal }),
    );
  }

  /**
   * Starts a ChatGPT device-code login.
   *
   * @param options Abort signal and timeout of the request.
   * @returns A handle with the verification URL, the user code, and `wait()` / `cancel()`.
   */
  loginChatgptDeviceCode(options?: CallOptions): Promise<DeviceCodeLoginHandle> {
    return this.#call(
      "account/login/start",
      options,
      (client, signal) =>
        startChatgptLogin(client, this.#logins!, "chatgptDeviceCode", { signal }) as Promise<
          DeviceCodeLoginHandle
        >,
    );
  }

  /**
   * Signs out (`account/logout`).
   *
   * @param options Abort signal and timeout.
   */
  async logout(options?: CallOptions): Promise<void> {
    await this.#request("account/logout", undefined, options);
  }

  /**
   * Sends any client request of the pinned protocol, typed end to end — the escape hatch
   * for methods without a wrapper.
   *
   * @param method The method.
   * @param params Its params (validated before sending).
   * @param options Abort signal and timeout.
   * @returns Its result.
   */
  request<M extends ClientRequestMethod>(
    method: M,
    params: ParamsOf<M>,
    options?: CallOptions,
  ): Promise<ResultOf<M>> {
    return this.#request(method, params, options);
  }

  /**
   * Closes the connection: everything still waiting fails at once with a
   * `TransportClosedError` (`closedByUser`), then the app-server it spawned is stopped
   * (stdin closed, SIGTERM at `graceMs / 2`, SIGKILL at `graceMs`). Returns within
   * `graceMs` plus about a second, whatever the app-server does.
   *
   * @param options How long the app-server may take to go gracefully (`graceMs`, default
   * 4000).
   */
  async close(options?: CloseOptions): Promise<void> {
    this.#closed = true;
    if (this.#onAbort !== undefined) {
      this.#options.signal?.removeEventListener("abort", this.#onAbort);
    }
    this.#logins?.dispose();
    const client = this.#client ?? this.#starting ??
      await this.#ready?.catch(() => undefined);
    await client?.close(options);
  }

  /** Closes the connection; what `await using` calls. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Connects (once), then runs `run` with the call's signal, bounded by its options. */
  async #call<T>(
    operation: string,
    options: CallOptions | undefined,
    run: (client: CodexClient, signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    const scope = callScope(options, operation);
    try {
      return await run(await raceSignal(this.#connect(), scope.signal), scope.signal);
    } finally {
      scope[Symbol.dispose]();
    }
  }

  #request<M extends ClientRequestMethod>(
    method: M,
    params: ParamsOf<M>,
    options: CallOptions | undefined,
  ): Promise<ResultOf<M>> {
    return this.#call(
      method,
      options,
      (client, signal) => client.request(method, params, { signal }),
    );
  }

  #thread(client: CodexClient, id: string, options: ThreadCallOptions): Thread {
    const { onServerRequest, serverRequestTimeoutMs } = options;
    if (onServerRequest !== undefined || serverRequestTimeoutMs !== undefined) {
      client.setThreadServerRequests(id, { onServerRequest, serverRequestTimeoutMs });
    }
    return new Thread(client, id, {
      stallTimeoutMs: options.stallTimeoutMs ?? this.#options.stallTimeoutMs,
    });
  }

  #connect(): Promise<CodexClient> {
    if (this.#closed) {
      return Promise.reject(new CodexError("Cannot use Codex: it was closed"));
    }
    this.#ready ??= this.#initialize().catch((error) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #initialize(): Promise<CodexClient> {
    const options = this.#options;
    const scope = callScope(options, "Codex start-up");
    try {
      scope.signal?.throwIfAborted();
      const transport = await raceSignal(this.#openTransport(), scope.signal);
      // After the spawn, not before: loading takes 35–60 ms of this thread, which the
      // app-server's start-up hides, and would otherwise delay the spawn itself.
      loadValidation().catch(() => {});
      const client = new CodexClient(transport, {
        onServerRequest: options.onServerRequest,
        serverRequestTimeoutMs: options.serverRequestTimeoutMs,
        validation: options.validation,
        onError: options.onError,
      });
      this.#starting = client;
      for (const [listener, entry] of this.#listeners) {
        entry.remove = addListener(client, listener, entry.options);
      }
      try {
        const response = await client.initialize({
          clientInfo: options.clientInfo ?? DEFAULT_CLIENT_INFO,
          capabilities: {
            experimentalApi: options.experimentalApi ?? true,
            ...(options.optOutNotificationMethods === undefined
              ? {}
              : { optOutNotificationMethods: [...options.optOutNotificationMethods] }),
          },
        }, { signal: scope.signal });
        const metadata = toMetadata(response);
        checkServerVersion(metadata.serverVersion, options.requireVersion ?? "any");
        this.#metadata = metadata;
      } catch (error) {
        await client.close();
        throw error;
      } finally {
        this.#starting = undefined;
      }
      if (this.#closed) {
        await client.close();
        throw new CodexError("Cannot use Codex: it was closed during start-up");
      }
      this.#client = client;
      this.#logins = new LoginWaiter(client);
      return client;
    } finally {
      scope[Symbol.dispose]();
    }
  }

  async #openTransport(): Promise<MessageTransport> {
    const options = this.#options;
    if (options.transport !== undefined) {
      return typeof options.transport === "function" ? options.transport() : options.transport;
    }
    return await spawnAppServer(options);
  }
}

/** Adds a listener to the client with its options (the overloads, resolved at run time). */
function addListener(
  client: CodexClient,
  listener: AnyNotificationListener,
  options: NotificationListenerOptions,
): () => void {
  return options.unknown === true
    ? client.onNotification(listener, { unknown: true })
    : client.onNotification(listener as NotificationListener);
}

/** A thread call's wire params: the options without the SDK-side fields, presets applied. */
function threadParams<T extends ThreadCallOptions>(
  options: T,
  action: string,
): Omit<T, keyof ThreadCallOptions> & ThreadPresetFields {
  const {
    onServerRequest: _handler,
    serverRequestTimeoutMs: _timeout,
    stallTimeoutMs: _stall,
    ...rest
  } = withoutCallOptions(
    options,
  );
  const [params, presets] = applyPresets(rest, "thread", action);
  return { ...params, ...presets } as Omit<T, keyof ThreadCallOptions> & ThreadPresetFields;
}

/**
 * Validates the `initialize` result and parses the server's version from its user agent
 * ("originator/version (…)").
 */
function toMetadata(response: InitializeResponse): CodexMetadata {
  const serverVersion = serverVersionOf(response.userAgent);
  if (serverVersion === undefined) {
    throw new CodexError(
      `initialize response is missing server metadata: userAgent ${
        JSON.stringify(response.userAgent)
      }`,
    );
  }
  return { ...response, serverVersion };
}
