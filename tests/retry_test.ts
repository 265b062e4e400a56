import { test } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidParamsError,
  isRetryable,
  RetryLimitExceededError,
  retryOnOverload,
  ServerBusyError,
  TurnFailedError,
} from "../mod.ts";
import { CodexClient, JsonRpcConnection } from "../transport.ts";
import { fakePeer } from "./support/fake_peer.ts";

const T = { timeout: 10_000 };
const fast = { initialDelayMs: 1, maxDelayMs: 4 };

test("retryOnOverload retries the app-server's -32001 reply until it succeeds", T, async () => {
  const peer = fakePeer();
  const connection = new JsonRpcConnection(peer.transport);
  let attempts = 0;
  const serve = (async () => {
    for (let i = 0; i < 3; i++) {
      const { id } = await peer.next();
      attempts++;
      peer.send(
        i < 2
          ? { id, error: { code: -32001, message: "Server overloaded; retry later.", data: null } }
          : { id, result: { data: [] } },
      );
    }
  })();
  const result = await retryOnOverload(() => connection.request("model/list", {}), fast);
  await serve;
  assert.deepEqual(result, { data: [] });
  assert.equal(attempts, 3);
  await connection.close();
});

test("retryOnOverload gives up after maxAttempts with the last error", T, async () => {
  let calls = 0;
  const error = await retryOnOverload(() => {
    calls++;
    return Promise.reject(new ServerBusyError(-32001, `busy ${calls}`));
  }, { ...fast, maxAttempts: 4 }).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ServerBusyError);
  assert.equal(error.message, "busy 4");
  assert.equal(calls, 4);
});

test("retryOnOverload does not retry RetryLimitExceededError or other errors", T, async () => {
  for (
    const failure of [
      new RetryLimitExceededError(-32001, "retry limit reached"),
      new InvalidParamsError(-32602, "bad"),
      new TypeError("bug"),
    ]
  ) {
    let calls = 0;
    await assert.rejects(
      retryOnOverload(() => {
        calls++;
        return Promise.reject(failure);
      }, fast),
      (e: unknown) => e === failure,
    );
    assert.equal(calls, 1);
  }
});

test("retryOnOverload validates maxAttempts and honours abort", T, async () => {
  await assert.rejects(retryOnOverload(() => Promise.resolve(1), { maxAttempts: 0 }), RangeError);
  const controller = new AbortController();
  const pending = retryOnOverload(() => {
    controller.abort(new Error("stop"));
    return Promise.reject(new ServerBusyError(-32001, "busy"));
  }, { initialDelayMs: 10_000, signal: controller.signal });
  await assert.rejects(pending, /stop/);
});

test("isRetryable knows the overload shapes", T, () => {
  assert.equal(isRetryable(new ServerBusyError(-32001, "x")), true);
  assert.equal(isRetryable(new RetryLimitExceededError(-32001, "x")), false);
  assert.equal(
    isRetryable(new InvalidParamsError(-32602, "x", { reason: "server_overloaded" })),
    true,
  );
  assert.equal(isRetryable(new Error("x")), false);
  const failedTurn = (codexErrorInfo: "serverOverloaded" | "other") =>
    new TurnFailedError({
      id: "u",
      threadId: "t",
      status: "failed",
      error: { message: "turn failed", codexErrorInfo, additionalDetails: null },
      startedAt: null,
      completedAt: null,
      durationMs: null,
      finalResponse: null,
      items: [],
      usage: null,
      lastRetry: null,
      reconciled: false,
      serverRequests: [],
    });
  assert.equal(isRetryable(failedTurn("serverOverloaded")), true);
  assert.equal(isRetryable(failedTurn("other")), false);
  // Duck typing is not enough: only a TurnFailedError carries a turn's error info.
  assert.equal(
    isRetryable(Object.assign(new Error("x"), { codexErrorInfo: "serverOverloaded" })),
    false,
  );
});

test("CodexClient validates results and reports mismatches without dropping them", T, async () => {
  const peer = fakePeer();
  const problems: string[] = [];
  const client = new CodexClient(peer.transport, {
    onError: (error) => problems.push(error.message),
  });
  const pending = client.request("thread/read", { threadId: "t", includeTurns: false });
  const { id } = await peer.next();
  peer.send({ id, result: { thread: { id: 42 } } });
  const result = await pending;
  assert.deepEqual(result, { thread: { id: 42 } });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /Invalid thread\/read result: thread\./);
  await client.close();
});

test("CodexClient strict mode rejects a result that fails its schema", T, async () => {
  const peer = fakePeer();
  const client = new CodexClient(peer.transport, { validation: "strict" });
  const pending = client.request("thread/read", { threadId: "t", includeTurns: false });
  const { id } = await peer.next();
  peer.send({ id, result: { thread: null } });
  await assert.rejects(pending, /Invalid thread\/read result: thread/);
  await client.close();
});
