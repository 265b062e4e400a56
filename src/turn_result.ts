/**
 * The outcome of one turn, collected from its notifications as the Python SDK does.
 *
 * @module
 */

import type {
  ThreadItem,
  ThreadTokenUsage,
  Turn,
  TurnError,
  TurnStatus,
} from "../generated/mod.ts";

/**
 * What a finished turn produced.
 *
 * - `items`: every `item/completed` item of this turn, in arrival order (the
 *   `turn/completed` payload does not carry them reliably).
 * - `usage`: the last `thread/tokenUsage/updated` of this turn.
 * - `finalResponse`: the text of the last `agentMessage` whose phase is `final_answer`,
 *   else of the last one with no phase, else `null`.
 */
export interface TurnResult {
  /** The turn's id. */
  readonly id: string;
  /** The thread the turn ran on. */
  readonly threadId: string;
  /** `completed`, `interrupted` or `failed`. */
  readonly status: TurnStatus;
  /** The server's error for a failed (or interrupted) turn, else `null`. */
  readonly error: TurnError | null;
  /** Unix time in seconds when the turn started, if known. */
  readonly startedAt: number | null;
  /** Unix time in seconds when the turn completed, if known. */
  readonly completedAt: number | null;
  /** How long the turn ran, in milliseconds, if known. */
  readonly durationMs: number | null;
  /** The agent's answer; see the rule above. */
  readonly finalResponse: string | null;
  /** The turn's completed items, in order. */
  readonly items: readonly ThreadItem[];
  /** The token usage the server last reported for the turn. */
  readonly usage: ThreadTokenUsage | null;
}

/**
 * Builds a {@linkcode TurnResult} from a `turn/completed` turn and the collected items.
 *
 * @param threadId The turn's thread.
 * @param turn The `turn` of `turn/completed`.
 * @param items The turn's `item/completed` items, in order.
 * @param usage The last token usage of the turn.
 * @returns The result.
 *
 * @example
 * ```ts
 * import { buildTurnResult } from "./turn_result.ts";
 * const result = buildTurnResult("t", { id: "u", status: "completed", items: [], error: null }, [
 *   { type: "agentMessage", id: "i", text: "Hi!", phase: null },
 * ], null);
 * console.log(result.finalResponse); // "Hi!"
 * ```
 */
export function buildTurnResult(
  threadId: string,
  turn: Turn,
  items: readonly ThreadItem[],
  usage: ThreadTokenUsage | null,
): TurnResult {
  return {
    id: turn.id,
    threadId,
    status: turn.status,
    error: turn.error ?? null,
    startedAt: turn.startedAt ?? null,
    completedAt: turn.completedAt ?? null,
    durationMs: turn.durationMs ?? null,
    finalResponse: finalResponseOf(items),
    items,
    usage,
  };
}

/**
 * The agent's answer among a turn's items: the last `agentMessage` with phase
 * `final_answer`, else the last with no phase, else `null` (an empty answer stays `""`).
 *
 * @param items A turn's completed items.
 * @returns The answer text or `null`.
 *
 * @example
 * ```ts
 * import { finalResponseOf } from "./turn_result.ts";
 * console.log(finalResponseOf([])); // null
 * ```
 */
export function finalResponseOf(items: readonly ThreadItem[]): string | null {
  let phaseless: string | null = null;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item.type !== "agentMessage") continue;
    if (item.phase === "final_answer") return item.text;
    if ((item.phase ?? null) === null && phaseless === null) phaseless = item.text;
  }
  return phaseless;
}
