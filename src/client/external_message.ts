/**
 * External messages: content from another agent, a tool or an application, sent to a turn as
 * a function-call output (`turn/start` with `input: []` and `toolOutput`), never as the user's
 * words or approval.
 *
 * @module
 */

import type { FunctionCallOutputBody, TurnToolOutput } from "../../generated/mod.ts";
import { CodexError } from "../errors.ts";

/** The first app-server version that accepts `toolOutput` on `turn/start`. */
export const EXTERNAL_MESSAGE_MIN_VERSION = "0.151.0";

/** What an external message carries. */
export interface ExternalMessageInit {
  /** The tool (or agent, or application) the content comes from, as the model will see it. */
  readonly toolName: string;
  /** The content: text, or input items (`{ type: "input_text", text }`, images). */
  readonly content: FunctionCallOutputBody;
  /** A namespace for the tool's name, if it has one. */
  readonly namespace?: string;
}

/** An external message, made by {@linkcode ExternalMessage}; pass it to `run` or `turn`. */
export interface ExternalMessage extends ExternalMessageInit {
  /** Tells an external message from an input item. */
  readonly kind: "externalMessage";
}

/**
 * An external message, for `thread.run(message)` or `thread.turn(message)`: the turn records
 * it as the output of a function call named `toolName`, as the Python SDK's `ExternalMessage`
 * does. It is the whole input of its turn (it cannot be mixed into an input list, nor steer a
 * turn), and on a busy thread it joins the running turn like any `turn/start`. Needs
 * app-server 0.151.0 or newer.
 *
 * @param init The tool's name, the content, and an optional namespace.
 * @returns The message.
 * @throws {CodexError} `toolName` is empty.
 *
 * @example
 * ```ts
 * import type { Thread } from "codex-app-server";
 * import { ExternalMessage } from "./external_message.ts";
 * declare const thread: Thread;
 * const result = await thread.run(
 *   ExternalMessage({ toolName: "ci_status", content: "build 412 failed: 3 tests red" }),
 * );
 * ```
 */
export function ExternalMessage(init: ExternalMessageInit): ExternalMessage {
  if (typeof init.toolName !== "string" || init.toolName.trim() === "") {
    throw new CodexError("Cannot make an ExternalMessage: toolName must be a non-empty string");
  }
  return { kind: "externalMessage", ...init };
}

/**
 * Whether a value is an external message.
 *
 * @param value Anything passed as input.
 * @returns `true` for a value made by {@linkcode ExternalMessage}.
 *
 * @example
 * ```ts
 * import { ExternalMessage, isExternalMessage } from "./external_message.ts";
 * console.log(isExternalMessage(ExternalMessage({ toolName: "t", content: "x" }))); // true
 * ```
 */
export function isExternalMessage(value: unknown): value is ExternalMessage {
  return typeof value === "object" && value !== null &&
    (value as { kind?: unknown }).kind === "externalMessage";
}

/**
 * The `toolOutput` of a `turn/start` that carries an external message.
 *
 * @param message The message.
 * @returns The wire `toolOutput`.
 *
 * @example
 * ```ts
 * import { ExternalMessage, toToolOutput } from "./external_message.ts";
 * console.log(toToolOutput(ExternalMessage({ toolName: "ci", content: "green" })));
 * // { name: "ci", output: "green" }
 * ```
 */
export function toToolOutput(message: ExternalMessage): TurnToolOutput {
  return {
    name: message.toolName,
    output: message.content,
    ...(message.namespace === undefined ? {} : { namespace: message.namespace }),
  };
}
