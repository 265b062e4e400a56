/**
 * `FakeModel`: a fake OpenAI Responses API server on 127.0.0.1 that the real
 * `codex app-server` talks to instead of a model, answering from a script.
 *
 * @module
 */

import { loadTestHost, type TestServer } from "../adapters/test_host.ts";
import { type CallOptions, callScope } from "../_util/call.ts";
import { CallTimeoutError, CodexError } from "../errors.ts";
import { type FakeRequest, offersCustomApplyPatch, toFakeRequest } from "./fake_request.ts";
import type { JsonValue } from "./json.ts";
import { checkResponse, type FakeResponse, splitText } from "./responses.ts";
import { SseBody, sseEvent } from "./sse.ts";

/** Answers a request: the script as a function of what the agent sent. */
export type ScriptFunction = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

/** One step of a script list: a response, or a function that picks one. */
export type ScriptStep = FakeResponse | ScriptFunction;

/**
 * What the fake model answers: a list answered in order, one step per request (a tool call
 * round trip is two requests: the call, then the answer that follows its output), or a
 * function called for every request.
 *
 * @example
 * ```ts
 * import type { Script } from "./fake_model.ts";
 * const roundTrip: Script = [
 *   { kind: "shellCommand", command: "ls" },
 *   (request) => ({ kind: "text", text: `ls said: ${request.toolOutputs[0]?.output}` }),
 * ];
 * const echo: Script = (request) => ({ kind: "text", text: request.lastUserMessage });
 * ```
 */
export type Script = readonly ScriptStep[] | ScriptFunction;

/** Options of {@linkcode FakeModel.start}. */
export interface FakeModelOptions {
  /**
   * The script. A list that runs out answers every further request with HTTP 501 and the
   * message "Fake model script exhausted: request N has no scripted response …", which
   * codex quotes in the failed turn's error. Without a script, every request gets
   * {@linkcode DEFAULT_TEXT}. A script function that throws (or returns an invalid
   * response) gets a 501 naming the error as well.
   */
  readonly script?: Script;
  /** The address to listen on. Default `"127.0.0.1"`. */
  readonly hostname?: string;
  /** The port. Default 0 (an ephemeral port). */
  readonly port?: number;
}

/**
 * What the fake model answers every request with when it has no script.
 *
 * @example
 * ```ts
 * import { DEFAULT_TEXT } from "./fake_model.ts";
 * console.log(DEFAULT_TEXT); // "Hello from the fake model."
 * ```
 */
export const DEFAULT_TEXT = "Hello from the fake model.";

/** One HTTP request of any kind the fake model received (for diagnostics). */
export interface FakeHttpCall {
  /** The method ("POST"). */
  readonly method: string;
  /** The path, without the query ("/v1/responses"). */
  readonly path: string;
  /** The headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A gate armed with {@linkcode FakeModel.hold}. */
export interface Hold {
  /** Resolves once a stream has sent its first delta and is paused at this gate. */
  readonly reached: Promise<void>;
  /** Lets the paused stream go on (idempotent; fine before `reached` too). */
  release(): void;
}

interface Gate {
  readonly hold: Hold;
  readonly released: Promise<void>;
  readonly markReached: () => void;
}

/**
 * The status of the fake model's own failures (script exhausted, script function threw).
 * Not 500: codex 0.169.0 replaces a 500's body with "We're currently experiencing high
 * demand …", while for 501 it quotes the body's message in the turn's error.
 *
 * @example
 * ```ts
 * import { SCRIPT_FAILURE_STATUS } from "./fake_model.ts";
 * console.log(SCRIPT_FAILURE_STATUS); // 501
 * ```
 */
export const SCRIPT_FAILURE_STATUS = 501;
const EXHAUSTED_STATUS = SCRIPT_FAILURE_STATUS;

/** How long `waitForRequests` waits by default. */
const WAIT_TIMEOUT_MS = 20_000;
/** Largest batch of deltas written in one chunk when the stream is not paced. */
const BATCH_BYTES = 64 * 1024;
/** How long a drop waits after its last delta, so the bytes reach the client first. */
const DROP_SETTLE_MS = 50;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function jsonResponse(status: number, body: JsonValue): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function usage(outputTokens: number): JsonValue {
  return {
    input_tokens: 10,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 10 + outputTokens,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A fake OpenAI Responses API server (`POST /v1/responses`, server-sent events) on
 * 127.0.0.1, answering from a script, recording every request. Point the real app-server
 * at it with {@linkcode codexHome}, or use {@linkcode startTestCodex}, which does it all.
 * Works on Deno, Bun and Node; close it with `close()` or `await using`.
 *
 * @example
 * ```ts
 * import { FakeModel } from "./fake_model.ts";
 * import { reply } from "./responses.ts";
 * await using model = await FakeModel.start({ script: [reply.text("Hi!")] });
 * const response = await fetch(`${model.url}/responses`, {
 *   method: "POST",
 *   body: JSON.stringify({ model: "m", input: [], stream: true }),
 * });
 * console.log((await response.text()).includes("response.completed")); // true
 * console.log(model.requests.length); // 1
 * ```
 */
export class FakeModel implements AsyncDisposable {
  /** The base URL to use as the provider's `base_url` ("http://127.0.0.1:PORT/v1"). */
  readonly url: string;
  readonly #server: TestServer;
  readonly #queue: ScriptStep[];
  /** What answers once the queue is empty: a function, or `undefined` for "exhausted". */
  readonly #otherwise: ScriptFunction | undefined;
  /** How many steps were ever scripted (the list, plus `enqueue`). */
  #scripted: number;
  readonly #requests: FakeRequest[] = [];
  readonly #calls: FakeHttpCall[] = [];
  readonly #gates: Gate[] = [];
  readonly #streams = new Set<SseBody>();
  readonly #waiters = new Set<() => void>();
  #ids = 0;
  #closing: Promise<void> | undefined;

  private constructor(server: TestServer, script: Script | undefined, state: FakeModelState) {
    this.#server = server;
    this.url = `http://${server.hostname}:${server.port}/v1`;
    this.#queue = state.queue;
    this.#scripted = state.queue.length;
    this.#otherwise = typeof script === "function"
      ? script
      : script === undefined
      ? () => ({ kind: "text", text: DEFAULT_TEXT })
      : undefined;
    state.model = this;
  }

  /**
   * Starts a fake model listening on 127.0.0.1 (an ephemeral port by default).
   *
   * @param options The script, and where to listen.
   * @returns The running fake model.
   * @throws {CodexError} A scripted response is invalid (the message names the step and the
   * field), or the server could not listen.
   *
   * @example
   * ```ts
   * import { FakeModel } from "./fake_model.ts";
   * await using model = await FakeModel.start({
   *   script: [{ kind: "shellCommand", command: "ls" }, { kind: "text", text: "Listed." }],
   * });
   * console.log(model.url.startsWith("http://127.0.0.1:")); // true
   * ```
   */
  static async start(options: FakeModelOptions = {}): Promise<FakeModel> {
    const { script } = options;
    if (script !== undefined && typeof script !== "function" && !Array.isArray(script)) {
      throw new CodexError(
        `Cannot start the fake model: script must be a list or a function, got ${
          JSON.stringify(script)
        }`,
      );
    }
    const queue = typeof script === "function" || script === undefined ? [] : [...script];
    queue.forEach((step, index) => {
      if (typeof step !== "function") checkResponse(step, `script step ${index}`);
    });
    const host = await loadTestHost();
    const state: FakeModelState = { queue, model: undefined };
    let server: TestServer;
    try {
      server = await host.serve(
        (request) => state.model!.#handle(request),
        { hostname: options.hostname, port: options.port },
      );
    } catch (error) {
      throw new CodexError(
        `Cannot start the fake model: cannot listen on ${options.hostname ?? "127.0.0.1"}:${
          options.port ?? 0
        }: ${describe(error)}`,
        { cause: error },
      );
    }
    return new FakeModel(server, script, state);
  }

  /** Every `POST /v1/responses` so far, in arrival order, parsed and with derived fields. */
  get requests(): readonly FakeRequest[] {
    return this.#requests;
  }

  /** Every HTTP request so far, of any path (for diagnostics). */
  get calls(): readonly FakeHttpCall[] {
    return this.#calls;
  }

  /** How many scripted steps have not been used yet. */
  get remaining(): number {
    return this.#queue.length;
  }

  /**
   * Appends steps to the script list; they are answered before any script function.
   *
   * @param steps The responses (or functions) to add.
   * @throws {CodexError} A response is invalid, or the fake model is closed.
   *
   * @example
   * ```ts
   * import { FakeModel } from "./fake_model.ts";
   * await using model = await FakeModel.start({ script: [] });
   * model.enqueue({ kind: "text", text: "Later." });
   * console.log(model.remaining); // 1
   * ```
   */
  enqueue(...steps: ScriptStep[]): void {
    if (this.#closing !== undefined) {
      throw new CodexError("Cannot add to the fake model's script: it is closed");
    }
    steps.forEach((step, index) => {
      if (typeof step !== "function") {
        checkResponse(step, `script step ${this.#queue.length + index}`);
      }
    });
    this.#queue.push(...steps);
    this.#scripted += steps.length;
  }

  /**
   * Makes the next streamed message (a `text` or `json` response) pause right after its
   * first delta until `release()` is called. Gates queue up: each one holds one stream.
   *
   * @returns The gate.
   *
   * @example
   * ```ts
   * import { startTestCodex } from "./start.ts";
   * await using t = await startTestCodex({
   *   script: [{ kind: "text", text: "Hi" }, { kind: "text", text: "Bye" }],
   * });
   * const thread = await t.codex.threadStart();
   * const gate = t.model.hold();
   * const turn = await thread.turn("Hi");
   * await gate.reached; // the first delta is out; the turn is mid-stream
   * await turn.steer("Also say bye");
   * gate.release();
   * console.log((await turn.result()).finalResponse); // "Bye"
   * ```
   */
  hold(): Hold {
    let release!: () => void;
    let markReached!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const reached = new Promise<void>((resolve) => (markReached = resolve));
    const hold: Hold = { reached, release: () => release() };
    this.#gates.push({ hold, released, markReached });
    return hold;
  }

  /**
   * The number of response streams still open (a client that goes away closes its stream).
   *
   * @returns The count.
   *
   * @example
   * ```ts
   * import { FakeModel } from "./fake_model.ts";
   * await using model = await FakeModel.start();
   * console.log(model.activeStreams()); // 0
   * ```
   */
  activeStreams(): number {
    return this.#streams.size;
  }

  /**
   * Waits until at least `count` requests have arrived.
   *
   * @param count How many requests to wait for.
   * @param options `signal` cancels the wait; `timeoutMs` bounds it (default 20 000, so a
   * test that waits for a request that never comes fails instead of hanging).
   * @returns Resolves once `requests.length >= count` (at once if it already is).
   * @throws {CallTimeoutError} `timeoutMs` passed first (its message says how many arrived).
   * @throws {RangeError} `timeoutMs` is negative or not a number.
   *
   * @example
   * ```ts
   * import { startTestCodex } from "./start.ts";
   * await using t = await startTestCodex();
   * const turn = await (await t.codex.threadStart()).turn("Hi");
   * await t.model.waitForRequests(1, { timeoutMs: 5_000 });
   * console.log(t.model.requests[0].lastUserMessage); // "Hi"
   * await turn.result();
   * ```
   */
  waitForRequests(count: number, options: CallOptions = {}): Promise<void> {
    if (this.#requests.length >= count) return Promise.resolve();
    const timeoutMs = options.timeoutMs ?? WAIT_TIMEOUT_MS;
    let scope;
    try {
      scope = callScope({ signal: options.signal, timeoutMs }, "waitForRequests");
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = scope.signal!;
    return new Promise((resolve, reject) => {
      const settle = () => {
        this.#waiters.delete(check);
        signal.removeEventListener("abort", onAbort);
        scope[Symbol.dispose]();
      };
      const check = () => {
        if (this.#requests.length < count) return;
        settle();
        resolve();
      };
      const onAbort = () => {
        settle();
        reject(
          signal.reason instanceof CallTimeoutError
            ? new CallTimeoutError(
              `Waiting for ${count} requests to the fake model (${this.#requests.length} arrived)`,
              timeoutMs,
            )
            : signal.reason,
        );
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(check);
    });
  }

  /**
   * Stops the server: open streams are dropped, held gates released (idempotent).
   *
   * @returns Resolves once the port is free.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const gate of this.#gates.splice(0)) gate.hold.release();
      for (const stream of this.#streams) stream.drop();
      this.#streams.clear();
      await this.#server.close();
    })();
    return this.#closing;
  }

  /** Closes the fake model; what `await using` calls. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => (headers[name] = value));
    this.#calls.push({ method: request.method, path, headers });
    if (request.method === "POST" && path.endsWith("/responses")) {
      return await this.#responses(request, headers);
    }
    if (request.method === "GET" && path.endsWith("/models")) {
      // `data` for OpenAI-style clients, `models` for codex's own models endpoint.
      return jsonResponse(200, { object: "list", data: [], models: [] });
    }
    return jsonResponse(404, {
      error: { message: `The fake model has no route for ${request.method} ${path}` },
    });
  }

  async #responses(request: Request, headers: Record<string, string>): Promise<Response> {
    let body: JsonValue;
    try {
      body = JSON.parse(await request.text());
    } catch (error) {
      return jsonResponse(400, {
        error: {
          message: `The request body is not JSON: ${describe(error)}`,
          type: "invalid_request",
        },
      });
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return jsonResponse(400, {
        error: { message: "The request body is not a JSON object", type: "invalid_request" },
      });
    }
    const fake = toFakeRequest(
      this.#requests.length,
      body as { readonly [key: string]: JsonValue },
      headers,
    );
    this.#requests.push(fake);
    for (const waiter of [...this.#waiters]) waiter();
    const where = `request ${fake.index}`;
    const step = this.#queue.shift() ?? this.#otherwise;
    if (step === undefined) {
      return jsonResponse(EXHAUSTED_STATUS, {
        error: {
          message:
            `Fake model script exhausted: request ${fake.index} has no scripted response (the script had ${this.#scripted}); add responses, or use a script function`,
          type: "server_error",
          code: "fake_script_exhausted",
        },
      });
    }
    let response: FakeResponse;
    try {
      response = checkResponse(typeof step === "function" ? await step(fake) : step, where);
    } catch (error) {
      return jsonResponse(EXHAUSTED_STATUS, {
        error: {
          message: `The fake model's script failed on ${where}: ${describe(error)}`,
          type: "server_error",
          code: "fake_script_error",
        },
      });
    }
    if (response.delayMs) await sleep(response.delayMs);
    if (response.kind === "httpError") return httpError(response);
    const stream = new SseBody();
    this.#streams.add(stream);
    stream.finished.then(() => this.#streams.delete(stream));
    this.#stream(stream, response, fake).catch(() => stream.drop());
    return new Response(stream.readable, {
      status: 200,
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
      },
    });
  }

  #nextId(prefix: string): string {
    return `${prefix}_${++this.#ids}`;
  }

  async #stream(stream: SseBody, response: FakeResponse, request: FakeRequest): Promise<void> {
    const responseId = this.#nextId("resp");
    const created = sseEvent({ type: "response.created", response: { id: responseId } });
    const completed = (outputTokens: number) =>
      sseEvent({
        type: "response.completed",
        response: { id: responseId, usage: usage(outputTokens) },
      });
    switch (response.kind) {
      case "text":
      case "json": {
        const text = response.kind === "json" ? JSON.stringify(response.value) : response.text;
        const deltas = typeof text === "string"
          ? splitText(text, response.deltas, `request ${request.index}`)
          : [...text];
        await this.#message(stream, created, deltas, response, completed(deltas.length));
        return;
      }
      case "shellCommand": {
        const args: Record<string, JsonValue> = { cmd: response.command, login: false };
        if (response.workdir !== undefined) args.workdir = response.workdir;
        if (response.justification !== undefined) args.justification = response.justification;
        if (response.sandboxPermissions !== undefined) {
          args.sandbox_permissions = response.sandboxPermissions;
        }
        await this.#call(stream, created, completed(5), {
          type: "function_call",
          id: this.#nextId("fc"),
          call_id: response.callId ?? this.#nextId("call"),
          name: "exec_command",
          arguments: JSON.stringify(args),
        });
        return;
      }
      case "fileChange": {
        const callId = response.callId ?? this.#nextId("call");
        const item: Record<string, JsonValue> = offersCustomApplyPatch(request)
          ? {
            type: "custom_tool_call",
            id: this.#nextId("ctc"),
            call_id: callId,
            name: "apply_patch",
            input: response.patch,
          }
          : {
            type: "function_call",
            id: this.#nextId("fc"),
            call_id: callId,
            name: "exec_command",
            arguments: JSON.stringify({
              cmd: `apply_patch <<'EOF'\n${response.patch}${
                response.patch.endsWith("\n") ? "" : "\n"
              }EOF\n`,
              login: false,
            }),
          };
        await this.#call(stream, created, completed(5), item);
        return;
      }
      case "toolCall": {
        const args = response.arguments ?? {};
        await this.#call(stream, created, completed(5), {
          type: "function_call",
          id: this.#nextId("fc"),
          call_id: response.callId ?? this.#nextId("call"),
          name: response.name,
          arguments: typeof args === "string" ? args : JSON.stringify(args),
        });
        return;
      }
      case "drop":
      case "stall": {
        const count = response.afterDeltas ?? (response.kind === "drop" ? 1 : 0);
        const deltas = count === 0
          ? []
          : response.text === undefined
          ? Array.from({ length: count }, (_, i) => `d${i} `)
          : splitText(response.text, count, `request ${request.index}`);
        let head = created;
        if (deltas.length > 0) {
          const itemId = this.#nextId("msg");
          head += messageStart(itemId, undefined) +
            deltas.map((delta) => deltaEvent(itemId, delta)).join("");
        }
        if (!(await stream.send(head))) return;
        if (response.kind === "drop") {
          await sleep(DROP_SETTLE_MS);
          stream.drop();
        } else {
          await stream.finished; // until the reader leaves or the fake model closes
        }
        return;
      }
      case "httpError":
        return; // answered before any stream
    }
  }

  /** Streams one assistant message made of `deltas`, pausing at a gate and between deltas. */
  async #message(
    stream: SseBody,
    head: string,
    deltas: readonly string[],
    options: { intervalMs?: number; phase?: "final_answer" | "commentary" },
    tail: string,
  ): Promise<void> {
    const itemId = this.#nextId("msg");
    let buffer = head + messageStart(itemId, options.phase);
    const paced = options.intervalMs !== undefined && options.intervalMs > 0;
    for (let i = 0; i < deltas.length; i++) {
      buffer += deltaEvent(itemId, deltas[i]);
      if (i === 0 || paced || buffer.length >= BATCH_BYTES) {
        if (!(await stream.send(buffer))) return;
        buffer = "";
        if (i === 0 && !(await this.#passGate(stream))) return;
        if (paced && i < deltas.length - 1) {
          await sleep(options.intervalMs!);
          if (!stream.open) return;
        }
      }
    }
    const text = deltas.join("");
    const phase = options.phase === undefined ? {} : { phase: options.phase };
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
      }) + tail;
    if (await stream.send(buffer)) stream.end();
  }

  /** Streams one tool call item (added, then done) and completes the response. */
  async #call(
    stream: SseBody,
    head: string,
    tail: string,
    item: Record<string, JsonValue>,
  ): Promise<void> {
    const partial: Record<string, JsonValue> = { ...item, status: "in_progress" };
    if (typeof item.arguments === "string") partial.arguments = "";
    const text = head +
      sseEvent({ type: "response.output_item.added", output_index: 0, item: partial }) +
      sseEvent({
        type: "response.output_item.done",
        output_index: 0,
        item: { ...item, status: "completed" },
      }) + tail;
    if (await stream.send(text)) stream.end();
  }

  async #passGate(stream: SseBody): Promise<boolean> {
    const gate = this.#gates.shift();
    if (gate === undefined) return stream.open;
    gate.markReached();
    await Promise.race([gate.released, stream.finished]);
    return stream.open;
  }
}

/** Lets `start` hand the handler a model that does not exist yet. */
interface FakeModelState {
  queue: ScriptStep[];
  model: FakeModel | undefined;
}

function messageStart(itemId: string, phase: string | undefined): string {
  const extra = phase === undefined ? {} : { phase };
  return sseEvent({
    type: "response.output_item.added",
    output_index: 0,
    item: { type: "message", role: "assistant", id: itemId, content: [], ...extra },
  }) +
    sseEvent({
      type: "response.content_part.added",
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      part: { type: "output_text", text: "", annotations: [] },
    });
}

function deltaEvent(itemId: string, delta: string): string {
  return sseEvent({
    type: "response.output_text.delta",
    item_id: itemId,
    output_index: 0,
    content_index: 0,
    delta,
  });
}

function httpError(response: Extract<FakeResponse, { kind: "httpError" }>): Response {
  const { body } = response;
  const headers: Record<string, string> = { ...response.headers };
  let text: string | null = null;
  if (typeof body === "string") {
    text = body;
    headers["content-type"] ??= "text/plain; charset=utf-8";
  } else if (body !== undefined) {
    text = JSON.stringify(body);
    headers["content-type"] ??= "application/json";
  }
  return new Response(text, { status: response.status, headers });
}
