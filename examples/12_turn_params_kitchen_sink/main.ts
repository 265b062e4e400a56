/**
 * 12 — Turn parameters, all at once: thread-level presets (approval mode, sandbox,
 * developer instructions) and per-turn overrides (model, reasoning effort, reasoning
 * summary, working directory, sandbox, approval policy, a JSON `outputSchema` for a
 * structured answer, and a deadline).
 *
 * Run: `npx deno run -A examples/12_turn_params_kitchen_sink/main.ts`
 * (or `npx bun examples/12_turn_params_kitchen_sink/main.ts`).
 *
 * This example chooses a model: the server's default one from `model/list`, with the
 * lowest reasoning effort it supports.
 *
 * @module
 */

import process from "node:process";
import { Codex, type TurnOptions } from "../../mod.ts";

await using codex = await Codex.start();

const { data: models } = await codex.models();
const model = models.find((candidate) => candidate.isDefault) ?? models[0];
if (model === undefined) throw new Error("The server offers no models");
const effort = model.supportedReasoningEfforts[0]?.reasoningEffort ?? model.defaultReasoningEffort;
console.log(`model: ${model.id}, effort: ${effort}`);

// Thread-level settings stick for every turn of the thread.
const thread = await codex.threadStart({
  approvalMode: "denyAll", // never ask: anything the sandbox forbids simply fails
  sandbox: "readOnly", // the thread's `sandbox`: "read-only"
  developerInstructions: "Answer tersely.",
});

// Per-turn overrides. All but `outputSchema` also stick for the turns after this one.
const schema = {
  type: "object",
  properties: {
    language: { type: "string" },
    reason: { type: "string" },
  },
  required: ["language", "reason"],
  additionalProperties: false,
};
const options: TurnOptions = {
  model: model.id,
  effort,
  summary: "concise", // reasoning summaries: "auto" | "concise" | "detailed" | "none"
  cwd: process.cwd(),
  sandbox: "readOnly", // the turn's `sandboxPolicy`: { type: "readOnly" }
  approvalPolicy: "never", // the raw wire policy; exclusive with `approvalMode`
  outputSchema: schema,
  // `personality` exists too, but app-server 0.169.0 ignores it (deprecated).
  timeoutMs: 300_000, // this turn's deadline (with `signal`: never sent, never sticks)
};
const result = await thread.run(
  "Which programming language is best for a first project, and why? Answer in the schema.",
  options,
);

console.log(`status: ${result.status}`);
try {
  const answer = JSON.parse(result.finalResponse ?? "") as { language: string; reason: string };
  console.log(`structured answer: language=${answer.language}, reason=${answer.reason}`);
} catch {
  console.log(`the model did not follow the schema; raw answer: ${result.finalResponse}`);
}

// What the thread runs with now.
const { thread: stored } = await thread.read();
console.log(`thread now: model=${stored.model} effort=${stored.reasoningEffort} cwd=${stored.cwd}`);
