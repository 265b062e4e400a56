/**
 * `startTestCodex`: a fake model, a throwaway `CODEX_HOME` for it, and a started `Codex`
 * on the real app-server, in one call, torn down by one `await using`.
 *
 * @module
 */

import {
  Codex,
  type CodexOptions,
  type CodexSpawnOptions,
  type CodexTransportOptions,
} from "../client/codex.ts";
import type { LaunchOptions } from "../process/command.ts";
import { spawnAppServer } from "../process/spawn.ts";
import { type CodexHome, codexHome, type CodexHomeOptions } from "./codex_home.ts";
import { FakeModel, type FakeModelOptions, type Script } from "./fake_model.ts";
import { recordTransport } from "./record.ts";

/** Options of {@linkcode startTestCodex}. */
export interface TestCodexOptions {
  /** The fake model's script (see {@linkcode FakeModelOptions.script}). */
  readonly script?: Script;
  /** Other options of the fake model (where it listens). */
  readonly model?: Omit<FakeModelOptions, "script">;
  /** Settings of the throwaway `CODEX_HOME` (model name, policies, idle timeout …). */
  readonly home?: Omit<CodexHomeOptions, "model">;
  /**
   * Options of `Codex.start` (`onServerRequest`, `config`, `timeoutMs` …). `cwd` defaults to
   * the home's workspace; `env` is merged over the home's. A `transport` here is used as is
   * (and recorded when `record` is set); the home then only matters if that transport's
   * app-server was started with its `env`.
   */
  readonly codex?: CodexOptions;
  /** Record every JSON-RPC message of the session to this JSON Lines file (see `recordTransport`). */
  readonly record?: string;
}

/**
 * What {@linkcode startTestCodex} started; `await using` (or `close()`) stops all of it.
 *
 * @example
 * ```ts
 * import { startTestCodex, type TestCodex } from "./start.ts";
 * async function askedFor(t: TestCodex): Promise<string[]> {
 *   return t.model.requests.map((request) => request.lastUserMessage);
 * }
 * await using t = await startTestCodex();
 * await (await t.codex.threadStart()).run("Hi");
 * console.log(await askedFor(t)); // ["Hi"]
 * ```
 */
export interface TestCodex extends AsyncDisposable {
  /** The started, initialized client. */
  readonly codex: Codex;
  /** The fake model it talks to: its recorded requests, `hold()`, `enqueue()` … */
  readonly model: FakeModel;
  /** The throwaway `CODEX_HOME` (and workspace). */
  readonly home: CodexHome;
  /**
   * Closes `Codex` (stopping the app-server), then the fake model, then removes the home
   * (idempotent).
   */
  close(): Promise<void>;
}

/**
 * Starts a fake model, writes a throwaway `CODEX_HOME` for it, and starts `Codex` (the real
 * `codex app-server`) on it, in the home's workspace. Nothing reaches the network, no API
 * key is needed, and your own `~/.codex` is never read.
 *
 * @param options The script, and options of each part.
 * @returns The parts, all stopped by one `await using` (or `close()`).
 * @throws {CodexError} The script is invalid, or the home could not be made.
 * @throws {TransportClosedError} The app-server exited during start-up.
 *
 * @example
 * ```ts
 * import { reply } from "./responses.ts";
 * import { startTestCodex } from "./start.ts";
 *
 * await using t = await startTestCodex({ script: [reply.text("Hi there!")] });
 * const thread = await t.codex.threadStart();
 * const result = await thread.run("Say hi.");
 * console.log(result.finalResponse); // "Hi there!"
 * console.log(t.model.requests[0].lastUserMessage); // "Say hi."
 * ```
 */
export async function startTestCodex(options: TestCodexOptions = {}): Promise<TestCodex> {
  const model = await FakeModel.start({ ...options.model, script: options.script });
  let home: CodexHome | undefined;
  try {
    const given = options.codex ?? {};
    const codexBin = given.transport === undefined ? given.codexBin : undefined;
    home = await codexHome({ codexBin, ...options.home, model });
    const codex = await Codex.start(
      given.transport === undefined
        ? spawnOptions(
          { cwd: home.workspace, ...given, env: { ...home.env, ...given.env } },
          options.record,
        )
        : transportOptions(given, options.record),
    );
    const parts = { codex, model, home };
    let closing: Promise<void> | undefined;
    const close = () =>
      closing ??= (async () => {
        try {
          await codex.close();
        } finally {
          await model.close();
          await parts.home.remove();
        }
      })();
    return { ...parts, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await model.close();
    await home?.remove();
    throw error;
  }
}

/** Every launch option, so a recorded spawn can pass them to `spawnAppServer`. */
const LAUNCH_KEYS: { readonly [K in keyof Required<LaunchOptions>]: true } = {
  codexBin: true,
  cwd: true,
  env: true,
  config: true,
  enable: true,
  disable: true,
  appServerArgs: true,
  onStderr: true,
  runtime: true,
};

/** Spawn options as given, or, to record, a transport that spawns with their launch part. */
function spawnOptions(options: CodexSpawnOptions, record: string | undefined): CodexOptions {
  if (record === undefined) return options;
  const launch: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    (key in LAUNCH_KEYS ? launch : rest)[key] = value;
  }
  return {
    ...(rest as Omit<CodexSpawnOptions, keyof LaunchOptions>),
    transport: async () => recordTransport(await spawnAppServer(launch as LaunchOptions), record),
  };
}

/** Transport options as given, or with the transport wrapped to record it. */
function transportOptions(
  options: CodexTransportOptions,
  record: string | undefined,
): CodexTransportOptions {
  if (record === undefined) return options;
  const given = options.transport;
  return {
    ...options,
    transport: async () =>
      recordTransport(typeof given === "function" ? await given() : given, record),
  };
}
