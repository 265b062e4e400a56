/**
 * 09 — Lazy client: `new Codex()` does not start anything; the first call that needs the
 * server spawns and initializes it (once, even when several calls race), and `await using`
 * closes it at the end of the scope.
 *
 * Run: `deno run -A examples/09_lazy_client/main.ts` (or `bun examples/09_lazy_client/main.ts`).
 *
 * `Codex.start()` (example 01) is the eager form: it fails fast at start-up instead.
 *
 * @module
 */

import { Codex, CodexError } from "../../mod.ts";

await using codex = new Codex();

try {
  void codex.metadata;
} catch (error) {
  // Metadata exists only after `initialize`.
  if (!(error instanceof CodexError)) throw error;
  console.log(`before first use: ${error.message}`);
}

// Two first calls at once: one app-server, one handshake.
const [a, b] = await Promise.all([codex.threadStart(), codex.threadStart()]);
console.log(`started lazily: app-server ${codex.metadata.serverVersion}`);
console.log(`two threads on one connection: ${a.id}, ${b.id}`);

const [first, second] = await Promise.all([
  a.run("Reply with the word 'one'."),
  b.run("Reply with the word 'two'."),
]);
console.log(`thread a: ${first.finalResponse}`);
console.log(`thread b: ${second.finalResponse}`);
