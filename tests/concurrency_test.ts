import { test } from "node:test";
import assert from "node:assert/strict";
import { CODEX_VERSION, Thread, type TurnHandle } from "../mod.ts";
import { TurnRouter } from "../src/client/turn_router.ts";
import { CodexClient, spawnAppServer } from "../transport.ts";
import { startHarness } from "./support/harness.ts";

async function countDeltas(turn: TurnHandle): Promise<string> {
  let text = "";
  for await (const event of turn) {
    if (event.method === "item/agentMessage/delta") {
      assert.equal(event.params.turnId, turn.id, "delta routed to the wrong turn");
      text += event.params.delta;
    }
  }
  return text;
}

const expected = (n: number) => Array.from({ length: n }, (_, i) => `d${i} `).join("");

test("50 turns on 10 threads over one connection: every delta reaches its own consumer", {
  timeout: 120_000,
}, async () => {
  await using h = await startHarness();
  // A client of our own on a second app-server, to look at its router afterwards.
  await using client = new CodexClient(await spawnAppServer({ cwd: h.home.path, env: h.home.env }));
  await client.initialize({ clientInfo: { name: "test", title: null, version: CODEX_VERSION } });
  const threads = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const { thread } = await client.request("thread/start", {});
      return new Thread(client, thread.id);
    }),
  );
  let turns = 0;
  await Promise.all(threads.map(async (thread, t) => {
    for (let k = 0; k < 5; k++) {
      const n = 10 + t * 5 + k; // a distinct delta count per turn
      const turn = await thread.turn(`turn ${k}`, { model: `deltas-${n}` });
      assert.equal(await countDeltas(turn), expected(n));
      const result = await turn.run();
      assert.equal(result.finalResponse, expected(n));
      turns++;
    }
  }));
  assert.equal(turns, 50);
  assert.equal(client.router.size, 0, "no consumer left registered");
});

test("turn/start calls on a busy thread join its turn; every caller sees it complete", {
  timeout: 30_000,
}, async () => {
  await using h = await startHarness();
  const thread = await h.codex.threadStart({ model: "deltas-20" });
  const handles = await Promise.all([0, 1, 2].map((i) => thread.turn(`part ${i}`)));
  assert.equal(new Set(handles.map((turn) => turn.id)).size, 1, "the server joined the turns");
  const texts = await Promise.all(handles.map(countDeltas));
  for (const text of texts) assert.equal(text, expected(20));
  for (const turn of handles) assert.equal((await turn.run()).status, "completed");
});

test("TurnRouter buffers events sent before attach and replays them to each caller", {
  timeout: 5_000,
}, () => {
  const router = new TurnRouter();
  const seen: Record<string, string[]> = { a: [], b: [] };
  const sink = (name: string) => ({
    deliver: (method: string) => seen[name].push(method),
    fail() {},
    report() {},
    note() {},
  });
  router.expect("t");
  router.expect("t");
  router.route("warning", { threadId: "t" }); // no turn id: not a turn event
  router.route("turn/started", { threadId: "t", turn: { id: "u" } });
  const a = sink("a");
  router.attach("t", "u", a);
  router.route("item/started", { threadId: "t", turnId: "u" });
  router.attach("t", "u", sink("b"));
  router.route("turn/completed", { threadId: "t", turn: { id: "u" } });
  assert.deepEqual(seen.a, ["turn/started", "item/started", "turn/completed"]);
  assert.deepEqual(seen.b, ["turn/started", "item/started", "turn/completed"]);
  router.detach("u", a);
  assert.equal(router.size, 1);
  assert.equal(router.route("x", { threadId: "other", turnId: "v" }), false);
});

test("TurnRouter keeps a server request's outcome that comes before its turn's consumer", {
  timeout: 5_000,
}, () => {
  // The turn/start reply and the turn's approval request can arrive in one read: the request
  // is answered before the caller's consumer is attached. Its outcome must still reach it.
  const router = new TurnRouter();
  const notes: unknown[] = [];
  const reports: unknown[] = [];
  router.expect("t");
  router.route("turn/started", { threadId: "t", turn: { id: "u" } });
  const outcome = { id: 0, method: "item/commandExecution/requestApproval", outcome: "answered" };
  router.note("u", outcome as never, "t");
  router.report("u", new Error("handler failed"), "t");
  router.note("v", outcome as never, "other"); // no such thread waiting: dropped
  router.attach("t", "u", {
    deliver() {},
    fail() {},
    report: (error) => reports.push(error),
    note: (o) => notes.push(o),
  });
  assert.deepEqual(notes, [outcome]);
  assert.equal(reports.length, 1);
});
