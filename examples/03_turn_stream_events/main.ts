/**
 * 03 — Streaming: start a turn with `thread.turn()` and print its events as they arrive —
 * the agent's text deltas inline, item starts and completions on their own lines.
 *
 * Run: `npx deno run -A examples/03_turn_stream_events/main.ts`
 * (or `npx bun examples/03_turn_stream_events/main.ts`).
 *
 * @module
 */

import process from "node:process";
import { Codex } from "../../mod.ts";

await using codex = await Codex.start();
const thread = await codex.threadStart();

// `turn()` returns as soon as the server accepted the turn. Its events are buffered from
// the moment the request was sent, so nothing is lost before the loop starts.
// `await using` interrupts the turn if this scope is left while it still runs (a throw in
// the loop, say); `signal` bounds it from outside.
await using turn = await thread.turn("Write a haiku about event streams.", {
  signal: AbortSignal.timeout(120_000),
});
console.log(`turn ${turn.id} started`);

let deltas = 0;
let midLine = false;
const line = (text: string) => {
  if (midLine) process.stdout.write("\n");
  midLine = false;
  console.log(text);
};

// A turn is an async iterable of its own notifications, typed and narrowed on `method`;
// the iteration ends after its `turn/completed`. (`turn.stream()` is the same iteration
// under the Python SDK's name.)
for await (const event of turn) {
  switch (event.method) {
    case "item/agentMessage/delta":
      deltas++;
      process.stdout.write(event.params.delta);
      midLine = true;
      break;
    case "item/reasoning/summaryTextDelta":
      process.stdout.write(event.params.delta);
      midLine = true;
      break;
    case "item/started":
      line(`[item/started] ${event.params.item.type}`);
      break;
    case "item/completed":
      line(`[item/completed] ${event.params.item.type}`);
      break;
    case "thread/tokenUsage/updated":
      line(`[usage] ${event.params.tokenUsage.total.totalTokens} tokens`);
      break;
    case "turn/started":
      line("[turn/started]");
      break;
    case "turn/completed":
      line(`[turn/completed] status=${event.params.turn.status}`);
      break;
    default:
      line(`[${event.method}]`);
  }
}

// After the iteration ended, `result()` returns the collected result at once.
const result = await turn.result();
console.log(`${deltas} text deltas; final response: ${JSON.stringify(result.finalResponse)}`);
