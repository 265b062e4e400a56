/**
 * A fake OpenAI Responses API server for tests that drive the real `codex app-server`.
 *
 * Uses only `node:` built-ins so it runs unchanged under Deno, Bun and Node.
 *
 * The scenario is chosen by the `model` field of each `POST /v1/responses` body:
 *
 * | model           | behaviour                                                              |
 * |-----------------|------------------------------------------------------------------------|
 * | `plain`, other  | one assistant message "Hello from the fake model." in a few deltas     |
 * | `demo`          | echoes the prompt, then a sentence, one word every 25 ms               |
 * | `deltas-N`      | exactly N `response.output_text.delta` events (`"d0 "`, `"d1 "`, ...) |
 * | `approval`      | 1st request: `exec_command` call                                       |
 * |                 | `{"cmd":"echo approved-output","login":false}`;                        |
 * |                 | once the `function_call_output` comes back: a message quoting it       |
 * | `error-500`     | HTTP 500 with a JSON error body                                        |
 * | `slow`          | one delta every `slowIntervalMs` (200 ms) for `slowDeltas` (150) deltas |
 * | `final-answer`  | like `plain`, but the message item carries `phase: "final_answer"`     |
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Buffer } from "node:buffer";

/** The assistant text of the `plain` scenario. */
export const PLAIN_TEXT = "Hello from the fake model.";
/** The assistant text of the `final-answer` scenario. */
export const FINAL_ANSWER_TEXT = "This is the final answer.";
/** The shell command the `approval` scenario asks codex to run. */
export const APPROVAL_COMMAND = "echo approved-output";
/** The output that command prints (what tests look for in the second request). */
export const APPROVAL_OUTPUT = "approved-output";
/** The Codex shell tool name used by the `approval` scenario (codex 0.169.0). */
export const APPROVAL_TOOL = "exec_command";
/** Prefix of the text the `approval` scenario answers with once it sees the tool output. */
export const APPROVAL_REPLY_PREFIX = "The command printed: ";

/** All scenario names (any other model name behaves like `plain`). */
export const SCENARIOS = [
  "plain",
  "demo",
  "deltas-N",
  "approval",
  "error-500",
  "slow",
  "final-answer",
] as const;

export interface FakeResponsesOptions {
  /** Delay between deltas of the `slow` scenario, ms (default 200). */
  slowIntervalMs?: number;
  /** Number of deltas of the `slow` scenario (default 150, i.e. ~30 s). */
  slowDeltas?: number;
  /** Log each HTTP request line to stderr. */
  verbose?: boolean;
}

/** One HTTP request seen by the fake server (every path, for diagnostics). */
export interface FakeHttpCall {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A gate armed with {@link FakeResponses.hold}. */
export interface Hold {
  /** Resolves once a stream has sent its first delta and is paused at this gate. */
  readonly reached: Promise<void>;
  /** Lets the paused stream continue (idempotent; also fine before `reached`). */
  release(): void;
}

export interface FakeResponses {
  /** Base URL to put in the provider's `base_url`, e.g. `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  /** Parsed JSON bodies of every `POST /v1/responses`, in arrival order. */
  readonly requests: Record<string, unknown>[];
  /** Every HTTP request (method, path, headers), in arrival order. */
  readonly calls: FakeHttpCall[];
  /**
   * Makes the NEXT text-streaming response pause right after its first
   * `response.output_text.delta` until `release()` is called.
   */
  hold(): Hold;
  /** Number of SSE streams still being written (a disconnected client ends its stream). */
  activeStreams(): number;
  /** Resolves when `requests.length >= count` (rejects after `timeoutMs`, default 20 s). */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  /** Stops the server, ending in-flight streams. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Gate {
  hold: Hold;
  released: Promise<void>;
  markReached: () => void;
}

interface StreamCtx {
  res: ServerResponse;
  closed: () => boolean;
  responseId: string;
}

const encoderBatchBytes = 64 * 1024;

function sseEvent(event: Record<string, unknown>): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

function usage(outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: 10,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 10 + outputTokens,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Text of a `function_call_output.output` (a string, or content items in newer codex). */
function outputText(output: unknown): string {
  if (typeof output === "string") return output;
  if (Array.isArray(output)) {
    return output
      .map((part) =>
        part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string"
          ? (part as { text: string }).text
          : ""
      )
      .join("");
  }
  if (output && typeof output === "object") {
    const content = (output as { content?: unknown }).content;
    if (content !== undefined) return outputText(content);
  }
  return JSON.stringify(output ?? "");
}

/**
 * The `function_call_output` answering the model's latest tool call, if it comes after the
 * latest user message (i.e. this request continues a tool round trip).
 */
/** The text of the last user message in a request body (the prompt of this turn). */
function lastUserText(body: Record<string, unknown>): string {
  const input = Array.isArray(body.input) ? body.input : [];
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i] as { type?: string; role?: string; content?: unknown };
    if (item.type !== "message" || item.role !== "user" || !Array.isArray(item.content)) continue;
    const texts = item.content
      .map((part: { text?: unknown }) => typeof part.text === "string" ? part.text : "")
      .join("");
    if (!texts.startsWith("<")) return texts;
  }
  return "";
}

function pendingToolOutput(body: Record<string, unknown>): string | undefined {
  const input = Array.isArray(body.input) ? (body.input as Record<string, unknown>[]) : [];
  let lastUser = -1;
  let lastOutput = -1;
  input.forEach((item, index) => {
    if (item?.type === "message" && item.role === "user") lastUser = index;
    if (item?.type === "function_call_output") lastOutput = index;
  });
  if (lastOutput > lastUser) return outputText(input[lastOutput].output);
  return undefined;
}

/** Starts the fake server on 127.0.0.1 with an ephemeral port. */
export async function startFakeResponses(
  options: FakeResponsesOptions = {},
): Promise<FakeResponses> {
  const slowIntervalMs = options.slowIntervalMs ?? 200;
  const slowDeltas = options.slowDeltas ?? 150;
  const requests: Record<string, unknown>[] = [];
  const calls: FakeHttpCall[] = [];
  const gates: Gate[] = [];
  const openResponses = new Set<ServerResponse>();
  const streams = new Set<ServerResponse>();
  const requestWaiters = new Set<() => void>();
  let counter = 0;
  let closing = false;

  const nextId = (prefix: string) => `${prefix}_${++counter}`;

  function notifyRequestWaiters() {
    for (const waiter of [...requestWaiters]) waiter();
  }

  function hold(): Hold {
    let released!: () => void;
    let reached!: () => void;
    const releasedPromise = new Promise<void>((resolve) => (released = resolve));
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const h: Hold = { reached: reachedPromise, release: () => released() };
    gates.push({ hold: h, released: releasedPromise, markReached: reached });
    return h;
  }

  /** Writes `chunk`, waiting for `drain` when the socket buffer is full. */
  async function write(ctx: StreamCtx, chunk: string): Promise<boolean> {
    if (ctx.closed()) return false;
    if (ctx.res.write(chunk)) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        ctx.res.off("drain", done);
        ctx.res.off("close", done);
        resolve();
      };
      ctx.res.on("drain", done);
      ctx.res.on("close", done);
    });
    return !ctx.closed();
  }

  /** Pauses at the oldest armed gate, if any (consumes it). */
  async function passGate(ctx: StreamCtx): Promise<boolean> {
    const gate = gates.shift();
    if (!gate) return !ctx.closed();
    gate.markReached();
    await Promise.race([
      gate.released,
      new Promise<void>((resolve) => ctx.res.once("close", resolve)),
    ]);
    return !ctx.closed();
  }

  function startStream(res: ServerResponse): StreamCtx {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    let closed = false;
    streams.add(res);
    res.on("close", () => {
      closed = true;
      streams.delete(res);
    });
    const ctx: StreamCtx = {
      res,
      closed: () => closed || closing || res.destroyed,
      responseId: nextId("resp"),
    };
    return ctx;
  }

  function finish(ctx: StreamCtx) {
    streams.delete(ctx.res);
    if (!ctx.res.writableEnded) ctx.res.end();
  }

  /**
   * Streams one assistant message made of `deltas`. Deltas are written in large batches; the
   * stream pauses after the first delta when a gate is armed, and waits `intervalMs` between
   * deltas when given (the `slow` scenario).
   */
  async function streamMessage(
    ctx: StreamCtx,
    deltas: string[] | { count: number; make: (i: number) => string },
    extra: { phase?: string; intervalMs?: number } = {},
  ): Promise<void> {
    const count = Array.isArray(deltas) ? deltas.length : deltas.count;
    const make = Array.isArray(deltas) ? (i: number) => deltas[i] : deltas.make;
    const itemId = nextId("msg");
    const phase = extra.phase === undefined ? {} : { phase: extra.phase };
    let buffer = sseEvent({
      type: "response.created",
      response: { id: ctx.responseId },
    }) +
      sseEvent({
        type: "response.output_item.added",
        output_index: 0,
        item: { type: "message", role: "assistant", id: itemId, content: [], ...phase },
      }) +
      sseEvent({
        type: "response.content_part.added",
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        part: { type: "output_text", text: "", annotations: [] },
      });
    const texts: string[] = [];
    for (let i = 0; i < count; i++) {
      const delta = make(i);
      texts.push(delta);
      buffer += sseEvent({
        type: "response.output_text.delta",
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        delta,
      });
      const paced = extra.intervalMs !== undefined;
      if (i === 0 || paced || buffer.length >= encoderBatchBytes) {
        if (!(await write(ctx, buffer))) return;
        buffer = "";
        if (i === 0 && !(await passGate(ctx))) return;
        if (paced && i < count - 1) {
          await sleep(extra.intervalMs!);
          if (ctx.closed()) return;
        }
      }
    }
    const text = texts.join("");
    buffer += sseEvent({
      type: "response.output_text.done",
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      text,
    }) +
      sseEvent({
        type: "response.output_item.done",
        output_index: 0,
        item: {
          type: "message",
          role: "assistant",
          id: itemId,
          status: "completed",
          content: [{ type: "output_text", text, annotations: [] }],
          ...phase,
        },
      }) +
      sseEvent({
        type: "response.completed",
        response: { id: ctx.responseId, usage: usage(count) },
      });
    if (await write(ctx, buffer)) finish(ctx);
  }

  async function streamFunctionCall(ctx: StreamCtx, name: string, args: unknown) {
    const itemId = nextId("fc");
    const callId = nextId("call_fake");
    const item = {
      type: "function_call",
      id: itemId,
      call_id: callId,
      name,
      arguments: JSON.stringify(args),
      status: "completed",
    };
    const body = sseEvent({ type: "response.created", response: { id: ctx.responseId } }) +
      sseEvent({
        type: "response.output_item.added",
        output_index: 0,
        item: { ...item, arguments: "", status: "in_progress" },
      }) +
      sseEvent({ type: "response.output_item.done", output_index: 0, item }) +
      sseEvent({
        type: "response.completed",
        response: { id: ctx.responseId, usage: usage(5) },
      });
    if (await write(ctx, body)) finish(ctx);
  }

  async function handleResponses(body: Record<string, unknown>, res: ServerResponse) {
    const model = typeof body.model === "string" ? body.model : "plain";

    if (model === "error-500") {
      const payload = JSON.stringify({
        error: {
          message: "fake server error (scenario error-500)",
          type: "server_error",
          param: null,
          code: "server_error",
        },
      });
      res.writeHead(500, { "content-type": "application/json" });
      res.end(payload);
      return;
    }

    const ctx = startStream(res);
    const deltasMatch = /^deltas-(\d+)$/.exec(model);
    if (deltasMatch) {
      const n = Number(deltasMatch[1]);
      await streamMessage(ctx, { count: n, make: (i) => `d${i} ` });
    } else if (model === "approval") {
      const toolOutput = pendingToolOutput(body);
      if (toolOutput === undefined) {
        await streamFunctionCall(ctx, APPROVAL_TOOL, { cmd: APPROVAL_COMMAND, login: false });
      } else {
        const text = APPROVAL_REPLY_PREFIX + JSON.stringify(toolOutput);
        await streamMessage(ctx, [APPROVAL_REPLY_PREFIX, text.slice(APPROVAL_REPLY_PREFIX.length)]);
      }
    } else if (model === "slow") {
      await streamMessage(ctx, { count: slowDeltas, make: (i) => `s${i} ` }, {
        intervalMs: slowIntervalMs,
      });
    } else if (model === "demo") {
      const words = `You asked: "${lastUserText(body)}". This answer streams word by word from ` +
        "a fake model on 127.0.0.1, through the real codex app-server.";
      await streamMessage(ctx, words.split(/(?<= )/), { intervalMs: 25 });
    } else if (model === "final-answer") {
      await streamMessage(ctx, ["This is ", "the final ", "answer."], { phase: "final_answer" });
    } else {
      await streamMessage(ctx, ["Hello ", "from the ", "fake model."]);
    }
  }

  function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Uint8Array[] = [];
      req.on("data", (chunk: Uint8Array) => chunks.push(chunk));
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      req.on("error", reject);
    });
  }

  const server = createServer((req, res) => {
    openResponses.add(res);
    res.on("close", () => openResponses.delete(res));
    const path = (req.url ?? "/").split("?")[0];
    calls.push({ method: req.method ?? "", path, headers: { ...req.headers } });
    if (options.verbose) console.error(`[fake-responses] ${req.method} ${req.url}`);

    const handle = async () => {
      if (req.method === "POST" && /\/responses$/.test(path)) {
        const raw = await readBody(req);
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(raw);
        } catch {
          res.writeHead(400, { "content-type": "application/json" });
          res.end(
            JSON.stringify({ error: { message: "body is not JSON", type: "invalid_request" } }),
          );
          return;
        }
        requests.push(body);
        notifyRequestWaiters();
        await handleResponses(body, res);
        return;
      }
      if (req.method === "GET" && /\/models$/.test(path)) {
        // `data` for OpenAI-style clients, `models` for codex's own models endpoint.
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ object: "list", data: [], models: [] }));
        return;
      }
      req.resume();
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `no route for ${req.method} ${path}` } }));
    };
    handle().catch((error) => {
      if (options.verbose) console.error("[fake-responses] handler failed:", error);
      if (!res.headersSent) res.writeHead(500);
      if (!res.writableEnded) res.end();
    });
  });
  // Reject websocket upgrades (codex falls back to HTTP streaming).
  server.on("upgrade", (req: IncomingMessage, socket: { destroy(): void }) => {
    calls.push({
      method: `UPGRADE ${req.method}`,
      path: req.url ?? "/",
      headers: { ...req.headers },
    });
    socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closePromise: Promise<void> | undefined;
  const close = () => {
    closePromise ??= (async () => {
      closing = true;
      for (const gate of gates.splice(0)) gate.hold.release();
      for (const res of openResponses) res.destroy();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
    })();
    return closePromise;
  };

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    calls,
    hold,
    activeStreams: () => streams.size,
    waitForRequests(count: number, timeoutMs = 20_000) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          requestWaiters.delete(check);
          reject(new Error(`timed out waiting for ${count} requests (got ${requests.length})`));
        }, timeoutMs);
        const check = () => {
          if (requests.length >= count) {
            clearTimeout(timer);
            requestWaiters.delete(check);
            resolve();
          }
        };
        requestWaiters.add(check);
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
