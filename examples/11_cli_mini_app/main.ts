/**
 * 11 — CLI mini app: a chat loop on one thread. Each line you type is a turn; the answer
 * streams back as it is written. Ctrl+C interrupts the running turn; `/exit` or end of
 * input (Ctrl+D) quits.
 *
 * Run: `npx deno run -A examples/11_cli_mini_app/main.ts`
 * (or `npx bun examples/11_cli_mini_app/main.ts`). It also reads piped input:
 * `printf 'Hi\nThanks\n' | npx deno run -A examples/11_cli_mini_app/main.ts`.
 *
 * @module
 */

import process from "node:process";
import { createInterface } from "node:readline";
import { Codex, TurnFailedError, type TurnHandle } from "../../mod.ts";

const interactive = process.stdin.isTTY === true;
const prompt = () => {
  if (interactive) process.stdout.write("you> ");
};

await using codex = await Codex.start();
const thread = await codex.threadStart();
console.log(`Codex ${codex.metadata.serverVersion}, thread ${thread.id}. /exit to quit.`);

let running: TurnHandle | undefined;
// Ctrl+C stops the running turn (it then ends with status "interrupted"), or quits when
// no turn runs. Aborting a `signal` given to `thread.turn()` would stop it too, but the
// turn's waiters would then reject with the abort reason (see example 19).
const onInterrupt = () => {
  if (running === undefined) process.exit(130);
  running.interrupt().catch(() => {});
};
process.on("SIGINT", onInterrupt);

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
let turns = 0;
prompt();
for await (const line of lines) {
  const input = line.trim();
  if (input === "/exit" || input === "/quit") break;
  if (input === "") {
    prompt();
    continue;
  }
  if (!interactive) console.log(`you> ${input}`);
  running = await thread.turn(input);
  process.stdout.write("codex> ");
  try {
    for await (const event of running) {
      if (event.method === "item/agentMessage/delta") process.stdout.write(event.params.delta);
    }
    const result = await running.result();
    process.stdout.write(result.status === "interrupted" ? " [interrupted]\n" : "\n");
  } catch (error) {
    if (!(error instanceof TurnFailedError)) throw error;
    process.stdout.write(`\n[turn failed: ${error.result.error?.message ?? "no reason given"}]\n`);
  }
  running = undefined;
  turns++;
  prompt();
}
lines.close();
process.off("SIGINT", onInterrupt);
console.log(`${interactive ? "\n" : ""}bye (${turns} turn${turns === 1 ? "" : "s"})`);
