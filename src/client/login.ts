/**
 * Login flows that finish outside the SDK (a browser, a device code): handles that wait for
 * their own completion.
 *
 * @module
 */

import type {
  AccountLoginCompletedNotification,
  CancelLoginAccountResponse,
} from "../../generated/mod.ts";
import type { CallOptions } from "../_util/call.ts";
import { heldWait } from "../_util/wait.ts";
import { CodexError } from "../errors.ts";
import type { CodexClient } from "./client.ts";

/**
 * Collects `account/login/completed` notifications by login id from the moment a login is
 * requested, so a completion is never missed however early it arrives. It listens only
 * while a login is being requested, or started or waited for and not yet completed: a
 * program that never logs in pays nothing per notification.
 */
export class LoginWaiter {
  readonly #client: CodexClient;
  /** Removes the listener; `undefined` while not listening. */
  #stop: (() => void) | undefined;
  /** Login requests sent whose reply has not come. */
  #requests = 0;
  /** Logins started or waited for whose completion has not come. */
  readonly #open = new Set<string>();
  readonly #completed = new Map<string, AccountLoginCompletedNotification>();
  readonly #waiting = new Map<string, (value: AccountLoginCompletedNotification) => void>();

  /** @param client The client to watch. */
  constructor(client: CodexClient) {
    this.#client = client;
  }

  /**
   * Sends a login request, listening from before it is sent; the login whose id the reply
   * names stays watched until its completion.
   *
   * @param send Sends the request.
   * @returns The reply.
   */
  async request<R>(send: () => Promise<R>): Promise<R> {
    this.#requests++;
    this.#listen();
    try {
      const reply = await send();
      const loginId = (reply as { loginId?: unknown }).loginId;
      if (typeof loginId === "string" && !this.#completed.has(loginId)) this.#open.add(loginId);
      return reply;
    } finally {
      this.#requests--;
      this.#idle();
    }
  }

  /**
   * Waits for the completion of one login.
   *
   * @param loginId The login's id.
   * @param options Abort signal and timeout of the wait (the login itself goes on).
   * @returns The completion notification's params.
   */
  async wait(
    loginId: string,
    options?: CallOptions,
  ): Promise<AccountLoginCompletedNotification> {
    const early = this.#completed.get(loginId);
    if (early !== undefined) {
      this.#completed.delete(loginId);
      return early;
    }
    this.#open.add(loginId);
    this.#listen();
    const completion = new Promise<AccountLoginCompletedNotification>((resolve) => {
      this.#waiting.set(loginId, resolve);
    });
    try {
      return await heldWait(completion, () => this.#client.closed, `login ${loginId}`, options);
    } finally {
      this.#waiting.delete(loginId);
    }
  }

  /** Stops watching. */
  dispose(): void {
    this.#stop?.();
    this.#stop = undefined;
  }

  #listen(): void {
    this.#stop ??= this.#client.onNotification((notification) => {
      if (notification.method === "account/login/completed") this.#complete(notification.params);
    });
  }

  /** Stops listening once no login is requested or open. */
  #idle(): void {
    if (this.#requests === 0 && this.#open.size === 0) this.dispose();
  }

  #complete(params: AccountLoginCompletedNotification): void {
    const loginId = params.loginId;
    if (typeof loginId !== "string") return;
    const resolve = this.#waiting.get(loginId);
    if (resolve === undefined) this.#completed.set(loginId, params);
    else {
      this.#waiting.delete(loginId);
      resolve(params);
    }
    this.#open.delete(loginId);
    this.#idle();
  }
}

/**
 * A ChatGPT browser login in progress: open `authUrl`, then `wait()`.
 *
 * @example
 * ```ts
 * import type { Codex } from "codex-app-server";
 * declare const codex: Codex;
 * const login = await codex.loginChatgpt();
 * console.log(`Open ${login.authUrl}`);
 * const { success, error } = await login.wait();
 * ```
 */
export class ChatgptLoginHandle {
  /** The login's id. */
  readonly loginId: string;
  /** The URL to open in a browser. */
  readonly authUrl: string;
  readonly #client: CodexClient;
  readonly #waiter: LoginWaiter;

  /**
   * Creates a `ChatgptLoginHandle`.
   *
   * @param client The client the login runs on.
   * @param waiter The completion collector.
   * @param loginId The login's id.
   * @param authUrl The browser URL.
   * @ignore
   */
  constructor(client: CodexClient, waiter: LoginWaiter, loginId: string, authUrl: string) {
    this.#client = client;
    this.#waiter = waiter;
    this.loginId = loginId;
    this.authUrl = authUrl;
  }

  /**
   * Waits for this login's `account/login/completed`.
   *
   * @param options Abort signal and timeout of the wait (the login itself goes on; use
   * `cancel()` to stop it).
   * @returns Whether it succeeded, and the error if not.
   */
  wait(options?: CallOptions): Promise<AccountLoginCompletedNotification> {
    return this.#waiter.wait(this.loginId, options);
  }

  /**
   * Cancels the login (`account/login/cancel`); `wait()` then resolves with `success: false`.
   *
   * @param options Abort signal and timeout.
   * @returns The server's reply.
   */
  cancel(options?: CallOptions): Promise<CancelLoginAccountResponse> {
    return this.#client.request("account/login/cancel", { loginId: this.loginId }, options);
  }
}

/**
 * A ChatGPT device-code login in progress: show `verificationUrl` and `userCode`, then
 * `wait()`.
 *
 * @example
 * ```ts
 * import type { Codex } from "codex-app-server";
 * declare const codex: Codex;
 * const login = await codex.loginChatgptDeviceCode();
 * console.log(`Go to ${login.verificationUrl} and enter ${login.userCode}`);
 * await login.wait();
 * ```
 */
export class DeviceCodeLoginHandle extends ChatgptLoginHandle {
  /** The code the user enters. */
  readonly userCode: string;

  /**
   * Creates a `DeviceCodeLoginHandle`.
   *
   * @param client The client the login runs on.
   * @param waiter The completion collector.
   * @param loginId The login's id.
   * @param verificationUrl Where the user enters the code.
   * @param userCode The code.
   * @ignore
   */
  constructor(
    client: CodexClient,
    waiter: LoginWaiter,
    loginId: string,
    verificationUrl: string,
    userCode: string,
  ) {
    super(client, waiter, loginId, verificationUrl);
    this.userCode = userCode;
  }

  /** Where the user enters the code (the same URL as `authUrl`). */
  get verificationUrl(): string {
    return this.authUrl;
  }
}

/**
 * Starts a ChatGPT login (`account/login/start`): in a browser, or with a device code.
 *
 * @param client The client.
 * @param waiter The completion collector of that client.
 * @param type `"chatgpt"` (browser) or `"chatgptDeviceCode"`.
 * @param options Abort signal and timeout of the request.
 * @returns The login's handle.
 * @throws {CodexError} The server answered with another login type.
 *
 * @example
 * ```ts
 * import type { CodexClient } from "codex-app-server/transport";
 * import { LoginWaiter, startChatgptLogin } from "./login.ts";
 * declare const client: CodexClient;
 * const login = await startChatgptLogin(client, new LoginWaiter(client), "chatgpt");
 * console.log(login.authUrl);
 * ```
 */
export async function startChatgptLogin(
  client: CodexClient,
  waiter: LoginWaiter,
  type: "chatgpt" | "chatgptDeviceCode",
  options?: CallOptions,
): Promise<ChatgptLoginHandle | DeviceCodeLoginHandle> {
  const reply = await waiter.request(() =>
    client.request("account/login/start", { type }, options)
  );
  if (reply.type === "chatgpt" && type === "chatgpt") {
    return new ChatgptLoginHandle(client, waiter, reply.loginId, reply.authUrl);
  }
  if (reply.type === "chatgptDeviceCode" && type === "chatgptDeviceCode") {
    return new DeviceCodeLoginHandle(
      client,
      waiter,
      reply.loginId,
      reply.verificationUrl,
      reply.userCode,
    );
  }
  throw new CodexError(`Cannot start the ${type} login: the server answered type ${reply.type}`);
}
