/**
 * The command line and environment that start `codex app-server`. Never through a shell.
 *
 * @module
 */

import type { RuntimeAdapter, RuntimeName } from "../adapters/adapter.ts";
import { rememberSecret } from "../_util/secrets.ts";
import { locateCodex } from "./locate.ts";
import { type ConfigValue, toToml } from "./toml.ts";

/** How to start the app-server process. */
export interface LaunchOptions {
  /** The Codex binary to run; the pinned `@openai/codex` package's by default. */
  readonly codexBin?: string;
  /** Working directory of the app-server. */
  readonly cwd?: string;
  /** Environment variables merged over the parent's (a value of `undefined` removes one). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Config overrides, each passed as `--config key=<TOML value>` (dotted keys allowed). */
  readonly config?: Readonly<Record<string, ConfigValue>>;
  /** Features to turn on (`--enable NAME`). */
  readonly enable?: readonly string[];
  /** Features to turn off (`--disable NAME`). */
  readonly disable?: readonly string[];
  /** Arguments placed after `app-server` (e.g. `["--listen", "ws://127.0.0.1:0"]`). */
  readonly appServerArgs?: readonly string[];
  /** Called with each line the app-server writes to stderr. */
  readonly onStderr?: (line: string) => void;
  /** Force a runtime adapter instead of detecting it. */
  readonly runtime?: RuntimeName;
}

/** Environment variables whose values are secrets, kept out of every message. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD/i;

/** The program, its arguments and its full environment. */
export interface LaunchCommand {
  /** The executable. */
  readonly command: string;
  /** Its arguments. */
  readonly args: readonly string[];
  /** The complete environment of the child. */
  readonly env: Record<string, string>;
}

/**
 * Builds the command line and environment for `codex app-server`.
 *
 * @param adapter The runtime adapter (for the parent environment and the binary search).
 * @param options What to run and how.
 * @returns The command to spawn.
 * @throws {CodexNotFoundError} No Codex binary was found.
 *
 * @example
 * ```ts
 * import { loadAdapter } from "../adapters/detect.ts";
 * import { buildLaunch } from "./command.ts";
 * const launch = buildLaunch(await loadAdapter(), { config: { model: "gpt-5" } });
 * console.log(launch.args); // ["--config", 'model="gpt-5"', "app-server", "--listen", "stdio://"]
 * ```
 */
export function buildLaunch(adapter: RuntimeAdapter, options: LaunchOptions = {}): LaunchCommand {
  const runtime = locateCodex(adapter, options.codexBin);
  const env = adapter.environment();
  if (runtime.pathDir !== undefined) {
    const pathKey = Object.keys(env).find((key) => key.toUpperCase() === "PATH") ?? "PATH";
    const separator = adapter.platform === "win32" ? ";" : ":";
    env[pathKey] = env[pathKey] ? `${runtime.pathDir}${separator}${env[pathKey]}` : runtime.pathDir;
  }
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
    if (value !== undefined && SECRET_NAME.test(key)) rememberSecret(value);
  }
  const args: string[] = [];
  for (const [key, value] of Object.entries(options.config ?? {})) {
    args.push("--config", `${key}=${toToml(value, key)}`);
  }
  for (const feature of options.enable ?? []) args.push("--enable", feature);
  for (const feature of options.disable ?? []) args.push("--disable", feature);
  args.push("app-server", ...(options.appServerArgs ?? ["--listen", "stdio://"]));
  return { command: runtime.binary, args, env };
}
