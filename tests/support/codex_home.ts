/**
 * A throwaway `CODEX_HOME` pointing codex at the fake Responses server, so tests never read
 * or write the user's real `~/.codex`.
 *
 * @module
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface CodexHomeOptions {
  /** Default model (scenario name of the fake server). Default `"plain"`. */
  model?: string;
  /**
   * `approval_policy`. Default `"never"`. (0.169.0 refuses `"untrusted"` in config.toml and
   * exits at start-up; pass `approvalPolicy: "untrusted"` per thread or turn instead.)
   */
  approvalPolicy?: "on-request" | "never";
  /** `sandbox_mode`. Default `"read-only"`. */
  sandboxMode?: "read-only" | "workspace-write" | "danger-full-access";
  /** Extra TOML appended verbatim at the end of `config.toml`. */
  extraConfig?: string;
}

export interface CodexHome {
  /** Absolute path of the temporary `CODEX_HOME`. */
  readonly path: string;
  /** Environment to add to the app-server's environment. */
  readonly env: {
    CODEX_HOME: string;
    CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG: string;
    RUST_LOG: string;
  };
  /** Removes the directory (idempotent). */
  cleanup(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** The `config.toml` text used by {@link createCodexHome}. */
export function codexConfigToml(fakeUrl: string, options: CodexHomeOptions = {}): string {
  const lines = [
    `model = ${tomlString(options.model ?? "plain")}`,
    `model_provider = "fake"`,
    `approval_policy = ${tomlString(options.approvalPolicy ?? "never")}`,
    `sandbox_mode = ${tomlString(options.sandboxMode ?? "read-only")}`,
    "",
    "[model_providers.fake]",
    `name = "Fake Responses"`,
    `base_url = ${tomlString(fakeUrl)}`,
    `wire_api = "responses"`,
    `requires_openai_auth = false`,
    `request_max_retries = 0`,
    `stream_max_retries = 0`,
    `stream_idle_timeout_ms = 60000`,
    "",
    // No network side effects beyond the fake server (plugin sync and apps fetch from
    // github.com / chatgpt.com; analytics).
    "[features]",
    "plugins = false",
    "apps = false",
    "",
    "[analytics]",
    "enabled = false",
    "",
  ];
  if (options.extraConfig) lines.push(options.extraConfig, "");
  return lines.join("\n");
}

/** Creates a fresh temp dir with a `config.toml` using the fake provider at `fakeUrl`. */
export async function createCodexHome(
  fakeUrl: string,
  options: CodexHomeOptions = {},
): Promise<CodexHome> {
  const path = await mkdtemp(join(tmpdir(), "codex-home-"));
  await writeFile(join(path, "config.toml"), codexConfigToml(fakeUrl, options));
  let removed: Promise<void> | undefined;
  const cleanup = () => {
    removed ??= rm(path, { recursive: true, force: true, maxRetries: 3 });
    return removed;
  };
  return {
    path,
    env: {
      CODEX_HOME: path,
      CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG: "1",
      RUST_LOG: "warn",
    },
    cleanup,
    [Symbol.asyncDispose]: cleanup,
  };
}
