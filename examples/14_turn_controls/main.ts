/**
 * 14 — Turn controls: steer a running turn with more input (`turn.steer()`), and stop
 * another one early (`turn.interrupt()`).
 *
 * Run: `npx deno run -A examples/14_turn_controls/main.ts`
 * (or `npx bun examples/14_turn_controls/main.ts`).
 *
 * @module
 */

import process from "node:process";
import { Codex, InvalidRequestError, type TurnHandle } from "../../mod.ts";

await using codex = await Codex.start();
const thread = await codex.threadStart();

/** Prints a turn's text deltas, calling `onDelta` with the running count. */
async function follow(turn: TurnHandle, onDelta: (count: number) => void): Promise<number> {
  let count = 0;
  for await (const event of turn) {
    if (event.method === "item/agentMessage/delta") {
      process.stdout.write(event.params.delta);
      onDelta(++count);
    }
  }
  process.stdout.write("\n");
  return count;
}

// Steering: once the answer has started, add an instruction to the same turn. The server
// restarts the model request with the extra input; the turn id stays the same.
console.log("--- steer");
const steered = await thread.turn("Count slowly from 1 to 20, one number per line.");
let steer: Promise<unknown> | undefined;
await follow(steered, (count) => {
  if (count === 1) {
    steer = steered.steer("Actually, stop at 5.").then(
      (reply) => console.log(`\n[steer accepted for turn ${reply.turnId}]`),
      (error) => {
        // The turn may already have finished: then there is nothing to steer.
        if (!(error instanceof InvalidRequestError)) throw error;
        console.log(`\n[steer refused: ${error.message}]`);
      },
    );
  }
});
await steer;
const steerResult = await steered.result();
const userMessages = steerResult.items.filter((item) => item.type === "userMessage").length;
console.log(`status: ${steerResult.status}, user messages in the turn: ${userMessages}`);

// Interrupting: stop a turn after a few deltas. `interrupt()` waits until the server has
// really started the turn (it refuses an interrupt before that) and does nothing once the
// turn has finished. The turn then completes with status "interrupted", and `result()`
// resolves with it. (Cancelling with a `signal`, `timeoutMs` or a `break` is example 19.)
console.log("--- interrupt");
const long = await thread.turn("Write a long essay about the history of the number zero.");
let interrupt: Promise<unknown> | undefined;
const deltas = await follow(long, (count) => {
  if (count === 3) interrupt = long.interrupt();
});
await interrupt;
const interrupted = await long.result();
console.log(`status: ${interrupted.status} after ${deltas} deltas`);
