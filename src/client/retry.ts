/**
 * Retrying an operation while the app-server says it is overloaded.
 *
 * @module
 */

import { isRetryable } from "../rpc/errors.ts";

/** Options of {@linkcode retryOnOverload}. */
export interface RetryOptions {
  /** How many attempts in all, at least 1. Default 3. */
  readonly maxAttempts?: number;
  /** The first delay, in milliseconds. Default 250. */
  readonly initialDelayMs?: number;
  /** The longest delay, in milliseconds. Default 2000. */
  readonly maxDelayMs?: number;
  /** Random spread of each delay, as a fraction of it (0.2 = ±20 %). Default 0.2. */
  readonly jitter?: number;
  /** Aborting stops waiting and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `operation`, retrying with exponential backoff and jitter while it fails with a
 * retryable overload error ({@linkcode isRetryable}: `ServerBusyError`, but not
 * `RetryLimitExceededError`). Any other error, or the last attempt's, is thrown as is.
 *
 * @param operation The work to attempt; called once per attempt.
 * @param options Attempts, delays, jitter and an abort signal.
 * @returns What `operation` returned.
 * @throws {RangeError} `maxAttempts` is below 1.
 *
 * @example
 * ```ts ignore
 * import { retryOnOverload } from "./retry.ts";
 * const result = await retryOnOverload(() => thread.run("Summarize the repo"), { maxAttempts: 5 });
 * ```
 */
export async function retryOnOverload<T>(
  operation: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const { maxAttempts = 3, initialDelayMs = 250, maxDelayMs = 2000, jitter = 0.2, signal } =
    options;
  if (!(maxAttempts >= 1)) {
    throw new RangeError(`retryOnOverload: maxAttempts must be at least 1, got ${maxAttempts}`);
  }
  let delay = initialDelayMs;
  for (let attempt = 1;; attempt++) {
    signal?.throwIfAborted();
    try {
      return await operation();
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
    }
    const base = Math.min(maxDelayMs, delay);
    await sleep(Math.max(0, base + (Math.random() * 2 - 1) * base * jitter), signal);
    delay = Math.min(maxDelayMs, delay * 2);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
