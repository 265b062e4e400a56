/**
 * What a {@linkcode FakeModel} can answer, as plain data: one {@linkcode FakeResponse} per
 * HTTP request the agent makes, and the {@linkcode reply} helpers that build them.
 *
 * @module
 */

import { CodexError } from "../errors.ts";
import type { JsonValue } from "./json.ts";

/** Options every response kind accepts. */
export interface ResponseTiming {
  /** Wait this long before answering at all (before the status line), in ms. Default 0. */
  readonly delayMs?: number;
}

/** Options of the kinds that stream an assistant message. */
export interface StreamedTextOptions extends ResponseTiming {
  /**
   * How many `response.output_text.delta` events carry the text (a string `text` is cut
   * into this many nearly equal pieces). Default: one delta per word.
   */
  readonly deltas?: number;
  /** Pause this long between two deltas, in ms (a slow stream). Default: no pause. */
  readonly intervalMs?: number;
  /** The message's `phase`. `"final_answer"` marks it as the turn's answer. Default: none. */
  readonly phase?: "final_answer" | "commentary";
}

/**
 * An assistant message, streamed in deltas.
 *
 * @example
 * ```ts
 * import type { TextResponse } from "./responses.ts";
 * const hello: TextResponse = { kind: "text", text: "Hello there.", deltas: 2, intervalMs: 10 };
 * ```
 */
export interface TextResponse extends StreamedTextOptions {
  /** Discriminant. */
  readonly kind: "text";
  /** The message; an array gives the deltas exactly (and `deltas` must then be left out). */
  readonly text: string | readonly string[];
}

/**
 * Structured output: an assistant message whose text is `JSON.stringify(value)` (what a
 * turn with an `outputSchema` expects back).
 *
 * @example
 * ```ts
 * import type { JsonResponse } from "./responses.ts";
 * const answer: JsonResponse = { kind: "json", value: { verdict: "pass", score: 9 } };
 * ```
 */
export interface JsonResponse extends StreamedTextOptions {
  /** Discriminant. */
  readonly kind: "json";
  /** The value the message's text encodes. */
  readonly value: JsonValue;
}

/**
 * A shell command the agent asks to run: the `exec_command` function call of codex
 * 0.169.0 (`{ cmd, login: false, … }`). Under `approvalPolicy: "untrusted"` the app-server
 * asks the client first (`item/commandExecution/requestApproval`). Its output comes back
 * in the next request (see `FakeRequest.toolOutputs`), so script the answer after it.
 *
 * @example
 * ```ts
 * import type { ShellCommandResponse } from "./responses.ts";
 * const run: ShellCommandResponse = { kind: "shellCommand", command: "echo hi" };
 * ```
 */
export interface ShellCommandResponse extends ResponseTiming {
  /** Discriminant. */
  readonly kind: "shellCommand";
  /** The command line (`cmd`). */
  readonly command: string;
  /** Working directory (`workdir`). Default: the turn's cwd. */
  readonly workdir?: string;
  /** Why it needs to run unsandboxed (`justification`), shown in the approval request. */
  readonly justification?: string;
  /** `sandbox_permissions`; `"require_escalated"` asks to run outside the sandbox. */
  readonly sandboxPermissions?: "use_default" | "require_escalated";
  /** The call id. Default: `call_<n>`, unique per fake model. */
  readonly callId?: string;
}

/**
 * A file change: an `apply_patch` call, in the form the request offered it. Codex 0.169.0
 * offers `apply_patch` as a freeform *custom* tool (`{"type":"custom","name":"apply_patch",
 * "format":{"type":"grammar",…}}`) to the models of its catalogue (`gpt-5.5`, the default
 * of `codexHome`), so the fake answers with a `custom_tool_call` whose `input` is the patch.
 * For a model the binary does not know it offers no such tool; the fake then sends the patch
 * as `exec_command` with `apply_patch <<'EOF' … EOF`, which codex intercepts as the same file
 * change. Either way the app-server asks `item/fileChange/requestApproval` when the policy
 * says so, and the patch's result comes back in the next request.
 *
 * @example
 * ```ts
 * import type { FileChangeResponse } from "./responses.ts";
 * const add: FileChangeResponse = {
 *   kind: "fileChange",
 *   patch: "*** Begin Patch\n*** Add File: hello.txt\n+hello\n*** End Patch\n",
 * };
 * ```
 */
export interface FileChangeResponse extends ResponseTiming {
  /** Discriminant. */
  readonly kind: "fileChange";
  /** The patch, in `apply_patch` format (`*** Begin Patch` … `*** End Patch`). */
  readonly patch: string;
  /** The call id. Default: `call_<n>`, unique per fake model. */
  readonly callId?: string;
}

/**
 * Any function call (a `function_call` item), e.g. of a dynamic tool the client declared in
 * `thread/start`'s `dynamicTools`, which the app-server forwards to the client as an
 * `item/tool/call` request.
 *
 * @example
 * ```ts
 * import type { ToolCallResponse } from "./responses.ts";
 * const call: ToolCallResponse = { kind: "toolCall", name: "lookup", arguments: { id: 7 } };
 * ```
 */
export interface ToolCallResponse extends ResponseTiming {
  /** Discriminant. */
  readonly kind: "toolCall";
  /** The function's name. */
  readonly name: string;
  /**
   * Its arguments. A string is sent as the raw `arguments` text; any other JSON value as its
   * JSON text. Default `{}`.
   */
  readonly arguments?: JsonValue;
  /** The call id. Default: `call_<n>`, unique per fake model. */
  readonly callId?: string;
}

/**
 * An HTTP error instead of a stream. With the retries `codexHome` turns off, the turn fails
 * at once; the body (if any) is what codex quotes in the turn's error.
 *
 * @example
 * ```ts
 * import type { HttpErrorResponse } from "./responses.ts";
 * const limited: HttpErrorResponse = {
 *   kind: "httpError",
 *   status: 429,
 *   body: { error: { message: "Slow down", type: "rate_limit_exceeded" } },
 * };
 * ```
 */
export interface HttpErrorResponse extends ResponseTiming {
  /** Discriminant. */
  readonly kind: "httpError";
  /** The status, 400 to 599. */
  readonly status: number;
  /** The body: a string is sent as `text/plain`, any other JSON value as JSON. Default: none. */
  readonly body?: JsonValue;
  /** Extra response headers. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Options of the responses that stop part-way: how far they get first. */
export interface PartialStreamOptions extends ResponseTiming {
  /** How many text deltas are sent first. Default 1 for `drop`, 0 for `stall`. */
  readonly afterDeltas?: number;
  /** The text those deltas carry, cut into `afterDeltas` pieces. Default `d0 `, `d1 ` … */
  readonly text?: string;
}

/**
 * A connection dropped mid-stream: the status, `response.created`, an assistant message
 * item and `afterDeltas` deltas arrive, then the connection closes without the rest of the
 * body. Codex fails the turn with "stream disconnected before completion".
 *
 * @example
 * ```ts
 * import type { DropResponse } from "./responses.ts";
 * const cut: DropResponse = { kind: "drop", afterDeltas: 2 };
 * ```
 */
export interface DropResponse extends PartialStreamOptions {
  /** Discriminant. */
  readonly kind: "drop";
}

/**
 * A stall: like {@linkcode DropResponse}, but then nothing, with the connection held open
 * until the agent gives up (its `stream_idle_timeout_ms`; see `codexHome`), the turn is
 * interrupted, or the fake model closes.
 *
 * @example
 * ```ts
 * import type { StallResponse } from "./responses.ts";
 * const hang: StallResponse = { kind: "stall", afterDeltas: 1 };
 * ```
 */
export interface StallResponse extends PartialStreamOptions {
  /** Discriminant. */
  readonly kind: "stall";
}

/**
 * One answer of the fake model: what it does with one `POST /v1/responses`.
 *
 * @example
 * ```ts
 * import type { FakeResponse } from "./responses.ts";
 * const answers: FakeResponse[] = [
 *   { kind: "text", text: "Hi" },
 *   { kind: "httpError", status: 503 },
 *   { kind: "drop", afterDeltas: 2 },
 * ];
 * ```
 */
export type FakeResponse =
  | TextResponse
  | JsonResponse
  | ShellCommandResponse
  | FileChangeResponse
  | ToolCallResponse
  | HttpErrorResponse
  | DropResponse
  | StallResponse;

/**
 * The response kinds, for messages and checks.
 *
 * @example
 * ```ts
 * import { RESPONSE_KINDS } from "./responses.ts";
 * console.log(RESPONSE_KINDS.includes("stall")); // true
 * ```
 */
export const RESPONSE_KINDS: readonly FakeResponse["kind"][] = [
  "text",
  "json",
  "shellCommand",
  "fileChange",
  "toolCall",
  "httpError",
  "drop",
  "stall",
];

/** The functions of {@linkcode reply}. */
export interface ReplyBuilders {
  /**
   * An assistant message.
   *
   * @param text The message, or its exact deltas.
   * @param options Deltas, pace, phase, delay.
   * @returns A {@linkcode TextResponse}.
   */
  text(text: string | readonly string[], options?: StreamedTextOptions): TextResponse;
  /**
   * An assistant message that ends the turn as its final answer (`phase: "final_answer"`).
   *
   * @param text The message, or its exact deltas.
   * @param options Deltas, pace, delay.
   * @returns A {@linkcode TextResponse}.
   */
  finalAnswer(
    text: string | readonly string[],
    options?: Omit<StreamedTextOptions, "phase">,
  ): TextResponse;
  /**
   * A slow stream: `text` in `deltas` pieces, `intervalMs` apart.
   *
   * @param text The message.
   * @param options The number of deltas and the pause between them.
   * @returns A {@linkcode TextResponse}.
   */
  slow(text: string, options: { deltas?: number; intervalMs: number }): TextResponse;
  /**
   * Structured output: the message's text is `JSON.stringify(value)`.
   *
   * @param value The value.
   * @param options Deltas, pace, phase, delay.
   * @returns A {@linkcode JsonResponse}.
   */
  json(value: JsonValue, options?: StreamedTextOptions): JsonResponse;
  /**
   * A shell command (`exec_command`).
   *
   * @param command The command line.
   * @param options Working directory, justification, sandbox permissions, call id, delay.
   * @returns A {@linkcode ShellCommandResponse}.
   */
  shellCommand(
    command: string,
    options?: Omit<ShellCommandResponse, "kind" | "command">,
  ): ShellCommandResponse;
  /**
   * A file change (`apply_patch`).
   *
   * @param patch The patch text.
   * @param options Call id, delay.
   * @returns A {@linkcode FileChangeResponse}.
   */
  fileChange(
    patch: string,
    options?: Omit<FileChangeResponse, "kind" | "patch">,
  ): FileChangeResponse;
  /**
   * A file change that adds one file.
   *
   * @param path The file's path, relative to the turn's cwd (or absolute).
   * @param contents Its text.
   * @returns A {@linkcode FileChangeResponse}.
   */
  addFile(path: string, contents: string): FileChangeResponse;
  /**
   * A function call.
   *
   * @param name The function's name.
   * @param args Its arguments (a string is the raw text; any other value is sent as JSON).
   * @param options Call id, delay.
   * @returns A {@linkcode ToolCallResponse}.
   */
  toolCall(
    name: string,
    args?: JsonValue,
    options?: Omit<ToolCallResponse, "kind" | "name" | "arguments">,
  ): ToolCallResponse;
  /**
   * An HTTP error. A string `message` becomes an OpenAI-style JSON body
   * (`{"error":{"message":…,"type":…}}`); without one the body is empty.
   *
   * @param status The status, 400 to 599.
   * @param message The error message, if any.
   * @returns An {@linkcode HttpErrorResponse}.
   */
  httpError(status: number, message?: string): HttpErrorResponse;
  /**
   * A connection dropped after `afterDeltas` deltas.
   *
   * @param options How far the stream gets first.
   * @returns A {@linkcode DropResponse}.
   */
  drop(options?: PartialStreamOptions): DropResponse;
  /**
   * A stream that stops sending and keeps the connection open.
   *
   * @param options How far the stream gets first.
   * @returns A {@linkcode StallResponse}.
   */
  stall(options?: PartialStreamOptions): StallResponse;
}

/**
 * Builders for every {@linkcode FakeResponse} kind. Each returns plain data; writing the
 * object yourself is the same.
 *
 * @example
 * ```ts
 * import { reply } from "./responses.ts";
 * const script = [
 *   reply.shellCommand("echo hi"),
 *   reply.text("It printed hi.", { deltas: 3, intervalMs: 5 }),
 *   reply.httpError(503, "Try later"),
 * ];
 * console.log(script.map((response) => response.kind)); // ["shellCommand", "text", "httpError"]
 * ```
 */
export const reply: ReplyBuilders = {
  text: (text, options = {}) => ({ kind: "text", text, ...options }),
  finalAnswer: (text, options = {}) => ({ kind: "text", text, ...options, phase: "final_answer" }),
  slow: (text, options) => ({ kind: "text", text, ...options }),
  json: (value, options = {}) => ({ kind: "json", value, ...options }),
  shellCommand: (command, options = {}) => ({ kind: "shellCommand", command, ...options }),
  fileChange: (patch, options = {}) => ({ kind: "fileChange", patch, ...options }),
  addFile: (path, contents) => ({ kind: "fileChange", patch: addFilePatch(path, contents) }),
  toolCall: (name, args, options = {}) => ({
    kind: "toolCall",
    name,
    ...(args === undefined ? {} : { arguments: args }),
    ...options,
  }),
  httpError: (status, message) => ({
    kind: "httpError",
    status,
    ...(message === undefined ? {} : {
      body: {
        error: { message, type: status >= 500 ? "server_error" : "invalid_request_error" },
      },
    }),
  }),
  drop: (options = {}) => ({ kind: "drop", ...options }),
  stall: (options = {}) => ({ kind: "stall", ...options }),
};

/**
 * The `apply_patch` text that adds one file.
 *
 * @param path The file's path.
 * @param contents Its text (a final newline is implied).
 * @returns The patch.
 *
 * @example
 * ```ts
 * import { addFilePatch } from "./responses.ts";
 * console.log(addFilePatch("a.txt", "one\ntwo"));
 * // *** Begin Patch\n*** Add File: a.txt\n+one\n+two\n*** End Patch\n
 * ```
 */
export function addFilePatch(path: string, contents: string): string {
  const lines = contents.replace(/\n$/, "").split("\n").map((line) => `+${line}\n`);
  return `*** Begin Patch\n*** Add File: ${path}\n${lines.join("")}*** End Patch\n`;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

function isDuration(value: unknown): boolean {
  return value === undefined || (typeof value === "number" && Number.isFinite(value) && value >= 0);
}

/**
 * Checks that a value is a {@linkcode FakeResponse} the fake model can send.
 *
 * @param response The value to check.
 * @param where Which response this is, for the message ("script step 2").
 * @returns The response.
 * @throws {CodexError} It is not a valid response; the message names the field and quotes
 * the value.
 *
 * @example
 * ```ts
 * import { checkResponse } from "./responses.ts";
 * checkResponse({ kind: "text", text: "ok" }, "script step 0");
 * ```
 */
export function checkResponse(response: unknown, where: string): FakeResponse {
  const fail = (problem: string): never => {
    throw new CodexError(`Invalid fake model response (${where}): ${problem}`);
  };
  if (typeof response !== "object" || response === null) {
    return fail(`expected an object, got ${JSON.stringify(response)}`);
  }
  const r = response as Record<string, unknown>;
  if (!RESPONSE_KINDS.includes(r.kind as FakeResponse["kind"])) {
    return fail(`kind ${JSON.stringify(r.kind)} is not one of ${RESPONSE_KINDS.join(", ")}`);
  }
  for (const key of ["delayMs", "intervalMs"]) {
    if (!isDuration(r[key])) {
      fail(`${key} ${JSON.stringify(r[key])} is not a non-negative number of milliseconds`);
    }
  }
  const text = r.text;
  switch (r.kind as FakeResponse["kind"]) {
    case "text":
      if (Array.isArray(text)) {
        if (text.length === 0 || !text.every((piece) => typeof piece === "string")) {
          fail(`text must be a string or a non-empty array of strings`);
        }
        if (r.deltas !== undefined) fail(`deltas cannot be combined with an array of deltas`);
      } else if (typeof text !== "string") {
        fail(`text ${JSON.stringify(text)} is not a string`);
      } else if (r.deltas !== undefined) splitText(text, r.deltas as number, where);
      break;
    case "json":
      if (r.value === undefined) fail(`value is missing`);
      if (r.deltas !== undefined) splitText(JSON.stringify(r.value), r.deltas as number, where);
      break;
    case "shellCommand":
      if (typeof r.command !== "string" || r.command === "") {
        fail(`command ${JSON.stringify(r.command)} is not a non-empty string`);
      }
      break;
    case "fileChange":
      if (typeof r.patch !== "string" || !r.patch.startsWith("*** Begin Patch")) {
        fail(`patch must be apply_patch text starting with "*** Begin Patch"`);
      }
      break;
    case "toolCall":
      if (typeof r.name !== "string" || r.name === "") {
        fail(`name ${JSON.stringify(r.name)} is not a non-empty string`);
      }
      break;
    case "httpError":
      if (!Number.isInteger(r.status) || (r.status as number) < 400 || (r.status as number) > 599) {
        fail(`status ${JSON.stringify(r.status)} is not an HTTP error status (400 to 599)`);
      }
      break;
    case "drop":
    case "stall":
      if (r.afterDeltas !== undefined && !isCount(r.afterDeltas)) {
        fail(`afterDeltas ${JSON.stringify(r.afterDeltas)} is not a count`);
      }
      if (text !== undefined && typeof text !== "string") {
        fail(`text ${JSON.stringify(text)} is not a string`);
      }
      if (typeof text === "string" && ((r.afterDeltas as number | undefined) ?? 1) > 0) {
        splitText(text, (r.afterDeltas as number | undefined) ?? 1, where);
      }
      break;
  }
  return response as FakeResponse;
}

/**
 * Cuts `text` into deltas: into `count` nearly equal pieces (by code point), or, without a
 * count, after each space (one delta per word).
 *
 * @param text The text.
 * @param count How many pieces.
 * @param where Which response this is, for the message.
 * @returns The pieces, which join to `text`.
 * @throws {CodexError} `count` is not a positive integer, or exceeds the text's length.
 *
 * @example
 * ```ts
 * import { splitText } from "./responses.ts";
 * console.log(splitText("abcdef", 4, "example")); // ["ab", "cd", "e", "f"]
 * console.log(splitText("one two", undefined, "example")); // ["one ", "two"]
 * ```
 */
export function splitText(text: string, count: number | undefined, where: string): string[] {
  if (count === undefined) {
    const words = text.split(/(?<= )/);
    return words.length === 0 ? [""] : words;
  }
  const chars = Array.from(text);
  if (!Number.isInteger(count) || count < 1) {
    throw new CodexError(
      `Invalid fake model response (${where}): deltas ${
        JSON.stringify(count)
      } is not a positive integer`,
    );
  }
  if (count > Math.max(chars.length, 1)) {
    throw new CodexError(
      `Invalid fake model response (${where}): deltas ${count} is more than the ${chars.length} characters of ${
        JSON.stringify(text)
      }`,
    );
  }
  const pieces: string[] = [];
  const base = Math.floor(chars.length / count);
  const extra = chars.length % count;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const size = base + (i < extra ? 1 : 0);
    pieces.push(chars.slice(at, at + size).join(""));
    at += size;
  }
  return pieces;
}
