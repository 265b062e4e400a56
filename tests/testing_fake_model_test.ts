/**
 * Tests of `codex-app-server/testing` on their own, without an app-server: the fake model
 * over plain `fetch` and raw sockets (SSE shape, recording, script rules, hooks, drop and
 * stall at the HTTP level), `codexHome`, the scenarios, and the JSON diff of the replay.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { existsSync, readFileSync } from "node:fs";
import {
  codexConfigToml,
  codexHome,
  DEFAULT_TEXT,
  FakeModel,
  type FakeRequest,
  parseRecording,
  reply,
  SCENARIO_TEXTS,
  scenarios,
  SCRIPT_FAILURE_STATUS,
} from "../testing.ts";
import { CallTimeoutError, CodexError } from "../mod.ts";
import { firstDifference } from "../src/testing/json.ts";
import { toFakeRequest } from "../src/testing/fake_request.ts";

const T = { timeout: 30_000 };

interface SseEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split("\n\n")) {
    if (block.trim() === "") continue;
    const lines = block.split("\n");
    assert.ok(lines[0].startsWith("event: "), `event line: ${JSON.stringify(lines[0])}`);
    assert.ok(lines[1].startsWith("data: "), `data line: ${JSON.stringify(lines[1])}`);
    const data = JSON.parse(lines[1].slice(6)) as SseEvent;
    assert.equal(data.type, lines[0].slice(7), "the event name is the data's type");
    events.push(data);
  }
  return events;
}

function post(model: FakeModel, body: unknown = {}): Promise<Response> {
  return fetch(`${model.url}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-test": "yes" },
    body: JSON.stringify({ model: "m", input: [], stream: true, ...(body as object) }),
  });
}

function userMessage(text: string) {
  return { type: "message", role: "user", content: [{ type: "input_text", text }] };
}

function deltasOf(events: SseEvent[]): string[] {
  return events.filter((e) => e.type === "response.output_text.delta").map((e) =>
    e.delta as string
  );
}

/** Sends a raw HTTP request and reports how the server ended the connection. */
function rawPost(
  port: number,
  options: { closeAfterMs?: number } = {},
): Promise<{ text: string; ending: "end" | "reset" | "client" }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    let done = false;
    const finish = (ending: "end" | "reset" | "client") => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, ending });
    };
    socket.on("data", (chunk: Uint8Array) => (text += new TextDecoder().decode(chunk)));
    socket.on("end", () => finish("end"));
    socket.on("error", () => finish("reset"));
    socket.on("close", () => finish("end"));
    const body = JSON.stringify({ model: "m", input: [] });
    socket.write(
      `POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\n\r\n${body}`,
    );
    const timer = setTimeout(() => finish("client"), options.closeAfterMs ?? 10_000);
  });
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("FakeModel streams a text response as well-formed Responses API SSE", T, async () => {
  await using model = await FakeModel.start({ script: [reply.text("Hello big world.")] });
  assert.match(model.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  const response = await post(model);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  const events = parseSse(await response.text());
  assert.deepEqual(events.map((e) => e.type), [
    "response.created",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.done",
    "response.output_item.done",
    "response.completed",
  ]);
  assert.deepEqual(deltasOf(events), ["Hello ", "big ", "world."]);
  const done = events.find((e) => e.type === "response.output_item.done")!;
  assert.deepEqual((done.item as { content: unknown }).content, [
    { type: "output_text", text: "Hello big world.", annotations: [] },
  ]);
});

test("FakeModel cuts text into `deltas` pieces and paces them by intervalMs", T, async () => {
  await using model = await FakeModel.start({
    script: [reply.text("abcdefghij", { deltas: 4, intervalMs: 60, phase: "final_answer" })],
  });
  const started = performance.now();
  const response = await post(model);
  const reader = response.body!.getReader();
  const arrivals: number[] = [];
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = new TextDecoder().decode(value);
    if (chunk.includes("output_text.delta")) arrivals.push(performance.now() - started);
    text += chunk;
  }
  const events = parseSse(text);
  assert.deepEqual(deltasOf(events), ["abc", "def", "gh", "ij"]);
  assert.ok(arrivals.at(-1)! - arrivals[0] >= 150, `paced deltas: ${arrivals.join(", ")}`);
  const added = events.find((e) => e.type === "response.output_item.added")!;
  assert.equal((added.item as { phase?: string }).phase, "final_answer");
});

test(
  "FakeModel sends json, shell, tool and file change responses as the right items",
  T,
  async () => {
    await using model = await FakeModel.start({
      script: [
        reply.json({ ok: true, n: [1, 2] }),
        reply.shellCommand("ls -la", { workdir: "/tmp", justification: "to look" }),
        reply.toolCall("lookup", { id: 7 }, { callId: "call_custom" }),
        reply.addFile("a.txt", "one"),
        reply.addFile("b.txt", "two"),
      ],
    });
    const texts: SseEvent[][] = [];
    for (let i = 0; i < 4; i++) texts.push(parseSse(await (await post(model)).text()));
    texts.push(
      parseSse(
        await (await post(model, { tools: [{ type: "custom", name: "apply_patch" }] })).text(),
      ),
    );
    const item = (events: SseEvent[]) =>
      events.find((e) => e.type === "response.output_item.done")!.item as Record<string, unknown>;
    assert.equal(deltasOf(texts[0]).join(""), '{"ok":true,"n":[1,2]}');
    assert.equal(item(texts[1]).name, "exec_command");
    assert.deepEqual(JSON.parse(item(texts[1]).arguments as string), {
      cmd: "ls -la",
      login: false,
      workdir: "/tmp",
      justification: "to look",
    });
    assert.equal(item(texts[2]).call_id, "call_custom");
    assert.equal(item(texts[2]).arguments, '{"id":7}');
    // No apply_patch tool offered: the patch goes through exec_command, as codex intercepts it.
    assert.equal(item(texts[3]).type, "function_call");
    assert.match(
      JSON.parse(item(texts[3]).arguments as string).cmd,
      /^apply_patch <<'EOF'\n\*\*\* Begin Patch\n\*\*\* Add File: a\.txt\n\+one\n\*\*\* End Patch\nEOF\n$/,
    );
    // The custom apply_patch tool offered: a custom_tool_call with the patch as input.
    assert.equal(item(texts[4]).type, "custom_tool_call");
    assert.equal(item(texts[4]).name, "apply_patch");
    assert.equal(
      item(texts[4]).input,
      "*** Begin Patch\n*** Add File: b.txt\n+two\n*** End Patch\n",
    );
    for (const events of texts) assert.equal(events.at(-1)!.type, "response.completed");
  },
);

test("FakeModel answers httpError with the status, and a body only when given", T, async () => {
  await using model = await FakeModel.start({
    script: [
      reply.httpError(429, "Slow down"),
      { kind: "httpError", status: 503 },
      { kind: "httpError", status: 400, body: "plain words", headers: { "retry-after": "1" } },
    ],
  });
  const first = await post(model);
  assert.equal(first.status, 429);
  assert.deepEqual(await first.json(), {
    error: { message: "Slow down", type: "invalid_request_error" },
  });
  const second = await post(model);
  assert.equal(second.status, 503);
  assert.equal(await second.text(), "");
  const third = await post(model);
  assert.equal(third.status, 400);
  assert.equal(third.headers.get("retry-after"), "1");
  assert.match(third.headers.get("content-type") ?? "", /^text\/plain/);
  assert.equal(await third.text(), "plain words");
});

test("FakeModel records every request with its derived fields", T, async () => {
  await using model = await FakeModel.start({ script: [reply.text("a"), reply.text("b")] });
  await (await post(model, { model: "first", input: [userMessage("Hi there")] })).text();
  await (await post(model, {
    model: "second",
    tools: [{ type: "function", name: "exec_command" }, { type: "custom", name: "apply_patch" }],
    input: [
      userMessage("<environment_context>cwd</environment_context>"),
      userMessage("Run it"),
      { type: "function_call", call_id: "c1", name: "exec_command", arguments: "{}" },
      { type: "function_call_output", call_id: "c1", output: "printed" },
      { type: "custom_tool_call", call_id: "c2", name: "apply_patch", input: "" },
      {
        type: "custom_tool_call_output",
        call_id: "c2",
        output: [{ type: "input_text", text: "Success." }],
      },
    ],
  })).text();
  assert.equal(model.requests.length, 2);
  const [first, second] = model.requests;
  assert.equal(first.index, 0);
  assert.equal(first.model, "first");
  assert.equal(first.lastUserMessage, "Hi there");
  assert.deepEqual(first.toolOutputs, []);
  assert.equal(first.headers["x-test"], "yes");
  assert.equal(second.lastUserMessage, "Run it");
  assert.deepEqual(second.toolNames, ["exec_command", "apply_patch"]);
  assert.deepEqual(second.toolOutputs, [
    { type: "function_call_output", callId: "c1", name: "exec_command", output: "printed" },
    { type: "custom_tool_call_output", callId: "c2", name: "apply_patch", output: "Success." },
  ]);
  assert.equal(second.body.model, "second");
  assert.equal(second.input.length, 6);
  assert.ok(model.calls.some((call) => call.method === "POST" && call.path === "/v1/responses"));
});

test("FakeModel calls a script function with each request", T, async () => {
  const seen: FakeRequest[] = [];
  await using model = await FakeModel.start({
    script: (request) => {
      seen.push(request);
      return reply.text(`You said: ${request.lastUserMessage}`, { deltas: 1 });
    },
  });
  const events = parseSse(await (await post(model, { input: [userMessage("ping")] })).text());
  assert.deepEqual(deltasOf(events), ["You said: ping"]);
  assert.equal(seen.length, 1);
  assert.equal(seen[0], model.requests[0]);
});

test("FakeModel: a used-up script list answers 501 naming the request", T, async () => {
  await using model = await FakeModel.start({ script: [reply.text("only")] });
  await (await post(model)).text();
  assert.equal(model.remaining, 0);
  const response = await post(model);
  assert.equal(response.status, SCRIPT_FAILURE_STATUS);
  const body = await response.json() as { error: { message: string; code: string } };
  assert.equal(
    body.error.message,
    "Fake model script exhausted: request 1 has no scripted response (the script had 1); " +
      "add responses, or use a script function",
  );
  assert.equal(body.error.code, "fake_script_exhausted");
  model.enqueue(reply.text("more"));
  assert.equal(model.remaining, 1);
  assert.equal((await post(model)).status, 200);
});

test("FakeModel without a script answers every request with the default text", T, async () => {
  await using model = await FakeModel.start();
  for (let i = 0; i < 2; i++) {
    assert.equal(deltasOf(parseSse(await (await post(model)).text())).join(""), DEFAULT_TEXT);
  }
});

test("FakeModel rejects invalid script steps, naming the step and the field", T, async () => {
  await assert.rejects(
    FakeModel.start({ script: [reply.text("ok"), { kind: "httpError", status: 200 }] }),
    (error: unknown) =>
      error instanceof CodexError &&
      error.message ===
        "Invalid fake model response (script step 1): status 200 is not an HTTP error status (400 to 599)",
  );
  await assert.rejects(
    FakeModel.start({ script: [{ kind: "text", text: "abc", deltas: 5 }] }),
    /script step 0\): deltas 5 is more than the 3 characters of "abc"/,
  );
  await assert.rejects(
    FakeModel.start({ script: [{ kind: "nope" } as never] }),
    /kind "nope" is not one of text, json, shellCommand/,
  );
  // A script function's bad answer, or its exception, is a 501 with the reason.
  await using model = await FakeModel.start({
    script: (request) => {
      if (request.index === 0) return { kind: "text", text: 42 } as never;
      throw new Error("no idea");
    },
  });
  const bad = await post(model);
  assert.equal(bad.status, SCRIPT_FAILURE_STATUS);
  assert.match(await bad.text(), /request 0\): text 42 is not a string/);
  assert.match(await (await post(model)).text(), /script failed on request 1: no idea/);
});

test("FakeModel.hold pauses the next stream after its first delta", T, async () => {
  await using model = await FakeModel.start({ script: [reply.text(["one ", "two"])] });
  const gate = model.hold();
  const response = await post(model);
  const reading = response.text();
  await gate.reached;
  assert.equal(model.activeStreams(), 1);
  gate.release();
  assert.deepEqual(deltasOf(parseSse(await reading)), ["one ", "two"]);
  await waitUntil(() => model.activeStreams() === 0, 2_000, "the stream to end");
});

test("FakeModel.waitForRequests resolves on arrival and times out with a count", T, async () => {
  await using model = await FakeModel.start();
  const waiting = model.waitForRequests(1);
  await (await post(model)).text();
  await waiting;
  await model.waitForRequests(1, { timeoutMs: 0 }); // already there: resolves at once
  await assert.rejects(model.waitForRequests(3, { timeoutMs: 50 }), (error: unknown) => {
    assert.ok(error instanceof CallTimeoutError, String(error));
    assert.equal(
      error.message,
      "Waiting for 3 requests to the fake model (1 arrived) timed out after 50 ms",
    );
    assert.equal(error.timeoutMs, 50);
    return true;
  });
  await assert.rejects(model.waitForRequests(2, { timeoutMs: -1 }), RangeError);
});

test("FakeModel.waitForRequests rejects with the reason of an aborted signal", T, async () => {
  await using model = await FakeModel.start();
  const aborted = new AbortController();
  aborted.abort(new Error("already gone"));
  await assert.rejects(model.waitForRequests(1, { signal: aborted.signal }), /already gone/);
  const controller = new AbortController();
  const waiting = model.waitForRequests(1, { signal: controller.signal });
  controller.abort(new Error("test over"));
  await assert.rejects(waiting, /test over/);
  // A wait that was cancelled leaves nothing behind: a later one still resolves.
  const later = model.waitForRequests(1);
  await (await post(model)).text();
  await later;
});

test("FakeModel drop ends the connection without the end of the body", T, async () => {
  await using model = await FakeModel.start({ script: [reply.drop({ afterDeltas: 2 })] });
  const port = Number(new URL(model.url).port);
  const { text, ending } = await rawPost(port);
  assert.notEqual(ending, "client", "the server ended the connection");
  assert.match(text, /^HTTP\/1\.1 200/);
  assert.match(text, /"delta":"d0 "[\s\S]*"delta":"d1 "/);
  assert.ok(!text.includes("response.completed"));
  assert.ok(!text.endsWith("0\r\n\r\n"), "no terminating chunk");
});

test(
  "FakeModel stall keeps the connection open and silent until the client leaves",
  T,
  async () => {
    await using model = await FakeModel.start({
      script: [reply.stall({ afterDeltas: 1, text: "hm" })],
    });
    const port = Number(new URL(model.url).port);
    const { text, ending } = await rawPost(port, { closeAfterMs: 1_500 });
    assert.equal(ending, "client", "still open after 1.5 s");
    assert.match(text, /"delta":"hm"/);
    assert.ok(!text.includes("response.completed"));
    await waitUntil(
      () => model.activeStreams() === 0,
      5_000,
      "the stall to notice the client left",
    );
  },
);

test("FakeModel.close ends a stalled stream and frees the port", T, async () => {
  const model = await FakeModel.start({ script: [reply.stall()] });
  const port = Number(new URL(model.url).port);
  const pending = rawPost(port);
  await model.waitForRequests(1);
  await waitUntil(() => model.activeStreams() === 1, 2_000, "the stream to open");
  await model.close();
  await model.close(); // idempotent
  const { ending } = await pending;
  assert.notEqual(ending, "client");
  assert.equal(model.activeStreams(), 0);
  await assert.rejects(fetch(`${model.url}/responses`, { method: "POST", body: "{}" }));
  assert.throws(() => model.enqueue(reply.text("late")), /it is closed/);
});

test("FakeModel answers 400 to a body that is not JSON, and 404 to other paths", T, async () => {
  await using model = await FakeModel.start();
  const bad = await fetch(`${model.url}/responses`, { method: "POST", body: "{oops" });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /not JSON/);
  const models = await fetch(`${model.url}/models`);
  assert.deepEqual(await models.json(), { object: "list", data: [], models: [] });
  const other = await fetch(`${model.url}/nothing`);
  assert.equal(other.status, 404);
  assert.match(await other.text(), /no route for GET \/v1\/nothing/);
  assert.equal(model.requests.length, 0);
  assert.equal(model.calls.length, 3);
});

test("scenarios.byModel keeps the old fake's model-name scenarios", T, () => {
  const pick = scenarios.byModel({ slow: { intervalMs: 5, deltas: 3 } });
  const ask = (model: string, input: unknown[] = []) =>
    pick(toFakeRequest(0, { model, input: input as never }, {}));
  assert.deepEqual(ask("plain"), { kind: "text", text: ["Hello ", "from the ", "fake model."] });
  assert.deepEqual(ask("anything"), ask("plain"));
  assert.deepEqual(ask("deltas-3"), { kind: "text", text: ["d0 ", "d1 ", "d2 "] });
  assert.deepEqual(ask("slow"), { kind: "text", text: ["s0 ", "s1 ", "s2 "], intervalMs: 5 });
  assert.deepEqual(ask("final-answer"), {
    kind: "text",
    text: ["This is ", "the final ", "answer."],
    phase: "final_answer",
  });
  assert.equal((ask("error-500") as { status: number }).status, 500);
  assert.deepEqual(ask("approval"), {
    kind: "shellCommand",
    command: SCENARIO_TEXTS.approvalCommand,
  });
  assert.deepEqual(
    ask("approval", [
      userMessage("Run it"),
      { type: "function_call_output", call_id: "c", output: "approved-output\n" },
    ]),
    { kind: "text", text: [SCENARIO_TEXTS.approvalReplyPrefix, '"approved-output\\n"'] },
  );
  const demo = ask("demo", [userMessage("Hi")]) as { text: string; intervalMs: number };
  assert.match(demo.text, /^You asked: "Hi"\. /);
  assert.equal(demo.intervalMs, 25);
});

test("codexHome writes an offline config.toml and removes itself, once", T, async () => {
  const home = await codexHome({
    model: "http://127.0.0.1:9/v1",
    modelName: "my-model",
    streamIdleTimeoutMs: 1234,
    extraConfig: "# extra",
  });
  const config = readFileSync(home.configPath, "utf8");
  assert.equal(
    config,
    codexConfigToml("http://127.0.0.1:9/v1", {
      modelName: "my-model",
      streamIdleTimeoutMs: 1234,
      extraConfig: "# extra",
    }),
  );
  for (
    const line of [
      'model = "my-model"',
      'model_provider = "fake"',
      'base_url = "http://127.0.0.1:9/v1"',
      "requires_openai_auth = false",
      "request_max_retries = 0",
      "stream_max_retries = 0",
      "stream_idle_timeout_ms = 1234",
      "# extra",
    ]
  ) assert.ok(config.includes(`${line}\n`), `config has ${line}`);
  assert.equal(home.env.CODEX_HOME, home.path);
  assert.equal(home.env.CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG, "1");
  assert.ok("OPENAI_API_KEY" in home.env && home.env.OPENAI_API_KEY === undefined);
  assert.ok(existsSync(home.workspace));
  await Promise.all([home.remove(), home.remove()]);
  await home[Symbol.asyncDispose]();
  assert.equal(existsSync(home.path), false);
  assert.equal(existsSync(home.workspace), false);
  await assert.rejects(
    codexHome({ model: "not a url" }),
    /Cannot create a codex home: model must be a FakeModel or its http:\/\/ URL, got "not a url"/,
  );
  assert.throws(
    () => codexConfigToml("http://x/v1", { streamIdleTimeoutMs: 0 }),
    /streamIdleTimeoutMs 0 is not a positive integer/,
  );
});

test("firstDifference names the first differing JSON path", T, () => {
  assert.equal(firstDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), undefined);
  assert.deepEqual(
    firstDifference({ id: 3, params: { input: [{ text: "Hi" }] } }, {
      id: 3,
      params: { input: [{ text: "Hello" }] },
    }),
    { path: "params.input[0].text", expected: "Hi", actual: "Hello" },
  );
  assert.deepEqual(firstDifference({ a: 1 }, { a: 1, "b c": 2 }), {
    path: '["b c"]',
    expected: undefined,
    actual: 2,
  });
  assert.deepEqual(firstDifference([1, 2], [1]), { path: "[1]", expected: 2, actual: undefined });
  assert.deepEqual(
    firstDifference({ a: { cwd: "/x" }, b: 1 }, { a: { cwd: "/y" }, b: 2 }, [
      "a.cwd",
    ]),
    { path: "b", expected: 1, actual: 2 },
  );
});

test("parseRecording rejects a file that is not a recording, naming the line", T, () => {
  assert.throws(
    () => parseRecording("hello\n", "x.jsonl"),
    /Cannot read recording "x\.jsonl": line 1 is not a codex-app-server\/json-rpc recording header: "hello"/,
  );
  assert.throws(
    () =>
      parseRecording(
        '{"recording":"codex-app-server/json-rpc","version":1}\n{"from":"moon"}\n',
        "y.jsonl",
      ),
    /line 2 is not a recording entry: "\{\\"from\\":\\"moon\\"\}"/,
  );
});
