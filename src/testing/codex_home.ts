/**
 * `codexHome`: a throwaway `CODEX_HOME` whose `config.toml` points the real app-server at
 * a fake model, so a test never reads or writes the user's own `~/.codex`.
 *
 * @module
 */

import { loadTestHost } from "../adapters/test_host.ts";
import { CodexError } from "../errors.ts";
import { seedStateDatabases } from "./state_seed.ts";

/** Options of {@linkcode codexHome}. */
export interface CodexHomeOptions {
  /** The fake model to use (a {@linkcode FakeModel}, or its base URL). */
  readonly model: { readonly url: string } | string;
  /**
   * The model name codex sends (`model` in `config.toml`). Default `"gpt-5.5"`, a model of
   * the 0.169.0 catalogue, so requests carry its real tool list (with `apply_patch`); any
   * name works with the fake model.
   */
  readonly modelName?: string;
  /**
   * `approval_policy`. Default `"never"`. (0.169.0 refuses `"untrusted"` in `config.toml`:
   * pass `approvalPolicy: "untrusted"` to `threadStart` or `turn` instead.)
   */
  readonly approvalPolicy?: "on-request" | "on-failure" | "never";
  /** `sandbox_mode`. Default `"read-only"`. */
  readonly sandboxMode?: "read-only" | "workspace-write" | "danger-full-access";
  /**
   * How long codex waits for the next event of a stream before failing the turn
   * (`stream_idle_timeout_ms`). Default 60 000. Lower it to test a stalled model.
   */
  readonly streamIdleTimeoutMs?: number;
  /**
   * Feature flags (`[features]` of `config.toml`, as `codex features list` names them), over
   * the home's own: `plugins`, `apps` and `shell_snapshot` off. The shell snapshot runs your
   * login shell at every new thread, which makes a test slower and depends on your
   * `~/.bashrc`; turn it back on with `{ shell_snapshot: true }`.
   */
  readonly features?: Readonly<Record<string, boolean>>;
  /** TOML appended verbatim at the end of `config.toml` (not a second `[features]`: use `features`). */
  readonly extraConfig?: string;
  /**
   * The codex binary that will run on this home, whose state databases seed it (see
   * `seedState`). Default: the pinned runtime, as `Codex.start` finds it. Give the same
   * `codexBin` as to `Codex.start` (`startTestCodex` does).
   */
  readonly codexBin?: string;
  /**
   * Copy empty, migrated state databases into the home, so the app-server does not make
   * them at start-up: about 140 ms faster per start on 2 cores. They are made once per codex
   * binary, by starting its app-server on a scratch home, and kept in the system's temp dir
   * (`codex-app-server-state-<hash>/`). Default `true`; `false` gives the home a first run
   * sees.
   */
  readonly seedState?: boolean;
}

/**
 * A throwaway `CODEX_HOME` and a workspace, removed by `remove()` or `await using`.
 *
 * @example
 * ```ts
 * import { type CodexHome, codexHome } from "./codex_home.ts";
 * const home: CodexHome = await codexHome({ model: "http://127.0.0.1:9/v1" });
 * console.log(home.env.CODEX_HOME === home.path); // true
 * await home.remove();
 * ```
 */
export interface CodexHome extends AsyncDisposable {
  /** The `CODEX_HOME` directory (absolute). */
  readonly path: string;
  /** Its `config.toml`. */
  readonly configPath: string;
  /** An empty directory to run the app-server (and the agent) in. */
  readonly workspace: string;
  /**
   * The environment to give the app-server: `CODEX_HOME` and the settings that keep it
   * offline. Keys whose value is `undefined` (credentials and endpoints that would leak in
   * from your environment, such as `OPENAI_API_KEY`) are removed by `Codex.start({ env })`.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Removes both directories (idempotent). */
  remove(): Promise<void>;
}

/**
 * The features a test home turns off: plugin sync and apps fetch from github.com and
 * chatgpt.com, and the shell snapshot runs your login shell (your `~/.bashrc`, with
 * whatever it starts) in the background of every new thread.
 */
const DEFAULT_FEATURES: Readonly<Record<string, boolean>> = {
  plugins: false,
  apps: false,
  shell_snapshot: false,
};

/** A feature name as a TOML key: bare when it can be, quoted otherwise. */
function featureKey(name: string): string {
  return /^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name);
}

/** Where the scratch home that makes a state seed points its model (never asked). */
const SEED_MODEL_URL = "http://127.0.0.1:9/v1";

/** Variables that must not reach an app-server under test, whatever the parent has. */
const REMOVED_VARIABLES = [
  "OPENAI_API_KEY",
  "OPENAI_BASE_URL",
  "CODEX_API_KEY",
  "CODEX_ACCESS_TOKEN",
  "CODEX_SQLITE_HOME",
  "CODEX_EXEC_SERVER_URL",
];

/**
 * The `config.toml` text of a {@linkcode codexHome}: the fake model as the only provider,
 * no retries against it (`request_max_retries = 0`, `stream_max_retries = 0`), no OpenAI
 * auth, the features that reach the network (plugins, apps, analytics) off, and the shell
 * snapshot (your login shell, run at every new thread) off.
 *
 * @param url The fake model's base URL ("http://127.0.0.1:PORT/v1").
 * @param options Everything of {@linkcode CodexHomeOptions} but `model`.
 * @returns The TOML text.
 * @throws {CodexError} `streamIdleTimeoutMs` is not a positive integer.
 *
 * @example
 * ```ts
 * import { codexConfigToml } from "./codex_home.ts";
 * console.log(codexConfigToml("http://127.0.0.1:4000/v1", { modelName: "m" }).split("\n")[0]);
 * // model = "m"
 * ```
 */
export function codexConfigToml(
  url: string,
  options: Omit<CodexHomeOptions, "model"> = {},
): string {
  const idle = options.streamIdleTimeoutMs ?? 60_000;
  if (!Number.isInteger(idle) || idle <= 0) {
    throw new CodexError(
      `Cannot write config.toml: streamIdleTimeoutMs ${
        JSON.stringify(idle)
      } is not a positive integer`,
    );
  }
  const lines = [
    `model = ${JSON.stringify(options.modelName ?? "gpt-5.5")}`,
    `model_provider = "fake"`,
    `approval_policy = ${JSON.stringify(options.approvalPolicy ?? "never")}`,
    `sandbox_mode = ${JSON.stringify(options.sandboxMode ?? "read-only")}`,
    "",
    "[model_providers.fake]",
    `name = "Fake model"`,
    `base_url = ${JSON.stringify(url)}`,
    `wire_api = "responses"`,
    `requires_openai_auth = false`,
    `request_max_retries = 0`,
    `stream_max_retries = 0`,
    `stream_idle_timeout_ms = ${idle}`,
    "",
    "[features]",
    ...Object.entries({ ...DEFAULT_FEATURES, ...options.features }).map(([name, on]) =>
      `${featureKey(name)} = ${on === true}`
    ),
    "",
    "[analytics]",
    "enabled = false",
    "",
  ];
  if (options.extraConfig) lines.push(options.extraConfig, "");
  return lines.join("\n");
}

/**
 * Creates a throwaway `CODEX_HOME` (a temp dir with a `config.toml` pointing at the fake
 * model) and an empty workspace dir. Pass `env` to `Codex.start({ env })`, and `workspace`
 * as its `cwd`.
 *
 * @param options The fake model, and the settings to write.
 * @returns The home; remove it with `remove()` or `await using`.
 * @throws {CodexError} The options are invalid, or a directory or file could not be made.
 *
 * @example
 * ```ts
 * import { Codex } from "codex-app-server";
 * import { codexHome, FakeModel } from "codex-app-server/testing";
 *
 * await using model = await FakeModel.start({ script: [{ kind: "text", text: "Hi!" }] });
 * await using home = await codexHome({ model });
 * await using codex = await Codex.start({ cwd: home.workspace, env: home.env });
 * const thread = await codex.threadStart();
 * console.log((await thread.run("Hello")).finalResponse); // "Hi!"
 * ```
 */
export async function codexHome(options: CodexHomeOptions): Promise<CodexHome> {
  const url = typeof options.model === "string" ? options.model : options.model?.url;
  if (typeof url !== "string" || !/^https?:\/\//.test(url)) {
    throw new CodexError(
      `Cannot create a codex home: model must be a FakeModel or its http:// URL, got ${
        JSON.stringify(url)
      }`,
    );
  }
  const config = codexConfigToml(url, options);
  const host = await loadTestHost();
  const made: string[] = [];
  const removeAll = async () => {
    for (const dir of made) await host.removeDir(dir);
  };
  try {
    const path = await host.makeTempDir("codex-home-");
    made.push(path);
    const workspace = await host.makeTempDir("codex-workspace-");
    made.push(workspace);
    const configPath = joinPath(path, "config.toml");
    await host.writeTextFile(configPath, config);
    const env: Record<string, string | undefined> = {
      CODEX_HOME: path,
      CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG: "1",
      RUST_LOG: "warn",
    };
    for (const name of REMOVED_VARIABLES) env[name] = undefined;
    if (options.seedState !== false) {
      const { codexBin } = options;
      await seedStateDatabases(path, { codexBin, config: codexConfigToml(SEED_MODEL_URL), env });
    }
    let removed: Promise<void> | undefined;
    const remove = () => (removed ??= removeAll());
    return {
      path,
      configPath,
      workspace,
      env,
      remove,
      [Symbol.asyncDispose]: remove,
    };
  } catch (error) {
    await removeAll().catch(() => {});
    throw new CodexError(
      `Cannot create a codex home: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * Joins a directory and a file name with the directory's own separator.
 *
 * @param dir The directory.
 * @param name The file name.
 * @returns The path.
 *
 * @example
 * ```ts
 * import { joinPath } from "./codex_home.ts";
 * console.log(joinPath("/tmp/x", "config.toml")); // "/tmp/x/config.toml"
 * ```
 */
export function joinPath(dir: string, name: string): string {
  const separator = dir.includes("\\") && !dir.includes("/") ? "\\" : "/";
  return dir.endsWith(separator) ? `${dir}${name}` : `${dir}${separator}${name}`;
}
