/**
 * 06 — Thread lifecycle: name a thread, read it back, list threads, fork it, archive and
 * unarchive the fork, and compact the original's context.
 *
 * Run: `npx deno run -A examples/06_thread_lifecycle/main.ts`
 * (or `npx bun examples/06_thread_lifecycle/main.ts`).
 *
 * @module
 */

import { Codex } from "../../mod.ts";

await using codex = await Codex.start();

// A thread is written to disk, listed and archivable once it has run a turn.
const thread = await codex.threadStart();
await thread.run("Name three prime numbers.");

await thread.setName("Prime numbers");
const { thread: stored } = await thread.read();
console.log(
  `thread ${stored.id}: name=${JSON.stringify(stored.name)} status=${stored.status.type}`,
);

const withTurns = await thread.read({ includeTurns: true });
console.log(
  `  ${withTurns.thread.turns.length} turn(s); preview ${JSON.stringify(stored.preview)}`,
);

// Forking copies the history (and the name) into a new thread.
const fork = await codex.threadFork(thread.id);
const { thread: forked } = await fork.read();
console.log(
  `fork ${fork.id}: forkedFromId=${forked.forkedFromId} name=${JSON.stringify(forked.name)}`,
);

const listed = await codex.threadList({ limit: 10, sortKey: "created_at" });
console.log(`threadList: ${listed.data.length} thread(s), newest first`);
for (const entry of listed.data) console.log(`  ${entry.id} ${JSON.stringify(entry.name ?? null)}`);

// Archiving hides the fork from the default listing; `archived: true` lists only archived ones.
await codex.threadArchive(fork.id);
const archived = await codex.threadList({ archived: true });
console.log(`archived fork; archived threads: ${archived.data.map((t) => t.id).join(", ")}`);

// Unarchiving resolves with nothing: `threadResume()` gives a `Thread` to run turns on.
await codex.threadUnarchive(fork.id);
const active = await codex.threadList({});
console.log(
  `unarchived ${fork.id}; listed again: ${active.data.some((t) => t.id === fork.id)}`,
);
const reopened = await codex.threadResume(fork.id);
console.log(`resumed ${reopened.id}: it accepts turns again`);

// Compaction runs as a turn the server starts by itself: `compact()` only starts it. Wait
// for that turn's `turn/completed` (listening from before the request; the wait keeps the
// program alive, and fails if the connection closes or the deadline passes).
const compacted = codex.nextNotification("turn/completed", {
  where: (params) => params.threadId === thread.id,
  timeoutMs: 120_000,
});
await thread.compact();
console.log(`compaction finished: ${(await compacted).params.turn.status}`);
