import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CallTimeoutError,
  Codex,
  CODEX_VERSION,
  InternalError,
  InvalidParamsError,
  InvalidRequestError,
  JsonRpcError,
  MethodNotFoundError,
  ParseError,
  type ProtocolError,
  RetryLimitExceededError,
  ServerBusyError,
  TransportClosedError,
} from "../mod.ts";
import { CodexClient, JsonRpcConnection, loadAdapter, stdioTransport } from "../transport.ts";
import { fakePeer } from "./support/fake_peer.ts";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const T = { timeout: 10_000 };

function connect(options: ConstructorParameters<typeof JsonRpcConnection>[1] = {}) {
  const peer = fakePeer();
  const problems: ProtocolError[] = [];
  const connection = new JsonRpcConnection(peer.transport, {
    onError: (error) => problems.push(error as ProtocolError),
    ...options,
  });
  return { peer, connection, problems };
}

test("JsonRpcConnection routes out-of-order responses by id", T, async () => {
  const { peer, connection } = connect();
  const a = connection.request("a", { n: 1 });
  const b = connection.request("b");
  const [ma, mb] = [await peer.next(), await peer.next()];
  assert.deepEqual(ma, { id: 1, method: "a", params: { n: 1 } });
  assert.deepEqual(mb, { id: 2, method: "b" });
  peer.send({ id: 2, result: "second" });
  peer.send({ id: 1, result: "first" });
  assert.deepEqual(await Promise.all([a, b]), ["first", "second"]);
  await connection.close();
});

test("JsonRpcConnection maps error codes to typed errors", T, async () => {
  const { peer, connection } = connect();
  const cases: [number, string, unknown, new (...args: never[]) => Error][] = [
    [-32700, "Parse error", undefined, ParseError],
    [-32600, "Not initialized", undefined, InvalidRequestError],
    [-32602, "bad params", undefined, InvalidParamsError],
    [-32603, "boom", undefined, InternalError],
    [-32601, "unknown method", undefined, MethodNotFoundError],
    [-32001, "Server overloaded; retry later.", null, ServerBusyError],
    [-32050, "busy", { codexErrorInfo: "server_overloaded" }, ServerBusyError],
    [-32050, "retry limit reached", "server_overloaded", RetryLimitExceededError],
    [-1, "other", undefined, JsonRpcError],
  ];
  for (const [code, message, data, ErrorClass] of cases) {
    const pending = connection.request("m");
    const { id } = await peer.next();
    peer.send({ id, error: { code, message, data } });
    const error = await pending.then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof ErrorClass, `${code} gave ${String(error)}`);
    assert.equal((error as JsonRpcError).code, code);
    assert.match((error as Error).message, new RegExp(`^m failed: `));
  }
  await connection.close();
});

test("JsonRpcConnection reports a malformed line and keeps going", T, async () => {
  const { peer, connection, problems } = connect();
  const pending = connection.request("x");
  await peer.next();
  peer.send("{this is not json");
  peer.send({ id: 1, result: 7 });
  assert.equal(await pending, 7);
  assert.equal(problems.length, 1);
  assert.match(problems[0].message, /not JSON/);
  assert.equal(problems[0].payload, "{this is not json");
  await connection.close();
});

test("JsonRpcConnection reports a reply to an unknown id and drops it", T, async () => {
  const { peer, connection, problems } = connect();
  peer.send({ id: 99, result: {} });
  peer.send({ jsonrpc: "2.0" });
  const pending = connection.request("ok");
  const { id } = await peer.next();
  peer.send({ id, result: true });
  assert.equal(await pending, true);
  assert.equal(problems.length, 2);
  assert.match(problems[0].message, /unknown request id 99/);
  assert.match(problems[1].message, /not JSON-RPC/);
  await connection.close();
});

test("JsonRpcConnection abort removes the pending entry; a late reply is reported", T, async () => {
  const { peer, connection, problems } = connect();
  const controller = new AbortController();
  const pending = connection.request("slow", {}, { signal: controller.signal });
  const { id } = await peer.next();
  controller.abort(new Error("changed my mind"));
  await assert.rejects(pending, /changed my mind/);
  peer.send({ id, result: "late" });
  const next = connection.request("next");
  const second = await peer.next();
  peer.send({ id: second.id, result: "fine" });
  assert.equal(await next, "fine");
  assert.equal(problems.length, 1);
  assert.match(problems[0].message, /unknown request id/);
  await connection.close();
});

test("JsonRpcConnection rejects an already-aborted signal without sending", T, async () => {
  const { connection } = connect();
  await assert.rejects(
    connection.request("never", {}, { signal: AbortSignal.abort(new Error("aborted early")) }),
    /aborted early/,
  );
  await connection.close();
});

test("JsonRpcConnection times a request out", T, async () => {
  const { peer, connection } = connect();
  const pending = connection.request("model/list", {}, { timeoutMs: 50 });
  await peer.next();
  const error = await pending.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof CallTimeoutError);
  assert.equal(error.operation, "model/list");
  await connection.close();
});

test("JsonRpcConnection parses a 10 MB message", T, async () => {
  const { peer, connection } = connect();
  const pending = connection.request("big");
  const { id } = await peer.next();
  const blob = "y".repeat(10 * 1024 * 1024);
  peer.send({ id, result: { blob } });
  assert.equal(((await pending) as { blob: string }).blob.length, blob.length);
  await connection.close();
});

test("JsonRpcConnection answers a server request without handler with -32601", T, async () => {
  const { peer, connection } = connect();
  peer.send({ id: 0, method: "item/unknownThing/request", params: {} });
  const reply = await peer.next();
  assert.equal(reply.id, 0);
  assert.equal((reply.error as { code: number }).code, -32601);
  assert.match((reply.error as { message: string }).message, /item\/unknownThing\/request/);
  await connection.close();
});

test("JsonRpcConnection answers server requests through its handler", T, async () => {
  const { peer, connection } = connect({
    onServerRequest: (method, params) => {
      if (method === "fail") throw new Error("nope");
      if (method === "typed") throw new InvalidRequestError(-32600, "bad");
      return { echo: params };
    },
  });
  peer.send({ id: "a", method: "ok", params: { x: 1 } });
  peer.send({ id: "b", method: "fail" });
  peer.send({ id: "c", method: "typed" });
  const replies = [await peer.next(), await peer.next(), await peer.next()];
  replies.sort((x, y) => String(x.id).localeCompare(String(y.id)));
  assert.deepEqual(replies[0], { id: "a", result: { echo: { x: 1 } } });
  assert.deepEqual(replies[1], { id: "b", error: { code: -32603, message: "nope" } });
  assert.equal((replies[2].error as { code: number }).code, -32600);
  await connection.close();
});

test("JsonRpcConnection delivers notifications in order to every listener", T, async () => {
  const { peer, connection } = connect();
  const seen: string[] = [];
  const stop = connection.onNotification((method) => seen.push(`1:${method}`));
  connection.onNotification((method) => seen.push(`2:${method}`));
  peer.send({ method: "a", params: {} });
  peer.send({ method: "b" });
  const pending = connection.request("sync");
  const { id } = await peer.next();
  peer.send({ id, result: null });
  await pending;
  stop();
  assert.deepEqual(seen, ["1:a", "2:a", "1:b", "2:b"]);
  await connection.close();
});

test("JsonRpcConnection rejects every pending request when the peer ends", T, async () => {
  const { peer, connection } = connect();
  const a = connection.request("a");
  const b = connection.request("b");
  await peer.next();
  await peer.next();
  const started = performance.now();
  peer.end({ reason: "codex was killed by SIGKILL", exitCode: null, signal: "SIGKILL" });
  for (const pending of [a, b]) {
    const error = await pending.then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof TransportClosedError);
    assert.equal(error.signal, "SIGKILL");
    assert.match(error.message, /SIGKILL/);
  }
  assert.ok(performance.now() - started < 1000);
  const closedError = await connection.closed;
  assert.ok(closedError instanceof TransportClosedError);
  await assert.rejects(connection.request("after"), TransportClosedError);
  await assert.rejects(connection.notify("after"), TransportClosedError);
});

test("JsonRpcConnection refuses calls at once after close()", T, async () => {
  const { connection } = connect();
  const closing = connection.close();
  await assert.rejects(connection.request("x"), /close\(\) was called/);
  await closing;
});

test("JsonRpcConnection.close escalates to SIGKILL when the peer ignores EOF and SIGTERM", {
  timeout: 15_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "stubborn-"));
  try {
    const script = join(dir, "stubborn.sh");
    await writeFile(script, "#!/bin/sh\ntrap '' TERM\nwhile true; do sleep 0.05; done\n");
    await chmod(script, 0o755);
    const adapter = await loadAdapter();
    const child = adapter.spawn({ command: script, args: [], env: adapter.environment() });
    const transport = stdioTransport(child);
    const connection = new JsonRpcConnection(transport);
    const pending = connection.request("never/answered").catch((e: unknown) => e);
    const started = performance.now();
    const closed = await connection.close({ graceMs: 200 });
    assert.equal(closed.closedByUser, true);
    assert.equal((await transport.closed).signal, "SIGKILL");
    assert.ok(performance.now() - started < 3000);
    assert.ok((await pending) instanceof TransportClosedError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  "CodexClient delivers notifications the registry does not know, as unknown, where asked",
  T,
  async () => {
    const peer = fakePeer();
    const client = new CodexClient(peer.transport);
    const seen: string[] = [];
    const all: unknown[] = [];
    client.onNotification((notification) => seen.push(notification.method));
    client.onNotification((notification) => all.push(notification), { unknown: true });
    peer.send({ method: "future/featureAdded", params: { x: 1 } });
    peer.send({ method: "turn/started", params: { threadId: "t", turn: { id: "u" } } });
    const pending = client.connection.request("sync");
    const { id } = await peer.next();
    peer.send({ id, result: {} });
    await pending;
    assert.deepEqual(seen, ["turn/started"]);
    assert.deepEqual(all, [
      { method: "future/featureAdded", params: { x: 1 }, unknown: true },
      { method: "turn/started", params: { threadId: "t", turn: { id: "u" } } },
    ]);
    await client.close();
  },
);

test("Codex.start rejects an initialize reply without server metadata and closes", T, async () => {
  const peer = fakePeer();
  const starting = Codex.start({ transport: peer.transport });
  const init = await peer.next();
  assert.equal(init.method, "initialize");
  const params = init.params as {
    clientInfo: { name: string; version: string };
    capabilities: { experimentalApi: boolean };
  };
  assert.equal(params.clientInfo.name, "codex_app_server_ts");
  assert.equal(params.clientInfo.version, CODEX_VERSION);
  assert.equal(params.capabilities.experimentalApi, true);
  peer.send({
    id: init.id,
    result: { userAgent: "", codexHome: "/x", platformFamily: "unix", platformOs: "linux" },
  });
  await assert.rejects(starting, /missing server metadata/);
});

test(
  "JsonRpcConnection sends through the transport's send when it has one, never its writable",
  T,
  async () => {
    const peer = fakePeer();
    const sent: string[] = [];
    const transport = { ...peer.transport, send: (text: string) => void sent.push(text) };
    const connection = new JsonRpcConnection(transport);
    assert.equal(transport.writable.locked, false, "writable is not taken");
    const answer = connection.request("a", { n: 1 });
    assert.deepEqual(sent, ['{"id":1,"method":"a","params":{"n":1}}'], "sent at once");
    peer.send({ id: 1, result: "done" });
    assert.equal(await answer, "done");
    // A send that throws (the peer is gone) does not throw from request: the close says why.
    const broken = fakePeer();
    const failing = new JsonRpcConnection({
      ...broken.transport,
      send: () => {
        throw new Error("broken pipe");
      },
    });
    const pending = failing.request("b");
    broken.end({ reason: "gone" });
    await assert.rejects(pending, TransportClosedError);
    await connection.close();
  },
);
