/**
 * The fault suite: what a user sees when things break around the SDK — a process killed, a
 * binary that is not one, garbage on the wire, overload storms, a crowd of turns cut off by
 * close(), a handler that never answers, a parent killed, a forgotten close().
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  Codex,
  type CodexError,
  CodexNotFoundError,
  InvalidRequestError,
  ProtocolError,
  retryOnOverload,
  ServerBusyError,
  TransportClosedError,
  TurnTimeoutError,
} from "../mod.ts";
import { JsonRpcConnection, spawnAppServer } from "../transport.ts";
import { runProgram, sdkUrls } from "./support/child_program.ts";
import { fakeAppServer, isAlive, waitUntil } from "./support/fake_app_server.ts";
import { fakePeer } from "./support/fake_peer.ts";
import { codexHome, FakeModel, scenarios, startTestCodex } from "../testing.ts";

const T = { timeout: 60_000 };

test(
  "The app-server killed during initialize fails start-up with TransportClosedError",
  T,
  async () => {
    await using model = await FakeModel.start({ script: scenarios.byModel() });
    await using home = await codexHome({ model });
    const started = performance.now();
    const error = await Codex.start({
      transport: async () => {
        const transport = await spawnAppServer({ cwd: home.workspace, env: home.env });
        process.kill(transport.pid!, "SIGKILL");
        return transport;
      },
    }).then(() => undefined, (e) => e);
    assert.ok(error instanceof TransportClosedError, String(error));
    assert.equal(error.signal, "SIGKILL");
    assert.ok(performance.now() - started < 5_000);
  },
);

test(
  "codexBin that is a directory, not executable, or a script that fails: clear errors",
  T,
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "bad-codex-"));
    try {
      await mkdir(join(dir, "folder"));
      const folder = await Codex.start({ codexBin: join(dir, "folder") }).catch((e) => e);
      assert.ok(folder instanceof CodexNotFoundError, String(folder));
      assert.match(folder.message, /is not an executable file/);

      await writeFile(join(dir, "plain"), "not a program");
      const plain = await Codex.start({ codexBin: join(dir, "plain") }).catch((e) => e);
      assert.ok(plain instanceof CodexNotFoundError, String(plain));
      assert.match(plain.message, /is not executable/);

      await writeFile(
        join(dir, "garbage"),
        "#!/bin/sh\necho 'this is not json'\necho 'boom' >&2\nexit 7\n",
      );
      await chmod(join(dir, "garbage"), 0o755);
      const garbage = await Codex.start({ codexBin: join(dir, "garbage") }).catch((e) => e);
      assert.ok(garbage instanceof TransportClosedError, String(garbage));
      assert.equal(garbage.exitCode, 7);
      assert.match(garbage.message, /boom/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  "A broken config.toml: start-up succeeds, threadStart fails naming the file and line",
  T,
  async () => {
    await using model = await FakeModel.start();
    await using home = await codexHome({ model, extraConfig: "this is = = not toml" });
    await using codex = await Codex.start({ cwd: home.workspace, env: home.env });
    const error = await codex.threadStart().then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof InvalidRequestError, String(error));
    assert.match(error.message, /failed to load configuration: .*config\.toml:\d+:\d+: /);
  },
);

test("An invalid config override fails start-up, quoting codex's reason", T, async () => {
  await using model = await FakeModel.start();
  await using home = await codexHome({ model });
  const error = await Codex.start({
    cwd: home.workspace,
    env: home.env,
    config: { sandbox_mode: "bogus" },
  }).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof TransportClosedError, String(error));
  assert.equal(error.exitCode, 1);
  assert.match(error.message, /unknown variant `bogus`[^]*in `sandbox_mode`/);
});

test("Garbage on stdout is reported and skipped; the real replies still arrive", T, async () => {
  await using stand = await fakeAppServer("garbage");
  const reports: CodexError[] = [];
  await using codex = await Codex.start({
    codexBin: stand.path,
    env: stand.env,
    validation: "off",
    onError: (error) => reports.push(error),
  });
  const big: unknown[] = [];
  // "big" is no method of the protocol: only a listener that asks for unknown ones gets it.
  codex.onNotification((n) => n.method === "big" && big.push(n), { unknown: true });
  const result = await codex.request("model/list", {}) as unknown as { ok: boolean };
  assert.equal(result.ok, true);
  assert.equal(big.length, 1, "the 10 MB line arrived whole");
  const messages = reports.map((r) => r.message).join("\n");
  assert.ok(reports.every((r) => r instanceof ProtocolError));
  assert.match(messages, /not JSON/);
  assert.match(messages, /not a JSON object/);
  assert.match(messages, /unknown request id 987654/);
  assert.match(messages, /not JSON-RPC/);
});

test(
  "An overload storm under retryOnOverload: every request gets through, none hangs",
  T,
  async () => {
    const peer = fakePeer();
    const connection = new JsonRpcConnection(peer.transport, { onError: () => {} });
    const attempts = new Map<string, number>();
    // The peer refuses each method's first three attempts with -32001.
    void (async () => {
      for (;;) {
        const message = await peer.next();
        const method = String(message.method);
        const n = (attempts.get(method) ?? 0) + 1;
        attempts.set(method, n);
        peer.send(
          n <= 3
            ? {
              id: message.id,
              error: { code: -32001, message: "Server overloaded; retry later." },
            }
            : { id: message.id, result: { method } },
        );
      }
    })();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        retryOnOverload(
          ({ signal }) => connection.request(`m${i}`, {}, { signal }),
          { maxAttempts: 5, initialDelayMs: 5, maxDelayMs: 20, timeoutMs: 20_000 },
        )),
    );
    assert.deepEqual(
      results.map((r) => (r as { method: string }).method),
      results.map((_, i) => `m${i}`),
    );
    assert.ok([...attempts.values()].every((n) => n === 4));
    peer.end();
    await connection.close();
    // And with too few attempts, the overload is the error, typed.
    const peer2 = fakePeer();
    const connection2 = new JsonRpcConnection(peer2.transport);
    const failing = retryOnOverload(() => connection2.request("x"), {
      maxAttempts: 2,
      initialDelayMs: 1,
    });
    for (let i = 0; i < 2; i++) {
      const { id } = await peer2.next();
      peer2.send({ id, error: { code: -32001, message: "Server overloaded; retry later." } });
    }
    await assert.rejects(failing, ServerBusyError);
    peer2.end();
    await connection2.close();
  },
);

test(
  "200 concurrent turns with close() in the middle: every waiter settles at once",
  T,
  async () => {
    await using h = await startTestCodex({
      script: scenarios.byModel({ slow: { intervalMs: 100, deltas: 600 } }),
    });
    const threads = await Promise.all(
      Array.from({ length: 4 }, () => h.codex.threadStart({ model: "slow" })),
    );
    const turns = threads.flatMap((thread) =>
      Array.from(
        { length: 50 },
        (_, i) => thread.run(`turn ${i}`).then(() => "done", (error) => error),
      )
    );
    // Some turns run, others still start: close() in the middle of it all.
    await h.model.waitForRequests(2, { timeoutMs: 30_000 });
    const closing = h.codex.close({ graceMs: 2_000 });
    const started = performance.now();
    const outcomes = await Promise.all(turns);
    const settledIn = performance.now() - started;
    await closing;
    assert.equal(outcomes.length, 200);
    for (const outcome of outcomes) {
      assert.ok(
        outcome instanceof TransportClosedError || outcome instanceof ServerBusyError,
        String(outcome),
      );
    }
    assert.ok(settledIn < 1_000, `the waiters settled in ${Math.round(settledIn)} ms`);
  },
);

test(
  "A handler that never answers: the turn's deadline interrupts it, nothing is granted",
  T,
  async () => {
    await using h = await startTestCodex({
      script: scenarios.byModel(),
      codex: {
        onServerRequest: { "item/commandExecution/requestApproval": () => new Promise(() => {}) },
      },
    });
    const thread = await h.codex.threadStart({ model: "approval" });
    const error = await thread.run("Run it.", { approvalPolicy: "untrusted", timeoutMs: 2_000 })
      .catch((e) => e);
    assert.ok(error instanceof TurnTimeoutError, String(error));
    const read = await thread.read({ includeTurns: true });
    assert.equal(read.thread.turns.at(-1)?.status, "interrupted");
    const ran = read.thread.turns.flatMap((turn) => turn.items)
      .some((item) => item.type === "commandExecution" && item.status === "completed");
    assert.equal(ran, false, "the command never ran");
  },
);

/** The child program of the next tests: starts Codex on the fake model and does `MODE`. */
const PROGRAM = `
const env = globalThis.Deno ? Deno.env.toObject() : process.env;
const { Codex } = await import(env.SDK_URL);
const { spawnAppServer } = await import(env.SDK_TRANSPORT_URL);
const home = env.TEST_HOME;
const transport = await spawnAppServer({ cwd: env.TEST_WORKSPACE, env: { CODEX_HOME: home, CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG: "1", RUST_LOG: "warn" } });
console.log("app-server pid " + transport.pid);
const never = { "item/commandExecution/requestApproval": () => new Promise(() => {}) };
const codex = await Codex.start({ transport, onServerRequest: env.MODE === "handler" ? never : undefined });
const thread = await codex.threadStart({ model: env.MODEL });
if (env.MODE === "handler") {
  const outcome = await thread.run("Run it.", { approvalPolicy: "untrusted", timeoutMs: 2000 })
    .then(() => "completed", (error) => error.name);
  console.log("settled " + outcome);
} else if (env.MODE === "forget") {
  console.log("answer " + (await thread.run("hi")).finalResponse);
} else if (env.MODE === "compact") {
  await thread.run("hi");
  const compacted = codex.nextNotification("turn/completed", { where: (params) => params.threadId === thread.id });
  await thread.compact();
  console.log("compaction " + (await compacted).params.turn.status);
} else if (env.MODE === "pending") {
  thread.run("hi").then((result) => console.log("answer " + result.finalResponse));
} else {
  const turn = await thread.turn("go");
  for await (const event of turn) {
    if (event.method === "item/agentMessage/delta") console.log("streaming");
  }
}
`;

/** Runs PROGRAM in a child process against a fresh fake model and codex home. */
async function program(mode: string, modelName: string) {
  const model = await FakeModel.start({
    script: scenarios.byModel({ slow: { intervalMs: 100, deltas: 600 } }),
  });
  const home = await codexHome({ model });
  const urls = sdkUrls();
  const child = runProgram(PROGRAM, {
    SDK_URL: urls.mod,
    SDK_TRANSPORT_URL: urls.transport,
    TEST_HOME: home.path,
    TEST_WORKSPACE: home.workspace,
    MODE: mode,
    MODEL: modelName,
  });
  const pid = Number((await child.line(/app-server pid (\d+)/, 20_000))[1]);
  return {
    child,
    pid,
    async [Symbol.asyncDispose]() {
      await child[Symbol.asyncDispose]();
      if (isAlive(pid)) process.kill(pid, "SIGKILL");
      await model.close();
      await home.remove();
    },
  };
}

test(
  "A program that forgets close() exits by itself when nothing is pending, and so does its app-server",
  T,
  async () => {
    await using p = await program("forget", "plain");
    await p.child.line(/answer Hello from the fake model\./, 20_000);
    const exited = await Promise.race([
      p.child.exited,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000)),
    ]);
    assert.deepEqual(exited, { code: 0, signal: null }, "the program exited by itself");
    assert.ok(await waitUntil(() => !isAlive(p.pid), 10_000), "its app-server exited with it");
  },
);

test("A program with a turn still pending stays alive until the turn is done", T, async () => {
  await using p = await program("pending", "plain");
  const exited = await Promise.race([
    p.child.exited,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 20_000)),
  ]);
  assert.deepEqual(exited, { code: 0, signal: null });
  assert.match(p.child.stdout(), /answer Hello from the fake model\./, "it waited for the turn");
});

test(
  "A program waiting for a notification with nextNotification stays alive until it comes",
  T,
  async () => {
    await using p = await program("compact", "plain");
    const exited = await Promise.race([
      p.child.exited,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 20_000)),
    ]);
    assert.deepEqual(exited, { code: 0, signal: null }, "the program exited by itself");
    assert.match(p.child.stdout(), /^compaction completed$/m, "it waited for the compaction");
  },
);

test("A parent killed while a turn streams leaves no orphan app-server", T, async () => {
  await using p = await program("stream", "slow");
  await p.child.line(/streaming/, 20_000);
  p.child.child.kill("SIGKILL");
  await p.child.exited;
  assert.ok(
    await waitUntil(() => !isAlive(p.pid), 15_000),
    `app-server ${p.pid} outlived its parent`,
  );
});

test("A handler that never answers does not keep a finished program alive", T, async () => {
  await using p = await program("handler", "approval");
  await p.child.line(/settled TurnTimeoutError/, 20_000);
  const exited = await Promise.race([
    p.child.exited,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000)),
  ]);
  assert.deepEqual(exited, { code: 0, signal: null }, "the program exited by itself");
});
