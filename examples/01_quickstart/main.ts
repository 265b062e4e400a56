/**
 * 01 — Quickstart: start the app-server with `Codex.start()`, print what it says about itself,
 * and run one turn on a new thread.
 *
 * Run: `deno run -A examples/01_quickstart/main.ts` (or `bun examples/01_quickstart/main.ts`).
 * The model comes from your Codex config (`~/.codex/config.toml` or `$CODEX_HOME`).
 *
 * @module
 */

import { Codex } from "../../mod.ts";

// `Codex.start()` spawns `codex app-server` and runs the `initialize` handshake before it
// returns. `await using` closes the connection and stops the process at the end of scope.
await using codex = await Codex.start();

const { serverVersion, userAgent, platformOs } = codex.metadata;
console.log(`app-server ${serverVersion} on ${platformOs}`);
console.log(`user agent: ${userAgent}`);

const thread = await codex.threadStart();
const result = await thread.run("Say hello in one sentence.");

console.log(`thread: ${thread.id}`);
console.log(`status: ${result.status}`);
console.log(`final response: ${result.finalResponse}`);
