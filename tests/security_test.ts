/**
 * Let no one in: capability tokens by default, no token in clear text to another machine,
 * no secret in any message, and nothing granted that nobody approved.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  Codex,
  type CodexError,
  JsonRpcError,
  ProtocolError,
  TransportClosedError,
  WebSocketAuthError,
  WebSocketConnectError,
} from "../mod.ts";
import {
  connectWebSocket,
  JsonRpcConnection,
  listenAppServer,
  spawnAppServer,
} from "../transport.ts";
import { fakePeer } from "./support/fake_peer.ts";
import {
  codexHome,
  FakeModel,
  type FakeRequest,
  SCENARIO_TEXTS,
  scenarios,
  startTestCodex,
} from "../testing.ts";
import { recording } from "./support/recording.ts";

const T = { timeout: 40_000 };
const { plain: PLAIN_TEXT, approvalOutput: APPROVAL_OUTPUT } = SCENARIO_TEXTS;

/** The outputs of the tool calls the agent sent back to the model, as the model saw them. */
function toolOutputs(requests: readonly FakeRequest[]): string[] {
  return requests.flatMap((request) =>
    (request.input as readonly { type?: string; output?: unknown }[])
      .filter((item) => item.type === "function_call_output")
      .map((item) => JSON.stringify(item.output))
  );
}

test("listenAppServer requires a random capability token by default", T, async () => {
  await using model = await FakeModel.start({ script: scenarios.byModel() });
  await using home = await codexHome({ model });
  const server = await listenAppServer({ cwd: home.workspace, env: home.env });
  try {
    assert.match(server.token ?? "", /^[0-9a-f]{64}$/);
    // Without the token, the server refuses the connection.
    await assert.rejects(connectWebSocket(server.url), WebSocketAuthError);
    // With it (the returned transport has it), a turn runs.
    await using codex = await Codex.start({ transport: server.transport });
    const thread = await codex.threadStart();
    assert.equal((await thread.run("Hi.")).finalResponse, PLAIN_TEXT);
  } finally {
    await server.transport.close();
  }
});

test("listenAppServer({ token: false }) turns authentication off, explicitly", T, async () => {
  await using model = await FakeModel.start({ script: scenarios.byModel() });
  await using home = await codexHome({ model });
  const server = await listenAppServer({ cwd: home.workspace, env: home.env, token: false });
  try {
    assert.equal(server.token, undefined);
    const other = await connectWebSocket(server.url);
    await other.close();
  } finally {
    await server.transport.close();
  }
});

test("A token is not sent over plain ws:// to another machine unless allowed", T, async () => {
  const started = performance.now();
  const error = await connectWebSocket("ws://192.0.2.10:4500", { token: "s3cret-token-value" })
    .catch((e) => e);
  assert.ok(error instanceof WebSocketConnectError, String(error));
  assert.match(error.message, /wss:\/\//);
  assert.doesNotMatch(error.message, /s3cret-token-value/);
  assert.ok(performance.now() - started < 1_000, "refused before any connect");
  // Loopback is fine, and so is an explicit opt-in (the connect itself then fails here).
  const allowed = await connectWebSocket("ws://192.0.2.10:4500", {
    token: "s3cret-token-value",
    allowInsecureToken: true,
    timeoutMs: 300,
  }).catch((e) => e);
  assert.ok(allowed instanceof WebSocketConnectError);
  assert.doesNotMatch(allowed.message, /refusing/);
});

const SECRET = "sk-test-PLANTED0123456789abcdefSECRET";

test("An API key never appears in an error, a report or a stderr line", T, async () => {
  await using model = await FakeModel.start({ script: scenarios.byModel() });
  await using home = await codexHome({ model });
  const seen: string[] = [];
  const errors: CodexError[] = [];
  const transport = await spawnAppServer({
    cwd: home.workspace,
    env: { ...home.env, RUST_LOG: "trace" },
    onStderr: (line) => seen.push(line),
  });
  const codex = await Codex.start({ transport, onError: (error) => errors.push(error) });
  await codex.loginApiKey(SECRET);
  const pending = codex.models().catch((e) => e);
  process.kill(transport.pid!, "SIGKILL");
  const closed = await pending;
  await codex.close();
  const texts = [
    ...seen,
    ...errors.map((e) => `${e.message} ${JSON.stringify((e as ProtocolError).payload)}`),
  ];
  if (closed instanceof TransportClosedError) texts.push(closed.message, ...closed.stderrTail);
  for (const text of texts) assert.ok(!text.includes(SECRET), `leaked in: ${text.slice(0, 200)}`);
});

test(
  "Secrets echoed by a peer are masked in errors and reports, structured fields too",
  T,
  async () => {
    const peer = fakePeer();
    const reports: CodexError[] = [];
    const connection = new JsonRpcConnection(peer.transport, { onError: (e) => reports.push(e) });
    const pending = connection.request("account/login/start", { type: "apiKey", apiKey: SECRET });
    const { id } = await peer.next();
    peer.send(`garbage line with ${SECRET} in it`);
    peer.send({ jsonrpc: "1.0", note: { echoed: [`Bearer ${SECRET}`], key: SECRET } });
    peer.send({
      id,
      error: {
        code: -32600,
        message: `Invalid request: bad key ${SECRET}`,
        data: { received: { apiKey: SECRET }, hints: [`try again without ${SECRET}`] },
      },
    });
    const error = await pending.catch((e) => e);
    assert.ok(error instanceof JsonRpcError);
    assert.ok(!error.message.includes(SECRET), error.message);
    assert.deepEqual(error.data, {
      received: { apiKey: "[redacted]" },
      hints: ["try again without [redacted]"],
    });
    assert.equal(reports.length, 2);
    for (const report of reports) {
      assert.ok(report instanceof ProtocolError);
      const payload = JSON.stringify(report.payload);
      assert.ok(!payload.includes(SECRET), payload);
      assert.match(payload, /\[redacted\]/);
    }
    assert.deepEqual((reports[1] as ProtocolError).payload, {
      jsonrpc: "1.0",
      note: { echoed: ["Bearer [redacted]"], key: "[redacted]" },
    });
    await connection.close();
  },
);

test("Nothing is granted when the handler throws: the command never runs", T, async () => {
  await using h = await startTestCodex({
    script: scenarios.byModel(),
    codex: {
      onServerRequest: () => {
        throw new Error("handler exploded");
      },
    },
  });
  const thread = await h.codex.threadStart({ model: "approval" });
  await assert.rejects(thread.run("Run it.", { approvalPolicy: "untrusted" }), /handler exploded/);
  const outputs = toolOutputs(h.model.requests);
  assert.ok(outputs.length > 0, "the model was told about the refused call");
  for (const output of outputs) {
    assert.ok(!output.includes(`${APPROVAL_OUTPUT}\\n`), `the command ran: ${output}`);
  }
});

test("Nothing is granted when the connection closes while a handler decides", T, async () => {
  await using model = await FakeModel.start({ script: scenarios.byModel() });
  await using home = await codexHome({ model });
  let asked!: () => void;
  const wasAsked = new Promise<void>((resolve) => (asked = resolve));
  const transport = recording(await spawnAppServer({ cwd: home.workspace, env: home.env }));
  const codex = await Codex.start({
    transport,
    onServerRequest: {
      "item/commandExecution/requestApproval": () => {
        asked();
        return new Promise(() => {}); // a person who never answers
      },
    },
  });
  const thread = await codex.threadStart({ model: "approval" });
  const running = thread.run("Run it.", { approvalPolicy: "untrusted" }).catch((e) => e);
  await wasAsked;
  await codex.close({ graceMs: 500 });
  assert.ok((await running) instanceof TransportClosedError);
  const replies = transport.sent.filter((message) => message.method === undefined);
  assert.deepEqual(replies, [], "no answer (so no approval) was ever sent");
  assert.deepEqual(toolOutputs(model.requests), [], "the model never got a tool output");
});
