/**
 * 19 — Cancellation: four ways to stop a turn, after each of which the thread goes on.
 *
 * - `timeoutMs` bounds a whole turn: once it passes, the turn is interrupted, its end is
 *   awaited, and `run()` rejects with a `TurnTimeoutError` (a `CallTimeoutError`).
 * - `signal`: aborting interrupts the turn the same way; its waiters (here the iteration)
 *   reject with the signal's reason.
 * - `await using turn = …`: leaving the scope while the turn runs (here by a throw)
 *   interrupts it.
 * - `break` out of `for await (const event of turn)` interrupts it too; `turn.result()`
 *   then resolves with status "interrupted".
 *
 * Run: `npx deno run -A examples/19_cancellation/main.ts`
 * (or `npx bun examples/19_cancellation/main.ts`).
 *
 * The prompts ask for long answers so that there is something to cancel; a turn that
 * finishes first is reported as such.
 *
 * @module
 */

import { CallTimeoutError, Codex, type Thread } from "../../mod.ts";

const LONG = "Count from 1 to 300, one number per line, with a short remark after each.";

/** The status the server recorded for a turn of `thread` (the last one by default). */
async function statusOf(thread: Thread, turnId?: string): Promise<string> {
  const { thread: stored } = await thread.read({ includeTurns: true });
  const turn = turnId === undefined
    ? stored.turns.at(-1)
    : stored.turns.find((candidate) => candidate.id === turnId);
  return turn?.status ?? "unknown";
}

/** Resolves once the turn has streamed some text (or has ended). */
function someText(codex: Codex, turnId: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = codex.onNotification((event) => {
      const ofTurn = (event.method === "item/agentMessage/delta" &&
        event.params.turnId === turnId) ||
        (event.method === "turn/completed" && event.params.turn.id === turnId);
      if (!ofTurn) return;
      stop();
      resolve();
    });
  });
}

// `try { … } finally { await codex.close() }` is what `await using codex = …` does, for
// runtimes without `await using`; `graceMs` bounds the graceful part of the shutdown.
const codex = await Codex.start();
try {
  const thread = await codex.threadStart();

  // 1. A deadline for the whole turn.
  try {
    const result = await thread.run(LONG, { timeoutMs: 2_000 });
    console.log(`timeoutMs: the turn finished first (${result.status})`);
  } catch (error) {
    if (!(error instanceof CallTimeoutError)) throw error;
    console.log(
      `timeoutMs: ${error.name} ${JSON.stringify(error.message)}; turn ${await statusOf(thread)}`,
    );
  }

  // 2. A signal: here aborted from inside the loop, as a Stop button would.
  const controller = new AbortController();
  const signalled = await thread.turn(LONG, { signal: controller.signal });
  let abortedAfter = 0;
  try {
    let deltas = 0;
    for await (const event of signalled) {
      if (event.method !== "item/agentMessage/delta" || ++deltas !== 3) continue;
      abortedAfter = deltas;
      controller.abort(new Error("the user pressed Stop"));
    }
    console.log("signal: the turn finished first");
  } catch (error) {
    if (error !== controller.signal.reason) throw error;
    console.log(
      `signal: rejected with ${JSON.stringify(controller.signal.reason.message)} ` +
        `(aborted after ${abortedAfter} deltas); turn ${await statusOf(thread, signalled.id)}`,
    );
  }

  // 3. `await using`: the turn is interrupted when the block is left while it runs.
  let disposedId = "";
  try {
    await using turn = await thread.turn(LONG);
    disposedId = turn.id;
    await someText(codex, turn.id);
    throw new Error("the window was closed");
  } catch (error) {
    if (!(error instanceof Error) || error.message !== "the window was closed") throw error;
    console.log(
      `await using: left the block (${JSON.stringify(error.message)}); ` +
        `turn ${await statusOf(thread, disposedId)}`,
    );
  }

  // 4. `break`: leaving the iteration early interrupts the turn.
  const broken = await thread.turn(LONG);
  let seen = 0;
  for await (const event of broken) {
    if (event.method === "item/agentMessage/delta" && ++seen === 3) break;
  }
  const stopped = await broken.result();
  console.log(`break: left the loop after ${seen} deltas; result() says ${stopped.status}`);

  // After each of them the thread goes on, with a new turn.
  const after = await thread.run("Say hello in one sentence.", { timeoutMs: 120_000 });
  console.log(`the thread goes on: ${after.status}, a new turn: ${after.id !== broken.id}`);
} finally {
  await codex.close({ graceMs: 1_000 });
}
