/**
 * 02 — Turn result: run one turn with `thread.run()` and print every field of the
 * `TurnResult` it returns (status, error, timing, final response, items, token usage).
 *
 * Run: `npx deno run -A examples/02_turn_run/main.ts`
 * (or `npx bun examples/02_turn_run/main.ts`).
 *
 * @module
 */

import { Codex } from "../../mod.ts";
// The wire types: `codex-app-server/protocol` in your own project.
import type { ThreadItem } from "../../generated/mod.ts";

await using codex = await Codex.start();
const thread = await codex.threadStart();

// `run()` is `turn()` then `result()`: it starts the turn, collects its `item/completed`
// items and its last token-usage report, and resolves on the turn's `turn/completed`. A
// failed turn rejects with `TurnFailedError` (see example 10); an interrupted one resolves
// with status "interrupted". `timeoutMs` (or `signal`) would bound the whole turn.
const result = await thread.run("In two sentences: what is a JSON-RPC notification?", {
  timeoutMs: 120_000,
});

console.log(`id:             ${result.id}`);
console.log(`threadId:       ${result.threadId}`);
console.log(`status:         ${result.status}`);
console.log(`error:          ${result.error === null ? "none" : result.error.message}`);
console.log(`startedAt:      ${formatTime(result.startedAt)}`);
console.log(`completedAt:    ${formatTime(result.completedAt)}`);
console.log(`durationMs:     ${result.durationMs}`);
console.log(`finalResponse:  ${JSON.stringify(result.finalResponse)}`);
console.log(`items:          ${result.items.length}`);
for (const item of result.items) console.log(`  - ${describe(item)}`);

if (result.usage === null) {
  console.log("usage:          not reported");
} else {
  const { total, last, modelContextWindow } = result.usage;
  console.log(
    `usage (last):   ${last.inputTokens} in (${last.cachedInputTokens} cached), ` +
      `${last.outputTokens} out (${last.reasoningOutputTokens} reasoning), ${last.totalTokens} total`,
  );
  console.log(`usage (thread): ${total.totalTokens} tokens so far`);
  console.log(`context window: ${modelContextWindow ?? "unknown"}`);
}

/** Unix seconds as an ISO date, or "unknown". */
function formatTime(seconds: number | null): string {
  return seconds === null ? "unknown" : new Date(seconds * 1000).toISOString();
}

/** One line per item: its type and the most telling field. */
function describe(item: ThreadItem): string {
  switch (item.type) {
    case "userMessage":
      return `userMessage (${item.content.length} input items)`;
    case "agentMessage":
      return `agentMessage${item.phase ? ` [${item.phase}]` : ""}: ${JSON.stringify(item.text)}`;
    case "reasoning":
      return `reasoning (${item.summary?.length ?? 0} summary parts)`;
    case "commandExecution":
      return `commandExecution ${JSON.stringify(item.command)} -> ${item.status}`;
    default:
      return item.type;
  }
}
