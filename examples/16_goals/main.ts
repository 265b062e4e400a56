/**
 * 16 — Goals: give a thread a goal, read it back, change it, and clear it. A goal whose
 * status is `active` makes the server run turns by itself until the goal is complete,
 * blocked or out of budget; `thread.runGoal()` drives that and collects those turns.
 *
 * Run: `npx deno run -A examples/16_goals/main.ts` (or `npx bun examples/16_goals/main.ts`).
 * Add `--run-goal` to really pursue a goal with `runGoal()`; it spends model tokens, up to
 * a budget of 20 000 unless you pass another with `--budget=N`.
 *
 * @module
 */

import process from "node:process";
import { CallTimeoutError, Codex } from "../../mod.ts";

await using codex = await Codex.start();
const thread = await codex.threadStart();
// Goals need a thread that has been stored, i.e. has run a turn.
await thread.run("Hello! We will set a goal next.");

// `paused` stores the goal without starting any work.
const { goal } = await thread.setGoal({
  objective: "List three facts about octopuses.",
  status: "paused",
});
console.log(`set: ${JSON.stringify(goal.objective)} (${goal.status})`);

await thread.setGoal({ objective: "List five facts about octopuses.", status: "paused" });
const current = (await thread.getGoal()).goal;
console.log(`get: ${JSON.stringify(current?.objective)} (${current?.status})`);

const { cleared } = await thread.clearGoal();
console.log(
  `cleared: ${cleared}; goal now: ${JSON.stringify((await thread.getGoal()).goal ?? null)}`,
);

const budgetArg = process.argv.find((arg) => arg.startsWith("--budget="));
const tokenBudget = budgetArg === undefined ? 20_000 : Number(budgetArg.slice("--budget=".length));

if (process.argv.includes("--run-goal")) {
  // `runGoal` sets the goal active and resolves once the server stops pursuing it: the
  // goal is complete, paused, blocked or out of budget, and no turn of it is running.
  // Past `timeoutMs` (or when a `signal` aborts) it pauses the goal, interrupts the running
  // turn, and rejects.
  try {
    const { goal: final, turns } = await thread.runGoal("Write a limerick about octopuses.", {
      tokenBudget,
      timeoutMs: 300_000,
    });
    console.log(
      `runGoal: ${final.status} after ${turns.length} turn(s), ${final.tokensUsed} tokens`,
    );
    for (const turn of turns.slice(-3)) {
      console.log(`  turn ${turn.id}: ${turn.status}, ${JSON.stringify(turn.finalResponse)}`);
    }
  } catch (error) {
    if (!(error instanceof CallTimeoutError)) throw error;
    console.log(`runGoal: gave up after ${error.timeoutMs} ms; the goal is paused`);
  }
} else {
  console.log("(pass --run-goal to pursue a goal with thread.runGoal())");
}
