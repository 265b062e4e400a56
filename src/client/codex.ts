/**
 * `Codex`: the entry point. Starts (or connects to) an app-server, initializes it, and
 * opens threads.
 *
 * @module
 */

import type {
  ApprovalsReviewer,
  AskForApproval,
  ClientInfo,
  GetAccountResponse,
  InitializeResponse,
  LogoutAccountResponse,
  ModelListResponse,
  SandboxMode,
  ThreadArchiveResponse,
  ThreadForkParams,
  ThreadListParams,
  ThreadListResponse,
  ThreadResumeParams,
  ThreadStartParams,
} from "../../generated/mod.ts";
import type { ClientRequestMethod } from "../../generated/mod.ts";
import { CODEX_VERSION } from "../../generated/version.ts";
import type { RuntimeName } from "../adapters/adapter.ts";
import { loadAdapter } from "../adapters/detect.ts";
import { type LaunchOptions, spawnAppServer } from "../launch.ts";
import type { RequestOptions } from "../rpc/connection.ts";
import { CodexError, type ProtocolError } from "../rpc/errors.ts";
import type { MessageTransport } from "../transport/transport.ts";
import {
  type ApprovalHandler,
  type ApprovalOptions,
  resolveApproval,
  sandboxMode,
} from "./approvals.ts";
import {
  CodexClient,
  loadValidation,
  type ParamsOf,
  type ResultOf,
  type ValidationMode,
} from "./client.ts";
import { ChatgptLoginHandle, DeviceCodeLoginHandle, LoginWaiter } from "./login.ts";
import { Thread } from "./thread.ts";

/** Options of {@linkcode Codex}. Launch options apply when the SDK spawns the app-server. */
export interface CodexOptions extends LaunchOptions {
  /** Identifies this client to the server. Default `codex-app-server` / SDK version. */
  readonly clientInfo?: ClientInfo;
  /** Opt in to experimental methods and fields (`capabilities.experimentalApi`). Default `true`. */
  readonly experimentalApi?: boolean;
  /** Notification methods the server should not send on this connection. */
  readonly optOutNotificationMethods?: readonly string[];
  /**
   * Answers approval requests and other server requests. Without one, approvals are
   * declined and other requests answered with a refusal (see `declineRequest`).
   */
  readonly approvalHandler?: ApprovalHandler;
  /**
   * Connect through this transport (or a function that opens one, e.g. a WebSocket)
   * instead of spawning `codex app-server` over stdio.
   */
  readonly transport?: MessageTransport | (() => MessageTransport | Promise<MessageTransport>);
  /** Force a runtime adapter instead of detecting it. */
  readonly runtime?: RuntimeName;
  /** Aborting closes the connection (and cancels a start in progress). */
  readonly signal?: AbortSignal;
  /** How incoming messages are validated. Default `"report"`. */
  readonly validation?: ValidationMode;
  /** Told about input the SDK had to drop or found invalid. Default: `console.warn`. */
  readonly onProtocolError?: (error: ProtocolError) => void;
}

/** The validated `initialize` result, with the server's version parsed out. */
export interface CodexMetadata extends InitializeResponse {
  /**
   * The app-server's version ("0.169.0"), from its user agent, which reads
   * `<clientInfo.name>/<codex version> (<os>) … (<clientInfo.name>; <clientInfo.version>)`.
   */
  readonly serverVersion: string;
}

/** Options of `threadStart`: `thread/start` params with the approval presets. */
export type ThreadStartOptions =
  & Omit<ThreadStartParams, "approvalPolicy" | "approvalsReviewer" | "sandbox">
  & ApprovalOptions;
/** Options of `threadResume`: `thread/resume` params (less `threadId`) with the presets. */
export type ThreadResumeOptions =
  & Omit<ThreadResumeParams, "threadId" | "approvalPolicy" | "approvalsReviewer" | "sandbox">
  & ApprovalOptions;
/** Options of `threadFork`: `thread/fork` params (less `threadId`) with the presets. */
export type ThreadForkOptions =
  & Omit<ThreadForkParams, "threadId" | "approvalPolicy" | "approvalsReviewer" | "sandbox">
  & ApprovalOptions;

const DEFAULT_CLIENT_INFO: ClientInfo = {
  name: "codex_app_server_ts",
  title: "Codex App Server TypeScript SDK",
  version: CODEX_VERSION,
};

/**
 * A connection to a Codex app-server.
 *
 * `Codex.start()` spawns and initializes eagerly; `new Codex()` does it on first use.
 * Close it with `close()` or `await using`.
 *
 * @example
 * ```ts ignore
 * import { Codex } from "codex-app-server";
 * await using codex = await Codex.start();
 * const thread = await codex.threadStart({ model: "gpt-5" });
 * const result = await thread.run("Say hello in one sentence.");
 * console.log(result.finalResponse);
 * ```
 */
export class Codex implements AsyncDisposable {
  readonly #options: CodexOptions;
  #ready: Promise<CodexClient> | undefined;
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
    options.signal?.addEventListener("abort", () => void this.close(), { once: true });
  }

  /**
   * Starts the app-server and initializes it before returning.
   *
   * @param options How to start and talk to the app-server.
   * @returns A ready client.
   * @throws {CodexNotFoundError} No Codex binary was found.
   * @throws {TransportClosedError} The app-server exited during start-up (its stderr tail
   * is in the error).
   */
  static async start(options: CodexOptions = {}): Promise<Codex> {
    const codex = new Codex(options);
    await codex.#connect();
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
   * The typed client under this `Codex` (initializes on first use), for events outside any
   * turn: `(await codex.client()).onNotification(…)`.
   *
   * @returns The client.
   */
  client(): Promise<CodexClient> {
    return this.#connect();
  }

  /**
   * Starts a thread (`thread/start`).
   *
   * @param options Thread settings and approval presets.
   * @returns The new thread.
   */
  async threadStart(options: ThreadStartOptions = {}): Promise<Thread> {
    const params: ThreadStartParams = withApproval(options, "Cannot start thread");
    const client = await this.#connect();
    const { thread } = await client.request("thread/start", params);
    return new Thread(client, thread.id);
  }

  /**
   * Reopens an existing thread (`thread/resume`), e.g. in a new app-server process.
   *
   * @param threadId The thread's id.
   * @param options Overrides and approval presets.
   * @returns The thread.
   */
  async threadResume(threadId: string, options: ThreadResumeOptions = {}): Promise<Thread> {
    const params = withApproval(options, `Cannot resume thread ${threadId}`);
    const client = await this.#connect();
    const { thread } = await client.request("thread/resume", { ...params, threadId });
    return new Thread(client, thread.id);
  }

  /**
   * Copies a thread's history into a new thread (`thread/fork`).
   *
   * @param threadId The thread to fork.
   * @param options Overrides and approval presets.
   * @returns The new thread.
   */
  async threadFork(threadId: string, options: ThreadForkOptions = {}): Promise<Thread> {
    const params = withApproval(options, `Cannot fork thread ${threadId}`);
    const client = await this.#connect();
    const { thread } = await client.request("thread/fork", { ...params, threadId });
    return new Thread(client, thread.id);
  }

  /**
   * Lists stored threads (`thread/list`).
   *
   * @param params Filters, sort and cursor.
   * @returns One page of threads and the next cursor.
   */
  async threadList(params: ThreadListParams = {}): Promise<ThreadListResponse> {
    return await (await this.#connect()).request("thread/list", params);
  }

  /**
   * Archives a thread (`thread/archive`).
   *
   * @param threadId The thread's id.
   * @returns The server's reply.
   */
  async threadArchive(threadId: string): Promise<ThreadArchiveResponse> {
    return await (await this.#connect()).request("thread/archive", { threadId });
  }

  /**
   * Restores an archived thread (`thread/unarchive`).
   *
   * @param threadId The thread's id.
   * @returns The thread.
   */
  async threadUnarchive(threadId: string): Promise<Thread> {
    const client = await this.#connect();
    const { thread } = await client.request("thread/unarchive", { threadId });
    return new Thread(client, thread.id);
  }

  /**
   * Lists the models the server offers (`model/list`).
   *
   * @param options `includeHidden` to include models hidden from pickers.
   * @returns The models.
   */
  async models(options: { includeHidden?: boolean } = {}): Promise<ModelListResponse> {
    return await (await this.#connect()).request("model/list", {
      includeHidden: options.includeHidden ?? false,
    });
  }

  /**
   * Reads the signed-in account (`account/read`).
   *
   * @param options `refreshToken` to refresh the token first.
   * @returns The account (or `null`) and whether OpenAI auth is required.
   */
  async account(options: { refreshToken?: boolean } = {}): Promise<GetAccountResponse> {
    return await (await this.#connect()).request("account/read", {
      refreshToken: options.refreshToken ?? false,
    });
  }

  /**
   * Signs in with an API key (`account/login/start` with `type: "apiKey"`).
   *
   * @param apiKey The key.
   */
  async loginApiKey(apiKey: string): Promise<void> {
    await (await this.#connect()).request("account/login/start", { type: "apiKey", apiKey });
  }

  /**
   * Starts a ChatGPT browser login.
   *
   * @returns A handle with the URL to open and `wait()` / `cancel()`.
   */
  async loginChatgpt(): Promise<ChatgptLoginHandle> {
    const client = await this.#connect();
    const waiter = this.#logins!;
    const reply = await client.request("account/login/start", { type: "chatgpt" });
    if (reply.type !== "chatgpt") {
      throw new CodexError(`Cannot start ChatGPT login: the server answered type ${reply.type}`);
    }
    return new ChatgptLoginHandle(client, waiter, reply.loginId, reply.authUrl);
  }

  /**
   * Starts a ChatGPT device-code login.
   *
   * @returns A handle with the verification URL, the user code, and `wait()` / `cancel()`.
   */
  async loginChatgptDeviceCode(): Promise<DeviceCodeLoginHandle> {
    const client = await this.#connect();
    const waiter = this.#logins!;
    const reply = await client.request("account/login/start", { type: "chatgptDeviceCode" });
    if (reply.type !== "chatgptDeviceCode") {
      throw new CodexError(
        `Cannot start device-code login: the server answered type ${reply.type}`,
      );
    }
    return new DeviceCodeLoginHandle(
      client,
      waiter,
      reply.loginId,
      reply.verificationUrl,
      reply.userCode,
    );
  }

  /**
   * Signs out (`account/logout`).
   *
   * @returns The server's reply.
   */
  async logout(): Promise<LogoutAccountResponse> {
    return await (await this.#connect()).request("account/logout", undefined);
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
  async request<M extends ClientRequestMethod>(
    method: M,
    params: ParamsOf<M>,
    options?: RequestOptions,
  ): Promise<ResultOf<M>> {
    return await (await this.#connect()).request(method, params, options);
  }

  /**
   * Closes the connection and stops the app-server it spawned (stdin closed, then SIGTERM,
   * then SIGKILL, 2 s apart). Everything still waiting fails with `TransportClosedError`.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#logins?.dispose();
    const ready = this.#ready;
    if (ready === undefined) return;
    const client = this.#client ?? await ready.catch(() => undefined);
    await client?.close();
  }

  /** Closes the connection; what `await using` calls. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
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
    options.signal?.throwIfAborted();
    const transport = await this.#openTransport();
    loadValidation().catch(() => {}); // overlaps the app-server's start-up
    const client = new CodexClient(transport, {
      approvalHandler: options.approvalHandler,
      validation: options.validation,
      onProtocolError: options.onProtocolError,
    });
    try {
      const response = await client.initialize({
        clientInfo: options.clientInfo ?? DEFAULT_CLIENT_INFO,
        capabilities: {
          experimentalApi: options.experimentalApi ?? true,
          ...(options.optOutNotificationMethods === undefined
            ? {}
            : { optOutNotificationMethods: [...options.optOutNotificationMethods] }),
        },
      }, { signal: options.signal });
      this.#metadata = toMetadata(response);
    } catch (error) {
      await client.close();
      throw error;
    }
    if (this.#closed) {
      await client.close();
      throw new CodexError("Cannot use Codex: it was closed during start-up");
    }
    this.#client = client;
    this.#logins = new LoginWaiter(client);
    return client;
  }

  async #openTransport(): Promise<MessageTransport> {
    const { transport } = this.#options;
    if (transport !== undefined) return typeof transport === "function" ? transport() : transport;
    const adapter = await loadAdapter(this.#options.runtime);
    return spawnAppServer(adapter, this.#options);
  }
}

/** Applies the approval presets of thread-level options, giving the wire params. */
function withApproval<T extends ApprovalOptions>(
  options: T,
  action: string,
): Omit<T, keyof ApprovalOptions> & {
  approvalPolicy?: AskForApproval | null;
  approvalsReviewer?: ApprovalsReviewer | null;
  sandbox?: SandboxMode | null;
} {
  const {
    approvalMode: _mode,
    approvalPolicy: _policy,
    approvalsReviewer: _reviewer,
    sandbox: _sandbox,
    ...rest
  } = options;
  const approval = resolveApproval(options, action);
  return {
    ...rest,
    ...(approval.approvalPolicy === undefined ? {} : { approvalPolicy: approval.approvalPolicy }),
    ...(approval.approvalsReviewer === undefined
      ? {}
      : { approvalsReviewer: approval.approvalsReviewer }),
    ...(approval.sandbox === undefined
      ? {}
      : { sandbox: approval.sandbox === null ? null : sandboxMode(approval.sandbox) }),
  };
}

/**
 * Validates the `initialize` result and parses the server's version from its user agent
 * ("originator/version (…)").
 */
function toMetadata(response: InitializeResponse): CodexMetadata {
  const userAgent = response.userAgent;
  const match = typeof userAgent === "string" ? /^[^/\s]+\/(\d\S*)/.exec(userAgent) : null;
  if (match === null) {
    throw new CodexError(
      `initialize response is missing server metadata: userAgent ${JSON.stringify(userAgent)}`,
    );
  }
  return { ...response, serverVersion: match[1] };
}
