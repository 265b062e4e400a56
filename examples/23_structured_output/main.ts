/**
 * 23 — Structured output, typed and validated: give a turn a valibot schema as `output`, and
 * `result.output` is the final message parsed as JSON, checked against the schema, and typed
 * by it.
 *
 * - The schema's JSON Schema (made with `@valibot/to-json-schema`) is sent as the turn's
 *   `outputSchema`. `v.strictObject` makes it forbid extra keys.
 * - A final message that is missing, is not JSON or does not match rejects with an
 *   `OutputValidationError`: the raw `text`, the `issues` with their paths, and the `result`.
 * - It works the same when you iterate the turn first and call `result()` after.
 *
 * Run: `npx deno run -A examples/23_structured_output/main.ts`
 * (or `npx bun examples/23_structured_output/main.ts`).
 *
 * @module
 */

import * as v from "valibot";
import { Codex, OutputValidationError } from "../../mod.ts";

const Language = v.strictObject({
  name: v.string(),
  reasons: v.array(v.string()),
  typed: v.boolean(),
});

await using codex = await Codex.start();
const thread = await codex.threadStart();

// 1. `run()` with `output`: `result.output` has the schema's type.
const result = await thread.run("Which language suits a first project? Answer in the schema.", {
  output: Language,
  timeoutMs: 300_000,
});
const { name, reasons, typed } = result.output; // string, string[], boolean
console.log(`output: ${name} (${typed ? "typed" : "untyped"}): ${reasons.join("; ")}`);

// 2. Iterate the turn, then `result()`: the same parsed output.
const turn = await thread.turn("And a second language, for later? Same schema.", {
  output: Language,
  timeoutMs: 300_000,
});
let events = 0;
for await (const _event of turn) events++;
console.log(`after ${events} events: ${(await turn.result()).output.name}`);

// 3. When the model does not follow the schema. (A real model given an `outputSchema`
//    normally does; the fake model of the tests answers in prose here.)
try {
  const third = await thread.run("One more, in the schema.", {
    output: Language,
    timeoutMs: 300_000,
  });
  console.log(`third: ${third.output.name}`);
} catch (error) {
  if (!(error instanceof OutputValidationError)) throw error;
  console.log(`OutputValidationError: ${error.message}`);
  console.log(`  raw text: ${JSON.stringify(error.text)}`);
  for (const issue of error.issues) console.log(`  at ${issue.path || "(root)"}: ${issue.message}`);
  console.log(`  the turn itself: ${error.result?.status}`);
}
