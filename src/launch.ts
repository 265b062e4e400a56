/**
 * How the SDK starts `codex app-server`: the argv, the environment, and the stdio
 * transport over the spawned process. Never through a shell.
 *
 * @module
 */

import type { RuntimeAdapter } from "./adapters/adapter.ts";
import { locateCodex } from "./runtime_locator.ts";
import { stdioTransport } from "./transport/stdio.ts";
import type { MessageTransport } from "./transport/transport.ts";
import { CodexError } from "./rpc/errors.ts";

/** A TOML value for a `--config key=value` override. */
export type ConfigValue =
  | string
  | number
  | boolean
  | readonly ConfigValue[]
  | { readonly [key: string]: ConfigValue };

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
}

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
 * ```ts ignore
 * import { loadAdapter } from "./adapters/detect.ts";
 * import { buildLaunch } from "./launch.ts";
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

/**
 * Spawns `codex app-server` and wraps it as a stdio {@linkcode MessageTransport}.
 *
 * @param adapter The runtime adapter that spawns the process.
 * @param options What to run and how.
 * @returns The transport, already connected to the running process.
 *
 * @example
 * ```ts ignore
 * import { loadAdapter } from "./adapters/detect.ts";
 * import { spawnAppServer } from "./launch.ts";
 * const transport = spawnAppServer(await loadAdapter(), { cwd: "/tmp" });
 * await transport.close();
 * ```
 */
export function spawnAppServer(
  adapter: RuntimeAdapter,
  options: LaunchOptions = {},
): MessageTransport {
  const launch = buildLaunch(adapter, options);
  const child = adapter.spawn({ ...launch, cwd: options.cwd });
  return stdioTransport(child, { onStderr: options.onStderr });
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Encodes a value as TOML, as `codex --config key=value` parses it.
 *
 * @param value The value.
 * @param key The config key, for error messages.
 * @returns The TOML text.
 * @throws {CodexError} The value cannot be expressed in TOML (`null`, `NaN` …).
 *
 * @example
 * ```ts
 * import { toToml } from "./launch.ts";
 * console.log(toToml({ network_access: true, hosts: ["a"] }, "x")); // {network_access = true, hosts = ["a"]}
 * ```
 */
export function toToml(value: ConfigValue, key: string): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return String(value);
    case "number":
      if (!Number.isFinite(value)) {
        throw new CodexError(`Cannot encode config "${key}": ${value} is not a finite number`);
      }
      return String(value);
    case "object":
      if (value === null) break;
      if (Array.isArray(value)) {
        return `[${value.map((item, index) => toToml(item, `${key}[${index}]`)).join(", ")}]`;
      }
      return `{${
        Object.entries(value).map(([name, inner]) =>
          `${BARE_KEY.test(name) ? name : JSON.stringify(name)} = ${
            toToml(inner, `${key}.${name}`)
          }`
        ).join(", ")
      }}`;
  }
  throw new CodexError(`Cannot encode config "${key}": ${String(value)} has no TOML form`);
}
