/**
 * 09 — Lazy client: `new Codex()` does not start anything; the first call that needs the
 * server spawns and initializes it (once, even when several calls race). This example closes
 * it with `close()` in a `finally` block: the form for runtimes without `await using`
 * (Node before 24, plain `.mjs` files).
 *
 * Run: `npx deno run -A examples/09_lazy_client/main.ts`
 * (or `npx bun examples/09_lazy_client/main.ts`).
 *
 * `Codex.start()` (example 01) is the eager form: it fails fast at start-up instead.
 *
 * @module
 */

import { Codex, CodexError } from "../../mod.ts";

const codex = new Codex();
try {
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
} finally {
  // Fails whatever still waits, then closes stdin at once, sends SIGTERM at `graceMs / 2`
  // and SIGKILL at `graceMs` (default 4000): `close()` returns within about `graceMs` + 1 s.
  await codex.close({ graceMs: 1_000 });
}
