import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CallTimeoutError,
  Codex,
  type CodexBaseOptions,
  CodexError,
  type ServerNotification,
  type ServerRequestContext,
  TransportClosedError,
} from "../mod.ts";
import { spawnAppServer } from "../transport.ts";
import { codexHome, FakeModel, SCENARIO_TEXTS, scenarios, startTestCodex } from "../testing.ts";
import { recording, type RecordingTransport } from "./support/recording.ts";

const T = { timeout: 30_000 };
const { plain: PLAIN_TEXT, approvalOutput: APPROVAL_OUTPUT } = SCENARIO_TEXTS;

/** A Codex on the fake model that speaks through a recording transport (to see what was sent). */
async function recordedHarness(codex: CodexBaseOptions = {}) {
  const model = await FakeModel.start({
    script: scenarios.byModel({ slow: { intervalMs: 50, deltas: 400 } }),
  });
  const home = await codexHome({ model });
  let transport!: RecordingTransport;
  let recorded: Codex;
  try {
    recorded = await Codex.start({
      ...codex,
      transport: async () =>
        transport = recording(await spawnAppServer({ cwd: home.workspace, env: home.env })),
    });
  } catch (error) {
    await model.close();
    await home.remove();
    throw error;
  }
  return {
    model,
    codex: recorded,
    sent: () => transport.methods(),
    async [Symbol.asyncDispose]() {
      await recorded.close();
      await model.close();
      await home.remove();
    },
  };
}

/** Resolves with the first notification of `method` the connection receives. */
function next<M extends ServerNotification["method"]>(
  codex: Codex,
  method: M,
): Promise<Extract<ServerNotification, { method: M }>> {
  return new Promise((resolve) => {
    const stop = codex.onNotification((notification) => {
      if (notification.method !== method) return;
      stop();
      resolve(notification as Extract<ServerNotification, { method: M }>);
    });
  });
}

test(
  "The v1 snippet runs as written: signal, timeoutMs, await using, iteration, result",
  T,
  async () => {
    await using model = await FakeModel.start({ script: scenarios.byModel() });
    await using home = await codexHome({ model });
    const controller = new AbortController();
    const signal = controller.signal;
    await using codex = await Codex.start({ cwd: home.workspace, env: home.env, signal });
    const thread = await codex.threadStart({ model: "deltas-5", signal, timeoutMs: 5_000 });
    const deltas: string[] = [];
    {
      await using turn = await thread.turn("Refactor app.ts", { signal });
      for await (const event of turn) {
        if (event.method === "item/agentMessage/delta") deltas.push(event.params.delta);
      }
      const result = await turn.result();
      assert.equal(result.finalResponse, deltas.join(""));
      assert.equal(result.status, "completed");
    }
    const r2 = await thread.run("again", { signal: AbortSignal.timeout(60_000) });
    assert.equal(r2.finalResponse, "d0 d1 d2 d3 d4 ");
    assert.equal(deltas.length, 5);
  },
);

test(
  "Aborting a running turn interrupts it, waits for its end and rejects with the reason",
  T,
  async () => {
    await using r = await recordedHarness();
    const thread = await r.codex.threadStart({ model: "slow" });
    const controller = new AbortController();
    const turn = await thread.turn("Go on for a while.", { signal: controller.signal });
    const ended: string[] = [];
    r.codex.onNotification((n) => {
      if (n.method === "turn/completed") ended.push(n.params.turn.status);
    });
    await next(r.codex, "item/agentMessage/delta");
    const reason = new Error("user pressed stop");
    const waiting = turn.result();
    controller.abort(reason);
    await assert.rejects(waiting, (error: unknown) => error === reason);
    assert.deepEqual(ended, ["interrupted"], "the turn ended before the rejection");
    assert.ok(r.sent().includes("turn/interrupt"));
    // The thread stays usable, and its next turn is a new one.
    const after = await thread.run("Now something short.", { model: "plain" });
    assert.notEqual(after.id, turn.id);
    assert.equal(after.finalResponse, PLAIN_TEXT);
  },
);

test("An already-aborted signal sends nothing, for a turn and for a request", T, async () => {
  await using r = await recordedHarness();
  const thread = await r.codex.threadStart();
  const before = r.sent().length;
  const reason = new Error("too late");
  await assert.rejects(
    thread.turn("Hi.", { signal: AbortSignal.abort(reason) }),
    (e) => e === reason,
  );
  await assert.rejects(
    thread.run("Hi.", { signal: AbortSignal.abort(reason) }),
    (e) => e === reason,
  );
  await assert.rejects(r.codex.models({ signal: AbortSignal.abort(reason) }), (e) => e === reason);
  await assert.rejects(
    r.codex.threadStart({ signal: AbortSignal.abort(reason) }),
    (e) => e === reason,
  );
  assert.equal(r.sent().length, before, "nothing was sent");
  assert.equal(r.model.requests.length, 0);
});

test("A turn's timeoutMs interrupts it and rejects with a CallTimeoutError", T, async () => {
  await using r = await recordedHarness();
  const thread = await r.codex.threadStart({ model: "slow" });
  const started = performance.now();
  const error = await thread.run("Take your time.", { timeoutMs: 500 }).catch((e) => e);
  assert.ok(error instanceof CallTimeoutError, String(error));
  assert.equal(error.timeoutMs, 500);
  assert.ok(performance.now() - started < 5_000);
  assert.ok(r.sent().includes("turn/interrupt"));
  const read = await thread.read({ includeTurns: true });
  assert.equal(read.thread.turns.at(-1)?.status, "interrupted");
});

test("A request's timeoutMs rejects with a CallTimeoutError naming the method", T, async () => {
  await using h = await startTestCodex({ script: scenarios.byModel() });
  // 0 ms: the deadline has passed already (nothing is sent).
  const error = await h.codex.models({ timeoutMs: 0 }).catch((e) => e);
  assert.ok(error instanceof CallTimeoutError, String(error));
  assert.equal(error.operation, "model/list");
  assert.match(error.message, /model\/list timed out after 0 ms/);
  assert.ok((await h.codex.models()).data.length > 0, "the connection is still usable");
});

test("timeoutMs: 0 has passed already: the call rejects at once and sends nothing", T, async () => {
  await using r = await recordedHarness();
  const error = await r.codex.models({ timeoutMs: 0 }).catch((e) => e);
  assert.ok(error instanceof CallTimeoutError, String(error));
  assert.equal(error.operation, "model/list");
  assert.ok(!r.sent().includes("model/list"), "nothing was sent");
  const thread = await r.codex.threadStart();
  await assert.rejects(thread.turn("Hi.", { timeoutMs: 0 }), CallTimeoutError);
  assert.ok(!r.sent().includes("turn/start"), "no turn was started");
});

test("Disposing a running turn interrupts it; the thread's next turn is a new one", T, async () => {
  await using r = await recordedHarness();
  const thread = await r.codex.threadStart({ model: "slow" });
  let id: string;
  {
    await using turn = await thread.turn("Long one.");
    id = turn.id;
    await next(r.codex, "item/agentMessage/delta");
  }
  assert.ok(r.sent().includes("turn/interrupt"));
  const read = await thread.read({ includeTurns: true });
  assert.equal(read.thread.turns.find((turn) => turn.id === id)?.status, "interrupted");
  const after = await thread.run("Short.", { model: "plain" });
  assert.notEqual(after.id, id);
});

test(
  "Leaving the iteration early interrupts the turn; run() then starts a new turn",
  T,
  async () => {
    await using r = await recordedHarness();
    const thread = await r.codex.threadStart({ model: "slow" });
    const turn = await thread.turn("Long one.");
    for await (const event of turn) {
      if (event.method === "item/agentMessage/delta") break;
    }
    const interrupted = await turn.result();
    assert.equal(interrupted.status, "interrupted");
    const after = await thread.run("Short.", { model: "plain" });
    assert.notEqual(after.id, turn.id, "a new turn, not the old one joined");
    assert.equal(after.finalResponse, PLAIN_TEXT);
  },
);

test(
  "A turn iterates once; result() first forbids iterating; result() after iterating is at once",
  T,
  async () => {
    await using h = await startTestCodex({ script: scenarios.byModel() });
    const thread = await h.codex.threadStart({ model: "deltas-3" });
    const iterated = await thread.turn("One.");
    const methods: string[] = [];
    for await (const event of iterated) methods.push(event.method);
    assert.equal(methods.at(-1), "turn/completed");
    assert.throws(() => iterated[Symbol.asyncIterator](), CodexError);
    assert.equal((await iterated.result()).finalResponse, "d0 d1 d2 ");

    const resulted = await thread.turn("Two.");
    assert.equal((await resulted.run()).status, "completed");
    assert.throws(
      () => resulted[Symbol.asyncIterator](),
      (error: unknown) =>
        error instanceof CodexError && /result\(\) was called first/.test(error.message),
    );
  },
);

test("Codex({ signal }) closes on abort; close() removes its listener", T, async () => {
  await using model = await FakeModel.start({ script: scenarios.byModel() });
  await using home = await codexHome({ model });
  const controller = new AbortController();
  const removed: string[] = [];
  const signal = controller.signal;
  const remove = signal.removeEventListener.bind(signal);
  signal.removeEventListener = (type: string, ...rest: [never]) => {
    removed.push(type);
    return remove(type, ...rest);
  };
  const closedByAbort = await Codex.start({ cwd: home.workspace, env: home.env, signal });
  const thread = await closedByAbort.threadStart();
  controller.abort();
  await assert.rejects(
    thread.run("Hi."),
    (e) => e instanceof TransportClosedError || e instanceof CodexError,
  );
  const other = new AbortController();
  const kept = await Codex.start({ cwd: home.workspace, env: home.env, signal: other.signal });
  const otherRemoved: string[] = [];
  const otherRemove = other.signal.removeEventListener.bind(other.signal);
  other.signal.removeEventListener = (type: string, ...rest: [never]) => {
    otherRemoved.push(type);
    return otherRemove(type, ...rest);
  };
  await kept.close();
  assert.deepEqual(otherRemoved, ["abort"], "close() removed the abort listener");
  other.abort(); // nothing left to do, nothing throws
  assert.ok(removed.includes("abort"));
});

test(
  "onServerRequest per method: typed handlers, a thread's own map wins for its requests",
  T,
  async () => {
    await using model = await FakeModel.start({ script: scenarios.byModel() });
    await using home = await codexHome({ model });
    const calls: string[] = [];
    let context: ServerRequestContext | undefined;
    await using codex = await Codex.start({
      cwd: home.workspace,
      env: home.env,
      onServerRequest: {
        "item/commandExecution/requestApproval": () => {
          calls.push("connection");
          return { decision: "decline" };
        },
      },
    });
    const trusted = await codex.threadStart({
      model: "approval",
      onServerRequest: {
        "item/commandExecution/requestApproval": (params, ctx) => {
          calls.push(`thread ${params.threadId === ctx.threadId}`);
          context = ctx;
          return { decision: "accept" };
        },
      },
    });
    const accepted = await trusted.run("Run it.", { approvalPolicy: "untrusted" });
    assert.match(accepted.finalResponse ?? "", new RegExp(APPROVAL_OUTPUT));
    assert.equal(context?.threadId, trusted.id);
    assert.equal(context?.turnId, accepted.id);
    assert.equal(context?.signal.aborted, true, "the turn has ended, so the signal aborted");

    const other = await codex.threadStart({ model: "approval" });
    const declined = await other.run("Run it.", { approvalPolicy: "untrusted" });
    const command = declined.items.find((item) => item.type === "commandExecution");
    assert.equal(command?.type === "commandExecution" && command.status, "declined");
    assert.deepEqual(calls, ["thread true", "connection"]);
  },
);

test("A handler that waits for a person is told to stop when the turn ends", T, async () => {
  await using model = await FakeModel.start({ script: scenarios.byModel() });
  await using home = await codexHome({ model });
  let stopped = false;
  let asked!: () => void;
  const wasAsked = new Promise<void>((resolve) => (asked = resolve));
  await using codex = await Codex.start({
    cwd: home.workspace,
    env: home.env,
    onServerRequest: {
      default: (_request, { signal }) => {
        asked();
        return new Promise((resolve) => {
          signal.addEventListener("abort", () => {
            stopped = true;
            resolve({ decision: "decline" });
          });
        });
      },
    },
  });
  const thread = await codex.threadStart({ model: "approval" });
  const turn = await thread.turn("Run it.", { approvalPolicy: "untrusted" });
  await wasAsked;
  await turn.interrupt();
  assert.equal((await turn.result()).status, "interrupted");
  assert.equal(stopped, true);
});
