/**
 * `codex.threadSearch`: against the real app-server (threads become searchable after a
 * first turn), and on a fake peer for what the real one cannot be made to do on demand
 * (partial batches, a search slow enough to cancel).
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CallTimeoutError,
  Codex,
  type CodexError,
  type ThreadSearchEvent,
  UnsupportedMethodError,
} from "../mod.ts";
import type { Thread as ThreadInfo, ThreadSearchResult } from "../generated/mod.ts";
import { reply, startTestCodex } from "../testing.ts";
import { type FakePeer, fakePeer } from "./support/fake_peer.ts";

const T = { timeout: 30_000 };

test("threadSearch finds the threads that had a turn, ending with the final page", {
  timeout: 60_000,
}, async () => {
  await using t = await startTestCodex({
    script: [reply.text("Apples are red."), reply.text("Bananas are yellow.")],
  });
  const apples = await t.codex.threadStart();
  await apples.run("Tell me about apples");
  const bananas = await t.codex.threadStart();
  await bananas.run("Tell me about bananas");

  await using search = t.codex.threadSearch("apples", { limit: 10, timeoutMs: 20_000 });
  const events: ThreadSearchEvent[] = [];
  for await (const event of search) events.push(event);
  const final = events.at(-1);
  assert.ok(final?.type === "final", "the last event is the final page");
  assert.deepEqual(final.response.data.map((match) => match.thread.id), [apples.id]);
  assert.match(final.response.data[0].snippet, /apples/i);
  for (const event of events.slice(0, -1)) {
    assert.equal(event.type, "partial");
    if (event.type === "partial") {
      assert.ok(event.data.every((m) => [apples.id, bananas.id].includes(m.thread.id)));
    }
  }
  assert.ok(search.requestId !== undefined);
  assert.equal(await search.result(), final.response, "result() is the same page");

  const none = await t.codex.threadSearch("no such words anywhere").result();
  assert.deepEqual(none.data, []);
});

/** A thread row as `thread/search` returns it. */
function match(id: string, snippet: string): ThreadSearchResult {
  const thread: ThreadInfo = {
    id,
    sessionId: id,
    preview: snippet,
    ephemeral: false,
    projectId: null,
    modelProvider: "openai",
    createdAt: 1795316578,
    updatedAt: 1795316578,
    status: { type: "notLoaded" },
    path: null,
    cwd: "/tmp/work",
    cliVersion: "0.171.0",
    source: "vscode",
    turns: [],
  } as ThreadInfo;
  return { thread, snippet };
}

/** A started `Codex` on a fake peer whose app-server reports `version`. */
async function onPeer(
  version: string,
): Promise<{ peer: FakePeer; codex: Codex; errors: CodexError[] }> {
  const peer = fakePeer();
  const errors: CodexError[] = [];
  const starting = Codex.start({ transport: peer.transport, onError: (e) => errors.push(e) });
  const init = await peer.next();
  peer.send({
    id: init.id,
    result: {
      userAgent: `codex_app_server_ts/${version} (fake)`,
      codexHome: "/tmp",
      platformFamily: "unix",
      platformOs: "linux",
    },
  });
  assert.equal((await peer.next()).method, "initialized");
  return { peer, codex: await starting, errors };
}

test("threadSearch yields partial batches of its own request, then the final page", T, async () => {
  const { peer, codex, errors } = await onPeer("0.171.0");
  const search = codex.threadSearch("apples", { limit: 5, sortDirection: "asc" });
  const iterator = search[Symbol.asyncIterator]();
  const first = iterator.next();
  const sent = await peer.next();
  assert.equal(sent.method, "thread/search/stream");
  assert.deepEqual(sent.params, { limit: 5, sortDirection: "asc", searchTerm: "apples" });
  assert.equal(search.requestId, sent.id);
  peer.send({
    method: "thread/search/partial",
    params: { requestId: 999, data: [match("x", "other")] },
  });
  peer.send({
    method: "thread/search/partial",
    params: { requestId: sent.id, data: [match("b", "apples b")] },
  });
  peer.send({
    method: "thread/search/partial",
    params: { requestId: sent.id, data: [match("a", "apples a")] },
  });
  const page = { data: [match("a", "apples a"), match("b", "apples b")], nextCursor: null };
  peer.send({ id: sent.id, result: page });
  const events: ThreadSearchEvent[] = [(await first).value];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    events.push(next.value);
  }
  assert.deepEqual(
    events.map((e) =>
      e.type === "partial" ? e.data.map((m) => m.thread.id) : e.response.data.length
    ),
    [["b"], ["a"], 2],
  );
  assert.deepEqual(await search.result(), page);
  assert.deepEqual(errors, []);
  await codex.close();
});

test(
  "threadSearch is cancelled on the server by break, signal, timeoutMs and dispose",
  T,
  async () => {
    const { peer, codex } = await onPeer("0.171.0");
    const cancelOf = async (id: unknown) => {
      const cancel = await peer.next();
      assert.equal(cancel.method, "thread/search/stream/cancel");
      assert.deepEqual(cancel.params, { requestId: id });
      peer.send({ id: cancel.id, result: {} });
    };

    // break: the loop ends quietly, result() says it was cancelled.
    const broken = codex.threadSearch("apples");
    const looping = (async () => {
      for await (const event of broken) {
        if (event.type === "partial") break;
      }
    })();
    const sent = await peer.next();
    peer.send({
      method: "thread/search/partial",
      params: { requestId: sent.id, data: [match("a", "apples")] },
    });
    await cancelOf(sent.id);
    await looping;
    await assert.rejects(broken.result(), /The thread search for "apples" was cancelled/);
    peer.send({ id: sent.id, error: { code: -32000, message: "search cancelled" } }); // ignored

    // signal: rejects with its reason.
    const controller = new AbortController();
    const signalled = codex.threadSearch("bananas", { signal: controller.signal }).result();
    const second = await peer.next();
    controller.abort(new Error("user typed more"));
    await cancelOf(second.id);
    await assert.rejects(signalled, /user typed more/);

    // timeoutMs: a CallTimeoutError.
    const slow = codex.threadSearch("cherries", { timeoutMs: 50 }).result();
    const third = await peer.next();
    await cancelOf(third.id);
    await assert.rejects(slow, CallTimeoutError);

    // dispose while it runs.
    {
      await using disposed = codex.threadSearch("dates");
      disposed.result().catch(() => {});
      const fourth = await peer.next();
      setTimeout(() => cancelOf(fourth.id), 0);
    }
    await codex.close();
  },
);

test(
  "threadSearch refuses bad terms at once, a second iteration, and an app-server before 0.171.0",
  T,
  async () => {
    const { peer, codex } = await onPeer("0.169.0");
    assert.throws(
      () => codex.threadSearch("   "),
      /search term must be a non-empty string, got " {3}"/,
    );
    assert.throws(() => codex.threadSearch("x".repeat(70_000)), /70000 UTF-8 bytes/);
    assert.equal(codex.supports("thread/search/stream"), false);
    const search = codex.threadSearch("apples");
    await assert.rejects(search.result(), (error: unknown) => {
      assert.ok(error instanceof UnsupportedMethodError);
      assert.match(error.message, /added in codex 0\.171\.0, and the app-server is 0\.169\.0/);
      return true;
    });
    assert.throws(() => {
      search[Symbol.asyncIterator]();
      search[Symbol.asyncIterator]();
    }, /Cannot iterate the thread search for "apples" twice/);
    // Nothing was sent after the handshake: the next message is the one sent now.
    const pending = codex.request("thread/list", {});
    assert.equal((await peer.next()).method, "thread/list");
    await codex.close();
    await pending.catch(() => {});
  },
);
