/**
 * 21 — Never hang: what bounds a turn, and what you see when it is bounded.
 *
 * - The app-server retries a model provider it cannot reach, and says so with `error` events
 *   whose `willRetry` is true ("Reconnecting..."): typed events of the turn, the last of
 *   which `turn.lastRetry` keeps.
 * - `timeoutMs` ends such a turn: it is interrupted, and rejects with a `TurnTimeoutError`
 *   whose message quotes the last retry notice.
 * - `stallTimeoutMs` watches a turn for silence. After that long without an event, the SDK
 *   asks the server about the turn; one that still runs makes `result()` reject with a
 *   `TurnStalledError`, and is left for you to wait on again or to interrupt.
 * - `onError` receives what cannot be thrown to you: here, a notification listener that threw.
 * - `close()` fails whatever still waits at once (`closedByUser`), then stops the app-server.
 *
 * Run: `npx deno run -A examples/21_never_hang/main.ts`
 * (or `npx bun examples/21_never_hang/main.ts`).
 *
 * Part 1 points a second app-server at a model provider on 127.0.0.1:9, where nothing listens:
 * no request leaves the machine. Part 2 uses your configured model with a stall timeout of
 * 1.5 s, short enough to see a stall happen (in real use, think minutes); it may spend a few
 * tokens before it interrupts the turn.
 *
 * @module
 */

import { Codex, TransportClosedError, TurnStalledError, TurnTimeoutError } from "../../mod.ts";

const LONG = "Count from 1 to 300, one number per line, with a short remark after each.";

// 1. Retries are events of the turn, and a deadline quotes the last one.
{
  // A provider that needs no OpenAI credentials (else the turn would fail at the first retry
  // with `AuthRequiredError`, unless you are signed in) at an address nothing answers.
  await using offline = await Codex.start({
    timeoutMs: 60_000,
    config: {
      model_provider: "unreachable",
      "model_providers.unreachable": {
        name: "Unreachable",
        base_url: "http://127.0.0.1:9/v1",
        wire_api: "responses",
        requires_openai_auth: false,
        request_max_retries: 3,
        stream_max_retries: 3,
      },
    },
  });
  const thread = await offline.threadStart();
  // The first retry notice comes about 1.7 s into the turn, the second about 8 s.
  const turn = await thread.turn("Hello?", { timeoutMs: 5_000 });
  try {
    for await (const event of turn) {
      if (event.method === "error" && event.params.willRetry) {
        console.log(`retry: ${event.params.error.message}`);
      }
    }
    console.log("the server gave up before the deadline");
  } catch (error) {
    if (!(error instanceof TurnTimeoutError)) throw error;
    console.log(`deadline: ${error.name} ${JSON.stringify(error.message)}`);
    console.log(`turn.lastRetry: ${turn.lastRetry?.error.message ?? "none"}`);
  }
}

// 2. A stall watchdog, and an error channel for what cannot be thrown.
await using codex = await Codex.start({
  timeoutMs: 60_000,
  onError: (error) => console.log(`onError: ${error.name} ${JSON.stringify(error.message)}`),
});
let listenerThrew = false;
codex.onNotification((event) => {
  if (event.method !== "turn/started" || listenerThrew) return;
  listenerThrew = true;
  throw new Error("the progress bar is not ready"); // reported to onError; the turn goes on
});

// Every turn of this thread is watched; a turn's own `stallTimeoutMs` would win.
const thread = await codex.threadStart({ stallTimeoutMs: 1_500 });
const turn = await thread.turn(LONG, { timeoutMs: 120_000 });
for (let stalls = 1;; stalls++) {
  try {
    const result = await turn.result();
    const how = result.reconciled ? " (read back from the server)" : "";
    console.log(`the turn never paused for 1.5 s: ${result.status}${how}`);
    break;
  } catch (error) {
    if (!(error instanceof TurnStalledError)) throw error;
    const last = error.lastEvent?.method ?? "none";
    console.log(
      `stalled: ${error.name} after ${
        Math.round(error.idleMs)
      } ms without an event (last: ${last})`,
    );
    if (stalls < 2) {
      console.log("waiting again");
      continue;
    }
    // The turn still runs: interrupting it ends it, and `result()` then says so.
    await turn.interrupt();
    console.log(`gave up after ${stalls} stalls: ${(await turn.result()).status}`);
    break;
  }
}

// 3. `close()` fails what still waits at once, before it stops the app-server.
const last = await thread.turn(LONG);
const waiting = last.result().then(() => undefined, (error: unknown) => error);
const closing = codex.close({ graceMs: 1_000 });
const error = await waiting;
if (error instanceof TransportClosedError) {
  console.log(`close(): the waiting turn got ${error.name}, closedByUser: ${error.closedByUser}`);
} else {
  console.log("close(): the turn finished first");
}
await closing;
console.log("close() returned");
