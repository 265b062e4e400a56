/**
 * 17 — Concurrent turns: three threads on one connection, each running a turn, all streamed
 * at the same time. Iterating a turn gives only that turn's events.
 *
 * Run: `npx deno run -A examples/17_concurrent_turns/main.ts`
 * (or `npx bun examples/17_concurrent_turns/main.ts`).
 *
 * @module
 */

import { Codex, type TurnHandle } from "../../mod.ts";

await using codex = await Codex.start();

const prompts = {
  A: "Name a colour, then explain in two sentences why you like it.",
  B: "Name an animal, then explain in two sentences why you like it.",
  C: "Name a city, then explain in two sentences why you like it.",
};

const started = performance.now();
const elapsed = () => `${(performance.now() - started).toFixed(0)} ms`;
/** Which stream each delta came from, in arrival order. */
const arrivals: string[] = [];

async function follow(name: string, turn: TurnHandle): Promise<string> {
  let text = "";
  for await (const event of turn) {
    if (event.method !== "item/agentMessage/delta") continue;
    if (text === "") console.log(`[${name}] first delta at ${elapsed()}`);
    text += event.params.delta;
    arrivals.push(name);
  }
  const result = await turn.result();
  console.log(`[${name}] ${result.status} at ${elapsed()}`);
  return result.finalResponse ?? text;
}

const turns = await Promise.all(
  Object.entries(prompts).map(async ([name, prompt]) => {
    const thread = await codex.threadStart();
    return [name, await thread.turn(prompt)] as const;
  }),
);
const answers = await Promise.all(turns.map(([name, turn]) => follow(name, turn)));

turns.forEach(([name], index) => console.log(`${name}: ${answers[index]}`));
const switches = arrivals.filter((name, index) => index > 0 && name !== arrivals[index - 1]);
console.log(
  `${arrivals.length} deltas from ${turns.length} turns; the source changed ${switches.length} ` +
    "times in arrival order (interleaved streams)",
);
