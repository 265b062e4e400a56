/**
 * Waiting with a deadline or a signal, leaving no timer or listener behind.
 *
 * @module
 */

import { type CallOptions, callScope } from "./call.ts";
import { keepAlive } from "./keep_alive.ts";

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

/**
 * Waits for `promise` as the SDK waits for a reply: the program stays alive meanwhile, and the
 * wait rejects with what `ended()` resolves to if that comes first (the connection's
 * `TransportClosedError`), or with the signal's reason or a `CallTimeoutError` naming
 * `operation` when `options` bound it. `ended` is called once the wait's bounds are set.
 *
 * @param promise What to wait for.
 * @param ended Resolves when waiting is no longer worth it, with the error to reject with.
 * @param operation What is waited for, as a `CallTimeoutError` names it.
 * @param options Abort signal and timeout of the wait.
 * @returns What `promise` resolves to.
 * @throws What `ended()` resolves to, the signal's reason, or a `CallTimeoutError`.
 *
 * @example
 * ```ts
 * import { heldWait } from "./wait.ts";
 * const ended = () => new Promise<Error>(() => {});
 * console.log(await heldWait(Promise.resolve("done"), ended, "example", { timeoutMs: 1_000 }));
 * ```
 */
export async function heldWait<T>(
  promise: Promise<T>,
  ended: () => Promise<unknown>,
  operation: string,
  options?: CallOptions,
): Promise<T> {
  const scope = callScope(options, operation);
  const release = keepAlive();
  let fail!: (error: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  let unwatch = () => {};
  try {
    unwatch = whenSettled(ended(), fail);
    return await raceSignal(Promise.race([promise, failed]), scope.signal);
  } finally {
    unwatch();
    release();
    scope[Symbol.dispose]();
  }
}

/** A long-lived promise's outcome, once it has one, and who waits for it meanwhile. */
interface Watched {
  outcome?: { readonly value: unknown };
  readonly listeners: Set<(value: unknown) => void>;
}

/** Every promise {@linkcode whenSettled} watches, for as long as it lives. */
const watched = new WeakMap<Promise<unknown>, Watched>();

/**
 * Calls `listener` with what `source` settles to (its value or its rejection), unless the
 * returned function was called first. A promise's reactions cannot be removed, so a wait on a
 * promise that may stay pending for a connection's life (its `closed`) would leave one behind,
 * with the wait's result, each time; here each watched promise has one reaction, shared.
 */
function whenSettled(source: Promise<unknown>, listener: (value: unknown) => void): () => void {
  let entry = watched.get(source);
  if (entry === undefined) {
    const created: Watched = { listeners: new Set() };
    const settle = (value: unknown) => {
      created.outcome = { value };
      for (const each of created.listeners) each(value);
      created.listeners.clear();
    };
    source.then(settle, settle);
    watched.set(source, created);
    entry = created;
  }
  if (entry.outcome !== undefined) {
    listener(entry.outcome.value);
    return () => {};
  }
  const listeners = entry.listeners;
  listeners.add(listener);
  return () => listeners.delete(listener);
}
