/**
 * Spawning `codex app-server` over stdio.
 *
 * @module
 */

import { loadAdapter } from "../adapters/detect.ts";
import { stdioTransport } from "../transport/stdio.ts";
import type { MessageTransport } from "../transport/transport.ts";
import { buildLaunch, type LaunchOptions } from "./command.ts";

/**
 * Spawns `codex app-server` (the pinned binary unless `codexBin` says otherwise) and wraps
 * it as a stdio {@linkcode MessageTransport}.
 *
 * @param options What to run and how.
 * @returns The transport, already connected to the running process.
 * @throws {CodexNotFoundError} No Codex binary was found.
 *
 * @example
 * ```ts
 * import { spawnAppServer } from "./spawn.ts";
 * const transport = await spawnAppServer({ cwd: "/tmp" });
 * await transport.close();
 * ```
 */
export async function spawnAppServer(options: LaunchOptions = {}): Promise<MessageTransport> {
  const adapter = await loadAdapter(options.runtime);
  const launch = buildLaunch(adapter, options);
  const child = adapter.spawn({ ...launch, cwd: options.cwd });
  return stdioTransport(child, { onStderr: options.onStderr });
}
