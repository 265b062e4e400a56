/**
 * 24 — Text streams: the agent's message as it is written, without picking deltas out of the
 * turn's events yourself.
 *
 * - `turn.text()`: an async generator of the turn's `item/agentMessage/delta` texts (the
 *   Python SDK's `stream_text`); `ReadableStream.from(turn.text())` makes it a web stream.
 * - `thread.streamText(input, options)`: start a turn and stream its text in one call; the
 *   generator's return value is the turn's `TurnResult`.
 * - `turn.readable`: the turn's events as a `ReadableStream`, for `pipeThrough` / `pipeTo`.
 * - Leaving a text stream early interrupts the turn, like leaving a turn's loop.
 *
 * Run: `npx deno run -A examples/24_text_streams/main.ts`
 * (or `npx bun examples/24_text_streams/main.ts`).
 *
 * @module
 */

import process from "node:process";
import { Codex } from "../../mod.ts";

await using codex = await Codex.start();
const thread = await codex.threadStart();
const limit = { timeoutMs: 120_000 };

// 1. `turn.text()`, then `result()`.
const turn = await thread.turn("Write a haiku about rivers.", limit);
process.stdout.write("text(): ");
for await (const delta of turn.text()) process.stdout.write(delta);
console.log(`\n  status: ${(await turn.result()).status}`);

// 2. `streamText()`: one call. `for await` drops a generator's return value, so read the
//    result with `next()` (or use `thread.turn()` + `turn.text()` + `turn.result()`).
const stream = thread.streamText("Now one about mountains.", limit);
process.stdout.write("streamText(): ");
let next = await stream.next();
while (!next.done) {
  process.stdout.write(next.value);
  next = await stream.next();
}
console.log(`\n  returned: status ${next.value.status}, ${next.value.items.length} items`);

// 3. A web stream of text, piped to stdout as bytes.
const piped = await thread.turn("And one about the sea.", limit);
process.stdout.write("ReadableStream.from(): ");
await ReadableStream.from(piped.text())
  .pipeThrough(new TextEncoderStream())
  .pipeTo(new WritableStream({ write: (bytes) => void process.stdout.write(bytes) }));
console.log();

// 4. `turn.readable`: the events, through a transform that keeps the completed items' types.
const events = await thread.turn("Name three trees.", limit);
const types: string[] = [];
await events.readable
  .pipeThrough(
    new TransformStream({
      transform(event, controller) {
        if (event.method === "item/completed") controller.enqueue(event.params.item.type);
      },
    }),
  )
  .pipeTo(new WritableStream({ write: (type: string) => void types.push(type) }));
console.log(`readable: items completed: ${types.join(", ")}`);

// 5. Leaving early: `break` out of `text()` interrupts the turn.
const long = await thread.turn("Count slowly from 1 to 100, one number per line.", limit);
let seen = 0;
for await (const _delta of long.text()) {
  if (++seen === 3) break;
}
console.log(`left after ${seen} deltas: ${(await long.result()).status}`);
