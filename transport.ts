/**
 * The low-level pieces under `Codex`: the typed client and the JSON-RPC connection, the
 * transports (stdio, WebSocket, unix socket), starting the app-server (locate, spawn,
 * listen), and the runtime adapters. Use them to talk to an app-server without `Codex`, or
 * to give `Codex` a transport of your own.
 *
 * ```ts
 * import { Codex } from "codex-app-server";
 * import { connectWebSocket } from "codex-app-server/transport";
 *
 * await using codex = await Codex.start({
 *   transport: () => connectWebSocket("ws://127.0.0.1:4500", { token: "s3cret" }),
 * });
 * ```
 *
 * @module
 */

export { CodexClient, type CodexClientOptions } from "./src/client/client.ts";
export {
  type ConnectionOptions,
  JsonRpcConnection,
  type NotificationListener as RawNotificationListener,
  type RawServerRequestHandler,
  type RequestSendOptions,
} from "./src/rpc/connection.ts";
export type {
  CloseOptions,
  MessageTransport,
  TransportCloseInfo,
} from "./src/transport/transport.ts";
export { stdioTransport, type StdioTransportOptions } from "./src/transport/stdio.ts";
export {
  connectUnixSocket,
  connectWebSocket,
  type SocketConnectOptions,
  type WebSocketConnectOptions,
} from "./src/transport/websocket.ts";
export { MalformedMessage } from "./src/framing/malformed.ts";
export { JsonlDecoder } from "./src/framing/jsonl_decode.ts";
export { buildLaunch, type LaunchCommand, type LaunchOptions } from "./src/process/command.ts";
export { type ConfigValue, toToml } from "./src/process/toml.ts";
export { spawnAppServer } from "./src/process/spawn.ts";
export {
  listenAppServer,
  type ListenAppServerOptions,
  type ListeningAppServer,
} from "./src/process/listen.ts";
export { type CodexRuntime, locateCodex } from "./src/process/locate.ts";
export type {
  ChildProcess,
  PathKind,
  ProcessExit,
  RuntimeAdapter,
  RuntimeName,
  SpawnOptions,
} from "./src/adapters/adapter.ts";
export { detectRuntime, loadAdapter } from "./src/adapters/detect.ts";
