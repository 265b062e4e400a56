/**
 * Checking messages against the generated schemas. valibot and the schemas are most of the
 * SDK's import cost, so they load on first use (`Codex` starts the load while the
 * app-server starts up).
 *
 * @module
 */

import type * as v from "npm:valibot@1.5.0";
import type * as Registry from "../../generated/registry.ts";
import { lazy } from "../_util/lazy.ts";
import { conforms } from "./conforms.ts";
import {
  formatIssues,
  InvalidParamsError,
  ProtocolError,
  type ValidationIssue,
} from "../errors.ts";

/**
 * How incoming messages are checked against the generated schemas:
 * - `"report"` (default): results, server requests and the notifications the SDK reads
 *   (`turn/completed`, `item/completed`, `thread/tokenUsage/updated`) are validated; a
 *   mismatch is reported to `onError` and the raw value is still delivered.
 * - `"strict"`: every result and notification is validated; a mismatch rejects the request
 *   (or is reported and the notification dropped) with a {@linkcode ProtocolError}.
 * - `"off"`: nothing incoming is validated.
 *
 * Outgoing params are always validated before sending. In `"report"` and `"strict"` mode a
 * key that the method's params do not have is an error as well (`InvalidParamsError`
 * 'modle: unknown option "modle" — did you mean "model"?', nothing sent); `"off"` lets such
 * keys through, for the fields of an app-server newer than the pinned protocol.
 */
export type ValidationMode = "report" | "strict" | "off";

/** valibot and the generated registry, once loaded. */
export interface Validation {
  /** valibot. */
  readonly v: typeof v;
  /** The generated method registry. */
  readonly registry: typeof Registry;
}

/**
 * Loads valibot and the generated schemas, once; `loadValidation.value` holds them after.
 *
 * @example
 * ```ts
 * import { loadValidation } from "./validation.ts";
 * const { registry } = await loadValidation();
 * console.log(registry.clientRequestSchemas("thread/start") !== undefined); // true
 * ```
 */
export const loadValidation = lazy<Validation>(async () => {
  const [valibot, registry] = await Promise.all([
    import("npm:valibot@1.5.0"),
    import("../../generated/registry.ts"),
  ]);
  return { v: valibot, registry };
});

/** The notifications the SDK itself reads, validated in `"report"` mode. */
const READ_BY_SDK = new Set(["turn/completed", "item/completed", "thread/tokenUsage/updated"]);

/**
 * Whether a notification is checked in a validation mode.
 *
 * @param mode The client's mode.
 * @param method The notification's method.
 * @returns `true` when its params are validated.
 *
 * @example
 * ```ts
 * import { checksNotification } from "./validation.ts";
 * console.log(checksNotification("report", "item/agentMessage/delta")); // false
 * ```
 */
export function checksNotification(mode: ValidationMode, method: string): boolean {
  return mode === "strict" || (mode === "report" && READ_BY_SDK.has(method));
}

/**
 * The issues of a value against a schema, with dot paths; empty when it is valid. A valid
 * value is recognized without valibot's copy of it ({@linkcode conforms}); valibot reports
 * the issues of an invalid one.
 *
 * @param validation The loaded modules.
 * @param schema The schema.
 * @param value The value.
 * @returns The issues, or `[]`.
 *
 * @example
 * ```ts
 * import { issuesOf, loadValidation } from "./validation.ts";
 * const validation = await loadValidation();
 * console.log(issuesOf(validation, validation.v.string(), 42)[0].path); // ""
 * ```
 */
export function issuesOf(
  validation: Validation,
  schema: v.GenericSchema,
  value: unknown,
): ValidationIssue[] {
  if (conforms(schema, value)) return [];
  const { v } = validation;
  const checked = v.safeParse(schema, value);
  if (checked.success) return [];
  return checked.issues.map((issue) => ({
    path: v.getDotPath(issue) ?? "",
    message: issue.message,
  }));
}

/**
 * The error for params that fail their schema (nothing was sent).
 *
 * @param method The request's method.
 * @param issues What is wrong.
 * @returns An `InvalidParamsError` whose `data.issues` holds the issues.
 *
 * @example
 * ```ts
 * import { invalidParams } from "./validation.ts";
 * console.log(invalidParams("thread/start", [{ path: "model", message: "Invalid type" }]).message);
 * ```
 */
export function invalidParams(method: string, issues: ValidationIssue[]): InvalidParamsError {
  return new InvalidParamsError(
    -32602,
    `invalid params (nothing was sent): ${formatIssues(issues)}`,
    { issues },
    method,
  );
}

/**
 * The error for an incoming payload that fails its schema.
 *
 * @param what What the payload was ("thread/start result").
 * @param issues What is wrong.
 * @param payload The payload.
 * @returns A `ProtocolError`.
 *
 * @example
 * ```ts
 * import { invalidPayload } from "./validation.ts";
 * console.log(invalidPayload("turn/completed notification", [], {}).message);
 * ```
 */
export function invalidPayload(
  what: string,
  issues: readonly ValidationIssue[],
  payload: unknown,
): ProtocolError {
  return new ProtocolError(`Invalid ${what}`, issues, payload);
}
