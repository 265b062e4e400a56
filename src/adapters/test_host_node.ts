/**
 * The Node test host: `node:http` for the HTTP server, `node:fs/promises` for files.
 *
 * Node differences papered over here: `node:http` speaks `IncomingMessage` /
 * `ServerResponse`, not `Request` / `Response`, so each request is turned into a `Request`
 * (its `signal` aborts when the connection closes before the response has ended) and each
 * `Response` body is written with back-pressure. A body stream that errors destroys the
 * socket, which is how the other runtimes drop a connection too; `close()` destroys every
 * open connection (`closeAllConnections`), since `server.close()` alone waits for them.
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Buffer } from "node:buffer";
import type { TestHost, TestRequestHandler, TestServeOptions, TestServer } from "./test_host.ts";
import { nodeTestFiles } from "./test_host_fs.ts";

function readBody(request: IncomingMessage): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    request.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    request.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    request.on("error", reject);
  });
}

function toHeaders(request: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return headers;
}

/** Writes `chunk`; waits for `drain` when the socket's buffer is full. False once closed. */
function write(response: ServerResponse, chunk: Uint8Array): Promise<boolean> {
  if (response.destroyed) return Promise.resolve(false);
  if (response.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve(!response.destroyed);
    };
    response.on("drain", done);
    response.on("close", done);
  });
}

async function answer(
  handler: TestRequestHandler,
  request: IncomingMessage,
  response: ServerResponse,
  origin: string,
): Promise<void> {
  const aborter = new AbortController();
  response.on("close", () => {
    if (!response.writableFinished) aborter.abort(new Error("The client closed the connection"));
  });
  const method = request.method ?? "GET";
  const body = method === "GET" || method === "HEAD" ? undefined : await readBody(request);
  const reply = await handler(
    new Request(new URL(request.url ?? "/", origin), {
      method,
      headers: toHeaders(request),
      body,
      signal: aborter.signal,
    }),
  );
  const headers: Record<string, string> = {};
  reply.headers.forEach((value, name) => (headers[name] = value));
  response.writeHead(reply.status, reply.statusText || undefined, headers);
  if (reply.body === null) {
    response.end();
    return;
  }
  response.flushHeaders();
  const reader = reply.body.getReader();
  response.on("close", () => {
    if (!response.writableFinished) reader.cancel().catch(() => {});
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!(await write(response, value))) return;
    }
  } catch {
    response.destroy(); // an erroring body drops the connection, terminating chunk unsent
    return;
  }
  response.end();
}

function serve(handler: TestRequestHandler, options: TestServeOptions = {}): Promise<TestServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const server = createServer((request, response) => {
    const address = server.address() as AddressInfo;
    answer(handler, request, response, `http://${hostname}:${address.port}`).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, hostname, () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      let closed: Promise<void> | undefined;
      resolve({
        hostname,
        port,
        close() {
          closed ??= new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          });
          return closed;
        },
      });
    });
  });
}

/**
 * The test host for Node.
 *
 * @example
 * ```ts
 * import { nodeTestHost } from "./test_host_node.ts";
 * const server = await nodeTestHost.serve(() => new Response("ok"));
 * console.log(await (await fetch(`http://127.0.0.1:${server.port}/`)).text()); // "ok"
 * await server.close();
 * ```
 */
export const nodeTestHost: TestHost = { name: "node", serve, ...nodeTestFiles };
