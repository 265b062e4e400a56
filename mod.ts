/**
 * A TypeScript SDK for the Codex app-server: the JSON-RPC protocol `codex app-server`
 * speaks over stdio, WebSocket or a unix socket. Runs on Deno, Bun and Node.
 *
 * Start a thread, run a turn, stream what the agent does, answer its approval requests:
 *
 * ```ts ignore
 * import { Codex } from "codex-app-server";
 *
 * await using codex = await Codex.start();
 * const thread = await codex.threadStart({ model: "gpt-5" });
 *
 * const turn = await thread.turn("Explain this repository in three sentences.");
 * for await (const event of turn.stream()) {
 *   if (event.method === "item/agentMessage/delta") console.log(event.params.delta);
 * }
 * const result = await turn.run();
 * console.log(result.finalResponse, result.usage?.total.totalTokens);
 * ```
 *
 * Every wire type of the pinned runtime is generated from its JSON Schema and available
 * from the `codex-app-server/protocol` entry point.
 *
 * @module
 */

export {
  Codex,
  type CodexMetadata,
  type CodexOptions,
  type ThreadForkOptions,
  type ThreadResumeOptions,
  type ThreadStartOptions,
} from "./src/client/codex.ts";
export { Thread, type TurnOptions } from "./src/client/thread.ts";
export { TurnHandle } from "./src/client/turn.ts";
export { TurnRouter, type TurnSink } from "./src/rpc/turn_router.ts";
export { finalResponseOf, TurnFailedError, type TurnResult } from "./src/client/turn_result.ts";
export {
  image,
  type Input,
  type InputItem,
  localImage,
  mention,
  skill,
  text,
} from "./src/client/inputs.ts";
export {
  type ApprovalHandler,
  ApprovalHandlerError,
  type ApprovalMode,
  type ApprovalOptions,
  declineRequest,
  type SandboxPreset,
  type ServerRequest,
  type ServerRequestResult,
} from "./src/client/approvals.ts";
export { ChatgptLoginHandle, DeviceCodeLoginHandle } from "./src/client/login.ts";
export { retryOnOverload, type RetryOptions } from "./src/client/retry.ts";
export {
  CodexClient,
  type CodexClientOptions,
  type ParamsOf,
  type ResultOf,
  type ServerNotification,
  type ValidationMode,
} from "./src/client/client.ts";
export {
  CodexError,
  formatIssues,
  InternalError,
  InvalidParamsError,
  InvalidRequestError,
  isRetryable,
  JsonRpcError,
  MethodNotFoundError,
  OVERLOADED_CODE,
  ParseError,
  ProtocolError,
  RequestTimeoutError,
  RetryLimitExceededError,
  ServerBusyError,
  TransportClosedError,
  type ValidationIssue,
} from "./src/rpc/errors.ts";
export {
  type ConnectionOptions,
  JsonRpcConnection,
  type NotificationListener,
  type RequestOptions,
  type ServerRequestHandler,
} from "./src/rpc/connection.ts";
export type { MessageTransport, TransportCloseInfo } from "./src/transport/transport.ts";
export { stdioTransport, type StdioTransportOptions } from "./src/transport/stdio.ts";
export {
  connectUnixSocket,
  connectWebSocket,
  listenAppServer,
  type ListenAppServerOptions,
  type ListeningAppServer,
  type SocketConnectOptions,
  WebSocketAuthError,
  WebSocketConnectError,
  type WebSocketConnectOptions,
} from "./src/transport/websocket.ts";
export { type ConfigValue, type LaunchOptions, spawnAppServer } from "./src/launch.ts";
export { CodexNotFoundError, type CodexRuntime, locateCodex } from "./src/runtime_locator.ts";
export type {
  ChildProcess,
  ProcessExit,
  RuntimeAdapter,
  RuntimeName,
  SpawnOptions,
} from "./src/adapters/adapter.ts";
export { detectRuntime, loadAdapter } from "./src/adapters/detect.ts";
export { CODEX_VERSION } from "./generated/version.ts";
export type {
  ClientRequestMap,
  ClientRequestMethod,
  ServerNotificationMap,
  ServerNotificationMethod,
  ServerRequestMap,
  ServerRequestMethod,
} from "./generated/mod.ts";
/** The protocol's thread record (`thread/read`, `thread/list` …); `Thread` is the SDK's class. */
export type { Thread as ThreadInfo } from "./generated/types.ts";
/** Every type of the pinned protocol (`ThreadItem`, `TurnStartParams`, …), as on the wire. */
export type * from "./generated/types.ts";
