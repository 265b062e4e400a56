/**
 * The small contract the offline test kit (`codex-app-server/testing`) needs from a runtime:
 * an HTTP server on 127.0.0.1 driven by a web-standard handler, and a few file operations.
 * Each runtime implements it in its own file (`test_host_deno.ts`, `test_host_bun.ts`,
 * `test_host_node.ts`); {@linkcode loadTestHost} picks the one for the running runtime.
 *
 * What every implementation guarantees, so `src/testing/` stays runtime-free:
 * - a response body stream is cancelled when the client goes away before it has ended
 *   (that is how a stalled stream learns its reader is gone; `Request.signal` is not used,
 *   since Deno aborts it after every response, complete or not);
 * - a response body stream that **errors** drops the connection at once, without the
 *   terminating chunk, so the client sees an incomplete body (a "dropped connection");
 * - a body stream that neither enqueues nor closes keeps the connection open, silently,
 *   until the client leaves or the server closes (no idle timeout of the runtime's own);
 * - `close()` ends every open connection and resolves once the port is released.
 *
 * @module
 */

import type { RuntimeName } from "./adapter.ts";
import { detectRuntime } from "./detect.ts";

/** Answers one HTTP request (a web-standard `fetch` handler). */
export type TestRequestHandler = (request: Request) => Response | Promise<Response>;

/** A listening test server. */
export interface TestServer {
  /** The address it listens on ("127.0.0.1"). */
  readonly hostname: string;
  /** The port it listens on (an ephemeral one unless asked otherwise). */
  readonly port: number;
  /** Stops listening and drops every open connection; resolves once done (idempotent). */
  close(): Promise<void>;
}

/** Where a test server listens. */
export interface TestServeOptions {
  /** The address to bind. Default `"127.0.0.1"`. */
  readonly hostname?: string;
  /** The port to bind. Default `0` (an ephemeral port). */
  readonly port?: number;
}

/**
 * One runtime's implementation of what the test kit needs from the host.
 *
 * @example
 * ```ts
 * import type { TestHost } from "./test_host.ts";
 * async function scratch(host: TestHost): Promise<string> {
 *   const dir = await host.makeTempDir("scratch-");
 *   await host.writeTextFile(`${dir}/note.txt`, "hello");
 *   return await host.readTextFile(`${dir}/note.txt`);
 * }
 * ```
 */
export interface TestHost {
  /** Which runtime this is. */
  readonly name: RuntimeName;
  /** Starts an HTTP/1.1 server that answers every request with `handler`. */
  serve(handler: TestRequestHandler, options?: TestServeOptions): Promise<TestServer>;
  /** Creates a fresh directory in the system's temp dir; returns its absolute path. */
  makeTempDir(prefix: string): Promise<string>;
  /** Writes (creates or replaces) a UTF-8 text file. */
  writeTextFile(path: string, text: string): Promise<void>;
  /** Appends UTF-8 text to a file, creating it when missing. */
  appendTextFile(path: string, text: string): Promise<void>;
  /** Reads a UTF-8 text file. */
  readTextFile(path: string): Promise<string>;
  /** Removes a directory and everything in it; a missing directory is not an error. */
  removeDir(path: string): Promise<void>;
  /** Copies a file (replacing `to`). */
  copyFile(from: string, to: string): Promise<void>;
  /** The names of a directory's entries. */
  readDirNames(path: string): Promise<string[]>;
  /** Renames a file or directory; rejects when `to` is a directory that is not empty. */
  rename(from: string, to: string): Promise<void>;
  /** A file's size and modification time, or `undefined` when it does not exist. */
  statFile(path: string): Promise<FileStamp | undefined>;
}

/** What {@linkcode TestHost.statFile} tells of a file. */
export interface FileStamp {
  /** Its size in bytes. */
  readonly size: number;
  /** When it was last modified, in milliseconds since the epoch. */
  readonly mtimeMs: number;
}

const loaded = new Map<RuntimeName, Promise<TestHost>>();

/**
 * Loads the test host of a runtime (the detected one by default). Each implementation is
 * imported on first use only, so a runtime never loads another runtime's modules.
 *
 * @param name Force a runtime instead of detecting it.
 * @returns The runtime's test host.
 *
 * @example
 * ```ts
 * import { loadTestHost } from "./test_host.ts";
 * const host = await loadTestHost();
 * const dir = await host.makeTempDir("example-");
 * await host.removeDir(dir);
 * ```
 */
export function loadTestHost(name: RuntimeName = detectRuntime()): Promise<TestHost> {
  let host = loaded.get(name);
  if (host === undefined) {
    host = importTestHost(name);
    host.catch(() => loaded.delete(name));
    loaded.set(name, host);
  }
  return host;
}

async function importTestHost(name: RuntimeName): Promise<TestHost> {
  switch (name) {
    case "deno":
      return (await import("./test_host_deno.ts")).denoTestHost;
    case "bun":
      return (await import("./test_host_bun.ts")).bunTestHost;
    case "node":
      return (await import("./test_host_node.ts")).nodeTestHost;
  }
}
