/**
 * Tests of the testing kit's ready-made scenarios (`scenarios.byModel`, the model names the
 * SDK's own tests pick answers by): the fake model serving them on its own (via fetch), and
 * end to end against the real `codex app-server` binary, spawned by hand with
 * node:child_process and spoken to in raw JSONL (no `Codex`, no transport of the SDK).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";

import { codexHome, FakeModel, SCENARIO_TEXTS, scenarios, type SlowOptions } from "../testing.ts";

const { plain: PLAIN_TEXT, finalAnswer: FINAL_ANSWER_TEXT } = SCENARIO_TEXTS;
const { approvalCommand: APPROVAL_COMMAND, approvalOutput: APPROVAL_OUTPUT } = SCENARIO_TEXTS;
/** The Codex shell tool the `approval` scenario calls (codex 0.169.0). */
const APPROVAL_TOOL = "exec_command";

/** A fake model that answers by the request's model name, as the SDK's tests use it. */
function startScenarios(slow?: SlowOptions): Promise<FakeModel> {
  return FakeModel.start({ script: scenarios.byModel({ slow }) });
}

const CODEX_BIN = join(
  process.cwd(),
  "node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex",
);

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split("\n\n")) {
    if (!block.trim()) continue;
    let event = "";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
      else assert.fail(`unexpected SSE line: ${JSON.stringify(line)}`);
    }
    const parsed = JSON.parse(data.join("\n"));
    assert.equal(parsed.type, event, "event name matches data.type");
    events.push({ event, data: parsed });
  }
  return events;
}

function postResponses(url: string, model: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ model, input: [], stream: true }),
    signal,
  });
}

async function waitUntil(cond: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test(
  "fake server: deltas-5 is a well-formed Responses SSE stream",
  { timeout: 30_000 },
  async () => {
    const fake = await startScenarios();
    try {
      const res = await postResponses(fake.url, "deltas-5");
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
      const events = parseSse(await res.text());
      const types = events.map((e) => e.event);
      assert.equal(types[0], "response.created");
      assert.equal(types[1], "response.output_item.added");
      assert.equal(types.at(-1), "response.completed");
      const deltas = events.filter((e) => e.event === "response.output_text.delta");
      assert.equal(deltas.length, 5);
      const itemId = (events[1].data.item as { id: string }).id;
      for (const d of deltas) {
        assert.equal(d.data.item_id, itemId);
        assert.equal(d.data.output_index, 0);
        assert.equal(d.data.content_index, 0);
        assert.equal(typeof d.data.delta, "string");
      }
      const done = events.find((e) => e.event === "response.output_item.done")!.data.item as {
        type: string;
        role: string;
        id: string;
        content: { type: string; text: string; annotations: unknown[] }[];
      };
      assert.equal(done.type, "message");
      assert.equal(done.role, "assistant");
      assert.equal(done.id, itemId);
      assert.deepEqual(done.content, [{
        type: "output_text",
        text: deltas.map((d) => d.data.delta).join(""),
        annotations: [],
      }]);
      const completed = events.at(-1)!.data.response as {
        id: string;
        usage: Record<string, unknown>;
      };
      assert.equal(typeof completed.id, "string");
      assert.deepEqual(Object.keys(completed.usage).sort(), [
        "input_tokens",
        "input_tokens_details",
        "output_tokens",
        "output_tokens_details",
        "total_tokens",
      ]);
      assert.equal(fake.requests.length, 1);
      assert.equal(fake.requests[0].model, "deltas-5");
    } finally {
      await fake.close();
    }
  },
);

test("fake server: other scenarios, /v1/models, 404", { timeout: 30_000 }, async () => {
  const fake = await startScenarios();
  try {
    const plain = parseSse(await (await postResponses(fake.url, "unknown-model")).text());
    const plainDone = plain.find((e) => e.event === "response.output_item.done")!.data.item as {
      content: { text: string }[];
      phase?: string;
    };
    assert.equal(plainDone.content[0].text, PLAIN_TEXT);
    assert.equal(plainDone.phase, undefined);

    const fin = parseSse(await (await postResponses(fake.url, "final-answer")).text());
    const finDone = fin.find((e) => e.event === "response.output_item.done")!.data.item as {
      content: { text: string }[];
      phase?: string;
    };
    assert.equal(finDone.content[0].text, FINAL_ANSWER_TEXT);
    assert.equal(finDone.phase, "final_answer");

    const approval = parseSse(await (await postResponses(fake.url, "approval")).text());
    const call = approval.find((e) => e.event === "response.output_item.done")!.data.item as {
      type: string;
      name: string;
      arguments: string;
      call_id: string;
    };
    assert.equal(call.type, "function_call");
    assert.equal(call.name, APPROVAL_TOOL);
    assert.equal(JSON.parse(call.arguments).cmd, APPROVAL_COMMAND);

    const err = await postResponses(fake.url, "error-500");
    assert.equal(err.status, 500);
    assert.equal(typeof (await err.json()).error.message, "string");

    const models = await fetch(`${fake.url}/models`);
    assert.equal(models.status, 200);
    assert.deepEqual((await models.json()).data, []);

    const missing = await fetch(`${fake.url}/nope`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();

    const started = Date.now();
    const big = parseSse(await (await postResponses(fake.url, "deltas-20000")).text());
    assert.equal(big.filter((e) => e.event === "response.output_text.delta").length, 20_000);
    assert.ok(Date.now() - started < 10_000, "deltas-20000 streams quickly");
  } finally {
    await fake.close();
  }
});

test("fake server: hold() pauses after the first delta; slow stops on disconnect", {
  timeout: 30_000,
}, async () => {
  const fake = await startScenarios({ intervalMs: 50 });
  try {
    const gate = fake.hold();
    const res = await postResponses(fake.url, "deltas-3");
    await gate.reached;
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("response.output_text.delta")) {
      const { value, done } = await reader.read();
      assert.ok(!done, "stream ended before the first delta");
      text += decoder.decode(value, { stream: true });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(!text.includes("response.completed"), "paused at the gate");
    gate.release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const events = parseSse(text);
    assert.equal(events.filter((e) => e.event === "response.output_text.delta").length, 3);
    assert.equal(events.at(-1)!.event, "response.completed");

    const abort = new AbortController();
    const slow = await postResponses(fake.url, "slow", abort.signal);
    const slowReader = slow.body!.getReader();
    await slowReader.read();
    assert.equal(fake.activeStreams(), 1);
    abort.abort();
    await slowReader.closed.catch(() => {});
    await waitUntil(() => fake.activeStreams() === 0, 5_000, "the slow stream to stop");

    // close() ends streams that are still running (and releases armed gates).
    fake.hold();
    const live = await postResponses(fake.url, "slow");
    const liveReader = live.body!.getReader();
    await liveReader.read();
    const closeStarted = Date.now();
    await fake.close();
    assert.ok(Date.now() - closeStarted < 5_000, "close() does not wait for the slow stream");
    // The client sees the stream end or fail (Deno reports it only on the next read).
    await (async () => {
      try {
        while (!(await liveReader.read()).done);
      } catch { /* connection reset */ }
    })();
    assert.equal(fake.activeStreams(), 0);
  } finally {
    await fake.close();
  }
});

// ---------------------------------------------------------------------------------------------
// End to end against the real binary.

type Message = Record<string, unknown> & {
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
};

class RawAppServer {
  readonly messages: Message[] = [];
  readonly stderr: string[] = [];
  #child: ChildProcessWithoutNullStreams;
  #buffer = "";
  #nextId = 1;
  #waiters = new Set<() => void>();
  #exited: Promise<void>;
  /** Answers server → client requests; `undefined` means "leave unanswered". */
  onServerRequest: (message: Message) => Record<string, unknown> | undefined = () => undefined;

  constructor(env: Readonly<Record<string, string | undefined>>, cwd: string) {
    const merged: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...process.env, ...env })) {
      if (value !== undefined) merged[key] = value; // undefined: removed (OPENAI_API_KEY …)
    }
    this.#child = spawn(CODEX_BIN, ["app-server"], {
      cwd,
      env: merged,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.#exited = new Promise((resolve) => this.#child.once("exit", () => resolve()));
    this.#child.stdout.setEncoding("utf8");
    this.#child.stderr.setEncoding("utf8");
    this.#child.stderr.on("data", (chunk: string) => this.stderr.push(chunk));
    this.#child.stdout.on("data", (chunk: string) => {
      this.#buffer += chunk;
      let newline: number;
      while ((newline = this.#buffer.indexOf("\n")) >= 0) {
        const line = this.#buffer.slice(0, newline).trim();
        this.#buffer = this.#buffer.slice(newline + 1);
        if (!line) continue;
        const message = JSON.parse(line) as Message;
        this.messages.push(message);
        if (message.method !== undefined && message.id !== undefined) {
          const result = this.onServerRequest(message);
          if (result !== undefined) this.send({ id: message.id, result });
        }
        for (const waiter of [...this.#waiters]) waiter();
      }
    });
  }

  send(message: Message) {
    this.#child.stdin.write(JSON.stringify(message) + "\n");
  }

  waitFor(predicate: (m: Message) => boolean, what: string, timeoutMs = 20_000): Promise<Message> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.find(predicate);
        if (!found) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; stderr:\n${this.stderr.join("")}`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  async request(
    method: string,
    params?: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    this.send(params === undefined ? { id, method } : { id, method, params });
    const reply = await this.waitFor(
      (m) => m.id === id && m.method === undefined,
      `reply to ${method}`,
    );
    if (reply.error) {
      throw new Error(`${method} failed: ${reply.error.code} ${reply.error.message}`);
    }
    return reply.result!;
  }

  async initialize() {
    const result = await this.request("initialize", {
      clientInfo: { name: "t", title: "t", version: "0" },
    });
    this.send({ method: "initialized" });
    return result;
  }

  async startThread(params: Record<string, unknown> = {}): Promise<string> {
    const result = await this.request("thread/start", params);
    return (result.thread as { id: string }).id;
  }

  async startTurn(threadId: string, model: string, extra: Record<string, unknown> = {}) {
    const result = await this.request("turn/start", {
      threadId,
      input: [{ type: "text", text: "hi" }],
      model,
      ...extra,
    });
    return (result.turn as { id: string }).id;
  }

  turnCompleted(turnId: string, timeoutMs = 20_000) {
    return this.waitFor(
      (m) => m.method === "turn/completed" && (m.params?.turn as { id?: string })?.id === turnId,
      `turn/completed of ${turnId}`,
      timeoutMs,
    );
  }

  notifications(method: string, turnId?: string): Message[] {
    return this.messages.filter((m) =>
      m.method === method && m.id === undefined &&
      (turnId === undefined || m.params?.turnId === turnId)
    );
  }

  async kill() {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill("SIGKILL");
    }
    await this.#exited;
  }
}

/** Runs `body` with a fake server, a fresh CODEX_HOME and an initialized app-server. */
async function withAppServer(
  body: (
    server: RawAppServer,
    fake: FakeModel,
  ) => Promise<void>,
) {
  const fake = await startScenarios();
  const home = await codexHome({ model: fake });
  const server = new RawAppServer(home.env, home.workspace);
  try {
    await server.initialize();
    await body(server, fake);
  } finally {
    await server.kill();
    await fake.close();
    await home.remove();
  }
}

test(
  "e2e: deltas-5 gives 5 agentMessage deltas and a completed turn",
  { timeout: 30_000 },
  async () => {
    await withAppServer(async (server, fake) => {
      const threadId = await server.startThread();
      const turnId = await server.startTurn(threadId, "deltas-5");
      const completed = await server.turnCompleted(turnId);
      assert.equal((completed.params!.turn as { status: string }).status, "completed");
      const deltas = server.notifications("item/agentMessage/delta", turnId);
      assert.equal(deltas.length, 5);
      assert.equal(
        deltas.map((d) => d.params!.delta).join(""),
        "d0 d1 d2 d3 d4 ",
      );
      assert.equal(fake.requests.length, 1);
      assert.equal(fake.requests[0].model, "deltas-5");
      assert.ok(fake.requests[0].toolNames.includes(APPROVAL_TOOL), "codex offers exec_command");
    });
  },
);

test("e2e: approval round trip reaches the fake model", { timeout: 30_000 }, async () => {
  await withAppServer(async (server, fake) => {
    const approvals: Message[] = [];
    server.onServerRequest = (m) => {
      if (m.method === "item/commandExecution/requestApproval") {
        approvals.push(m);
        return { decision: "accept" };
      }
      return undefined;
    };
    const threadId = await server.startThread();
    const turnId = await server.startTurn(threadId, "approval", { approvalPolicy: "untrusted" });
    const completed = await server.turnCompleted(turnId);
    assert.equal((completed.params!.turn as { status: string }).status, "completed");
    assert.equal(approvals.length, 1);
    assert.match(String(approvals[0].params!.command), /echo approved-output/);

    assert.equal(fake.requests.length, 2);
    const input = fake.requests[1].input as readonly Record<string, unknown>[];
    const output = input.find((item) => item.type === "function_call_output");
    assert.ok(output, "second request carries the function_call_output");
    assert.match(JSON.stringify(output.output), new RegExp(APPROVAL_OUTPUT));

    const agentText = server.notifications("item/completed", turnId)
      .map((m) => m.params!.item as { type: string; text?: string })
      .filter((item) => item.type === "agentMessage")
      .map((item) => item.text)
      .join("");
    assert.match(agentText, new RegExp(APPROVAL_OUTPUT));
  });
});

test("e2e: error-500 fails the turn with an error", { timeout: 30_000 }, async () => {
  await withAppServer(async (server) => {
    const threadId = await server.startThread();
    const turnId = await server.startTurn(threadId, "error-500");
    const completed = await server.turnCompleted(turnId);
    const turn = completed.params!.turn as { status: string; error: { message: string } | null };
    assert.equal(turn.status, "failed");
    assert.equal(typeof turn.error?.message, "string");
    assert.ok(turn.error!.message.length > 0);
  });
});

test("e2e: slow + turn/interrupt ends the turn interrupted", { timeout: 30_000 }, async () => {
  await withAppServer(async (server, fake) => {
    const threadId = await server.startThread();
    const turnId = await server.startTurn(threadId, "slow");
    await server.waitFor(
      (m) => m.method === "item/agentMessage/delta" && m.params?.turnId === turnId,
      "first slow delta",
    );
    assert.deepEqual(await server.request("turn/interrupt", { threadId, turnId }), {});
    const completed = await server.turnCompleted(turnId);
    assert.equal((completed.params!.turn as { status: string }).status, "interrupted");
    await waitUntil(() => fake.activeStreams() === 0, 5_000, "codex to drop the slow stream");
  });
});
