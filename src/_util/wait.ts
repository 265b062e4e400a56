/**
 * Waiting with a deadline or a signal, leaving no timer or listener behind.
 *
 * @module
 */

/**
 * Resolves `true` if `promise` settles (either way) within `ms`, else `false`. Leaves no
 * timer behind, so a finished wait never keeps the process alive.
 *
 * @param promise What to wait for.
 * @param ms The deadline, in milliseconds.
 * @returns Whether `promise` settled in time.
 *
 * @example
 * ```ts
 * import { settleWithin } from "./wait.ts";
 * console.log(await settleWithin(new Promise(() => {}), 10)); // false
 * ```
 */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Settles as `promise` does, or rejects with the signal's reason as soon as `signal` aborts
 * (at once when it already has). The listener is removed either way.
 *
 * @param promise What to wait for.
 * @param signal What may cut the wait short; no signal means waiting for `promise` alone.
 * @returns What `promise` resolves to.
 * @throws The signal's reason, when it aborts first.
 *
 * @example
 * ```ts
 * import { raceSignal } from "./wait.ts";
 * const reason = await raceSignal(new Promise(() => {}), AbortSignal.abort("stop")).catch((e) => e);
 * console.log(reason); // "stop"
 * ```
 */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Waits `ms` milliseconds, or rejects with the signal's reason when it aborts first.
 *
 * @param ms How long to wait.
 * @param signal What may cut the wait short.
 * @returns Nothing, once the time has passed.
 * @throws The signal's reason, when it aborts first.
 *
 * @example
 * ```ts
 * import { sleep } from "./wait.ts";
 * await sleep(5);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
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
