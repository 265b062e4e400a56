/**
 * Tests of `codex-app-server/testing` end to end: every scripted behaviour of the fake
 * model, driven through the real `codex app-server` by `Codex` (via `startTestCodex`).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  declineRequest,
  type ServerNotification,
  type ServerRequestHandler,
  TransportClosedError,
  TurnFailedError,
  type TurnHandle,
  type TurnResult,
} from "../mod.ts";
import {
  type FakeRequest,
  reply,
  SCENARIO_TEXTS,
  scenarios,
  SCRIPT_FAILURE_STATUS,
  startTestCodex,
} from "../testing.ts";

const T = { timeout: 30_000 };

const accept: ServerRequestHandler = (request) => {
  switch (request.method) {
    case "item/commandExecution/requestApproval":
    case "item/fileChange/requestApproval":
      return { decision: "accept" };
    default:
      return declineRequest(request);
  }
};

const decline: ServerRequestHandler = (request) => declineRequest(request);

/** Runs a turn to the end, collecting its deltas; a failed turn's result is returned too. */
async function runCollecting(
  turn: TurnHandle,
): Promise<{ result: TurnResult; error: unknown; deltas: string[]; methods: string[] }> {
  const deltas: string[] = [];
  const methods: string[] = [];
  for await (const event of turn) {
    methods.push(event.method);
    if (event.method === "item/agentMessage/delta") deltas.push(event.params.delta);
  }
  try {
    return { result: await turn.result(), error: undefined, deltas, methods };
  } catch (error) {
    assert.ok(error instanceof TurnFailedError, String(error));
    return { result: error.result, error, deltas, methods };
  }
}

async function failure(promise: Promise<unknown>): Promise<TurnFailedError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof TurnFailedError, `expected TurnFailedError, got ${error}`);
  return error;
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("startTestCodex answers a turn with a scripted text", T, async () => {
  await using t = await startTestCodex({ script: [reply.text("Hi there, tester!")] });
  assert.equal(t.codex.metadata.codexHome, t.home.path);
  const thread = await t.codex.threadStart();
  const result = await thread.run("Say hi.");
  assert.equal(result.status, "completed");
  assert.equal(result.finalResponse, "Hi there, tester!");
  assert.equal(t.model.requests.length, 1);
  assert.equal(t.model.requests[0].lastUserMessage, "Say hi.");
  assert.equal(t.model.requests[0].model, "gpt-5.5");
  assert.equal(t.model.remaining, 0);
  assert.ok(result.usage !== null && result.usage.last.outputTokens > 0);
});

test("A text response's deltas and pace reach the turn's event stream", T, async () => {
  await using t = await startTestCodex({
    script: [reply.text("one two three four", { deltas: 4, intervalMs: 150 })],
  });
  const thread = await t.codex.threadStart();
  const turn = await thread.turn("Count.");
  const arrivals: number[] = [];
  const deltas: string[] = [];
  for await (const event of turn) {
    if (event.method === "item/agentMessage/delta") {
      arrivals.push(performance.now());
      deltas.push(event.params.delta);
    }
  }
  assert.deepEqual(deltas, ["one t", "wo th", "ree ", "four"]);
  assert.ok(arrivals[3] - arrivals[0] >= 350, `paced: ${arrivals.map((a) => a - arrivals[0])}`);
  assert.equal((await turn.result()).finalResponse, "one two three four");
});

test("A final_answer phase marks the turn's answer", T, async () => {
  await using t = await startTestCodex({ script: [reply.finalAnswer("All done.")] });
  const thread = await t.codex.threadStart();
  const result = await thread.run("Finish.");
  const message = result.items.find((item) => item.type === "agentMessage");
  assert.equal(message?.type === "agentMessage" && message.phase, "final_answer");
  assert.equal(result.finalResponse, "All done.");
});

test("A shell command needs approval; accepted, it runs and its output comes back", T, async () => {
  const asked: string[] = [];
  await using t = await startTestCodex({
    script: [
      reply.shellCommand("echo kit-approved"),
      (request) =>
        reply.text(`Output: ${request.toolOutputs[0]?.output.trim().split("\n").at(-1)}`),
    ],
    codex: {
      onServerRequest: (request, context) => {
        asked.push(request.method);
        return accept(request, context);
      },
    },
  });
  const thread = await t.codex.threadStart({ approvalPolicy: "untrusted" });
  const result = await thread.run("Run it.");
  assert.deepEqual(asked, ["item/commandExecution/requestApproval"]);
  const command = result.items.find((item) => item.type === "commandExecution");
  assert.equal(command?.type === "commandExecution" && command.status, "completed");
  assert.match(command?.type === "commandExecution" ? command.command : "", /echo kit-approved/);
  assert.equal(t.model.requests.length, 2);
  assert.equal(t.model.requests[1].toolOutputs[0].name, "exec_command");
  assert.match(t.model.requests[1].toolOutputs[0].output, /kit-approved/);
  assert.equal(result.finalResponse, "Output: kit-approved");
});

test("A shell command declined by the approval handler does not run", T, async () => {
  await using t = await startTestCodex({
    script: [reply.shellCommand("echo never-runs"), reply.text("Understood.")],
    codex: { onServerRequest: decline },
  });
  const thread = await t.codex.threadStart({ approvalPolicy: "untrusted" });
  const result = await thread.run("Run it.");
  const command = result.items.find((item) => item.type === "commandExecution");
  assert.equal(command?.type === "commandExecution" && command.status, "declined");
  assert.equal(t.model.requests[1].toolOutputs.length, 1);
  assert.match(t.model.requests[1].toolOutputs[0].output, /rejected by user/);
  assert.equal(result.finalResponse, "Understood.");
});

test("A file change needs approval; accepted, apply_patch writes the file", T, async () => {
  const asked: string[] = [];
  await using t = await startTestCodex({
    // A top-level file: under the read-only sandbox an approved patch cannot make directories.
    script: [reply.addFile("hello.txt", "hello\nfrom the kit"), reply.text("Patched.")],
    codex: {
      onServerRequest: (request, context) => {
        asked.push(request.method);
        return accept(request, context);
      },
    },
  });
  const thread = await t.codex.threadStart({ approvalPolicy: "untrusted" });
  const result = await thread.run("Write the file.");
  assert.deepEqual(asked, ["item/fileChange/requestApproval"]);
  // gpt-5.5 (the default) is offered apply_patch as a custom tool, and the fake uses it.
  assert.ok(t.model.requests[0].toolNames.includes("apply_patch"));
  const change = result.items.find((item) => item.type === "fileChange");
  assert.equal(change?.type === "fileChange" && change.status, "completed");
  assert.equal(change?.type === "fileChange" && change.changes[0].kind.type, "add");
  assert.equal(t.model.requests[1].toolOutputs[0].type, "custom_tool_call_output");
  assert.equal(
    readFileSync(join(t.home.workspace, "hello.txt"), "utf8"),
    "hello\nfrom the kit\n",
  );
  assert.equal(result.finalResponse, "Patched.");
});

test("A file change declined by the approval handler writes nothing", T, async () => {
  await using t = await startTestCodex({
    script: [reply.addFile("nope.txt", "x"), reply.text("Fine.")],
    codex: { onServerRequest: decline },
  });
  const thread = await t.codex.threadStart({ approvalPolicy: "untrusted" });
  const result = await thread.run("Write it.");
  const change = result.items.find((item) => item.type === "fileChange");
  assert.equal(change?.type === "fileChange" && change.status, "declined");
  assert.equal(t.model.requests[1].toolOutputs[0].output, "patch rejected by user");
  assert.equal(existsSync(join(t.home.workspace, "nope.txt")), false);
});

test("A file change for a model without apply_patch goes through exec_command", T, async () => {
  await using t = await startTestCodex({
    script: [reply.addFile("plain.txt", "via shell"), reply.text("Done.")],
    home: { modelName: "fake-model" },
    codex: { onServerRequest: accept },
  });
  const thread = await t.codex.threadStart({ approvalPolicy: "untrusted" });
  const result = await thread.run("Write it.");
  assert.equal(t.model.requests[0].toolNames.includes("apply_patch"), false);
  const change = result.items.find((item) => item.type === "fileChange");
  assert.equal(change?.type === "fileChange" && change.status, "completed");
  assert.equal(readFileSync(join(t.home.workspace, "plain.txt"), "utf8"), "via shell\n");
});

test("A tool call reaches the client's dynamic tool and its answer the model", T, async () => {
  const calls: unknown[] = [];
  await using t = await startTestCodex({
    script: [
      reply.toolCall("lookup_weather", { city: "Paris" }),
      (request) => reply.text(`Weather: ${request.toolOutputs[0]?.output}`),
    ],
    codex: {
      onServerRequest: {
        "item/tool/call": ({ tool, arguments: args }) => {
          calls.push({ tool, arguments: args });
          return { success: true, contentItems: [{ type: "inputText", text: "sunny" }] };
        },
      },
    },
  });
  const thread = await t.codex.threadStart({
    dynamicTools: [{
      type: "function",
      name: "lookup_weather",
      description: "Looks up the weather.",
      inputSchema: { type: "object", properties: { city: { type: "string" } } },
    }],
  });
  const result = await thread.run("Weather in Paris?");
  assert.deepEqual(calls, [{ tool: "lookup_weather", arguments: { city: "Paris" } }]);
  assert.ok(t.model.requests[0].toolNames.includes("lookup_weather"));
  assert.equal(t.model.requests[1].toolOutputs[0].name, "lookup_weather");
  assert.equal(result.finalResponse, "Weather: sunny");
});

test("A json response answers a turn with an outputSchema", T, async () => {
  const schema = {
    type: "object",
    properties: { verdict: { type: "string" }, score: { type: "number" } },
    required: ["verdict", "score"],
    additionalProperties: false,
  };
  await using t = await startTestCodex({ script: [reply.json({ verdict: "pass", score: 9 })] });
  const thread = await t.codex.threadStart();
  const result = await thread.run("Grade it.", { outputSchema: schema });
  assert.deepEqual(JSON.parse(result.finalResponse ?? ""), { verdict: "pass", score: 9 });
  const format = (t.model.requests[0].body.text as { format?: { schema?: unknown } }).format;
  assert.deepEqual(format?.schema, schema);
});

test("HTTP 4xx responses fail the turn: the body's message, or the status alone", T, async () => {
  await using t = await startTestCodex({
    script: [
      reply.httpError(404, "No such model here"),
      { kind: "httpError", status: 429 },
      reply.text("Recovered."),
    ],
  });
  const thread = await t.codex.threadStart();
  const withBody = await failure(thread.run("One."));
  assert.equal(withBody.result.status, "failed");
  assert.match(withBody.message, /unexpected status 404 Not Found: No such model here/);
  assert.deepEqual(withBody.codexErrorInfo, { httpConnectionFailed: { httpStatusCode: 404 } });
  const withoutBody = await failure(thread.run("Two."));
  assert.match(withoutBody.message, /429 Too Many Requests/);
  assert.deepEqual(withoutBody.codexErrorInfo, {
    responseTooManyFailedAttempts: { httpStatusCode: 429 },
  });
  // No retries against the fake: one request per turn; and the thread goes on.
  assert.equal(t.model.requests.length, 2);
  assert.equal((await thread.run("Three.")).finalResponse, "Recovered.");
});

test("HTTP 5xx responses fail the turn: the body's message, or codex's own words", T, async () => {
  await using t = await startTestCodex({
    script: [reply.httpError(503, "Down for tea"), { kind: "httpError", status: 500 }],
  });
  const thread = await t.codex.threadStart();
  const withBody = await failure(thread.run("One."));
  assert.match(withBody.message, /unexpected status 503 Service Unavailable: Down for tea/);
  const withoutBody = await failure(thread.run("Two."));
  // codex 0.169.0 words every 500 the same way, body or not.
  assert.equal(withoutBody.codexErrorInfo, "internalServerError");
  assert.ok((withoutBody.result.error?.message ?? "").length > 0);
  assert.equal(t.model.requests.length, 2);
});

test("A dropped connection fails the turn: stream disconnected before completion", T, async () => {
  await using t = await startTestCodex({
    script: [reply.drop({ afterDeltas: 3, text: "Half an ans" }), reply.text("Whole.")],
  });
  const thread = await t.codex.threadStart();
  const { result, error, deltas } = await runCollecting(await thread.turn("Answer."));
  assert.deepEqual(deltas, ["Half", " an ", "ans"]);
  assert.equal(result.status, "failed");
  assert.match(String(error), /stream disconnected before completion/);
  assert.equal(t.model.requests.length, 1, "no retry");
  assert.equal((await thread.run("Again.")).finalResponse, "Whole.");
});

test("A stall holds the turn until it is interrupted", T, async () => {
  await using t = await startTestCodex({
    script: [reply.stall({ afterDeltas: 1, text: "Thinking" }), reply.text("Back.")],
  });
  const thread = await t.codex.threadStart();
  const turn = await thread.turn("Think.");
  const deltas: string[] = [];
  const streaming = (async () => {
    for await (const event of turn) {
      if (event.method === "item/agentMessage/delta") deltas.push(event.params.delta);
    }
  })();
  await waitUntil(() => deltas.length === 1, 10_000, "the delta before the stall");
  await new Promise((resolve) => setTimeout(resolve, 500)); // nothing more arrives
  assert.deepEqual(deltas, ["Thinking"]);
  assert.equal(t.model.activeStreams(), 1);
  await turn.interrupt();
  await streaming;
  const result = await turn.result();
  assert.equal(result.status, "interrupted");
  assert.equal(result.finalResponse, null);
  await waitUntil(() => t.model.activeStreams() === 0, 5_000, "codex to drop the stalled stream");
  assert.equal((await thread.run("Again.")).finalResponse, "Back.");
});

test("A stall ends when Codex closes: the waiting turn rejects at once", T, async () => {
  await using t = await startTestCodex({ script: [reply.stall()] });
  const thread = await t.codex.threadStart();
  const turn = await thread.turn("Hang.");
  await t.model.waitForRequests(1);
  const outcome = turn.result().then(() => "resolved", (error: unknown) => error);
  const started = performance.now();
  await t.codex.close();
  const error = await outcome;
  assert.ok(error instanceof TransportClosedError, String(error));
  assert.match(error.message, /close\(\) was called/);
  assert.ok(performance.now() - started < 5_000);
  await waitUntil(() => t.model.activeStreams() === 0, 5_000, "the stalled stream to close");
});

test("A stall fails the turn after the home's stream idle timeout", T, async () => {
  await using t = await startTestCodex({
    script: [reply.stall({ afterDeltas: 1 })],
    home: { streamIdleTimeoutMs: 500 },
  });
  const thread = await t.codex.threadStart();
  const started = performance.now();
  const error = await failure(thread.run("Hang."));
  assert.match(error.message, /idle timeout waiting for SSE/);
  assert.ok(performance.now() - started < 10_000);
});

test("A slow stream can be interrupted mid-way", T, async () => {
  await using t = await startTestCodex({
    script: [reply.slow("a b c d e f g h", { intervalMs: 300 })],
  });
  const thread = await t.codex.threadStart();
  const turn = await thread.turn("Take your time.");
  const deltas: string[] = [];
  for await (const event of turn) {
    if (event.method === "item/agentMessage/delta") {
      deltas.push(event.params.delta);
      if (deltas.length === 2) await turn.interrupt();
    }
  }
  const result = await turn.result();
  assert.equal(result.status, "interrupted");
  assert.ok(deltas.length >= 2 && deltas.length < 8, `some deltas: ${deltas}`);
});

test("Leaving the event loop early interrupts a slow stream; the thread goes on", T, async () => {
  await using t = await startTestCodex({
    script: [reply.slow("a b c d e f g h", { intervalMs: 300 }), reply.text("Next.")],
  });
  const thread = await t.codex.threadStart();
  const turn = await thread.turn("Take your time.");
  for await (const event of turn) {
    if (event.method === "item/agentMessage/delta") break;
  }
  assert.equal((await turn.result()).status, "interrupted");
  await waitUntil(() => t.model.activeStreams() === 0, 5_000, "codex to drop the slow stream");
  assert.equal((await thread.run("Again.")).finalResponse, "Next.");
});

test("hold() pauses a stream mid-turn so the test can steer it", T, async () => {
  await using t = await startTestCodex({
    script: [reply.text("Part one."), reply.text("Steered.")],
  });
  const gate = t.model.hold();
  const thread = await t.codex.threadStart();
  const turn = await thread.turn("Start.");
  await gate.reached;
  await turn.steer("Also this.");
  gate.release();
  const result = await turn.result();
  assert.equal(result.status, "completed");
  assert.equal(t.model.requests.length, 2);
  assert.equal(t.model.requests[1].lastUserMessage, "Also this.");
  assert.equal(result.finalResponse, "Steered.");
});

test("A script function answers from the request, turn after turn", T, async () => {
  await using t = await startTestCodex({
    script: (request: FakeRequest) =>
      reply.text(`#${request.index}: ${request.lastUserMessage.toUpperCase()}`),
  });
  const thread = await t.codex.threadStart();
  assert.equal((await thread.run("first")).finalResponse, "#0: FIRST");
  assert.equal((await thread.run("second")).finalResponse, "#1: SECOND");
  assert.equal(t.model.requests[1].input.length > t.model.requests[0].input.length, true);
});

test("The fake model records each request of a tool round trip", T, async () => {
  await using t = await startTestCodex({
    script: [reply.shellCommand("echo recorded"), reply.text("Ok.")],
    codex: { onServerRequest: accept },
  });
  const thread = await t.codex.threadStart({ approvalPolicy: "untrusted" });
  await thread.run("Go.");
  const [call, answer] = t.model.requests;
  assert.deepEqual([call.index, answer.index], [0, 1]);
  assert.equal(call.lastUserMessage, "Go.");
  assert.deepEqual(call.toolOutputs, []);
  assert.ok(call.toolNames.includes("exec_command"));
  assert.equal(answer.lastUserMessage, "Go.");
  assert.equal(answer.toolOutputs.length, 1);
  const sent = answer.input.find((item) =>
    typeof item === "object" && item !== null && !Array.isArray(item) &&
    (item as { type?: unknown }).type === "function_call"
  ) as { name?: string; arguments?: string } | undefined;
  assert.equal(sent?.name, "exec_command");
  assert.deepEqual(JSON.parse(sent?.arguments ?? "{}"), { cmd: "echo recorded", login: false });
  assert.equal(call.body.stream, true);
  assert.ok(
    t.model.calls.every((c) => c.path === "/v1/responses"),
    `only the Responses API was called: ${JSON.stringify(t.model.calls.map((c) => c.path))}`,
  );
});

test("A used-up script fails the turn with a message that says so", T, async () => {
  await using t = await startTestCodex({ script: [reply.text("Only one.")] });
  const thread = await t.codex.threadStart();
  await thread.run("One.");
  const error = await failure(thread.run("Two."));
  assert.match(
    error.message,
    new RegExp(
      `unexpected status ${SCRIPT_FAILURE_STATUS} Not Implemented: Fake model script exhausted: ` +
        "request 1 has no scripted response \\(the script had 1\\)",
    ),
  );
});

test("scenarios.byModel drives the real app-server as the old fake did", T, async () => {
  await using t = await startTestCodex({
    script: scenarios.byModel({ slow: { intervalMs: 200, deltas: 50 } }),
    codex: { onServerRequest: accept },
  });
  const run = async (model: string, approvalPolicy?: "untrusted") =>
    await runCollecting(
      await (await t.codex.threadStart({ model })).turn("Hi.", {
        approvalPolicy,
      }),
    );
  assert.equal((await run("plain")).result.finalResponse, SCENARIO_TEXTS.plain);
  assert.equal((await run("final-answer")).result.finalResponse, SCENARIO_TEXTS.finalAnswer);
  assert.equal((await run("deltas-7")).deltas.length, 7);
  assert.match((await run("demo")).result.finalResponse ?? "", /^You asked: "Hi\."/);
  const approval = await run("approval", "untrusted");
  assert.match(approval.result.finalResponse ?? "", new RegExp(SCENARIO_TEXTS.approvalOutput));
  const failed = await run("error-500");
  assert.equal(failed.result.status, "failed");
  const slow = await (await t.codex.threadStart({ model: "slow" })).turn("Slowly.");
  const events: ServerNotification[] = [];
  for await (const event of slow) {
    events.push(event);
    if (event.method === "item/agentMessage/delta") await slow.interrupt();
  }
  assert.equal((await slow.result()).status, "interrupted");
});
