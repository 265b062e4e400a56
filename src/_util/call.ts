/**
 * `CallOptions`, the cancellation every public async call accepts, and the one place that
 * turns a signal plus a deadline into a single `AbortSignal`.
 *
 * @module
 */

import { CallTimeoutError } from "../errors.ts";

/**
 * What every public async call accepts, as `fetch`'s init carries `signal`. Neither field is
 * ever sent to the server.
 *
 * @example
 * ```ts
 * import type { CallOptions } from "./call.ts";
 * const options: CallOptions = { signal: AbortSignal.timeout(60_000), timeoutMs: 5_000 };
 * ```
 */
export interface CallOptions {
  /** Aborting cancels the call: it rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Rejects with `CallTimeoutError` once this many milliseconds have passed. */
  readonly timeoutMs?: number;
}

/** The cancellation of one call: a signal to pass down, and its clean-up. */
export interface CallScope extends Disposable {
  /** Aborts when the caller's signal does or the deadline passes; `undefined` for neither. */
  readonly signal: AbortSignal | undefined;
  /** Removes the listener and the timer (what `using` calls). */
  [Symbol.dispose](): void;
}

const NO_SCOPE: CallScope = { signal: undefined, [Symbol.dispose]() {} };

/**
 * Combines a call's `signal` and `timeoutMs` into one signal. On timeout its reason is a
 * {@linkcode CallTimeoutError} naming `operation`; on abort, the caller's reason. A deadline
 * of 0 has passed already: the signal is aborted at once, as for a caller's aborted signal.
 *
 * @param options The call's options.
 * @param operation What is being waited for ("thread/start", "turn 12"), for the timeout error.
 * @param timeoutError Builds the timeout's reason instead (e.g. with the state the call was in).
 * @returns The combined signal and its clean-up; dispose it when the call settles.
 * @throws {RangeError} `timeoutMs` is negative or not a number.
 *
 * @example
 * ```ts
 * import { callScope } from "./call.ts";
 * using scope = callScope({ timeoutMs: 1 }, "model/list");
 * await new Promise((resolve) => setTimeout(resolve, 5));
 * console.log(scope.signal?.reason.name); // "CallTimeoutError"
 * ```
 */
export function callScope(
  options: CallOptions | undefined,
  operation: string,
  timeoutError: (timeoutMs: number) => unknown = (ms) => new CallTimeoutError(operation, ms),
): CallScope {
  const signal = options?.signal;
  const timeoutMs = options?.timeoutMs;
  if (timeoutMs === undefined) {
    return signal === undefined ? NO_SCOPE : { signal, [Symbol.dispose]() {} };
  }
  if (!(timeoutMs >= 0)) {
    throw new RangeError(`${operation}: timeoutMs must be a number >= 0, got ${timeoutMs}`);
  }
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal!.reason);
  if (signal?.aborted) onAbort();
  else if (timeoutMs === 0) controller.abort(timeoutError(0)); // the deadline has passed already
  if (controller.signal.aborted) return { signal: controller.signal, [Symbol.dispose]() {} };
  const timer = setTimeout(() => controller.abort(timeoutError(timeoutMs)), timeoutMs);
  signal?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    [Symbol.dispose]() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * A call's options without `signal` and `timeoutMs`: what may go to the server.
 *
 * @param options The call's options.
 * @returns A copy without the two call fields.
 *
 * @example
 * ```ts
 * import { withoutCallOptions } from "./call.ts";
 * console.log(withoutCallOptions({ model: "gpt-5", timeoutMs: 5000 })); // { model: "gpt-5" }
 * ```
 */
export function withoutCallOptions<T extends CallOptions>(options: T): Omit<T, keyof CallOptions> {
  const { signal: _signal, timeoutMs: _timeoutMs, ...rest } = options;
  return rest;
}
