import { test } from "node:test";
import assert from "node:assert/strict";
import { CODEX_VERSION, Thread, type TurnHandle } from "../mod.ts";
import { TurnRouter } from "../src/client/turn_router.ts";
import { CodexClient, spawnAppServer } from "../transport.ts";
import { codexHome, FakeModel, scenarios, startTestCodex } from "../testing.ts";

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
  await using model = await FakeModel.start({ script: scenarios.byModel() });
  await using home = await codexHome({ model });
  // A client of our own, to look at its router afterwards.
  await using client = new CodexClient(
    await spawnAppServer({ cwd: home.workspace, env: home.env }),
  );
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
  await using h = await startTestCodex({ script: scenarios.byModel() });
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

test("TurnRouter keeps a server request's outcome and a handler's error that come before attach", {
  timeout: 5_000,
}, () => {
  const router = new TurnRouter();
  router.expect("t");
  router.route("turn/started", { threadId: "t", turn: { id: "u" } });
  router.note("t", "u", {
    id: 0,
    method: "item/commandExecution/requestApproval",
    outcome: "answered",
  });
  router.report("t", "u", new Error("handler failed"));
  const seen: string[] = [];
  router.attach("t", "u", {
    deliver: (method) => seen.push(method),
    fail() {},
    report: (error) => seen.push(`report ${(error as Error).message}`),
    note: (outcome) => seen.push(`note ${outcome.outcome}`),
  });
  assert.deepEqual(seen, ["turn/started", "note answered", "report handler failed"]);
});
