/**
 * Loading a module (or anything costly) once, on first use.
 *
 * @module
 */

/** A memoized loader: call it to load (once); `value` holds the result once loaded. */
export interface Lazy<T> {
  /** Loads on the first call; later calls share that load. A failed load is retried. */
  (): Promise<T>;
  /** The loaded value, or `undefined` before the load has finished. */
  readonly value: T | undefined;
}

/**
 * Wraps a loader so it runs at most once at a time and its result is kept.
 *
 * @param load What to run on first use (typically a dynamic `import()`).
 * @returns The memoized loader.
 *
 * @example
 * ```ts
 * import { lazy } from "./lazy.ts";
 * const answer = lazy(() => Promise.resolve(42));
 * console.log(answer.value, await answer(), answer.value); // undefined 42 42
 * ```
 */
export function lazy<T>(load: () => Promise<T>): Lazy<T> {
  let loading: Promise<T> | undefined;
  const loader = (() => {
    loading ??= load().then(
      (value) => {
        (loader as { value: T | undefined }).value = value;
        return value;
      },
      (error) => {
        loading = undefined;
        throw error;
      },
    );
    return loading;
  }) as Lazy<T>;
  (loader as { value: T | undefined }).value = undefined;
  return loader;
}
