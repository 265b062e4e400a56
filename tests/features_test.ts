/**
 * What the protocol's users ask for most: external messages, typed structured output, text
 * streams, approvals that wait for a person, and ready policies — against the real
 * app-server and the testing kit's fake model.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import {
  approveCommands,
  askOnTty,
  CODEX_VERSION,
  CodexError,
  declineAll,
  ExternalMessage,
  OutputValidationError,
  type StandardSchemaV1,
  text,
  Thread,
  unwrapCommand,
} from "../mod.ts";
import { CodexClient, spawnAppServer } from "../transport.ts";
import { reply, startTestCodex } from "../testing.ts";
import { fakeAppServer } from "./support/fake_app_server.ts";
import { recording } from "./support/recording.ts";

const T = { timeout: 40_000 };

// 1. External messages.

test(
  "ExternalMessage reaches the model as a function-call output, not as the user's words",
  T,
  async () => {
    await using t = await startTestCodex({ script: [reply.text("Noted: the build is red.")] });
    const thread = await t.codex.threadStart();
    const result = await thread.run(
      ExternalMessage({ toolName: "ci_status", content: "build 412 failed: 3 tests red" }),
    );
    assert.equal(result.finalResponse, "Noted: the build is red.");
    const [request] = t.model.requests;
    assert.deepEqual(
      request.toolOutputs.map((output) => [output.name, JSON.stringify(output.output)]),
      [["ci_status", JSON.stringify("build 412 failed: 3 tests red")]],
    );
    assert.notEqual(request.lastUserMessage, "build 412 failed: 3 tests red");
  },
);

test("ExternalMessage must be the whole input and cannot steer", T, async () => {
  await using t = await startTestCodex({
    script: [reply.slow("a long answer, written slowly", { deltas: 20, intervalMs: 50 })],
  });
  const thread = await t.codex.threadStart();
  const message = ExternalMessage({ toolName: "agent_b", content: "hello" });
  await assert.rejects(
    thread.run([text("hi"), message as never]),
    (e: unknown) => e instanceof CodexError && /must be the whole input/.test(e.message),
  );
  const turn = await thread.turn("Stream.");
  await assert.rejects(turn.steer(message as never), /must be the whole input/);
  await turn.interrupt();
  await turn.result();
  assert.throws(() => ExternalMessage({ toolName: " ", content: "x" }), CodexError);
});

test(
  "ExternalMessage on an app-server older than 0.151.0 fails before sending, naming both versions",
  T,
  async () => {
    await using stand = await fakeAppServer("echo", "0.150.2");
    const transport = recording(await spawnAppServer({ codexBin: stand.path, env: stand.env }));
    await using client = new CodexClient(transport, { validation: "off" });
    await client.initialize({ clientInfo: { name: "test", title: null, version: CODEX_VERSION } });
    assert.equal(client.serverVersion, "0.150.2");
    const thread = new Thread(client, "thread-1");
    const error = await thread.run(ExternalMessage({ toolName: "t", content: "x" })).catch((e) =>
      e
    );
    assert.ok(error instanceof CodexError, String(error));
    assert.match(error.message, /0\.151\.0/);
    assert.match(error.message, /0\.150\.2/);
    assert.ok(!transport.methods().includes("turn/start"), "nothing was sent");
  },
);

// 2. Typed, validated structured output.

const Release = v.strictObject({ title: v.string(), tags: v.array(v.string()) });

test(
  "output: a valibot schema becomes the outputSchema; result.output is parsed and typed",
  T,
  async () => {
    await using t = await startTestCodex({
      script: [reply.json({ title: "v1", tags: ["api", "docs"] })],
    });
    const thread = await t.codex.threadStart();
    const result = await thread.run("Describe the release as JSON.", { output: Release });
    const title: string = result.output.title;
    assert.equal(title, "v1");
    assert.deepEqual(result.output.tags, ["api", "docs"]);
    const format = (t.model.requests[0].body as { text?: { format?: { schema?: unknown } } }).text
      ?.format;
    assert.equal((format?.schema as { type?: string } | undefined)?.type, "object");
  },
);

test(
  "output: invalid JSON and a schema mismatch reject with OutputValidationError",
  T,
  async () => {
    await using t = await startTestCodex({
      script: [reply.text("not json at all"), reply.json({ title: 5, tags: [] })],
    });
    const thread = await t.codex.threadStart();
    const notJson = await thread.run("One.", { output: Release }).catch((e) => e);
    assert.ok(notJson instanceof OutputValidationError, String(notJson));
    assert.equal(notJson.text, "not json at all");
    assert.equal(notJson.issues[0].path, "");
    const mismatch = await thread.run("Two.", { output: Release }).catch((e) => e);
    assert.ok(mismatch instanceof OutputValidationError, String(mismatch));
    assert.equal(mismatch.issues[0].path, "title");
    assert.equal(mismatch.result?.status, "completed", "the turn's result travels with it");
  },
);

test(
  "output: works the same through an iterated turn, and with any Standard Schema plus its JSON Schema",
  T,
  async () => {
    await using t = await startTestCodex({ script: [reply.json({ n: 41 })] });
    const thread = await t.codex.threadStart();
    const counter: StandardSchemaV1<unknown, { n: number }> = {
      "~standard": {
        version: 1,
        vendor: "handwritten",
        validate: (value) =>
          typeof (value as { n?: unknown }).n === "number"
            ? { value: value as { n: number } }
            : { issues: [{ message: "n must be a number", path: ["n"] }] },
      },
    };
    const turn = await thread.turn("Count.", {
      output: {
        schema: counter,
        jsonSchema: { type: "object", properties: { n: { type: "number" } } },
      },
    });
    let events = 0;
    for await (const _event of turn) events++;
    const result = await turn.result();
    assert.ok(events > 0);
    assert.equal(result.output.n + 1, 42);
    const missing = await thread.run("Again.", { output: counter }).catch((e) => e);
    assert.ok(missing instanceof CodexError && /offers no JSON Schema/.test(missing.message));
  },
);

// 3. Text streams.

test(
  "turn.text(), thread.streamText() and turn.readable give the agent's message as it comes",
  T,
  async () => {
    await using t = await startTestCodex({
      script: [reply.text(["Hel", "lo ", "world"]), reply.text(["a", "b"]), reply.text(["x"])],
    });
    const thread = await t.codex.threadStart();
    const turn = await thread.turn("Greet.");
    const pieces: string[] = [];
    for await (const delta of turn.text()) pieces.push(delta);
    assert.deepEqual(pieces, ["Hel", "lo ", "world"]);
    assert.equal((await turn.result()).finalResponse, "Hello world");

    const stream = thread.streamText("Again.");
    const collected: string[] = [];
    let next = await stream.next();
    while (!next.done) {
      collected.push(next.value);
      next = await stream.next();
    }
    assert.deepEqual(collected, ["a", "b"]);
    assert.equal(next.value.finalResponse, "ab", "the generator returns the turn's result");

    const piped = await thread.turn("Once more.");
    const methods: string[] = [];
    await piped.readable.pipeTo(
      new WritableStream({ write: (event) => void methods.push(event.method) }),
    );
    assert.equal(methods.at(-1), "turn/completed");
  },
);

// 4. Approvals that wait for a person, and ready policies.

test(
  "serverRequestTimeoutMs: a handler that takes too long is told to stop and the request is declined",
  T,
  async () => {
    let stopped = false;
    await using t = await startTestCodex({
      script: [reply.shellCommand("echo waited"), reply.text("done")],
      codex: {
        serverRequestTimeoutMs: 500,
        onServerRequest: {
          "item/commandExecution/requestApproval": (_params, { signal }) =>
            new Promise((resolve) =>
              signal.addEventListener("abort", () => {
                stopped = true;
                resolve({ decision: "accept" }); // too late: ignored
              })
            ),
        },
      },
    });
    const thread = await t.codex.threadStart({ approvalPolicy: "untrusted" });
    const result = await thread.run("Run it.");
    assert.equal(stopped, true);
    assert.deepEqual(result.serverRequests.map((r) => [r.method, r.outcome]), [
      ["item/commandExecution/requestApproval", "timedOut"],
    ]);
    const command = result.items.find((item) => item.type === "commandExecution");
    assert.equal(command?.type === "commandExecution" && command.status, "declined");
  },
);

test(
  "A handler may take its time without blocking other traffic on the connection",
  T,
  async () => {
    let release!: () => void;
    const decided = new Promise<void>((resolve) => (release = resolve));
    await using t = await startTestCodex({
      script: [reply.shellCommand("echo slow-person"), reply.text("done")],
      codex: {
        onServerRequest: {
          "item/commandExecution/requestApproval": async () => {
            await decided; // a person, on a web page
            return { decision: "decline" };
          },
        },
      },
    });
    const thread = await t.codex.threadStart({ approvalPolicy: "untrusted" });
    const running = thread.run("Run it.");
    await t.model.waitForRequests(1);
    const models = await t.codex.models(); // other traffic goes on meanwhile
    assert.ok(models.data.length > 0);
    release();
    const result = await running;
    assert.deepEqual(result.serverRequests.map((r) => r.outcome), ["answered"]);
  },
);

test(
  "approveCommands approves simple matching commands only; declineAll declines the rest",
  T,
  async () => {
    await using t = await startTestCodex({
      script: [
        reply.shellCommand("echo allowed"),
        reply.text("one"),
        reply.shellCommand("echo allowed; touch pwned"),
        reply.text("two"),
      ],
      codex: { onServerRequest: { ...declineAll(), ...approveCommands(/^echo /) } },
    });
    const thread = await t.codex.threadStart({ approvalPolicy: "untrusted" });
    const status = async (prompt: string) => {
      const result = await thread.run(prompt);
      const item = result.items.find((i) => i.type === "commandExecution");
      return item?.type === "commandExecution" ? item.status : undefined;
    };
    assert.equal(await status("Run one."), "completed");
    assert.equal(await status("Run two."), "declined");
    assert.equal(unwrapCommand("/bin/bash -lc 'git status'"), "git status");
  },
);

test("askOnTty declines when there is no terminal", T, async () => {
  await using t = await startTestCodex({
    script: [reply.shellCommand("echo tty"), reply.text("done")],
    codex: { onServerRequest: askOnTty() },
  });
  const thread = await t.codex.threadStart({ approvalPolicy: "untrusted" });
  const result = await thread.run("Run it.");
  const item = result.items.find((i) => i.type === "commandExecution");
  assert.equal(item?.type === "commandExecution" && item.status, "declined");
  assert.deepEqual(result.serverRequests.map((r) => r.outcome), ["answered"]);
});
