/**
 * The outcome of one turn, collected from its notifications as the Python SDK does.
 *
 * @module
 */

import type {
  ErrorNotification,
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
 * - `lastRetry`: the last `error` notification of the turn that said the server would retry
 *   (`willRetry: true`, e.g. "Reconnecting... 2/5"), or `null`.
 * - `reconciled`: `true` when the turn's end was read back from the server (`thread/read`)
 *   because its `turn/completed` never came (see `stallTimeoutMs`).
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
  /** The last retry the server announced for the turn (`error` with `willRetry`), if any. */
  readonly lastRetry: ErrorNotification | null;
  /** Whether the end was read back with `thread/read` instead of from `turn/completed`. */
  readonly reconciled: boolean;
  /** The server's requests during the turn (approvals, questions) and how each was answered. */
  readonly serverRequests: readonly ServerRequestOutcome[];
}

/**
 * How one server request of a turn was answered:
 * - `"answered"`: an `onServerRequest` handler answered it;
 * - `"defaulted"`: no handler answers it, so the SDK declined it (`declineRequest`);
 * - `"timedOut"`: the handler did not answer within `serverRequestTimeoutMs`, so the SDK
 *   declined it (it fails closed);
 * - `"failed"`: the handler threw or answered something invalid; the server got an error.
 */
export interface ServerRequestOutcome {
  /** The request's JSON-RPC id. */
  readonly id: string | number;
  /** The request's method ("item/commandExecution/requestApproval"). */
  readonly method: string;
  /** How it was answered. */
  readonly outcome: "answered" | "defaulted" | "timedOut" | "failed";
}

/** What else a result is built from, besides the turn and its items. */
export interface TurnResultExtras {
  /** The last token usage of the turn. */
  readonly usage?: ThreadTokenUsage | null;
  /** The last retry announced for the turn. */
  readonly lastRetry?: ErrorNotification | null;
  /** Whether the end was read back with `thread/read`. */
  readonly reconciled?: boolean;
  /** The server's requests during the turn and how each was answered. */
  readonly serverRequests?: readonly ServerRequestOutcome[];
}

/**
 * Builds a {@linkcode TurnResult} from a `turn/completed` turn and the collected items.
 *
 * @param threadId The turn's thread.
 * @param turn The `turn` of `turn/completed`.
 * @param items The turn's `item/completed` items, in order.
 * @param extras Usage, the last retry, and whether the end was reconciled.
 * @returns The result.
 *
 * @example
 * ```ts
 * import { buildTurnResult } from "./turn_result.ts";
 * const result = buildTurnResult("t", { id: "u", status: "completed", items: [], error: null }, [
 *   { type: "agentMessage", id: "i", text: "Hi!", phase: null },
 * ]);
 * console.log(result.finalResponse); // "Hi!"
 * ```
 */
export function buildTurnResult(
  threadId: string,
  turn: Turn,
  items: readonly ThreadItem[],
  extras: TurnResultExtras = {},
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
    usage: extras.usage ?? null,
    lastRetry: extras.lastRetry ?? null,
    reconciled: extras.reconciled ?? false,
    serverRequests: extras.serverRequests ?? [],
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
