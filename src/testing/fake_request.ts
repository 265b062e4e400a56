/**
 * One `POST /v1/responses` as the fake model saw it: the parsed body and the fields a script
 * usually needs, derived once.
 *
 * @module
 */

import type { JsonValue } from "./json.ts";

/** The output of a tool call that came back to the model in a request. */
export interface ToolOutput {
  /** The input item's type: `function_call_output`, `custom_tool_call_output` … */
  readonly type: string;
  /**
   * The call it answers; `null` for an output no call asked for (an external message, sent
   * with `ExternalMessage`, carries its tool's name instead).
   */
  readonly callId: string | null;
  /** The tool's name: the output's own, or the matching call's earlier in the input. */
  readonly name: string | null;
  /** The output as text (content items joined). */
  readonly output: string;
}

/**
 * A request the agent made to the fake model, recorded for assertions and passed to a
 * script function.
 *
 * @example
 * ```ts
 * import type { FakeRequest } from "./fake_request.ts";
 * function describe(request: FakeRequest): string {
 *   const outputs = request.toolOutputs.map((output) => `${output.name}: ${output.output}`);
 *   return `#${request.index} ${request.model} "${request.lastUserMessage}" ${outputs}`;
 * }
 * ```
 */
export interface FakeRequest {
  /** Its position among the `POST /v1/responses` requests, from 0. */
  readonly index: number;
  /** The `model` of the body (`""` when missing). */
  readonly model: string;
  /**
   * The text of the last user message: what the user asked in this turn. Context messages
   * codex adds as user messages (`<environment_context>` …) are skipped. `""` when none.
   */
  readonly lastUserMessage: string;
  /** The body's `input` list (the conversation so far). */
  readonly input: readonly JsonValue[];
  /**
   * The outputs of tool calls that came back after the last user message: non-empty when
   * this request continues a tool round trip (the shell command ran, was declined, …).
   */
  readonly toolOutputs: readonly ToolOutput[];
  /** The names of the tools the request offers (`exec_command`, `apply_patch` …). */
  readonly toolNames: readonly string[];
  /** The whole parsed body. */
  readonly body: { readonly [key: string]: JsonValue };
  /** The request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
}

type Item = { readonly [key: string]: JsonValue };

function isItem(value: JsonValue): value is Item {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The text of a tool output (`output` is a string, or content items with `text`).
 *
 * @param output The `output` member of a `*_call_output` item.
 * @returns Its text.
 */
function outputText(output: JsonValue | undefined): string {
  if (typeof output === "string") return output;
  if (Array.isArray(output)) {
    return output.map((part) => isItem(part) && typeof part.text === "string" ? part.text : "")
      .join("");
  }
  if (output !== undefined && isItem(output) && output.content !== undefined) {
    return outputText(output.content);
  }
  return JSON.stringify(output ?? "");
}

function messageText(item: Item): string {
  const content = item.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => isItem(part) && typeof part.text === "string" ? part.text : "")
    .join("");
}

/**
 * Derives a {@linkcode FakeRequest} from a parsed request body.
 *
 * @param index The request's position.
 * @param body The parsed JSON body.
 * @param headers The request headers.
 * @returns The request with its derived fields.
 *
 * @example
 * ```ts
 * import { toFakeRequest } from "./fake_request.ts";
 * const request = toFakeRequest(0, {
 *   model: "gpt-5.5",
 *   input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "Hi" }] }],
 * }, {});
 * console.log(request.lastUserMessage); // "Hi"
 * ```
 */
export function toFakeRequest(
  index: number,
  body: { readonly [key: string]: JsonValue },
  headers: Readonly<Record<string, string>>,
): FakeRequest {
  const input = Array.isArray(body.input) ? body.input as readonly JsonValue[] : [];
  let lastUser = -1;
  let lastUserMessage = "";
  const callNames = new Map<string, string>();
  input.forEach((item, at) => {
    if (!isItem(item)) return;
    if (item.type === "message" && item.role === "user") {
      lastUser = at;
      const text = messageText(item);
      if (!text.startsWith("<")) lastUserMessage = text;
    }
    if (typeof item.call_id === "string" && typeof item.name === "string") {
      callNames.set(item.call_id, item.name);
    }
  });
  const toolOutputs: ToolOutput[] = [];
  input.forEach((item, at) => {
    if (at <= lastUser || !isItem(item) || typeof item.type !== "string") return;
    if (!item.type.endsWith("_output")) return;
    const callId = typeof item.call_id === "string" ? item.call_id : null;
    const own = typeof item.name === "string" ? item.name : undefined;
    toolOutputs.push({
      type: item.type,
      callId,
      name: own ?? (callId === null ? null : callNames.get(callId) ?? null),
      output: outputText(item.output),
    });
  });
  const tools = Array.isArray(body.tools) ? body.tools as readonly JsonValue[] : [];
  const toolNames = tools.flatMap((tool) =>
    isItem(tool) && typeof tool.name === "string" ? [tool.name] : []
  );
  return {
    index,
    model: typeof body.model === "string" ? body.model : "",
    lastUserMessage,
    input,
    toolOutputs,
    toolNames,
    body,
    headers,
  };
}

/**
 * Whether the request offers `apply_patch` as a freeform custom tool (codex 0.169.0 does
 * for the models of its catalogue).
 *
 * @param request The request.
 * @returns `true` when a `{"type":"custom","name":"apply_patch"}` tool is offered.
 *
 * @example
 * ```ts
 * import { offersCustomApplyPatch, toFakeRequest } from "./fake_request.ts";
 * const request = toFakeRequest(0, { tools: [{ type: "custom", name: "apply_patch" }] }, {});
 * console.log(offersCustomApplyPatch(request)); // true
 * ```
 */
export function offersCustomApplyPatch(request: FakeRequest): boolean {
  const tools = Array.isArray(request.body.tools) ? request.body.tools as JsonValue[] : [];
  return tools.some((tool) =>
    isItem(tool) && tool.type === "custom" && tool.name === "apply_patch"
  );
}
