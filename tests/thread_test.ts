import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Codex, InvalidRequestError, JsonRpcError } from "../mod.ts";
import { DEFAULT_TEXT, startTestCodex } from "../testing.ts";

const T = { timeout: 30_000 };

test("Thread.setName and Thread.read (with turns)", T, async () => {
  await using h = await startTestCodex();
  const thread = await h.codex.threadStart();
  await thread.setName("My thread");
  await thread.run("Hello.");
  const read = await thread.read({ includeTurns: true });
  assert.equal(read.thread.id, thread.id);
  assert.equal(read.thread.name, "My thread");
  assert.equal(read.thread.turns.length, 1);
  assert.equal(read.thread.turns[0].status, "completed");
});

test("Codex.threadList lists used threads and filters archived ones", T, async () => {
  await using h = await startTestCodex();
  const a = await h.codex.threadStart();
  const b = await h.codex.threadStart();
  await a.run("one");
  await b.run("two");
  const listed = await h.codex.threadList({ limit: 10 });
  assert.deepEqual(new Set(listed.data.map((t) => t.id)), new Set([a.id, b.id]));
  await h.codex.threadArchive(a.id);
  const archived = await h.codex.threadList({ archived: true });
  assert.deepEqual(archived.data.map((t) => t.id), [a.id]);
  const active = await h.codex.threadList({});
  assert.deepEqual(active.data.map((t) => t.id), [b.id]);
  await h.codex.threadUnarchive(a.id);
  const resumed = await h.codex.threadResume(a.id);
  assert.equal((await resumed.run("again")).finalResponse, DEFAULT_TEXT);
});

test("Codex.threadFork copies a thread into a new id", T, async () => {
  await using h = await startTestCodex();
  const thread = await h.codex.threadStart();
  await thread.run("Remember this.");
  const fork = await h.codex.threadFork(thread.id);
  assert.notEqual(fork.id, thread.id);
  const read = await fork.read({ includeTurns: true });
  assert.equal(read.thread.forkedFromId, thread.id);
  assert.equal(read.thread.turns.length, 1);
  assert.equal((await fork.run("And now?")).status, "completed");
});

test("Codex.threadResume continues a thread in a new app-server process", T, async () => {
  await using h = await startTestCodex();
  const thread = await h.codex.threadStart();
  await thread.run("First process.");
  await h.codex.close(); // one writer per thread: the first process lets go
  await using second = await Codex.start({ env: h.home.env, cwd: h.home.workspace });
  await assert.rejects(
    second.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: "x" }] }),
    JsonRpcError,
  );
  const resumed = await second.threadResume(thread.id);
  assert.equal(resumed.id, thread.id);
  assert.equal((await resumed.run("Second process.")).finalResponse, DEFAULT_TEXT);
  const read = await resumed.read({ includeTurns: true });
  assert.equal(read.thread.turns.length, 2);
});

test("Thread goals: set, get, clear", T, async () => {
  await using h = await startTestCodex();
  const thread = await h.codex.threadStart();
  await thread.run("Persist the thread first.");
  const set = await thread.setGoal({ objective: "Write a haiku", status: "paused" });
  assert.equal(set.goal.objective, "Write a haiku");
  assert.equal(set.goal.status, "paused");
  const got = await thread.getGoal();
  assert.equal(got.goal?.objective, "Write a haiku");
  await thread.clearGoal();
  assert.equal((await thread.getGoal()).goal, null);
  await assert.rejects(thread.runGoal("   "), /objective is empty/);
});

test(
  "runGoal right after clearGoal pursues its goal: the clear's late notification does not end it",
  {
    timeout: 60_000,
  },
  async () => {
    await using h = await startTestCodex();
    const thread = await h.codex.threadStart();
    await thread.run("Persist the thread first.");
    await thread.setGoal({ objective: "An earlier goal", status: "paused" });
    // The server sends thread/goal/cleared after its reply to the clear.
    await thread.clearGoal();
    const { goal, turns } = await thread.runGoal("Write a limerick.", {
      tokenBudget: 300,
      timeoutMs: 30_000,
    });
    assert.equal(goal.status, "budgetLimited");
    assert.ok(turns.length > 0, `${turns.length} turns`);
  },
);

test("Codex.models and the typed request() escape hatch", T, async () => {
  await using h = await startTestCodex();
  const models = await h.codex.models({ includeHidden: true });
  assert.ok(Array.isArray(models.data));
  const config = await h.codex.request("config/read", { includeLayers: false });
  assert.equal(typeof config.config, "object");
  const loaded = await h.codex.request("thread/loaded/list", {});
  assert.ok(Array.isArray(loaded.data));
});

test("Account: read, API-key login and logout", T, async () => {
  await using h = await startTestCodex();
  const before = await h.codex.account();
  assert.equal(before.account, null);
  assert.equal(before.requiresOpenaiAuth, false); // the fake provider needs no OpenAI auth
  const authFile = join(h.home.path, "auth.json");
  await h.codex.loginApiKey("sk-test-not-a-real-key");
  assert.match(await readFile(authFile, "utf8"), /sk-test-not-a-real-key/);
  await h.codex.logout();
  await assert.rejects(readFile(authFile, "utf8"), /ENOENT|No such file/);
});

test("Thread.compact starts a compaction the server runs as a turn", T, async () => {
  await using h = await startTestCodex();
  const thread = await h.codex.threadStart();
  await thread.run("Something to compact.");
  assert.deepEqual(await thread.compact(), {});
  // A second turn waits for the compaction to finish on the server side.
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      assert.equal((await thread.run("After compaction.")).status, "completed");
      break;
    } catch (error) {
      if (!(error instanceof JsonRpcError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
});

test("Interrupting a finished turn is a no-op; steering it fails", T, async () => {
  await using h = await startTestCodex();
  const thread = await h.codex.threadStart();
  const turn = await thread.turn("Quick.");
  await turn.run();
  assert.deepEqual(await turn.interrupt(), {});
  await assert.rejects(turn.steer("late"), InvalidRequestError);
});
