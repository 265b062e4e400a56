/**
 * The Bun test host: `Bun.serve` for the HTTP server, `node:fs/promises` for files.
 *
 * Bun differences papered over here:
 * - `Bun.serve` closes a connection that has been idle for 10 s by default, which would turn
 *   a stalled stream into a dropped one: `idleTimeout: 0` turns that off.
 * - `stop()` waits for open connections unless told to close them: `stop(true)`.
 * - A response body that errors with an `Error` is printed to stderr (with a source
 *   excerpt) before the connection is dropped: bodies are relayed through a stream that
 *   errors with `undefined` instead, which drops the connection the same way, silently.
 *
 * @module
 */

import type { TestHost, TestRequestHandler, TestServeOptions, TestServer } from "./test_host.ts";
import { nodeTestFiles } from "./test_host_fs.ts";

/** The slice of the `Bun` namespace this host uses, so `tsc` needs no Bun types. */
interface BunTestHostApi {
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    fetch: (request: Request) => Response | Promise<Response>;
    error: (error: unknown) => Response;
  }): {
    readonly hostname: string;
    readonly port: number;
    stop(closeActiveConnections?: boolean): Promise<void> | void;
  };
}

const bun = (globalThis as unknown as { Bun: BunTestHostApi }).Bun;

/** The same response, its body relayed so that an error in it is not printed. */
function quiet(response: Response): Response {
  const source = response.body?.getReader();
  if (source === undefined) return response;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await source.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch {
        controller.error(undefined);
      }
    },
    cancel: (reason) => source.cancel(reason),
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

function serve(handler: TestRequestHandler, options: TestServeOptions = {}): Promise<TestServer> {
  const server = bun.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    idleTimeout: 0,
    fetch: async (request) => quiet(await handler(request)),
    error: () => new Response(null, { status: 500 }),
  });
  let closed: Promise<void> | undefined;
  return Promise.resolve({
    hostname: server.hostname,
    port: server.port,
    close() {
      closed ??= Promise.resolve(server.stop(true)).then(() => {});
      return closed;
    },
  });
}

/**
 * The test host for Bun.
 *
 * @example
 * ```ts
 * import { bunTestHost } from "./test_host_bun.ts";
 * const server = await bunTestHost.serve(() => new Response("ok"));
 * console.log(await (await fetch(`http://127.0.0.1:${server.port}/`)).text()); // "ok"
 * await server.close();
 * ```
 */
export const bunTestHost: TestHost = { name: "bun", serve, ...nodeTestFiles };
