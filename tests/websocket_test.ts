/**
 * Tests of the WebSocket and unix-socket transports against the real `codex app-server`
 * (started by hand with node:child_process, or by `listenAppServer`), plus a raw TCP peer
 * for what a real server never does (non-JSON frames, a connect that never answers).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import process from "node:process";
import { Buffer } from "node:buffer";
import {
  Codex,
  CodexError,
  type MessageTransport,
  TransportClosedError,
  WebSocketAuthError,
  WebSocketConnectError,
} from "../mod.ts";
import {
  connectUnixSocket,
  connectWebSocket,
  listenAppServer,
  loadAdapter,
  locateCodex,
} from "../transport.ts";
import { MalformedMessage } from "../src/framing/malformed.ts";
import { type CodexHome, codexHome, DEFAULT_TEXT, FakeModel } from "../testing.ts";

const T = { timeout: 30_000 };
const TOKEN = "test-token-5c1b0e";

/** A real app-server listening on ws:// (with a token) or on a unix socket. */
interface SocketServer extends AsyncDisposable {
  readonly model: FakeModel;
  readonly home: CodexHome;
  readonly child: ChildProcess;
  /** `ws://127.0.0.1:PORT` or the socket's absolute path. */
  readonly address: string;
  readonly exited: Promise<void>;
}

async function startServer(listen: "ws" | "unix"): Promise<SocketServer> {
  const model = await FakeModel.start();
  const home = await codexHome({ model });
  const { binary } = locateCodex(await loadAdapter());
  const args = ["app-server"];
  const sockPath = join(home.path, "app-server.sock");
  if (listen === "ws") {
    const tokenFile = join(home.path, "ws-token");
    await writeFile(tokenFile, TOKEN + "\n", { mode: 0o600 });
    args.push(
      "--listen",
      "ws://127.0.0.1:0",
      "--ws-auth",
      "capability-token",
      "--ws-token-file",
      tokenFile,
    );
  } else {
    args.push("--listen", `unix://${sockPath}`);
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...home.env })) {
    if (value !== undefined) env[key] = value; // undefined: removed (OPENAI_API_KEY …)
  }
  const child = spawn(binary, args, {
    cwd: home.workspace,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stderr = "";
  const listening = new Promise<string>((resolve) => {
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (text: string) => {
      stderr += text;
      const match = /listening on: (ws:\/\/\S+)/.exec(stderr);
      if (match !== null) resolve(match[1]);
    });
  });
  const dispose = async () => {
    // SIGTERM lets a unix server remove its socket; SIGKILL if it does not go.
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
    await model.close();
    await home.remove();
  };
  try {
    const address = listen === "ws"
      ? await within(listening, 10_000, () => `no listening line; stderr:\n${stderr}`)
      : await waitForUnixSocket(sockPath, () => stderr);
    return { model, home, child, address, exited, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The unix listener prints no readiness line: connect until it answers. */
async function waitForUnixSocket(path: string, stderr: () => string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const probe = await connectUnixSocket(path, { timeoutMs: 1000 });
      await probe.close();
      return path;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`unix socket never answered; stderr:\n${stderr()}`, { cause: error });
      }
      await sleep(50);
    }
  }
}

async function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A TCP port with nothing listening on it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A raw TCP peer. `onConnection` gets each socket and the HTTP request head once it has
 * arrived (or never, when it returns `false` to stay silent).
 */
async function startRawServer(
  onRequest: (socket: Socket, head: string) => void,
): Promise<{ url: string; server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let head = "";
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      onRequest(socket, head);
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}`, server, sockets };
}

async function stopRawServer(raw: { server: Server; sockets: Set<Socket> }): Promise<void> {
  for (const socket of raw.sockets) socket.destroy();
  await new Promise<void>((resolve) => raw.server.close(() => resolve()));
}

/** Answers a WebSocket upgrade request with 101. */
function accept(socket: Socket, head: string): void {
  const key = /^sec-websocket-key:\s*(\S+)/im.exec(head)![1];
  const acceptKey = createHash("sha1")
    .update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
    .digest("base64");
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${acceptKey}\r\n\r\n`,
  );
}

/** One unmasked server frame (payloads under 126 bytes). */
function frame(opcode: number, payload: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]);
}

/** Reads one masked client frame (payloads under 126 bytes): opcode and text. */
function readClientFrame(socket: Socket): Promise<{ opcode: number; text: string }> {
  return new Promise((resolve) => {
    let bytes = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      bytes = Buffer.concat([bytes, chunk]);
      if (bytes.length < 6) return;
      const length = bytes[1] & 0x7f;
      if (bytes.length < 6 + length) return;
      socket.off("data", onData);
      const mask = bytes.subarray(2, 6);
      const payload = bytes.subarray(6, 6 + length).map((byte, i) => byte ^ mask[i % 4]);
      resolve({ opcode: bytes[0] & 0x0f, text: Buffer.from(payload).toString("utf8") });
    };
    socket.on("data", onData);
  });
}

async function readAll(transport: MessageTransport): Promise<unknown[]> {
  const messages: unknown[] = [];
  for await (const batch of transport.readable) messages.push(...batch);
  return messages;
}

test("connectWebSocket runs a full turn with the right token", T, async () => {
  await using server = await startServer("ws");
  let transport: MessageTransport | undefined;
  await using codex = await Codex.start({
    transport: async () => (transport = await connectWebSocket(server.address, { token: TOKEN })),
  });
  assert.equal(codex.metadata.codexHome, server.home.path);
  const thread = await codex.threadStart();
  const result = await thread.run("hi");
  assert.equal(result.status, "completed");
  assert.equal(result.finalResponse, DEFAULT_TEXT);
  assert.equal(server.model.requests.length, 1);
  assert.deepEqual(transport!.stderrTail(), []);
});

test("connectWebSocket rejects a wrong or missing token with WebSocketAuthError", T, async () => {
  await using server = await startServer("ws");
  const started = Date.now();
  const wrong = await connectWebSocket(server.address, { token: "wrong" }).then(
    () => assert.fail("connected with a wrong token"),
    (error: unknown) => error,
  );
  assert.ok(wrong instanceof WebSocketAuthError, String(wrong));
  assert.ok(wrong instanceof WebSocketConnectError);
  assert.equal(wrong.httpStatus, 401);
  assert.equal(wrong.target, server.address);
  assert.equal(
    wrong.message,
    `Cannot connect to ${server.address}: the server rejected the token (HTTP 401)`,
  );

  const missing = await connectWebSocket(server.address).catch((error: unknown) => error);
  assert.ok(missing instanceof WebSocketAuthError, String(missing));
  assert.match(missing.message, /requires a token \(HTTP 401\) and none was given/);

  // Through Codex the same error surfaces, and nothing hangs.
  await assert.rejects(
    Codex.start({ transport: () => connectWebSocket(server.address, { token: "nope" }) }),
    WebSocketAuthError,
  );
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});

test("connectUnixSocket runs a full turn", T, async () => {
  await using server = await startServer("unix");
  await using codex = await Codex.start({ transport: () => connectUnixSocket(server.address) });
  const thread = await codex.threadStart();
  const result = await thread.run("hi");
  assert.equal(result.finalResponse, DEFAULT_TEXT);
});

test(
  "A server killed with SIGKILL rejects the pending call with TransportClosedError within 1 s",
  T,
  async () => {
    await using server = await startServer("ws");
    const codex = await Codex.start({
      transport: () => connectWebSocket(server.address, { token: TOKEN }),
    });
    try {
      const thread = await codex.threadStart();
      const hold = server.model.hold();
      const turn = await thread.turn("hi");
      await hold.reached;
      const pending = turn.run();
      const killedAt = Date.now();
      server.child.kill("SIGKILL");
      const error = await pending.then(
        () => assert.fail("the turn completed after SIGKILL"),
        (error: unknown) => error,
      );
      const elapsed = Date.now() - killedAt;
      assert.ok(error instanceof TransportClosedError, String(error));
      assert.match(error.message, /the WebSocket to ws:\/\/127\.0\.0\.1:\d+ closed \(code \d+\)/);
      assert.ok(elapsed < 1000, `rejected after ${elapsed} ms`);
      await assert.rejects(thread.run("again"), TransportClosedError);
    } finally {
      await codex.close();
    }
  },
);

test("close() rejects what is pending, and leaves the server running", T, async () => {
  await using server = await startServer("ws");
  const transport = await connectWebSocket(server.address, { token: TOKEN });
  const codex = await Codex.start({ transport });
  const thread = await codex.threadStart();
  const hold = server.model.hold();
  const turn = await thread.turn("hi");
  await hold.reached;
  const pending = turn.run().catch((e) => e);
  const started = Date.now();
  await codex.close();
  assert.ok(Date.now() - started < 2500, `close took ${Date.now() - started} ms`);
  assert.ok((await pending) instanceof TransportClosedError);
  await assert.rejects(codex.threadStart(), CodexError);
  const info = await transport.closed;
  assert.match(info.reason, /^close\(\) was called \(the WebSocket to ws:/);
  assert.deepEqual(await transport.close(), info, "close() again gives the same info");
  assert.equal(server.child.exitCode, null, "a server we did not spawn keeps running");
  hold.release();
});

test("listenAppServer spawns a server, runs a turn, and close() stops it", T, async () => {
  await using model = await FakeModel.start();
  await using home = await codexHome({ model });
  const server = await listenAppServer({ cwd: home.workspace, env: home.env, token: TOKEN });
  let exited = false;
  void server.process.exited.then(() => (exited = true));
  try {
    assert.match(server.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
    await using codex = await Codex.start({ transport: server.transport });
    const result = await (await codex.threadStart()).run("hi");
    assert.equal(result.finalResponse, DEFAULT_TEXT);
    // A second client needs the token too.
    await assert.rejects(connectWebSocket(server.url), WebSocketAuthError);
    assert.equal(exited, false);
  } finally {
    await server.transport.close();
    server.process.kill("SIGKILL");
  }
  const exit = await within(server.process.exited, 3000, () => "the server did not exit");
  assert.ok(exit.signal === "SIGTERM" || exit.code === 0, JSON.stringify(exit));
  assert.ok(server.transport.stderrTail().some((line) => line.includes("listening on:")));
});

test("connectWebSocket names the URL or path it could not reach", T, async () => {
  const url = `ws://127.0.0.1:${await freePort()}`;
  const refused = await connectWebSocket(url).catch((error: unknown) => error);
  assert.ok(refused instanceof WebSocketConnectError, String(refused));
  assert.ok(!(refused instanceof WebSocketAuthError));
  assert.ok(refused.message.startsWith(`Cannot connect to ${url}: `), refused.message);
  assert.equal(refused.httpStatus, null);

  const missing = await connectUnixSocket("/tmp/codex-sdk-test-missing.sock")
    .catch((error: unknown) => error);
  assert.ok(missing instanceof WebSocketConnectError, String(missing));
  assert.ok(
    missing.message.startsWith('Cannot connect to unix socket "/tmp/codex-sdk-test-missing.sock"'),
    missing.message,
  );

  await assert.rejects(connectUnixSocket("relative.sock"), /the path must be absolute/);
  await assert.rejects(
    connectWebSocket("http://127.0.0.1:1"),
    /Cannot connect to http:\/\/127\.0\.0\.1:1: expected a ws:\/\/ or wss:\/\/ URL, got http:/,
  );
});

test("connectWebSocket gives up after timeoutMs, and on abort", T, async () => {
  const raw = await startRawServer(() => {}); // reads the upgrade request, never answers
  try {
    const started = Date.now();
    await assert.rejects(
      connectWebSocket(raw.url, { timeoutMs: 300 }),
      (error: unknown) =>
        error instanceof WebSocketConnectError &&
        error.message === `Cannot connect to ${raw.url}: no answer within 300 ms`,
    );
    assert.ok(Date.now() - started < 2000);

    const controller = new AbortController();
    const connecting = connectWebSocket(raw.url, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 100);
    await assert.rejects(connecting, /stop/);
  } finally {
    await stopRawServer(raw);
  }
});

test("The WebSocket transport frames one message per text frame", T, async () => {
  let head = "";
  let peer: Socket | undefined;
  const raw = await startRawServer((socket, request) => {
    head = request;
    peer = socket;
    accept(socket, request);
  });
  try {
    const transport = await connectWebSocket(raw.url, { token: "abc" });
    // What the runtime sent: the token as a bearer header, no subprotocol, no Origin.
    assert.match(head, /^authorization: Bearer abc\r$/im);
    assert.doesNotMatch(head, /^sec-websocket-protocol:/im);
    assert.doesNotMatch(head, /^origin:/im);

    const received = readClientFrame(peer!);
    const writer = transport.writable.getWriter();
    await writer.write('{"id":1,"method":"initialize"}');
    assert.deepEqual(await received, { opcode: 1, text: '{"id":1,"method":"initialize"}' });

    const messages = readAll(transport);
    peer!.write(frame(1, Buffer.from('{"method":"a"}')));
    peer!.write(frame(1, Buffer.from("not json")));
    peer!.write(frame(2, Buffer.from("bin")));
    await sleep(100);
    peer!.destroy(); // like the app-server: no close frame

    const info = await transport.closed;
    assert.match(
      info.reason,
      /^the WebSocket to ws:\/\/127\.0\.0\.1:\d+ closed \(code (0|1005|1006)\)/,
    );
    const [parsed, malformed, binary, ...rest] = await messages;
    assert.deepEqual(parsed, { method: "a" });
    assert.ok(malformed instanceof MalformedMessage);
    assert.equal(malformed.text, "not json");
    assert.ok(binary instanceof MalformedMessage);
    assert.equal(binary.text, "bin");
    assert.deepEqual(rest, []);
    await assert.rejects(writer.write("{}"), /Cannot send on the WebSocket to ws:/);
    assert.deepEqual(await transport.close(), info);
  } finally {
    await stopRawServer(raw);
  }
});
