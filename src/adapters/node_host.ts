/**
 * Host facts shared by the Node and Bun adapters, which both offer `node:` built-ins.
 *
 * @module
 */

import { statSync } from "node:fs";
import process from "node:process";

/**
 * Whether a regular file exists at `path`, through `node:fs`.
 *
 * @param path The path to test.
 * @returns `true` for an existing regular file.
 *
 * @example
 * ```ts
 * import { isFile } from "./node_host.ts";
 * console.log(isFile("/etc/hostname"));
 * ```
 */
export function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/**
 * The parent environment with only string values, through `node:process`.
 *
 * @returns A fresh copy of the environment.
 *
 * @example
 * ```ts
 * import { environment } from "./node_host.ts";
 * console.log(environment().HOME);
 * ```
 */
export function environment(): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined) copy[key] = value;
  }
  return copy;
}

/** The platform, architecture and working directory, through `node:process`. */
export const hostFacts: { platform: string; arch: string; cwd: () => string } = {
  platform: process.platform,
  arch: process.arch,
  cwd: () => process.cwd(),
};
