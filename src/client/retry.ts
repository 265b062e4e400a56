/**
 * Retrying an operation while the app-server says it is overloaded.
 *
 * @module
 */

import { type CallOptions, callScope } from "../_util/call.ts";
import { sleep } from "../_util/wait.ts";
import { isRetryable } from "../errors.ts";

/**
 * Options of {@linkcode retryOnOverload}. `signal` and `timeoutMs` bound all attempts and
 * delays together; each attempt receives the combined signal.
 */
export interface RetryOptions extends CallOptions {
  /** How many attempts in all, at least 1. Default 3. */
  readonly maxAttempts?: number;
  /** The first delay, in milliseconds. Default 250. */
  readonly initialDelayMs?: number;
  /** The longest delay, in milliseconds. Default 2000. */
  readonly maxDelayMs?: number;
  /** Random spread of each delay, as a fraction of it (0.2 = ±20 %). Default 0.2. */
  readonly jitter?: number;
}

/** What each attempt of {@linkcode retryOnOverload} is given. */
export interface RetryAttempt {
  /** Aborts when the caller's signal does or `timeoutMs` passes: pass it on. */
  readonly signal: AbortSignal | undefined;
  /** The attempt's number, from 1. */
  readonly attempt: number;
}

/**
 * Runs `operation`, retrying with exponential backoff and jitter while it fails with a
 * retryable overload error ({@linkcode isRetryable}: `ServerBusyError`, but not
 * `RetryLimitExceededError`). Any other error, or the last attempt's, is thrown as is.
 *
 * @param operation The work to attempt; called once per attempt with the signal to pass on.
 * @param options Attempts, delays, jitter, signal and timeout.
 * @returns What `operation` returned.
 * @throws {RangeError} `maxAttempts` is below 1.
 * @throws {CallTimeoutError} `timeoutMs` passed first.
 *
 * @example
 * ```ts
 * import type { Thread } from "codex-app-server";
 * import { retryOnOverload } from "./retry.ts";
 * declare const thread: Thread;
 * const result = await retryOnOverload(
 *   ({ signal }) => thread.run("Summarize the repo", { signal }),
 *   { maxAttempts: 5, timeoutMs: 120_000 },
 * );
 * ```
 */
export async function retryOnOverload<T>(
  operation: (attempt: RetryAttempt) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const { maxAttempts = 3, initialDelayMs = 250, maxDelayMs = 2000, jitter = 0.2 } = options;
  if (!(maxAttempts >= 1)) {
    throw new RangeError(`retryOnOverload: maxAttempts must be at least 1, got ${maxAttempts}`);
  }
  const scope = callScope(options, "retryOnOverload");
  const signal = scope.signal;
  try {
    let delay = initialDelayMs;
    for (let attempt = 1;; attempt++) {
      signal?.throwIfAborted();
      try {
        return await operation({ signal, attempt });
      } catch (error) {
        if (attempt >= maxAttempts || !isRetryable(error)) throw error;
      }
      const base = Math.min(maxDelayMs, delay);
      await sleep(Math.max(0, base + (Math.random() * 2 - 1) * base * jitter), signal);
      delay = Math.min(maxDelayMs, delay * 2);
    }
  } finally {
    scope[Symbol.dispose]();
  }
}
