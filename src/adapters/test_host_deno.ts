/**
 * The Deno test host: `Deno.serve` for the HTTP server, `Deno.makeTempDir` and friends for
 * files.
 *
 * Deno differences papered over here:
 * - `Deno.serve` prints "Listening on …" unless given `onListen`, and reports a handler or
 *   body error on stderr unless given `onError`; both are silenced.
 * - `shutdown()` waits for every response in flight, so a stalled body would hold it
 *   forever: each body is passed through a stream this host can error, and `close()`
 *   errors the open ones first (which drops their connections), then shuts down.
 * - `Deno.remove` of a missing path throws `NotFound`, which is ignored; `Deno.stat`'s
 *   `NotFound` means `undefined`.
 *
 * @module
 */

import type {
  FileStamp,
  TestHost,
  TestRequestHandler,
  TestServeOptions,
  TestServer,
} from "./test_host.ts";

/** The slice of the `Deno` namespace this host uses, so `tsc` needs no Deno types. */
interface DenoTestHostApi {
  serve(
    options: {
      hostname: string;
      port: number;
      onListen: (addr: { hostname: string; port: number }) => void;
      onError: (error: unknown) => Response;
    },
    handler: (request: Request) => Response | Promise<Response>,
  ): {
    readonly addr: { hostname: string; port: number };
    readonly finished: Promise<void>;
    shutdown(): Promise<void>;
  };
  makeTempDir(options: { prefix: string }): Promise<string>;
  writeTextFile(path: string, text: string, options?: { append?: boolean }): Promise<void>;
  readTextFile(path: string): Promise<string>;
  remove(path: string, options: { recursive: boolean }): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  readDir(path: string): AsyncIterable<{ name: string }>;
  rename(from: string, to: string): Promise<void>;
  stat(path: string): Promise<{ size: number; mtime: Date | null }>;
  errors: { NotFound: new (...args: never[]) => Error };
}

const deno = (globalThis as unknown as { Deno: DenoTestHostApi }).Deno;

function serve(handler: TestRequestHandler, options: TestServeOptions = {}): Promise<TestServer> {
  try {
    return Promise.resolve(listen(handler, options));
  } catch (error) {
    return Promise.reject(error); // Deno.serve throws at once when it cannot bind
  }
}

function listen(handler: TestRequestHandler, options: TestServeOptions): TestServer {
  const open = new Set<TransformStreamDefaultController<Uint8Array>>();
  let closing = false;
  const server = deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    onListen: () => {},
    onError: () => new Response(null, { status: 500 }),
  }, async (request) => {
    const response = await handler(request);
    if (response.body === null) return response;
    // A pass-through this host can error on close(); erroring it drops the connection.
    let control!: TransformStreamDefaultController<Uint8Array>;
    const relay = new TransformStream<Uint8Array, Uint8Array>({
      start: (controller) => {
        control = controller;
        if (closing) controller.error(new Error("The test server is closing"));
        else open.add(controller);
      },
      flush: () => {
        open.delete(control);
      },
    });
    response.body.pipeTo(relay.writable).catch(() => open.delete(control));
    return new Response(relay.readable, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  });
  let closed: Promise<void> | undefined;
  return {
    hostname: server.addr.hostname,
    port: server.addr.port,
    close() {
      closed ??= (async () => {
        closing = true;
        for (const controller of open) controller.error(new Error("The test server closed"));
        open.clear();
        await server.shutdown();
      })();
      return closed;
    },
  };
}

async function removeDir(path: string): Promise<void> {
  try {
    await deno.remove(path, { recursive: true });
  } catch (error) {
    if (!(error instanceof deno.errors.NotFound)) throw error;
  }
}

async function readDirNames(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of deno.readDir(path)) names.push(entry.name);
  return names;
}

async function statFile(path: string): Promise<FileStamp | undefined> {
  try {
    const { size, mtime } = await deno.stat(path);
    return { size, mtimeMs: mtime?.getTime() ?? 0 };
  } catch (error) {
    if (error instanceof deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * The test host for Deno.
 *
 * @example
 * ```ts
 * import { denoTestHost } from "./test_host_deno.ts";
 * const server = await denoTestHost.serve(() => new Response("ok"));
 * console.log(await (await fetch(`http://127.0.0.1:${server.port}/`)).text()); // "ok"
 * await server.close();
 * ```
 */
export const denoTestHost: TestHost = {
  name: "deno",
  serve,
  makeTempDir: (prefix) => deno.makeTempDir({ prefix }),
  writeTextFile: (path, text) => deno.writeTextFile(path, text),
  appendTextFile: (path, text) => deno.writeTextFile(path, text, { append: true }),
  readTextFile: (path) => deno.readTextFile(path),
  removeDir,
  copyFile: (from, to) => deno.copyFile(from, to),
  readDirNames,
  rename: (from, to) => deno.rename(from, to),
  statFile,
};
