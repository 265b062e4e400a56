/**
 * Tests of `recordTransport` and `replayTransport`: a session recorded against the real
 * app-server (on the fake model) plays back with no app-server, giving the same results and
 * the same outgoing traffic; a divergent client message fails everything, naming the first
 * difference.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Codex,
  declineRequest,
  type ServerRequestHandler,
  TransportClosedError,
  type TurnResult,
} from "../mod.ts";
import {
  parseRecording,
  type RecordedEntry,
  recordTransport,
  ReplayDivergenceError,
  replayTransport,
  reply,
  startTestCodex,
} from "../testing.ts";

const T = { timeout: 30_000 };

function tempDir(): { path: string } & Disposable {
  const path = mkdtempSync(join(tmpdir(), "codex-replay-test-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

/** A session: two turns, the second with a shell command the handler approves. */
async function session(codex: Codex): Promise<{ results: TurnResult[]; methods: string[] }> {
  const thread = await codex.threadStart({ approvalPolicy: "untrusted" });
  const first = await thread.run("Hello.");
  const turn = await thread.turn("Run the command.");
  const methods: string[] = [];
  for await (const event of turn) methods.push(event.method);
  const second = await turn.result();
  return { results: [first, second], methods };
}

function approvals(log: string[]): ServerRequestHandler {
  return (request) => {
    log.push(request.method);
    if (request.method === "item/commandExecution/requestApproval") return { decision: "accept" };
    return declineRequest(request);
  };
}

const SCRIPT = [
  reply.text("Hi, I am recorded."),
  reply.shellCommand("echo replayed-output"),
  reply.text("The command ran."),
];

function clientMessages(entries: readonly RecordedEntry[]): unknown[] {
  return entries.flatMap((entry) =>
    entry.from === "client" && "message" in entry ? [entry.message] : []
  );
}

function serverMessages(entries: readonly RecordedEntry[]): unknown[] {
  return entries.flatMap((entry) =>
    entry.from === "server" && "message" in entry ? [entry.message] : []
  );
}

/** Records {@link session} against the real app-server; returns its outcome and the file. */
async function record(dir: string) {
  const path = join(dir, "session.jsonl");
  const asked: string[] = [];
  let outcome: Awaited<ReturnType<typeof session>>;
  let metadata: unknown;
  {
    await using t = await startTestCodex({
      script: SCRIPT,
      record: path,
      codex: { onServerRequest: approvals(asked) },
    });
    metadata = t.codex.metadata;
    outcome = await session(t.codex);
  }
  return { path, asked, outcome, metadata };
}

test(
  "A recorded session replays without an app-server: same results, same traffic",
  T,
  async () => {
    using dir = tempDir();
    const recorded = await record(dir.path);
    assert.deepEqual(recorded.asked, ["item/commandExecution/requestApproval"]);
    assert.equal(recorded.outcome.results[1].finalResponse, "The command ran.");
    const entries = parseRecording(readFileSync(recorded.path, "utf8"), recorded.path);
    assert.deepEqual(entries.slice(-2).map((entry) => Object.keys(entry)), [
      ["from", "close"],
      ["from", "closed"],
    ]);

    const replayedPath = join(dir.path, "replayed.jsonl");
    const replay = replayTransport(recorded.path);
    const asked: string[] = [];
    const started = performance.now();
    let outcome: Awaited<ReturnType<typeof session>>;
    {
      await using codex = await Codex.start({
        transport: recordTransport(replay, replayedPath),
        onServerRequest: approvals(asked),
      });
      assert.deepEqual(codex.metadata, recorded.metadata);
      outcome = await session(codex);
    }
    assert.ok(performance.now() - started < 5_000, "no app-server, no model: fast");
    assert.equal(replay.divergence, undefined);
    assert.equal(replay.remaining(), 0);
    assert.deepEqual(asked, recorded.asked);
    assert.deepEqual(outcome, recorded.outcome);
    const replayed = parseRecording(readFileSync(replayedPath, "utf8"), replayedPath);
    assert.deepEqual(clientMessages(replayed), clientMessages(entries));
    assert.deepEqual(serverMessages(replayed), serverMessages(entries));
    assert.deepEqual(replayed.at(-1), entries.at(-1), "the same close");
  },
);

test("A divergent request fails every waiter, naming the first difference", T, async () => {
  using dir = tempDir();
  const recorded = await record(dir.path);
  const replay = replayTransport(recorded.path);
  await using codex = await Codex.start({
    transport: replay,
    onServerRequest: approvals([]),
  });
  const thread = await codex.threadStart({ approvalPolicy: "untrusted" });
  const events = codex.onNotification(() => {});
  const error = await thread.run("Goodbye.").then(() => undefined, (e: unknown) => e);
  events();
  assert.ok(error instanceof TransportClosedError, String(error));
  assert.match(
    error.message,
    /^turn\/start: connection closed: Replay diverged at client message \d+ \(turn\/start\): at params\.input\[0\]\.text expected "Hello\.", got "Goodbye\."$/,
  );
  const divergence = replay.divergence;
  assert.ok(divergence instanceof ReplayDivergenceError);
  assert.equal(error.cause, divergence);
  assert.equal(divergence.path, "params.input[0].text");
  assert.equal(divergence.expected, "Hello.");
  assert.equal(divergence.actual, "Goodbye.");
  // Everything after it fails the same way, at once.
  await assert.rejects(codex.threadStart(), /connection closed: Replay diverged at client message/);
});

test("A divergent approval answer fails the running turn's waiters too", T, async () => {
  using dir = tempDir();
  const recorded = await record(dir.path);
  const replay = replayTransport(recorded.path);
  await using codex = await Codex.start({
    transport: replay,
    onServerRequest: (request) => declineRequest(request), // recorded: "accept"
  });
  const thread = await codex.threadStart({ approvalPolicy: "untrusted" });
  assert.equal((await thread.run("Hello.")).finalResponse, "Hi, I am recorded.");
  const turn = await thread.turn("Run the command.");
  const streamed = (async () => {
    for await (const _ of turn) { /* drain */ }
  })();
  const error = await turn.result().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof TransportClosedError, String(error));
  assert.match(error.message, /at result\.decision expected "accept", got "decline"/);
  await assert.rejects(streamed, TransportClosedError);
  assert.equal(replay.divergence?.path, "result.decision");
});

test("replayTransport: ignored paths, a recording that ends, and a missing file", T, async () => {
  using dir = tempDir();
  const recorded = await record(dir.path);
  const entries = parseRecording(readFileSync(recorded.path, "utf8"), recorded.path);

  // An ignored path may differ.
  {
    await using codex = await Codex.start({
      transport: replayTransport(entries, { ignore: ["params.input[0].text"] }),
      onServerRequest: approvals([]),
    });
    const thread = await codex.threadStart({ approvalPolicy: "untrusted" });
    assert.equal((await thread.run("Something else.")).finalResponse, "Hi, I am recorded.");
  }

  // A client message past the end of the recording.
  const initialized = entries.findIndex((entry) =>
    "message" in entry && (entry.message as { method?: string }).method === "initialized"
  );
  {
    const replay = replayTransport(entries.slice(0, initialized + 1));
    await using codex = await Codex.start({ transport: replay });
    await assert.rejects(
      codex.threadStart(),
      /Replay diverged at client message 3 \(thread\/start\): the recording has no further client message here, got \{"id":2,"method":"thread\/start"/,
    );
    assert.equal(replay.divergence?.messageNumber, 3);
  }

  // No such file.
  const missing = join(dir.path, "missing.jsonl");
  await assert.rejects(
    Codex.start({ transport: replayTransport(missing) }),
    (error: unknown) =>
      error instanceof TransportClosedError &&
      error.message.includes(`Cannot replay "${missing}"`),
  );
});

test("An app-server exit in a recording replays as the same failure", T, async () => {
  using dir = tempDir();
  const recorded = await record(dir.path);
  const entries = parseRecording(readFileSync(recorded.path, "utf8"), recorded.path);
  const threadStart = entries.findIndex((entry) =>
    "message" in entry && (entry.message as { method?: string }).method === "thread/start"
  );
  const crashed: RecordedEntry[] = [
    ...entries.slice(0, threadStart + 1),
    {
      from: "server",
      closed: {
        reason: "codex exited with code 1",
        exitCode: 1,
        signal: null,
        stderrTail: ["thread store is corrupt"],
      },
    },
  ];
  await using codex = await Codex.start({ transport: replayTransport(crashed) });
  const error = await codex.threadStart({ approvalPolicy: "untrusted" }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof TransportClosedError, String(error));
  assert.equal(error.exitCode, 1);
  assert.deepEqual(error.stderrTail, ["thread store is corrupt"]);
  assert.match(
    error.message,
    /^thread\/start: connection closed: codex exited with code 1\nLast stderr lines:\nthread store is corrupt$/,
  );
});

test("startTestCodex records a spawned app-server with its launch options", T, async () => {
  using dir = tempDir();
  const path = join(dir.path, "launch.jsonl");
  let workspace: string;
  {
    await using t = await startTestCodex({
      script: [reply.text("Configured.")],
      record: path,
      codex: { config: { model: "launch-option-model" } },
    });
    workspace = t.home.workspace;
    const thread = await t.codex.threadStart();
    assert.equal((await thread.run("Which model?")).finalResponse, "Configured.");
    assert.equal(t.model.requests[0].model, "launch-option-model");
  }
  const entries = parseRecording(readFileSync(path, "utf8"), path);
  const started = serverMessages(entries).find((message) =>
    (message as { result?: { cwd?: unknown } }).result?.cwd !== undefined
  ) as { result: { cwd: string } } | undefined;
  assert.equal(started?.result.cwd, workspace, "spawned in the home's workspace");
  assert.deepEqual(Object.keys(entries.at(-1)!), ["from", "closed"]);
});

test("recordTransport reports a file it cannot write by closing the session", T, async () => {
  using dir = tempDir();
  const path = join(dir.path, "no-such-dir", "session.jsonl");
  await assert.rejects(
    startTestCodex({ script: [reply.text("x")], record: path }),
    (error: unknown) =>
      error instanceof TransportClosedError &&
      error.message.includes(`Cannot record JSON-RPC traffic to "${path}"`),
  );
});
