import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CallTimeoutError,
  Codex,
  CodexError,
  InvalidParamsError,
  InvalidRequestError,
  type ServerNotification,
  text,
  TransportClosedError,
  TurnFailedError,
} from "../mod.ts";
import { SCENARIO_TEXTS, scenarios, startTestCodex } from "../testing.ts";
import { heldWait } from "../src/_util/wait.ts";
import { spawnAppServer } from "../transport.ts";
import { recording } from "./support/recording.ts";

const { plain: PLAIN_TEXT, finalAnswer: FINAL_ANSWER_TEXT } = SCENARIO_TEXTS;
const { approvalOutput: APPROVAL_OUTPUT } = SCENARIO_TEXTS;

const T = { timeout: 30_000 };

test("Codex.start initializes and exposes validated metadata", T, async () => {
  await using h = await startTestCodex({ script: scenarios.byModel() });
  const metadata = h.codex.metadata;
  assert.equal(metadata.codexHome, h.home.path);
  assert.ok(metadata.userAgent.length > 0);
  assert.match(metadata.serverVersion, /^\d+\.\d+\.\d+/);
});

test("optOutNotificationMethods stops the server sending those notifications", T, async () => {
  await using h = await startTestCodex({
    script: scenarios.byModel(),
    codex: { optOutNotificationMethods: ["thread/started", "item/agentMessage/delta"] },
  });
  const seen = new Set<string>();
  h.codex.onNotification((notification) => seen.add(notification.method));
  const thread = await h.codex.threadStart();
  const turn = await thread.turn("Hi.");
  const methods: string[] = [];
  for await (const event of turn.stream()) methods.push(event.method);
  assert.equal(seen.has("thread/started"), false);
  assert.equal(methods.includes("item/agentMessage/delta"), false);
  assert.equal(methods.at(-1), "turn/completed");
  assert.equal((await turn.run()).finalResponse, PLAIN_TEXT);
});

test("new Codex() initializes lazily, once, under concurrent first calls", T, async () => {
  await using h = await startTestCodex({ script: scenarios.byModel() });
  const lazy = new Codex({ cwd: h.home.workspace, env: h.home.env });
  try {
    assert.throws(() => lazy.metadata, CodexError);
    const [a, b] = await Promise.all([lazy.threadStart(), lazy.threadStart()]);
    assert.notEqual(a.id, b.id);
    assert.equal(lazy.metadata.codexHome, h.home.path);
  } finally {
    await lazy.close();
  }
});

test("Thread.run returns the final response, items and usage", T, async () => {
  await using h = await startTestCodex({ script: scenarios.byModel() });
  const thread = await h.codex.threadStart({ model: "plain" });
  const result = await thread.run("Say hello.");
  assert.equal(result.status, "completed");
  assert.equal(result.finalResponse, PLAIN_TEXT);
  assert.equal(result.error, null);
  assert.equal(result.threadId, thread.id);
  assert.deepEqual(result.items.map((item) => item.type), ["userMessage", "agentMessage"]);
  assert.ok(result.usage !== null && result.usage.total.totalTokens > 0);
  assert.ok(result.durationMs !== null && result.durationMs >= 0);
  assert.equal(h.model.requests.length, 1);
});

test("Thread.run prefers the final_answer message", T, async () => {
  await using h = await startTestCodex({ script: scenarios.byModel() });
  const thread = await h.codex.threadStart({ model: "final-answer" });
  assert.equal((await thread.run([text("Answer.")])).finalResponse, FINAL_ANSWER_TEXT);
});

test(
  "TurnHandle.stream yields this turn's events in order, ending with turn/completed",
  T,
  async () => {
    await using h = await startTestCodex({ script: scenarios.byModel() });
    const thread = await h.codex.threadStart({ model: "deltas-50" });
    const turn = await thread.turn("Stream.");
    const events: ServerNotification[] = [];
    for await (const event of turn.stream()) events.push(event);
    const last = events.at(-1)!;
    assert.equal(last.method, "turn/completed");
    const deltas = events.filter((e) => e.method === "item/agentMessage/delta");
    assert.equal(deltas.length, 50);
    assert.equal(
      deltas.map((e) => e.method === "item/agentMessage/delta" ? e.params.delta : "").join(""),
      Array.from({ length: 50 }, (_, i) => `d${i} `).join(""),
    );
    for (const event of events) {
      const params = event.params as { turnId?: string; turn?: { id: string } };
      assert.equal(params.turnId ?? params.turn?.id, turn.id, event.method);
    }
    const result = await turn.run();
    assert.equal(result.status, "completed");
    assert.equal(result.finalResponse, Array.from({ length: 50 }, (_, i) => `d${i} `).join(""));
  },
);

test("Events that arrive before stream() is called are kept", T, async () => {
  await using h = await startTestCodex({ script: scenarios.byModel() });
  const thread = await h.codex.threadStart({ model: "deltas-5" });
  const turn = await thread.turn("Late reader.");
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const methods: string[] = [];
  for await (const event of turn.stream()) methods.push(event.method);
  assert.equal(methods.filter((m) => m === "item/agentMessage/delta").length, 5);
  assert.equal(methods.at(-1), "turn/completed");
});

test("Two turns on two threads stream at once without crossing", T, async () => {
  await using h = await startTestCodex({ script: scenarios.byModel() });
  const [a, b] = await Promise.all([
    h.codex.threadStart({ model: "deltas-30" }),
    h.codex.threadStart({ model: "deltas-40" }),
  ]);
  const [ta, tb] = await Promise.all([a.turn("A"), b.turn("B")]);
  const collect = async (turn: typeof ta) => {
    let deltas = 0;
    for await (const event of turn.stream()) {
      if (event.method === "item/agentMessage/delta") {
        assert.equal(event.params.turnId, turn.id);
        deltas++;
      }
    }
    return deltas;
  };
  assert.deepEqual(await Promise.all([collect(ta), collect(tb)]), [30, 40]);
});

test(
  "A failed turn rejects run() with TurnFailedError carrying the server's message",
  T,
  async () => {
    await using h = await startTestCodex({ script: scenarios.byModel() });
    const thread = await h.codex.threadStart({ model: "error-500" });
    const error = await thread.run("Fail.").then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof TurnFailedError, String(error));
    assert.equal(error.result.status, "failed");
    assert.ok((error.result.error?.message ?? "").length > 0);
    assert.ok(error.message.includes(error.result.error!.message));
    assert.notEqual(error.codexErrorInfo, null);
    // The thread accepts further turns.
    assert.equal((await thread.run("Again.", { model: "plain" })).finalResponse, PLAIN_TEXT);
  },
);

test("TurnHandle.interrupt ends a running turn with status interrupted", T, async () => {
  await using h = await startTestCodex({ script: scenarios.byModel() });
  const thread = await h.codex.threadStart({ model: "slow" });
  const turn = await thread.turn("Take your time.");
  await turn.interrupt(); // waits for turn/started itself
  const result = await turn.run();
  assert.equal(result.status, "interrupted");
});

test("TurnHandle.steer adds input to the running turn", T, async () => {
  await using h = await startTestCodex({ script: scenarios.byModel() });
  const hold = h.model.hold();
  const thread = await h.codex.threadStart({ model: "plain" });
  const turn = await thread.turn("First.");
  await hold.reached;
  const reply = await turn.steer("Also this.");
  assert.equal(reply.turnId, turn.id);
  hold.release();
  const result = await turn.run();
  assert.equal(result.status, "completed");
  const users = result.items.filter((item) => item.type === "userMessage");
  assert.equal(users.length, 2);
  assert.match(JSON.stringify(h.model.requests.at(-1)?.body), /Also this\./);
});

test("Steering a finished turn fails with InvalidRequestError", T, async () => {
  await using h = await startTestCodex({ script: scenarios.byModel() });
  const thread = await h.codex.threadStart({ model: "plain" });
  const turn = await thread.turn("Quick.");
  await turn.run();
  await assert.rejects(turn.steer("Too late."), InvalidRequestError);
});

test(
  "An approval handler's accept reaches the server and the model sees the output",
  T,
  async () => {
    const seen: string[] = [];
    await using h = await startTestCodex({
      script: scenarios.byModel(),
      codex: {
        onServerRequest: (request) => {
          seen.push(request.method);
          if (request.method === "item/commandExecution/requestApproval") {
            return { decision: "accept" };
          }
          throw new Error(`unexpected ${request.method}`);
        },
      },
    });
    const thread = await h.codex.threadStart({ model: "approval" });
    const result = await thread.run("Run it.", { approvalPolicy: "untrusted" });
    assert.deepEqual(seen, ["item/commandExecution/requestApproval"]);
    const command = result.items.find((item) => item.type === "commandExecution");
    assert.equal(command?.type === "commandExecution" && command.status, "completed");
    assert.match(JSON.stringify(h.model.requests.at(-1)?.body), new RegExp(APPROVAL_OUTPUT));
    assert.match(result.finalResponse ?? "", new RegExp(APPROVAL_OUTPUT));
  },
);

test("Without a handler approvals are declined and the turn goes on", T, async () => {
  await using h = await startTestCodex({ script: scenarios.byModel() });
  const thread = await h.codex.threadStart({ model: "approval" });
  const result = await thread.run("Run it.", { approvalPolicy: "untrusted" });
  const command = result.items.find((item) => item.type === "commandExecution");
  assert.equal(command?.type === "commandExecution" && command.status, "declined");
  assert.equal(result.status, "completed");
});

test("A throwing approval handler answers with an error and rejects run()", T, async () => {
  await using h = await startTestCodex({
    script: scenarios.byModel(),
    codex: {
      onServerRequest: () => {
        throw new Error("handler exploded");
      },
    },
  });
  const thread = await h.codex.threadStart({ model: "approval" });
  await assert.rejects(
    thread.run("Run it.", { approvalPolicy: "untrusted" }),
    /handler exploded/,
  );
  // The connection survives.
  assert.equal((await thread.run("Hi.", { model: "plain" })).finalResponse, PLAIN_TEXT);
});

test("Bad params are rejected with a valibot path before anything is sent", T, async () => {
  await using h = await startTestCodex({ script: scenarios.byModel() });
  const error = await h.codex.threadStart({ model: 42 as unknown as string }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof InvalidParamsError, String(error));
  assert.match(error.message, /model/);
  assert.deepEqual((error.data as { issues: { path: string }[] }).issues[0].path, "model");
  const thread = await h.codex.threadStart();
  await assert.rejects(
    thread.turn({ type: "bogus" } as never),
    (e: unknown) => e instanceof CodexError && /input is not an input item/.test(e.message),
  );
  await assert.rejects(
    h.codex.request("turn/start", { threadId: thread.id, input: [{ type: 42 }] } as never),
    (e: unknown) => e instanceof InvalidParamsError && /input\.0/.test(e.message),
  );
  assert.equal(h.model.requests.length, 0);
});

test(
  "A misspelt option is an error naming it and the closest known one; nothing is sent",
  T,
  async () => {
    await using h = await startTestCodex({ script: scenarios.byModel() });
    const transport = recording(await spawnAppServer({ cwd: h.home.path, env: h.home.env }));
    await using codex = await Codex.start({ transport });
    const issuesOf = (error: unknown) =>
      ((error as InvalidParamsError).data as { issues: { path: string; message: string }[] })
        .issues;

    // A typo in a thread option.
    const start = await codex.threadStart({ modle: "plain" } as never).catch((e: unknown) => e);
    assert.ok(start instanceof InvalidParamsError, String(start));
    assert.match(start.message, /^thread\/start failed: invalid params \(nothing was sent\): /);
    assert.match(start.message, /modle: unknown option "modle" — did you mean "model"\?/);
    assert.deepEqual(issuesOf(start).map((issue) => issue.path), ["modle"]);
    assert.ok(!transport.methods().includes("thread/start"), "thread/start was not sent");

    // A turn option, snake_case as in Python, and a typo inside an input item.
    const thread = await codex.threadStart();
    const turn = await thread.run("Hi.", { effrt: "low", output_schema: {} } as never)
      .catch((e: unknown) => e);
    assert.ok(turn instanceof InvalidParamsError, String(turn));
    assert.deepEqual(issuesOf(turn).map((issue) => issue.message), [
      'unknown option "effrt" — did you mean "effort"?',
      'unknown option "output_schema" — did you mean "outputSchema"?',
    ]);
    const nested = await codex.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "Hi.", text_elements: [], txt: "x" }],
    } as never).catch((e: unknown) => e);
    assert.ok(nested instanceof InvalidParamsError, String(nested));
    assert.match(nested.message, /input\.0\.txt: unknown key "txt" — did you mean "text"\?/);
    assert.ok(!transport.methods().includes("turn/start"), "turn/start was not sent");
    assert.equal(h.model.requests.length, 0, "the model saw nothing");

    // Known keys pass, an undefined one is never sent, and a free-form `config` is a map.
    const ok = await codex.threadStart({
      model: "plain",
      modle: undefined,
      config: { any_key: 1 },
    } as never);
    assert.equal((await ok.run("Hi.")).finalResponse, PLAIN_TEXT);
  },
);

test(
  'validation "off" lets an unknown key through, for a newer app-server\'s fields',
  T,
  async () => {
    await using h = await startTestCodex({
      script: scenarios.byModel(),
      codex: { validation: "off" },
    });
    const thread = await h.codex.threadStart({ someFutureField: true } as never);
    assert.equal((await thread.run("Hi.")).finalResponse, PLAIN_TEXT);
  },
);

test(
  "Approval presets map to wire values and invalid combinations fail before any RPC",
  T,
  async () => {
    await using h = await startTestCodex({ script: scenarios.byModel() });
    await assert.rejects(
      h.codex.threadStart({ approvalMode: "denyAll", approvalPolicy: "never" }),
      /approvalMode cannot be combined/,
    );
    await assert.rejects(
      h.codex.threadStart({
        approvalMode: "dangerouslyBypassApprovalsAndSandbox",
        sandbox: "readOnly",
      }),
      /cannot be combined with sandbox/,
    );
    await assert.rejects(h.codex.threadStart({ sandbox: "nope" as never }), /sandbox must be/);
    const thread = await h.codex.threadStart({
      approvalMode: "dangerouslyBypassApprovalsAndSandbox",
    });
    const read = await thread.read();
    assert.equal(read.thread.id, thread.id);
  },
);

test(
  "Codex.nextNotification returns the turn/completed of a compaction on the thread it names",
  T,
  async () => {
    await using h = await startTestCodex();
    const thread = await h.codex.threadStart();
    await thread.run("Something to compact.");
    const other = await h.codex.threadStart();
    const compacted = h.codex.nextNotification("turn/completed", {
      where: (params) => params.threadId === thread.id,
      timeoutMs: 20_000,
    });
    // Another thread's turn ends while the wait listens: `where` passes over it.
    await other.run("A turn on another thread.");
    await thread.compact();
    const event = await compacted;
    assert.equal(event.method, "turn/completed");
    assert.equal(event.params.threadId, thread.id);
    assert.equal(event.params.turn.status, "completed");
  },
);

test(
  "Codex.nextNotification rejects when the connection closes and when timeoutMs passes",
  T,
  async () => {
    await using h = await startTestCodex();
    const timedOut = h.codex.nextNotification("account/login/completed", { timeoutMs: 50 });
    await assert.rejects(timedOut, (error: unknown) => {
      assert.ok(error instanceof CallTimeoutError);
      assert.equal(error.message, "wait for account/login/completed timed out after 50 ms");
      return true;
    });
    const waiting = assert.rejects(
      h.codex.nextNotification("account/login/completed"),
      (error: unknown) => {
        assert.ok(error instanceof TransportClosedError);
        assert.equal(error.closedByUser, true);
        return true;
      },
    );
    await h.codex.close();
    await waiting;
  },
);

test("Codex.nextNotification rejects with what its where test threw", T, async () => {
  await using h = await startTestCodex();
  const waiting = assert.rejects(
    h.codex.nextNotification("thread/started", {
      where: () => {
        throw new Error("the test failed");
      },
    }),
    /the test failed/,
  );
  await h.codex.threadStart();
  await waiting;
});

test(
  "A finished wait leaves nothing on the connection's closed promise, and a wait still ends with it",
  T,
  async () => {
    // A promise's reactions cannot be removed: one per wait on the connection's `closed`
    // kept every finished nextNotification's result (and login wait's) until the close.
    let reactions = 0;
    class Counted<T> extends Promise<T> {
      override then<A = T, B = never>(
        onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
        onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
      ): Promise<A | B> {
        reactions++;
        return super.then(onFulfilled, onRejected);
      }
    }
    let close!: (error: Error) => void;
    const closed = new Counted<Error>((resolve) => (close = resolve));
    for (let i = 0; i < 100; i++) {
      assert.equal(await heldWait(Promise.resolve(i), () => closed, "a wait"), i);
    }
    assert.equal(reactions, 1, "one reaction for every wait");
    const pending = heldWait(new Promise(() => {}), () => closed, "a wait");
    const rejected = assert.rejects(pending, /connection closed/);
    close(new Error("connection closed"));
    await rejected;
    await assert.rejects(
      heldWait(new Promise(() => {}), () => closed, "a wait"),
      /connection closed/,
    );
  },
);
