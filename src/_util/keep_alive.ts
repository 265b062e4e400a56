/**
 * Keeping the program alive while the SDK has work in flight, and only then.
 *
 * The app-server's process and pipes are unreferenced at spawn (they never keep the program
 * alive by themselves); instead, a pending request, a running turn or a wait holds this, and
 * while anything holds it a long, idle interval timer keeps the event loop running. A script
 * that forgets `close()` therefore exits once nothing is pending — its app-server sees stdin
 * close and exits with it — and a script with work pending stays alive, on every runtime.
 *
 * @module
 */

let holders = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** About 12 days: the timer never needs to fire, only to exist. */
const IDLE_INTERVAL_MS = 2 ** 30;

/**
 * Keeps the program alive until the returned function is called (once; later calls do
 * nothing).
 *
 * @returns The release function.
 *
 * @example
 * ```ts
 * import { keepAlive } from "./keep_alive.ts";
 * const release = keepAlive();
 * await new Promise((resolve) => setTimeout(resolve, 10)); // work in flight
 * release();
 * ```
 */
export function keepAlive(): () => void {
  if (holders++ === 0) timer = setInterval(() => {}, IDLE_INTERVAL_MS);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--holders === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
