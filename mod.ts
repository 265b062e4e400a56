/**
 * A TypeScript SDK for the Codex app-server: the JSON-RPC protocol `codex app-server`
 * speaks over stdio, WebSocket or a unix socket. Runs on Deno, Bun and Node.
 *
 * Start a thread, run a turn, stream what the agent does, answer its approval requests:
 *
 * ```ts
 * import { Codex } from "codex-app-server";
 *
 * await using codex = await Codex.start();
 * const thread = await codex.threadStart({ model: "gpt-5", timeoutMs: 10_000 });
 *
 * await using turn = await thread.turn("Explain this repository in three sentences.", {
 *   signal: AbortSignal.timeout(120_000),
 * });
 * for await (const event of turn) {
 *   if (event.method === "item/agentMessage/delta") console.log(event.params.delta);
 * }
 * const result = await turn.result();
 * console.log(result.finalResponse, result.usage?.total.totalTokens);
 * ```
 *
 * This entry point holds what an application uses. The connection, transports and process
 * launch are in `codex-app-server/transport`; every wire type of the pinned runtime is in
 * `codex-app-server/protocol`.
 *
 * @module
 */

export type { CallOptions } from "./src/_util/call.ts";
export type { CloseOptions, MessageTransport } from "./src/transport/transport.ts";
export {
  type AccountReadOptions,
  Codex,
  type CodexBaseOptions,
  type CodexMetadata,
  type CodexOptions,
  type CodexSpawnOptions,
  type CodexTransportOptions,
  type ModelListOptions,
  type NextNotificationOptions,
  type ThreadCallOptions,
  type ThreadForkOptions,
  type ThreadListOptions,
  type ThreadResumeOptions,
  type ThreadStartOptions,
  type TransportSource,
} from "./src/client/codex.ts";
export type { LaunchOptions } from "./src/process/command.ts";
export type { ConfigValue } from "./src/process/toml.ts";
export type { RuntimeName } from "./src/adapters/adapter.ts";
export {
  type RunGoalOptions,
  type RunGoalResult,
  type StructuredTurnOptions,
  Thread,
  type ThreadDefaults,
  type ThreadGoalUpdate,
  type ThreadReadOptions,
  type TurnInput,
  type TurnOptions,
} from "./src/client/thread.ts";
export {
  EXTERNAL_MESSAGE_MIN_VERSION,
  ExternalMessage,
  type ExternalMessageInit,
} from "./src/client/external_message.ts";
export type {
  OutputOf,
  OutputSchema,
  StandardResult,
  StandardSchemaV1,
  StructuredTurnResult,
} from "./src/client/structured_output.ts";
export {
  approveAll,
  approveCommands,
  askOnTty,
  type AskOnTtyOptions,
  type CommandPredicate,
  declineAll,
  unwrapCommand,
} from "./src/client/policies.ts";
export { INTERRUPT_WAIT_MS, TurnHandle } from "./src/client/turn.ts";
export {
  MAX_SEARCH_TERM_BYTES,
  ThreadSearch,
  type ThreadSearchEvent,
  type ThreadSearchOptions,
} from "./src/client/thread_search.ts";
export { finalResponseOf, type ServerRequestOutcome, type TurnResult } from "./src/turn_result.ts";
export type {
  AnyNotificationListener,
  NotificationListener,
  NotificationListenerOptions,
  ParamsOf,
  ResultOf,
  ServerNotification,
  ServerRequestOptions,
  UnknownServerNotification,
} from "./src/client/client.ts";
export type { RequireVersion } from "./src/client/version_skew.ts";
export type { ValidationMode } from "./src/client/validation.ts";
export {
  image,
  type Input,
  type InputItem,
  localImage,
  mention,
  skill,
  text,
} from "./src/client/inputs.ts";
export type { ApprovalMode, ApprovalOptions, SandboxPreset } from "./src/client/presets.ts";
export {
  declineRequest,
  type OnServerRequest,
  type ServerRequest,
  type ServerRequestContext,
  type ServerRequestHandler,
  type ServerRequestHandlers,
  type ServerRequestResult,
  type UnknownServerRequest,
  type UnknownServerRequestHandler,
} from "./src/client/server_requests.ts";
export { ChatgptLoginHandle, DeviceCodeLoginHandle } from "./src/client/login.ts";
export { type RetryAttempt, retryOnOverload, type RetryOptions } from "./src/client/retry.ts";
export {
  AuthRequiredError,
  CallTimeoutError,
  CodexError,
  CodexNotFoundError,
  formatIssues,
  InternalError,
  InvalidParamsError,
  InvalidRequestError,
  isRetryable,
  JsonRpcError,
  MethodNotFoundError,
  NotificationListenerError,
  OutputValidationError,
  OVERLOADED_CODE,
  ParseError,
  ProtocolError,
  RetryLimitExceededError,
  ServerBusyError,
  ServerRequestHandlerError,
  TransportClosedError,
  type TransportCloseInfo,
  TurnFailedError,
  TurnStalledError,
  TurnTimeoutError,
  UnsupportedMethodError,
  type ValidationIssue,
  VersionMismatchError,
  WebSocketAuthError,
  WebSocketConnectError,
} from "./src/errors.ts";
export { CODEX_VERSION } from "./generated/version.ts";
