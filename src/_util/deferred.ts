/**
 * A promise with its settle functions outside (`Promise.withResolvers` is not on Node 20).
 *
 * @module
 */

/** A promise and the functions that settle it. */
export interface Deferred<T> {
  /** The promise; its rejection never counts as unhandled. */
  readonly promise: Promise<T>;
  /** Whether `resolve` or `reject` was called. */
  readonly settled: boolean;
  /** Fulfils the promise (ignored once settled). */
  resolve(value: T): void;
  /** Rejects the promise (ignored once settled). */
  reject(error: unknown): void;
}

/**
 * Creates a {@linkcode Deferred}. Its rejection is marked handled, so a waiter that never
 * comes does not crash the process.
 *
 * @returns An unsettled deferred.
 *
 * @example
 * ```ts
 * import { deferred } from "./deferred.ts";
 * const ready = deferred<number>();
 * setTimeout(() => ready.resolve(42), 1);
 * console.log(await ready.promise); // 42
 * ```
 */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  promise.catch(() => {});
  const state: Deferred<T> = {
    promise,
    settled: false,
    resolve(value) {
      if (state.settled) return;
      (state as { settled: boolean }).settled = true;
      resolve(value);
    },
    reject(error) {
      if (state.settled) return;
      (state as { settled: boolean }).settled = true;
      reject(error);
    },
  };
  return state;
}
