/**
 * The promise that no script hangs and no error is lost, case by case: each test is a fault
 * seen by users or injected, and what the SDK must do about it.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  AuthRequiredError,
  Codex,
  type CodexError,
  NotificationListenerError,
  type ServerNotification,
  TransportClosedError,
  TurnStalledError,
  TurnTimeoutError,
} from "../mod.ts";
import {
  type ChildProcess,
  type MessageTransport,
  type ProcessExit,
  spawnAppServer,
  stdioTransport,
} from "../transport.ts";
import { TurnRouter } from "../src/client/turn_router.ts";
import { fakeAppServer, isAlive, waitUntil } from "./support/fake_app_server.ts";
import { codexHome, FakeModel, SCENARIO_TEXTS, scenarios, startTestCodex } from "../testing.ts";

const T = { timeout: 40_000 };
const { plain: PLAIN_TEXT } = SCENARIO_TEXTS;

/** A throwaway CODEX_HOME with nothing in it: no login, no config. */
async function emptyHome(): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "codex-empty-home-"));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

/** A model provider that nothing answers (port 9 on loopback refuses connections). */
function unreachableProvider(requiresOpenaiAuth: boolean) {
  return {
    model_provider: "unreachable",
    "model_providers.unreachable": {
      name: "Unreachable",
      base_url: "http://127.0.0.1:9/v1",
      wire_api: "responses",
      requires_openai_auth: requiresOpenaiAuth,
      request_max_retries: 3,
      stream_max_retries: 3,
    },
  } as const;
}

const NO_CREDENTIALS = {
  OPENAI_API_KEY: undefined,
  CODEX_API_KEY: undefined,
  RUST_LOG: "warn",
  CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG: "1",
};

// 1. A first turn with no credentials or no network.

test(
  "A first turn without OpenAI credentials fails fast with AuthRequiredError naming the fix",
  T,
  async () => {
    await using home = await emptyHome();
    await using codex = await Codex.start({
      cwd: home.path,
      env: { ...NO_CREDENTIALS, CODEX_HOME: home.path },
      config: unreachableProvider(true),
    });
    const thread = await codex.threadStart();
    const started = performance.now();
    const error = await thread.run("hello", { timeoutMs: 30_000 }).catch((e) => e);
    assert.ok(error instanceof AuthRequiredError, String(error));
    assert.match(error.message, /loginApiKey/);
    assert.match(error.message, /codex login/);
    assert.ok(error.lastRetry?.willRetry, "the retry notice that revealed it is kept");
    assert.ok(performance.now() - started < 20_000, "long before the deadline");
    // The thread and the connection stay usable.
    assert.equal((await codex.account()).requiresOpenaiAuth, true);
  },
);

test(
  "The server's retries are typed events of the turn; a deadline quotes the last one",
  T,
  async () => {
    await using home = await emptyHome();
    await using codex = await Codex.start({
      cwd: home.path,
      env: { ...NO_CREDENTIALS, CODEX_HOME: home.path },
      config: unreachableProvider(false),
    });
    const thread = await codex.threadStart();
    const turn = await thread.turn("hello", { timeoutMs: 3_000 });
    const retries: string[] = [];
    const error = await (async () => {
      for await (const event of turn) {
        if (event.method === "error" && event.params.willRetry) {
          retries.push(event.params.error.message);
        }
      }
    })().catch((e) => e);
    assert.ok(error instanceof TurnTimeoutError, String(error));
    assert.ok(retries.length > 0, "retry notices arrived as events");
    assert.equal(error.lastRetry?.error.message, retries.at(-1));
    assert.match(
      error.message,
      /timed out after 3000 ms; the app-server was retrying: Reconnecting/,
    );
    assert.equal(turn.lastRetry?.error.message, retries.at(-1));
  },
);

// 2. The app-server closes its stdout and lives on.

test(
  "A stdout that closes fails every pending and later call promptly, and the process is killed",
  T,
  async () => {
    await using stand = await fakeAppServer("close-stdout");
    let transport!: MessageTransport;
    await using codex = await Codex.start({
      transport: async () =>
        transport = await spawnAppServer({ codexBin: stand.path, env: stand.env }),
    });
    const started = performance.now();
    const pending = await codex.models().catch((e) => e);
    assert.ok(pending instanceof TransportClosedError, String(pending));
    assert.match(pending.message, /closed its stdout/);
    assert.ok(performance.now() - started < 3_000, `settled in ${performance.now() - started} ms`);
    const later = await codex.models().catch((e) => e);
    assert.ok(later instanceof TransportClosedError, String(later));
    assert.ok(await waitUntil(() => !isAlive(transport.pid!), 8_000), "the process was killed");
  },
);

// 3. close() is bounded even when the app-server is frozen with its stdin pipe full.

test("close() returns within its grace period when the app-server is frozen", T, async () => {
  await using model = await FakeModel.start({ script: scenarios.byModel() });
  await using home = await codexHome({ model });
  let transport!: MessageTransport;
  const codex = await Codex.start({
    transport: async () => transport = await spawnAppServer({ cwd: home.workspace, env: home.env }),
  });
  const thread = await codex.threadStart();
  process.kill(transport.pid!, "SIGSTOP");
  try {
    // Fill the stdin pipe: ~6 MB of requests the frozen server never reads.
    const big = "x".repeat(2 << 20);
    const stuck = [1, 2, 3].map(() => thread.setName(big).catch((e) => e));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    await codex.close({ graceMs: 1_000 });
    const took = performance.now() - started;
    assert.ok(took < 1_000 + 1_500, `close() took ${Math.round(took)} ms`);
    for (const error of await Promise.all(stuck)) {
      assert.ok(error instanceof TransportClosedError, String(error));
    }
    assert.ok(await waitUntil(() => !isAlive(transport.pid!), 3_000), "the frozen process is gone");
  } finally {
    try {
      process.kill(transport.pid!, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
});

// 4. close() fails every waiter at once, saying the user closed it.

test(
  "close() fails running turns at once with a TransportClosedError that says the user closed it",
  T,
  async () => {
    await using h = await startTestCodex({
      script: scenarios.byModel({ slow: { intervalMs: 100, deltas: 400 } }),
    });
    const thread = await h.codex.threadStart({ model: "slow" });
    const turns = await Promise.all([1, 2, 3].map((i) => thread.turn(`turn ${i}`)));
    await h.model.waitForRequests(1);
    const waiting = turns.map((turn) => turn.result().then(() => undefined, (e) => e));
    const closing = h.codex.close();
    const settledAt = await Promise.race([
      Promise.all(waiting).then(() => "waiters"),
      closing.then(() => "close"),
    ]);
    assert.equal(settledAt, "waiters", "the waiters failed before close() finished");
    for (const error of await Promise.all(waiting)) {
      assert.ok(error instanceof TransportClosedError, String(error));
      assert.equal(error.closedByUser, true);
      assert.match(error.message, /close\(\) was called/);
      assert.deepEqual(error.stderrTail, [], "no stderr noise after the user's own close()");
    }
    await closing;
  },
);

// 5. A throwing listener does not silence the others.

test(
  "A throwing notification listener is reported to onError; the other listeners still hear",
  T,
  async () => {
    await using model = await FakeModel.start({ script: scenarios.byModel() });
    await using home = await codexHome({ model });
    const errors: CodexError[] = [];
    await using codex = await Codex.start({
      cwd: home.workspace,
      env: home.env,
      onError: (error) => errors.push(error),
    });
    const heard: string[] = [];
    codex.onNotification(() => {
      throw new Error("listener bug");
    });
    codex.onNotification((notification) => heard.push(notification.method));
    const thread = await codex.threadStart();
    assert.equal((await thread.run("Hi.")).finalResponse, PLAIN_TEXT);
    assert.ok(heard.includes("turn/completed"), "the second listener heard the turn end");
    const reported = errors.find((e) => e instanceof NotificationListenerError);
    assert.ok(reported instanceof NotificationListenerError);
    assert.equal((reported.cause as Error).message, "listener bug");
  },
);

// 7. Bounded buffers.

test("A stderr line without an end costs linear time and stays bounded", T, async () => {
  // A process that writes 16 MB to stderr in 4 KiB chunks without a newline, then exits.
  const chunk = new TextEncoder().encode("x".repeat(4096));
  let sent = 0;
  let exit!: (exit: ProcessExit) => void;
  const child: ChildProcess = {
    pid: -1,
    stdin: new WritableStream(),
    stdout: new ReadableStream({ start: (controller) => controller.close() }),
    stderr: new ReadableStream({
      pull(controller) {
        if (sent++ < 4096) return controller.enqueue(chunk);
        controller.close();
        exit({ code: 3, signal: null });
      },
    }),
    exited: new Promise((resolve) => (exit = resolve)),
    kill() {},
  };
  const started = performance.now();
  const info = await stdioTransport(child).closed;
  assert.ok(performance.now() - started < 5_000, `took ${performance.now() - started} ms`);
  assert.equal(info.exitCode, 3);
  assert.equal(info.stderrTail?.length, 1);
  assert.ok(info.stderrTail![0].length <= 4096 + 4, `kept ${info.stderrTail![0].length} chars`);
});

test("TurnRouter keeps at most 10,000 events for a turn whose turn/start reply never comes", {
  timeout: 10_000,
}, () => {
  const router = new TurnRouter();
  router.expect("t");
  for (let i = 0; i < 25_000; i++) {
    router.route("item/agentMessage/delta", { threadId: "t", turnId: "u", delta: `${i}` });
  }
  const delivered: unknown[] = [];
  const reported: unknown[] = [];
  router.attach("t", "u", {
    deliver: (_method, params) => delivered.push(params),
    fail() {},
    report: (error) => reported.push(error),
    note() {},
  });
  assert.equal(delivered.length, 10_000);
  assert.equal(reported.length, 1, "the loss is reported to the turn");
  assert.match(String(reported[0]), /15000 events/);
});

// 8. A turn whose turn/completed never comes.

test(
  "stallTimeoutMs: a turn that stops streaming rejects with TurnStalledError and can be waited on again",
  T,
  async () => {
    await using h = await startTestCodex({ script: scenarios.byModel() });
    const thread = await h.codex.threadStart({ model: "slow", stallTimeoutMs: 1_000 });
    const gate = h.model.hold();
    const turn = await thread.turn("Stream, then stop.");
    await gate.reached;
    const started = performance.now();
    const error = await turn.result().catch((e) => e);
    assert.ok(error instanceof TurnStalledError, String(error));
    assert.equal(error.turnId, turn.id);
    assert.equal(error.threadId, thread.id);
    assert.ok(error.lastEvent !== null);
    assert.ok(error.idleMs >= 1_000);
    assert.ok(performance.now() - started < 4_000);
    gate.release();
    await turn.interrupt();
    assert.equal((await turn.result()).status, "interrupted", "the turn can still be waited on");
  },
);

test(
  "stallTimeoutMs: an iterated turn rejects the waiting read with TurnStalledError, and reads on",
  T,
  async () => {
    const slow = { deltas: 10, intervalMs: 20 };
    await using h = await startTestCodex({ script: scenarios.byModel({ slow }) });
    const thread = await h.codex.threadStart({ model: "slow", stallTimeoutMs: 1_000 });
    const gate = h.model.hold();
    const turn = await thread.turn("Stream, then stop.");
    const events = turn[Symbol.asyncIterator]();
    await gate.reached;
    let error: unknown;
    for (;;) {
      const next = await events.next().catch((e) => e);
      if (!(next instanceof Error)) continue;
      error = next;
      break;
    }
    assert.ok(error instanceof TurnStalledError, String(error));
    gate.release();
    const rest: string[] = [];
    for (let next = await events.next(); !next.done; next = await events.next()) {
      rest.push(next.value.method);
    }
    assert.equal(rest.at(-1), "turn/completed", "the iteration goes on after the stall");
  },
);

test(
  "stallTimeoutMs: iterating a turn holds no event past its read (no Promise.race per event)",
  T,
  async () => {
    // A race against the watchdog's promise, which stays pending for the whole turn, would
    // keep every event of a long turn in memory until the turn ends.
    await using h = await startTestCodex({ script: scenarios.byModel() });
    const thread = await h.codex.threadStart({ model: "deltas-500", stallTimeoutMs: 30_000 });
    const race = Promise.race;
    let races = 0;
    Promise.race = ((values: readonly unknown[]) => {
      races++;
      return race.call(Promise, values);
    }) as typeof Promise.race;
    let events = 0;
    try {
      for await (const _event of await thread.turn("Stream.")) events++;
    } finally {
      Promise.race = race;
    }
    assert.ok(events > 500, `${events} events`);
    assert.ok(races < 10, `${races} races for ${events} events`);
  },
);

test(
  "stallTimeoutMs: a turn whose turn/completed is lost settles from the server's record",
  T,
  async () => {
    await using model = await FakeModel.start({ script: scenarios.byModel() });
    await using home = await codexHome({ model });
    // A transport that drops every turn/completed, as users have seen the server do.
    const dropping = async () => {
      const inner = await spawnAppServer({ cwd: home.workspace, env: home.env });
      return {
        ...inner,
        readable: inner.readable.pipeThrough(
          new TransformStream<unknown[], unknown[]>({
            transform(batch, controller) {
              controller.enqueue(
                batch.filter((m) => (m as { method?: string }).method !== "turn/completed"),
              );
            },
          }),
        ),
      };
    };
    await using codex = await Codex.start({ transport: dropping, stallTimeoutMs: 800 });
    const thread = await codex.threadStart();
    const events: ServerNotification[] = [];
    const turn = await thread.turn("Hi.");
    for await (const event of turn) events.push(event);
    const result = await turn.result();
    assert.equal(result.reconciled, true);
    assert.equal(result.status, "completed");
    assert.equal(result.finalResponse, PLAIN_TEXT);
    assert.equal(events.at(-1)?.method, "turn/completed", "the iteration ends as usual");
  },
);
