/**
 * 04 — Models and metadata: what the server says about itself at `initialize`, and the
 * models it offers (`model/list`), with their reasoning efforts.
 *
 * Run: `npx deno run -A examples/04_models_and_metadata/main.ts`
 * (or `npx bun examples/04_models_and_metadata/main.ts`).
 *
 * @module
 */

import { Codex, CODEX_VERSION } from "../../mod.ts";

await using codex = await Codex.start();

const metadata = codex.metadata;
console.log("server metadata:");
console.log(`  serverVersion:  ${metadata.serverVersion} (this SDK is pinned to ${CODEX_VERSION})`);
console.log(`  userAgent:      ${metadata.userAgent}`);
console.log(`  codexHome:      ${metadata.codexHome}`);
console.log(`  platform:       ${metadata.platformFamily} / ${metadata.platformOs}`);

// Every call takes `signal` and `timeoutMs` next to its own options.
const { data: models } = await codex.models({ timeoutMs: 10_000 });
const hidden = (await codex.models({ includeHidden: true, timeoutMs: 10_000 })).data.length -
  models.length;
console.log(`\n${models.length} models (${hidden} more hidden from pickers):`);
for (const model of models) {
  const efforts = model.supportedReasoningEfforts.map((option) => option.reasoningEffort);
  console.log(
    `  ${model.isDefault ? "*" : " "} ${model.id.padEnd(24)} ${model.displayName}` +
      ` — efforts: ${efforts.join(", ") || "none"} (default ${model.defaultReasoningEffort})`,
  );
}
const fallback = models.find((model) => model.isDefault);
console.log(`\ndefault model: ${fallback?.id ?? "none marked"}`);
