/**
 * 01 — Quickstart: start the app-server with `Codex.start()`, print what it says about itself,
 * and run one turn on a new thread, with a deadline.
 *
 * Run: `npx deno run -A examples/01_quickstart/main.ts`
 * (or `npx bun examples/01_quickstart/main.ts`).
 * The model comes from your Codex config (`~/.codex/config.toml` or `$CODEX_HOME`).
 *
 * @module
 */

// In your own project: `import { Codex } from "codex-app-server";`
import { Codex } from "../../mod.ts";

// `Codex.start()` spawns `codex app-server` and runs the `initialize` handshake before it
// returns. `await using` closes the connection and stops the process at the end of scope
// (where `await using` is not available: `try { … } finally { await codex.close(); }`).
await using codex = await Codex.start();

const { serverVersion, userAgent, platformOs } = codex.metadata;
console.log(`app-server ${serverVersion} on ${platformOs}`);
console.log(`user agent: ${userAgent}`);

const thread = await codex.threadStart();
// `timeoutMs` bounds the whole turn: once it passes, the turn is interrupted and `run()`
// rejects with a `TurnTimeoutError` (example 19 shows that, and `signal`; example 21 what
// else keeps a turn from hanging).
const result = await thread.run("Say hello in one sentence.", { timeoutMs: 120_000 });

console.log(`thread: ${thread.id}`);
console.log(`status: ${result.status}`);
console.log(`final response: ${result.finalResponse}`);
