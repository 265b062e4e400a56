/**
 * Every error the SDK throws, one class per failure a caller may want to tell apart.
 *
 * @module
 */

import type { CodexErrorInfo, ErrorNotification, ServerNotification } from "../generated/mod.ts";
import { redact, redactValue } from "./_util/secrets.ts";
import { describe, stderrParagraph } from "./_util/text.ts";
import type { TurnResult } from "./turn_result.ts";

/**
 * The base class of every error the SDK throws.
 *
 * @example
 * ```ts
 * import { CodexError } from "./errors.ts";
 * try {
 *   throw new CodexError("Cannot start turn: thread \"abc\" is closed");
 * } catch (error) {
 *   if (error instanceof CodexError) console.error(error.message);
 * }
 * ```
 */
export class CodexError extends Error {
  /**
   * Creates a `CodexError`.
   *
   * @param message What failed, in a sentence (secrets in it are masked).
   * @param options The underlying cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(redact(message), options);
    this.name = new.target.name;
  }
}

/**
 * An error reply from the app-server to one of our requests.
 *
 * @example
 * ```ts
 * import { JsonRpcError } from "./errors.ts";
 * const error = JsonRpcError.from({ code: -32600, message: "Not initialized" }, "thread/start");
 * console.log(error.code, error.name); // -32600 "InvalidRequestError"
 * ```
 */
export class JsonRpcError extends CodexError {
  /** The JSON-RPC error code. */
  readonly code: number;
  /** The error's `data` member, when the server sent one (secrets in its strings masked). */
  readonly data: unknown;
  /** The request method that failed, when known. */
  readonly method: string | undefined;

  /**
   * Creates a `JsonRpcError`.
   *
   * @param code The JSON-RPC error code.
   * @param message The server's message.
   * @param data The server's `data` member.
   * @param method The method of the failed request.
   */
  constructor(code: number, message: string, data?: unknown, method?: string) {
    super(method === undefined ? message : `${method} failed: ${message}`);
    this.code = code;
    this.data = redactValue(data);
    this.method = method;
  }

  /**
   * Builds the most specific error class for a JSON-RPC error object.
   *
   * @param error The `error` member of a response (`{ code, message, data? }`).
   * @param method The method of the failed request.
   * @returns An instance of the subclass that matches the code (or `JsonRpcError`).
   */
  static from(
    error: { code: number; message: string; data?: unknown },
    method?: string,
  ): JsonRpcError {
    const { code, message, data } = error;
    if (isOverload(code, message, data)) {
      return RETRY_LIMIT.test(message)
        ? new RetryLimitExceededError(code, message, data, method)
        : new ServerBusyError(code, message, data, method);
    }
    const ErrorClass = BY_CODE.get(code) ?? JsonRpcError;
    return new ErrorClass(code, message, data, method);
  }
}

/** -32700: the server could not parse what we sent. */
export class ParseError extends JsonRpcError {}
/** -32600: the request was not acceptable (bad shape, no active turn, not initialized …). */
export class InvalidRequestError extends JsonRpcError {}
/** -32601: the server does not know the method. */
export class MethodNotFoundError extends JsonRpcError {}
/**
 * -32602: the parameters were invalid. Also thrown before sending when our own validation
 * of the parameters fails; `data.issues` then holds the valibot issues.
 */
export class InvalidParamsError extends JsonRpcError {}
/** -32603: the server failed while handling the request. */
export class InternalError extends JsonRpcError {}
/**
 * The server is overloaded (-32001 "Server overloaded; retry later.", or an error whose
 * data says `server_overloaded`). Safe to retry with backoff: see `retryOnOverload`.
 */
export class ServerBusyError extends JsonRpcError {}
/** The server gave up after too many attempts of its own. Not worth retrying again. */
export class RetryLimitExceededError extends ServerBusyError {}

/** The JSON-RPC code the Codex app-server uses for "Server overloaded; retry later.". */
export const OVERLOADED_CODE: number = -32001;

const BY_CODE = new Map<number, typeof JsonRpcError>([
  [-32700, ParseError],
  [-32600, InvalidRequestError],
  [-32601, MethodNotFoundError],
  [-32602, InvalidParamsError],
  [-32603, InternalError],
]);

const RETRY_LIMIT = /retry limit|too many failed attempts/i;

function isOverload(code: number, message: string, data: unknown): boolean {
  if (code === OVERLOADED_CODE) return true;
  if (code > -32000 || code < -32099) return false;
  return mentionsOverload(data, 0) || /server overloaded/i.test(message);
}

/** Finds `server_overloaded` (or the protocol's `serverOverloaded`) anywhere in `value`. */
function mentionsOverload(value: unknown, depth: number): boolean {
  if (depth > 4 || value === null || value === undefined) return false;
  if (typeof value === "string") {
    return value.toLowerCase().replace(/_/g, "") === "serveroverloaded" ||
      value.toLowerCase().includes("server_overloaded");
  }
  if (typeof value !== "object") return false;
  return Object.values(value).some((inner) => mentionsOverload(inner, depth + 1));
}

/** Why a transport ended: a process exit, a socket close, or an error. */
export interface TransportCloseInfo {
  /** A one-line, human-readable reason ("codex exited with code 1"). */
  readonly reason: string;
  /** The process exit code, when the transport was a child process that exited. */
  readonly exitCode?: number | null;
  /** The signal that ended the process, when one did ("SIGKILL"). */
  readonly signal?: string | null;
  /** The last lines the process wrote to stderr, oldest first. */
  readonly stderrTail?: readonly string[];
  /** The underlying error, when the transport failed rather than ended. */
  readonly cause?: unknown;
  /** Whether the user's own `close()` ended it (its stderr tail is then left out). */
  readonly closedByUser?: boolean;
}

/**
 * The connection to the app-server ended (the process exited, the socket closed, or
 * `close()` was called) while something was still waiting on it.
 *
 * @example
 * ```ts
 * import { TransportClosedError } from "./errors.ts";
 * const error = new TransportClosedError({ reason: "codex exited with code 1", exitCode: 1 });
 * console.log(error.exitCode, error.message);
 * ```
 */
export class TransportClosedError extends CodexError {
  /** The process exit code, when the peer was a process that exited. */
  readonly exitCode: number | null;
  /** The signal that ended the process, if any. */
  readonly signal: string | null;
  /** The last lines the process wrote to stderr, oldest first. */
  readonly stderrTail: readonly string[];
  /** Whether the user's own `close()` ended the connection. */
  readonly closedByUser: boolean;

  /**
   * Creates a `TransportClosedError`.
   *
   * @param info Why the transport ended.
   * @param context What was waiting ("thread/start" or "turn 123"), for the message.
   */
  constructor(info: TransportCloseInfo, context?: string) {
    const tail = info.closedByUser ? [] : (info.stderrTail ?? []).map(redact);
    const prefix = context === undefined ? "" : `${context}: `;
    super(`${prefix}connection closed: ${info.reason}${stderrParagraph(tail)}`, {
      cause: info.cause,
    });
    this.exitCode = info.exitCode ?? null;
    this.signal = info.signal ?? null;
    this.stderrTail = tail;
    this.closedByUser = info.closedByUser ?? false;
  }
}

/**
 * A notification listener threw. The other listeners still received the notification; this
 * goes to the `onError` channel, with what the listener threw as its `cause`.
 *
 * @example
 * ```ts
 * import { NotificationListenerError } from "./errors.ts";
 * const error = new NotificationListenerError("turn/started", new Error("oops"));
 * console.log(error.message); // "A notification listener threw on turn/started: oops"
 * ```
 */
export class NotificationListenerError extends CodexError {
  /** The method of the notification the listener was given. */
  readonly method: string;

  /**
   * Creates a `NotificationListenerError`.
   *
   * @param method The notification's method.
   * @param cause What the listener threw.
   */
  constructor(method: string, cause: unknown) {
    super(`A notification listener threw on ${method}: ${describe(cause)}`, { cause });
    this.method = method;
  }
}

/** One problem found while validating a message, with the path of the offending value. */
export interface ValidationIssue {
  /** Dot path of the offending value ("input.0.type"), or `""` for the root. */
  readonly path: string;
  /** What is wrong with it. */
  readonly message: string;
}

/**
 * The app-server sent something the SDK cannot accept: a line that is not JSON, a message
 * that is not JSON-RPC, or (in strict mode) a payload that fails its schema.
 *
 * @example
 * ```ts
 * import { ProtocolError } from "./errors.ts";
 * const error = new ProtocolError("Invalid turn/completed notification", [
 *   { path: "turn.status", message: "Invalid option" },
 * ]);
 * console.log(error.issues[0].path); // "turn.status"
 * ```
 */
export class ProtocolError extends CodexError {
  /** The validation issues, when the error came from schema validation. */
  readonly issues: readonly ValidationIssue[];
  /** The offending message or raw text (secrets in its strings masked). */
  readonly payload: unknown;

  /**
   * Creates a `ProtocolError`.
   *
   * @param message What was wrong.
   * @param issues The validation issues, if any.
   * @param payload The offending message or text.
   */
  constructor(message: string, issues: readonly ValidationIssue[] = [], payload?: unknown) {
    super(issues.length === 0 ? message : `${message}: ${formatIssues(issues)}`);
    this.issues = issues.map((issue) => ({ ...issue, message: redact(issue.message) }));
    this.payload = redactValue(payload);
  }
}

/**
 * A call took longer than its `timeoutMs`. A request's pending entry is removed (a late reply
 * is dropped); a turn is interrupted first.
 *
 * @example
 * ```ts
 * import { CallTimeoutError } from "./errors.ts";
 * console.log(new CallTimeoutError("model/list", 5000).message); // "model/list timed out after 5000 ms"
 * ```
 */
export class CallTimeoutError extends CodexError {
  /** What timed out: a method ("model/list") or an operation ("turn 12"). */
  readonly operation: string;
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  /**
   * Creates a `CallTimeoutError`.
   *
   * @param operation What timed out.
   * @param timeoutMs The elapsed timeout.
   * @param detail More about the state it was in, appended to the message.
   */
  constructor(operation: string, timeoutMs: number, detail?: string) {
    super(
      `${operation} timed out after ${timeoutMs} ms${detail === undefined ? "" : `; ${detail}`}`,
    );
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/** "the app-server was retrying: Reconnecting... 2/5 (stream disconnected …)". */
function retrying(lastRetry: ErrorNotification): string {
  const details = lastRetry.error.additionalDetails;
  return `the app-server was retrying: ${lastRetry.error.message}` +
    (details ? ` (${details})` : "");
}

/**
 * A turn's `timeoutMs` passed: the turn was interrupted. When the server was retrying (no
 * network, a provider down), its last retry notice is kept and quoted.
 *
 * @example
 * ```ts
 * import { TurnTimeoutError } from "./errors.ts";
 * const error = new TurnTimeoutError("thread-1", "turn-1", 30_000, null);
 * console.log(error.message, error instanceof Error); // "turn turn-1 timed out after 30000 ms" true
 * ```
 */
export class TurnTimeoutError extends CallTimeoutError {
  /** The turn's thread. */
  readonly threadId: string;
  /** The turn. */
  readonly turnId: string;
  /** The last retry the server announced for the turn, if any. */
  readonly lastRetry: ErrorNotification | null;

  /**
   * Creates a `TurnTimeoutError`.
   *
   * @param threadId The turn's thread.
   * @param turnId The turn.
   * @param timeoutMs The elapsed timeout.
   * @param lastRetry The last retry notice of the turn.
   */
  constructor(
    threadId: string,
    turnId: string,
    timeoutMs: number,
    lastRetry: ErrorNotification | null,
  ) {
    super(`turn ${turnId}`, timeoutMs, lastRetry === null ? undefined : retrying(lastRetry));
    this.threadId = threadId;
    this.turnId = turnId;
    this.lastRetry = lastRetry;
  }
}

/**
 * The turn cannot reach the model: the provider needs OpenAI authentication and none is
 * present (the server was retrying in vain). The turn was interrupted.
 *
 * @example
 * ```ts
 * import { AuthRequiredError } from "./errors.ts";
 * console.log(new AuthRequiredError("thread-1", "turn-1", null).message);
 * ```
 */
export class AuthRequiredError extends CodexError {
  /** The turn's thread. */
  readonly threadId: string;
  /** The turn that could not run. */
  readonly turnId: string;
  /** The retry notice that revealed it, if any. */
  readonly lastRetry: ErrorNotification | null;

  /**
   * Creates an `AuthRequiredError`.
   *
   * @param threadId The turn's thread.
   * @param turnId The turn that could not run.
   * @param lastRetry The retry notice that revealed it.
   */
  constructor(threadId: string, turnId: string, lastRetry: ErrorNotification | null) {
    super(
      `Turn ${turnId} cannot reach the model: the model provider needs OpenAI authentication ` +
        `and none is present. Sign in with codex.loginApiKey(key) (or \`codex login\` in a ` +
        `terminal), or point Codex at a model provider that needs none (the \`config\` ` +
        `option: model_provider and model_providers.<name>).` +
        (lastRetry === null ? "" : ` The server said: ${retrying(lastRetry)}`),
    );
    this.threadId = threadId;
    this.turnId = turnId;
    this.lastRetry = lastRetry;
  }
}

/**
 * A running turn received nothing for `stallTimeoutMs`, and the server's own record
 * (`thread/read`) says it is still in progress. The turn is left as it is: interrupt it, or
 * wait on it again with `result()`.
 *
 * @example
 * ```ts
 * import { TurnStalledError } from "./errors.ts";
 * const error = new TurnStalledError("thread-1", "turn-1", null, 60_000);
 * console.log(error.message);
 * ```
 */
export class TurnStalledError extends CodexError {
  /** The turn's thread. */
  readonly threadId: string;
  /** The turn. */
  readonly turnId: string;
  /** The last event the turn received, if any. */
  readonly lastEvent: ServerNotification | null;
  /** How long ago that was (or the turn started), in milliseconds. */
  readonly idleMs: number;

  /**
   * Creates a `TurnStalledError`.
   *
   * @param threadId The turn's thread.
   * @param turnId The turn.
   * @param lastEvent The last event the turn received.
   * @param idleMs How long it has been silent.
   */
  constructor(
    threadId: string,
    turnId: string,
    lastEvent: ServerNotification | null,
    idleMs: number,
  ) {
    super(
      `Turn ${turnId} stalled: nothing received for ${Math.round(idleMs)} ms ` +
        `(last event: ${lastEvent?.method ?? "none"}), and the server did not report it ended. ` +
        `Interrupt it, or wait on it again.`,
    );
    this.threadId = threadId;
    this.turnId = turnId;
    this.lastEvent = lastEvent;
    this.idleMs = idleMs;
  }
}

/**
 * A turn ended with status `failed`: `result()` rejects with this. The collected result and
 * the server's error details travel with it.
 *
 * @example
 * ```ts
 * import { TurnFailedError } from "./errors.ts";
 * const error = new TurnFailedError({
 *   id: "turn-1", threadId: "thread-1", status: "failed",
 *   error: { message: "boom", codexErrorInfo: "other", additionalDetails: null },
 *   startedAt: null, completedAt: null, durationMs: null, finalResponse: null, items: [], usage: null,
 *   lastRetry: null, reconciled: false, serverRequests: [],
 * });
 * console.log(error.message, error.codexErrorInfo); // "Turn turn-1 failed: boom" "other"
 * ```
 */
export class TurnFailedError extends CodexError {
  /** Everything collected for the failed turn. */
  readonly result: TurnResult;
  /** The server's classification of the failure, when it gave one. */
  readonly codexErrorInfo: CodexErrorInfo | null;

  /**
   * Creates a `TurnFailedError`.
   *
   * @param result The failed turn's result.
   */
  constructor(result: TurnResult) {
    super(`Turn ${result.id} failed: ${result.error?.message ?? "the server gave no reason"}`);
    this.result = result;
    this.codexErrorInfo = result.error?.codexErrorInfo ?? null;
  }
}

/**
 * A server-request handler (`onServerRequest`) threw. The server was answered with an error
 * (which grants nothing), and the turn the request belonged to fails with this error once it
 * has ended.
 *
 * @example
 * ```ts
 * import { ServerRequestHandlerError } from "./errors.ts";
 * const error = new ServerRequestHandlerError("item/fileChange/requestApproval", new Error("db down"));
 * console.log(error.message);
 * ```
 */
export class ServerRequestHandlerError extends CodexError {
  /** The method of the server request being answered. */
  readonly method: string;

  /**
   * Creates a `ServerRequestHandlerError`.
   *
   * @param method The server request's method.
   * @param cause What the handler threw.
   */
  constructor(method: string, cause: unknown) {
    super(`The onServerRequest handler failed on ${method}: ${describe(cause)}`, { cause });
    this.method = method;
  }
}

/**
 * A turn's final message is not the structured output its schema asks for: there is none,
 * it is not JSON, or it does not match. The raw text, the issue paths and the turn's result
 * travel with it.
 *
 * @example
 * ```ts
 * import { OutputValidationError } from "./errors.ts";
 * const error = new OutputValidationError("Turn u: not JSON", "oops", [{ path: "", message: "Unexpected token" }]);
 * console.log(error.text, error.issues[0].message);
 * ```
 */
export class OutputValidationError extends CodexError {
  /** The final message as the model wrote it, or `null` when there was none. */
  readonly text: string | null;
  /** What is wrong, with the path of each offending value (`""` for the root). */
  readonly issues: readonly ValidationIssue[];
  /** The turn's result, when the turn ended. */
  readonly result: TurnResult | null;

  /**
   * Creates an `OutputValidationError`.
   *
   * @param message What failed.
   * @param text The raw final message.
   * @param issues The validation issues.
   * @param result The turn's result.
   */
  constructor(
    message: string,
    text: string | null,
    issues: readonly ValidationIssue[],
    result: TurnResult | null = null,
  ) {
    super(issues.length === 0 ? message : `${message}: ${formatIssues(issues)}`);
    this.text = text;
    this.issues = issues;
    this.result = result;
  }
}

/**
 * The connected app-server is another version than the SDK's pinned runtime, and the
 * `requireVersion` option of `Codex` does not allow it. Thrown by `Codex.start()` (or the
 * first call of a lazy `Codex`), which then closes the connection.
 *
 * @example
 * ```ts
 * import { VersionMismatchError } from "./errors.ts";
 * const error = new VersionMismatchError("0.169.0", "0.171.0", "minor");
 * console.log(error.message);
 * // Cannot use app-server 0.169.0: requireVersion "minor" wants 0.171.x (the pinned runtime is 0.171.0) …
 * ```
 */
export class VersionMismatchError extends CodexError {
  /** The app-server's version, from its `initialize` reply. */
  readonly serverVersion: string;
  /** The version the SDK is pinned to (`CODEX_VERSION`). */
  readonly pinnedVersion: string;
  /** The policy that refused it. */
  readonly requireVersion: "exact" | "minor";

  /**
   * Creates a `VersionMismatchError`.
   *
   * @param serverVersion The app-server's version.
   * @param pinnedVersion The pinned version.
   * @param requireVersion The policy that refused it.
   */
  constructor(serverVersion: string, pinnedVersion: string, requireVersion: "exact" | "minor") {
    const wanted = requireVersion === "exact"
      ? pinnedVersion
      : `${pinnedVersion.split(".").slice(0, 2).join(".")}.x`;
    super(
      `Cannot use app-server ${serverVersion}: requireVersion "${requireVersion}" wants ` +
        `${wanted} (the pinned runtime is ${pinnedVersion}). Point codexBin at codex ` +
        `${wanted}, or pass requireVersion: "any" to run against ${serverVersion} anyway`,
    );
    this.serverVersion = serverVersion;
    this.pinnedVersion = pinnedVersion;
    this.requireVersion = requireVersion;
  }
}

/**
 * A client request that the connected app-server does not have: the method came after its
 * version (as the generated method history records it). Nothing was sent.
 *
 * @example
 * ```ts
 * import { UnsupportedMethodError } from "./errors.ts";
 * const error = new UnsupportedMethodError("thread/search/stream", "0.169.0", "0.171.0", "0.171.0");
 * console.log(error.message);
 * // Cannot send thread/search/stream: it was added in codex 0.171.0, and the app-server is 0.169.0 …
 * ```
 */
export class UnsupportedMethodError extends CodexError {
  /** The method that was not sent. */
  readonly method: string;
  /** The app-server's version. */
  readonly serverVersion: string;
  /** The first Codex version that has the method. */
  readonly addedIn: string;
  /** The version the SDK is pinned to (`CODEX_VERSION`). */
  readonly pinnedVersion: string;

  /**
   * Creates an `UnsupportedMethodError`.
   *
   * @param method The method.
   * @param serverVersion The app-server's version.
   * @param addedIn The version that introduced the method.
   * @param pinnedVersion The pinned version.
   */
  constructor(method: string, serverVersion: string, addedIn: string, pinnedVersion: string) {
    super(
      `Cannot send ${method}: it was added in codex ${addedIn}, and the app-server is ` +
        `${serverVersion} (the SDK is pinned to ${pinnedVersion}); nothing was sent`,
    );
    this.method = method;
    this.serverVersion = serverVersion;
    this.addedIn = addedIn;
    this.pinnedVersion = pinnedVersion;
  }
}

/**
 * No usable Codex binary was found; the message says what was looked for, where, and how to
 * fix it.
 *
 * @example
 * ```ts
 * import { CodexNotFoundError } from "./errors.ts";
 * console.log(new CodexNotFoundError('The codexBin option "/nope" does not exist') instanceof Error); // true
 * ```
 */
export class CodexNotFoundError extends CodexError {}

/**
 * A WebSocket connect failed: the server refused the connection or the upgrade, the socket
 * does not exist, or nothing answered in time.
 *
 * @example
 * ```ts
 * import { WebSocketConnectError } from "./errors.ts";
 * const error = new WebSocketConnectError("ws://127.0.0.1:1", "connection refused");
 * console.log(error.target, error.httpStatus); // "ws://127.0.0.1:1" null
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
 * ```ts
 * import { WebSocketAuthError } from "./errors.ts";
 * const error = new WebSocketAuthError("ws://127.0.0.1:4500", "the server rejected the token", 401);
 * console.log(error.httpStatus); // 401
 * ```
 */
export class WebSocketAuthError extends WebSocketConnectError {}

/**
 * Formats validation issues as `path: message; path: message`.
 *
 * @param issues The issues to format.
 * @returns One line of text.
 *
 * @example
 * ```ts
 * import { formatIssues } from "./errors.ts";
 * console.log(formatIssues([{ path: "model", message: "Invalid type" }])); // "model: Invalid type"
 * ```
 */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => `${issue.path || "(root)"}: ${issue.message}`).join("; ");
}

/**
 * Whether retrying the failed operation may succeed: true for a busy server
 * ({@linkcode ServerBusyError}, but not {@linkcode RetryLimitExceededError}), for errors
 * whose data says `server_overloaded`, and for turns that failed with the protocol's
 * `serverOverloaded` error info.
 *
 * @param error Anything caught.
 * @returns `true` when a retry with backoff is reasonable.
 *
 * @example
 * ```ts
 * import { isRetryable, ServerBusyError } from "./errors.ts";
 * console.log(isRetryable(new ServerBusyError(-32001, "Server overloaded; retry later.")));
 * ```
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RetryLimitExceededError) return false;
  if (error instanceof ServerBusyError) return true;
  if (error instanceof JsonRpcError) return mentionsOverload(error.data, 0);
  if (error instanceof TurnFailedError) return mentionsOverload(error.codexErrorInfo, 0);
  return false;
}
