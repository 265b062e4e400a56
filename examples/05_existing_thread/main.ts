/**
 * 05 — Resuming a thread: create a thread and run a turn in one app-server process, close
 * it, then reopen the same thread with `threadResume()` in a second process and go on.
 *
 * Run: `npx deno run -A examples/05_existing_thread/main.ts`
 * (or `npx bun examples/05_existing_thread/main.ts`).
 *
 * @module
 */

import { Codex } from "../../mod.ts";

let threadId: string;
{
  await using first = await Codex.start();
  const thread = await first.threadStart();
  const result = await thread.run("Remember the word 'kumquat'. Reply with one short sentence.");
  threadId = thread.id;
  console.log(`first process:  thread ${threadId}`);
  console.log(`  answer: ${result.finalResponse}`);
} // the first app-server stops here

// A thread is stored on disk (under CODEX_HOME) once it has run a turn. A new process must
// `threadResume()` it before it accepts turns.
await using second = await Codex.start();
const resumed = await second.threadResume(threadId);
console.log(`second process: resumed thread ${resumed.id}`);

const { thread } = await resumed.read({ includeTurns: true });
console.log(
  `  it has ${thread.turns.length} turn(s) so far; preview: ${JSON.stringify(thread.preview)}`,
);

const result = await resumed.run("Which word did I ask you to remember?");
console.log(`  answer: ${result.finalResponse}`);
