/**
 * The one place the SDK decides which runtime it is running on.
 *
 * @module
 */

import { lazy } from "../_util/lazy.ts";
import type { RuntimeAdapter, RuntimeName } from "./adapter.ts";

/**
 * Names the runtime executing this code: Deno, Bun, or (otherwise) Node.
 *
 * @returns `"deno"`, `"bun"` or `"node"`.
 *
 * @example
 * ```ts
 * import { detectRuntime } from "./detect.ts";
 * console.log(detectRuntime()); // "deno" under `deno run`
 * ```
 */
export function detectRuntime(): RuntimeName {
  const host = globalThis as Record<string, unknown>;
  if (typeof host.Deno === "object" && host.Deno !== null) return "deno";
  if (typeof host.Bun === "object" && host.Bun !== null) return "bun";
  return "node";
}

const adapters: Record<RuntimeName, () => Promise<RuntimeAdapter>> = {
  deno: lazy(async () => (await import("./deno.ts")).denoAdapter),
  bun: lazy(async () => (await import("./bun.ts")).bunAdapter),
  node: lazy(async () => (await import("./node.ts")).nodeAdapter),
};

/**
 * Loads the adapter for a runtime (the detected one by default). Each adapter is imported
 * on first use only, so a runtime never loads another runtime's modules.
 *
 * @param name Force a runtime instead of detecting it.
 * @returns The runtime's adapter.
 *
 * @example
 * ```ts
 * import { loadAdapter } from "./detect.ts";
 * const adapter = await loadAdapter();
 * console.log(adapter.name, adapter.platform);
 * ```
 */
export function loadAdapter(name: RuntimeName = detectRuntime()): Promise<RuntimeAdapter> {
  return adapters[name]();
}
