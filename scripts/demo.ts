/**
 * The offline demo: the testing kit's fake model (`codex-app-server/testing`, its `demo`
 * scenario) on 127.0.0.1, the real `codex app-server` from the pinned npm package, one thread
 * with two turns streamed to the terminal.
 *
 * Run it with `npm run demo` (or `deno task demo`).
 *
 * @module
 */

import { Codex, type TurnResult } from "../mod.ts";
import { codexHome, FakeModel, scenarios } from "../testing.ts";

const encoder = new TextEncoder();
const write = (text: string) => Deno.stdout.writeSync(encoder.encode(text));

await using model = await FakeModel.start({ script: scenarios.demo });
await using home = await codexHome({ model, modelName: "demo" });

const started = performance.now();
await using codex = await Codex.start({ env: home.env, cwd: home.workspace });
console.log(
  `codex app-server ${codex.metadata.serverVersion} ready in ${
    (performance.now() - started).toFixed(0)
  } ms (CODEX_HOME ${home.path})\n`,
);

const thread = await codex.threadStart({ model: "demo" });

async function ask(prompt: string): Promise<TurnResult> {
  console.log(`> ${prompt}`);
  const turn = await thread.turn(prompt);
  for await (const event of turn.stream()) {
    if (event.method === "item/agentMessage/delta") write(event.params.delta);
  }
  write("\n");
  return await turn.run();
}

for (const prompt of ["What is the Codex app-server?", "And what does this SDK add?"]) {
  const result = await ask(prompt);
  const usage = result.usage?.total;
  console.log(
    `  status: ${result.status}, ${result.items.length} items, ${result.durationMs} ms, ` +
      `tokens: ${usage?.inputTokens} in / ${usage?.outputTokens} out / ${usage?.totalTokens} total`,
  );
  console.log(`  final response: ${JSON.stringify(result.finalResponse)}\n`);
}
console.log(`The fake model answered ${model.requests.length} requests. Done.`);
