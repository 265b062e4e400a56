/**
 * 22 — External messages: hand a turn what another agent, a tool or an application produced,
 * as the output of a function call, never as the user's own words (or the user's approval).
 *
 * `ExternalMessage({ toolName, content, namespace? })` is the whole input of `thread.run()` or
 * `thread.turn()`: the SDK sends `turn/start` with `input: []` and `toolOutput`, and the model
 * reads it as what the tool `toolName` returned. It needs app-server 0.151.0 or newer
 * (`EXTERNAL_MESSAGE_MIN_VERSION`); an older one fails before anything is sent.
 *
 * Run: `npx deno run -A examples/22_external_message/main.ts`
 * (or `npx bun examples/22_external_message/main.ts`).
 *
 * @module
 */

import { Codex, EXTERNAL_MESSAGE_MIN_VERSION, ExternalMessage } from "../../mod.ts";

await using codex = await Codex.start();
console.log(
  `app-server ${codex.metadata.serverVersion}; external messages need ` +
    `${EXTERNAL_MESSAGE_MIN_VERSION} or newer`,
);
const thread = await codex.threadStart({ developerInstructions: "Answer in one sentence." });

// 1. Text from another agent: the CI bot's verdict, under the name of its tool.
const ci = ExternalMessage({
  toolName: "ci_status",
  content: "build 412 failed: 3 tests red in tests/api_test.ts",
});
const first = await thread.run(ci, { timeoutMs: 120_000 });
console.log(`ci_status -> ${first.finalResponse}`);

// 2. Content items (text, images) and a namespace for the tool's name.
const review = ExternalMessage({
  toolName: "review",
  namespace: "agent_b",
  content: [
    { type: "input_text", text: "Reviewer agent: the retry loop in src/client.ts never ends." },
    { type: "input_text", text: "Severity: high." },
  ],
});
const second = await thread.run(review, { timeoutMs: 120_000 });
console.log(`agent_b.review -> ${second.finalResponse}`);

// 3. The user's own words are still plain input, on the same thread.
const third = await thread.run("What should I fix first?", { timeoutMs: 120_000 });
console.log(`user -> ${third.finalResponse}`);
