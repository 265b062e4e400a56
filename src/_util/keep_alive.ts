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

/** A timer that can stop and start holding the event loop (Node, Deno and Bun timers). */
interface RefTimer {
  ref(): unknown;
  unref(): unknown;
}

function refTimer(value: unknown): RefTimer | undefined {
  const candidate = value as Partial<RefTimer> | undefined;
  return typeof candidate?.ref === "function" && typeof candidate.unref === "function"
    ? candidate as RefTimer
    : undefined;
}

/**
 * The timer holds the event loop. One timer serves the whole process: made once, then
 * referenced and unreferenced, which costs much less than a new timer per request and per
 * turn (a `Timeout` object, an async id, a timer registered with the runtime). A runtime
 * whose timers cannot be unreferenced gets a new timer at each hold.
 */
function hold(): void {
  const refable = refTimer(timer);
  if (refable !== undefined) refable.ref();
  else timer = setInterval(() => {}, IDLE_INTERVAL_MS);
}

/** The timer stops holding the event loop. */
function letGo(): void {
  const refable = refTimer(timer);
  if (refable !== undefined) {
    refable.unref();
  } else {
    clearInterval(timer);
    timer = undefined;
  }
}

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
  if (holders++ === 0) hold();
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--holders === 0) letGo();
  };
}
