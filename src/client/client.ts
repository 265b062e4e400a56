/**
 * The typed, registry-driven client under `Codex`: validated requests, typed notifications,
 * server-request dispatch, and per-turn routing over one {@linkcode JsonRpcConnection}.
 *
 * @module
 */

import type * as v from "valibot";
import type {
  ClientRequestMap,
  ClientRequestMethod,
  InitializeParams,
  InitializeResponse,
  ServerNotificationMap,
  ServerNotificationMethod,
} from "../../generated/mod.ts";
import type * as Registry from "../../generated/registry.ts";

import {
  type ConnectionOptions,
  JsonRpcConnection,
  type RequestOptions,
} from "../rpc/connection.ts";
import {
  CodexError,
  formatIssues,
  InvalidParamsError,
  ProtocolError,
  type TransportClosedError,
  type ValidationIssue,
} from "../rpc/errors.ts";
import { turnIdOf, TurnRouter } from "../rpc/turn_router.ts";
import type { MessageTransport } from "../transport/transport.ts";
import {
  type ApprovalHandler,
  ApprovalHandlerError,
  declineRequest,
  type ServerRequest,
} from "./approvals.ts";

/** valibot and the generated registry: most of the SDK's import cost, so loaded on first use. */
interface Validation {
  readonly v: typeof v;
  readonly registry: typeof Registry;
}
let validation: Validation | undefined;
let loadingValidation: Promise<Validation> | undefined;

/**
 * Loads valibot and the generated schemas, once. `Codex` starts this right after it spawns
 * the app-server, so the load overlaps the server's start-up.
 *
 * @returns The loaded modules.
 */
export function loadValidation(): Promise<Validation> {
  loadingValidation ??= Promise.all([import("valibot"), import("../../generated/registry.ts")])
    .then(([valibot, registry]) => (validation = { v: valibot, registry }));
  return loadingValidation;
}

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
 * How incoming messages are checked against the generated schemas:
 * - `"report"` (default): results, server requests and the notifications the SDK reads
 *   (`turn/completed`, `item/completed`, `thread/tokenUsage/updated`) are validated; a
 *   mismatch is reported to `onProtocolError` and the raw value is still delivered.
 * - `"strict"`: every result and notification is validated; a mismatch rejects the request
 *   (or is reported and the notification dropped) with a {@linkcode ProtocolError}.
 * - `"off"`: nothing incoming is validated.
 *
 * Outgoing params are always validated before sending.
 */
export type ValidationMode = "report" | "strict" | "off";

/** Options of {@linkcode CodexClient}. */
export interface CodexClientOptions {
  /** Answers server-initiated requests; see {@linkcode ApprovalHandler}. */
  readonly approvalHandler?: ApprovalHandler;
  /** How incoming messages are validated. Default `"report"`. */
  readonly validation?: ValidationMode;
  /** Told about dropped or invalid input. Default: `console.warn`. */
  readonly onProtocolError?: (error: ProtocolError) => void;
}

/** The notifications the SDK itself reads, validated in `"report"` mode. */
const READ_BY_SDK = new Set(["turn/completed", "item/completed", "thread/tokenUsage/updated"]);

/**
 * The params type of a client request method (`undefined` when it takes none).
 */
export type ParamsOf<M extends ClientRequestMethod> = ClientRequestMap[M]["params"];
/** The result type of a client request method. */
export type ResultOf<M extends ClientRequestMethod> = ClientRequestMap[M]["result"];

/**
 * The typed JSON-RPC client for one app-server connection.
 *
 * @example
 * ```ts ignore
 * import { CodexClient } from "./client.ts";
 * const client = new CodexClient(transport);
 * await client.initialize({ clientInfo: { name: "demo", title: "Demo", version: "1.0.0" } });
 * const { thread } = await client.request("thread/start", {});
 * ```
 */
export class CodexClient implements AsyncDisposable {
  /** The underlying JSON-RPC connection. */
  readonly connection: JsonRpcConnection;
  /** Routes turn events to their consumers. */
  readonly router: TurnRouter = new TurnRouter();
  readonly #options: CodexClientOptions;
  readonly #listeners = new Set<(notification: ServerNotification) => void>();

  /**
   * Creates a `CodexClient`.
   *
   * @param transport The transport to the app-server.
   * @param options Approval handler and validation.
   */
  constructor(transport: MessageTransport, options: CodexClientOptions = {}) {
    this.#options = options;
    const connectionOptions: ConnectionOptions = {
      onServerRequest: (method, params, id) => this.#answer(method, params, id),
      onProtocolError: options.onProtocolError,
    };
    this.connection = new JsonRpcConnection(transport, connectionOptions);
    this.connection.onNotification((method, params) => this.#dispatch(method, params));
    this.connection.closed.then((error) => this.router.failAll(error));
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
  async initialize(
    params: InitializeParams,
    options?: RequestOptions,
  ): Promise<InitializeResponse> {
    const result = await this.request("initialize", params, options);
    await this.connection.notify("initialized");
    return result;
  }

  /**
   * Sends a typed request: params are validated before sending (nothing is sent when they
   * are invalid), and the result is validated as the client's {@linkcode ValidationMode} says.
   *
   * @param method A client request method of the pinned protocol.
   * @param params Its params.
   * @param options Abort signal and timeout.
   * @returns The method's result.
   * @throws {InvalidParamsError} The params fail the method's schema (`data.issues` has paths).
   * @throws {JsonRpcError} The server answered with an error.
   * @throws {TransportClosedError} The connection ended first.
   */
  async request<M extends ClientRequestMethod>(
    method: M,
    params: ParamsOf<M>,
    options?: RequestOptions,
  ): Promise<ResultOf<M>> {
    const { v, registry } = validation ?? await loadValidation();
    const schemas = registry.clientRequestSchemas(method);
    if (schemas === undefined) {
      throw new CodexError(`Cannot send ${method}: it is not a method of the pinned protocol`);
    }
    if (schemas.params !== undefined) {
      const checked = v.safeParse(schemas.params, params);
      if (!checked.success) {
        const issues = toIssues(checked.issues);
        throw new InvalidParamsError(
          -32602,
          `invalid params (nothing was sent): ${formatIssues(issues)}`,
          { issues },
          method,
        );
      }
    }
    const result = await this.connection.request(method, params, options);
    if (this.#options.validation !== "off") {
      const checked = v.safeParse(schemas.result, result);
      if (!checked.success) {
        const error = new ProtocolError(
          `Invalid ${method} result`,
          toIssues(checked.issues),
          result,
        );
        if (this.#options.validation === "strict") throw error;
        this.#report(error);
      }
    }
    return result as ResultOf<M>;
  }

  /**
   * Sends any method, bypassing the registry (for methods newer than the pinned runtime).
   *
   * @param method The method name.
   * @param params Its params.
   * @param options Abort signal and timeout.
   * @returns The raw result.
   */
  requestUnchecked(method: string, params?: unknown, options?: RequestOptions): Promise<unknown> {
    return this.connection.request(method, params, options);
  }

  /**
   * Adds a listener for every notification (turn events included).
   *
   * @param listener Called with each notification in arrival order.
   * @returns A function that removes the listener.
   */
  onNotification(listener: (notification: ServerNotification) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Closes the connection (see {@linkcode JsonRpcConnection.close}).
   *
   * @param graceMs How long to wait at each step before escalating.
   */
  async close(graceMs?: number): Promise<void> {
    await this.connection.close(graceMs);
  }

  /** Closes the connection; what `await using` calls. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #dispatch(method: string, params: unknown): void {
    const mode = this.#options.validation;
    // `validation` is loaded: every notification comes after the `initialize` request.
    if (
      validation !== undefined && (mode === "strict" || (mode !== "off" && READ_BY_SDK.has(method)))
    ) {
      const { v, registry } = validation;
      const schema = registry.serverNotificationSchema(method);
      if (schema !== undefined) {
        const checked = v.safeParse(schema, params);
        if (!checked.success) {
          this.#report(
            new ProtocolError(`Invalid ${method} notification`, toIssues(checked.issues), params),
          );
          if (mode === "strict") return;
        }
      }
    }
    this.router.route(method, params);
    if (this.#listeners.size === 0) return;
    const notification = { method, params } as ServerNotification;
    for (const listener of this.#listeners) listener(notification);
  }

  async #answer(method: string, params: unknown, id: string | number): Promise<unknown> {
    const { v, registry } = validation ?? await loadValidation();
    const schemas = registry.serverRequestSchemas(method);
    if (schemas !== undefined && this.#options.validation !== "off") {
      const checked = v.safeParse(schemas.params, params);
      if (!checked.success) {
        this.#report(
          new ProtocolError(`Invalid ${method} request`, toIssues(checked.issues), params),
        );
      }
    }
    const request = { method, params, id } as ServerRequest;
    const handler = this.#options.approvalHandler;
    try {
      const result = handler === undefined ? declineRequest(request) : await handler(request);
      if (schemas !== undefined) {
        const checked = v.safeParse(schemas.result, result);
        if (!checked.success) {
          throw new CodexError(
            `the answer to ${method} is invalid: ${formatIssues(toIssues(checked.issues))}`,
          );
        }
      }
      return result;
    } catch (error) {
      if (handler !== undefined) {
        const turnId = turnIdOf(params);
        if (turnId !== undefined) {
          this.router.report(turnId, new ApprovalHandlerError(method, error));
        }
      }
      throw error;
    }
  }

  #report(error: ProtocolError): void {
    if (this.#options.onProtocolError) this.#options.onProtocolError(error);
    else console.warn(`codex-app-server: ${error.message}`);
  }
}

function toIssues(issues: readonly v.BaseIssue<unknown>[]): ValidationIssue[] {
  return issues.map((issue) => ({
    path: validation!.v.getDotPath(issue) ?? "",
    message: issue.message,
  }));
}
