/**
 * The app-server's requests to the client (approvals, user input, elicitations, tool calls),
 * and how `onServerRequest` handlers are typed, chosen and called.
 *
 * @module
 */

import type { ServerRequestMap, ServerRequestMethod } from "../../generated/mod.ts";
import { CodexError } from "../errors.ts";

/** A server-initiated request, narrowed on `method`. */
export type ServerRequest = {
  [M in ServerRequestMethod]: {
    /** The request's method. */
    readonly method: M;
    /** Its params. */
    readonly params: ServerRequestMap[M]["params"];
    /** Its JSON-RPC id. */
    readonly id: string | number;
  };
}[ServerRequestMethod];

/**
 * A server request whose method the pinned protocol does not have (a newer app-server's,
 * or an older one's that was since removed). Its params are passed through untouched and
 * typed `unknown`: only a `ServerRequestHandlers` map's `unknown` entry receives it;
 * without one the SDK refuses it with a JSON-RPC -32601 (method not found) error.
 */
export interface UnknownServerRequest {
  /** The request's method, not one of the pinned protocol's. */
  readonly method: string;
  /** Its params, unchecked. */
  readonly params: unknown;
  /** Its JSON-RPC id. */
  readonly id: string | number;
  /** Tells it from the pinned protocol's requests: always `true`. */
  readonly unknown: true;
}

/**
 * Answers a server request the pinned protocol does not have. Whatever it returns is sent
 * unchecked as the result; throwing sends an error reply.
 */
export type UnknownServerRequestHandler = (
  request: UnknownServerRequest,
  context: ServerRequestContext,
) => unknown;

/** The result of any server request (what the one-function handler returns). */
export type ServerRequestResult = ServerRequestMap[ServerRequestMethod]["result"];

/** What a handler is told besides the params. */
export interface ServerRequestContext {
  /**
   * Aborts when the answer is no longer wanted: the turn the request belongs to ended, the
   * server withdrew the request (`serverRequest/resolved`), or the connection closed. A
   * handler that waits for a person should stop waiting then.
   */
  readonly signal: AbortSignal;
  /** The thread the request belongs to, when it names one. */
  readonly threadId: string | undefined;
  /** The turn the request belongs to, when it names one. */
  readonly turnId: string | undefined;
  /** The request's JSON-RPC id. */
  readonly id: string | number;
}

/**
 * Answers every server request in one function: narrow on `request.method` and return that
 * method's result. Throwing answers the server with an error (which grants nothing).
 */
export type ServerRequestHandler = (
  request: ServerRequest,
  context: ServerRequestContext,
) => ServerRequestResult | Promise<ServerRequestResult>;

/**
 * One handler per server-request method, each typed by its method: it receives that
 * method's params and must return that method's result (returning a file-change answer to
 * a user-input request does not compile). `default` answers the methods without an entry,
 * and `unknown` the methods the pinned protocol does not have.
 *
 * @example
 * ```ts
 * import type { ServerRequestHandlers } from "./server_requests.ts";
 * const handlers: ServerRequestHandlers = {
 *   "item/commandExecution/requestApproval": (params) => ({
 *     decision: params.commandActions?.every((action) => action.type === "read") ? "accept" : "decline",
 *   }),
 *   "item/fileChange/requestApproval": () => ({ decision: "decline" }),
 * };
 * ```
 */
export type ServerRequestHandlers =
  & {
    readonly [M in ServerRequestMethod]?: (
      params: ServerRequestMap[M]["params"],
      context: ServerRequestContext,
    ) => ServerRequestMap[M]["result"] | Promise<ServerRequestMap[M]["result"]>;
  }
  & {
    /** Answers the pinned protocol's methods that have no entry of their own. */
    readonly default?: ServerRequestHandler;
    /**
     * Answers requests whose method the pinned protocol does not have (see
     * {@linkcode UnknownServerRequest}); without it they are refused with -32601.
     */
    readonly unknown?: UnknownServerRequestHandler;
  };

/** The `onServerRequest` option: one function for every request, or a handler per method. */
export type OnServerRequest = ServerRequestHandler | ServerRequestHandlers;

/**
 * Finds the handler that answers `request`: the method's own entry, else `default`, else the
 * one function; `undefined` when `handlers` has none for it.
 *
 * @param handlers An `onServerRequest` option.
 * @param request The request to answer.
 * @returns A function that answers it, or `undefined`.
 *
 * @example
 * ```ts
 * import { handlerFor } from "./server_requests.ts";
 * const answer = handlerFor({ "item/fileChange/requestApproval": () => ({ decision: "accept" }) }, {
 *   method: "item/fileChange/requestApproval",
 *   params: { threadId: "t", turnId: "u", itemId: "i", startedAtMs: 0 },
 *   id: 0,
 * });
 * console.log(typeof answer); // "function"
 * ```
 */
export function handlerFor(
  handlers: OnServerRequest | undefined,
  request: ServerRequest,
): ServerRequestHandler | undefined {
  if (handlers === undefined) return undefined;
  if (typeof handlers === "function") return handlers;
  const own = handlers[request.method] as
    | ((params: unknown, context: ServerRequestContext) => ServerRequestResult)
    | undefined;
  if (own !== undefined) return (req, context) => own(req.params, context);
  return handlers.default;
}

/**
 * Finds the handler of a request whose method the pinned protocol does not have: the map's
 * `unknown` entry. The one-function form never receives one (its type promises known
 * methods).
 *
 * @param handlers An `onServerRequest` option.
 * @returns The `unknown` handler, or `undefined`.
 *
 * @example
 * ```ts
 * import { unknownHandlerFor } from "./server_requests.ts";
 * const answer = unknownHandlerFor({ unknown: (request) => ({ seen: request.method }) });
 * console.log(typeof answer); // "function"
 * ```
 */
export function unknownHandlerFor(
  handlers: OnServerRequest | undefined,
): UnknownServerRequestHandler | undefined {
  return handlers === undefined || typeof handlers === "function" ? undefined : handlers.unknown;
}

/**
 * The safe answer to any server request: decline approvals, grant no permissions, cancel
 * elicitations and user-input questions. What the SDK answers when no handler does.
 *
 * @param request The server request.
 * @returns A result that grants nothing.
 * @throws {CodexError} For requests that have no safe refusal (tool calls, token refresh,
 * attestation): the server receives an error reply.
 *
 * @example
 * ```ts
 * import { declineRequest } from "./server_requests.ts";
 * const answer = declineRequest({
 *   method: "item/fileChange/requestApproval",
 *   params: { threadId: "t", turnId: "u", itemId: "i", startedAtMs: 0 },
 *   id: 0,
 * });
 * console.log(answer); // { decision: "decline" }
 * ```
 */
export function declineRequest(request: ServerRequest): ServerRequestResult {
  switch (request.method) {
    case "item/commandExecution/requestApproval":
    case "item/fileChange/requestApproval":
      return { decision: "decline" };
    case "item/permissions/requestApproval":
      return { permissions: {} } as ServerRequestResult;
    case "mcpServer/elicitation/request":
      return { action: "decline", content: null } as ServerRequestResult;
    case "item/tool/requestUserInput":
      return { answers: {} } as ServerRequestResult;
    case "applyPatchApproval":
    case "execCommandApproval":
      return { decision: { denied: { rejection: "No onServerRequest handler answers this." } } };
    default:
      throw new CodexError(
        `No onServerRequest handler answers ${request.method}; pass one to Codex or threadStart`,
      );
  }
}
