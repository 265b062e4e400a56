/**
 * Waiting on a promise with a deadline, as the transports' close sequences do.
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
 * import { settleWithin } from "./settle_within.ts";
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
