/**
 * 08 — Local image input: write a tiny PNG to a temporary directory and send it with
 * `localImage(path)`; the app-server reads the file itself.
 *
 * Run: `npx deno run -A examples/08_local_image_and_text/main.ts`
 * (or `npx bun examples/08_local_image_and_text/main.ts`).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Codex, localImage, text } from "../../mod.ts";

/** A 2×1 PNG: one red pixel, one blue pixel. */
const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAADUlEQVR42mP4zwAE/wEHAAH/PX2MSQAAAABJRU5ErkJggg==";

const dir = await mkdtemp(join(tmpdir(), "codex-example-"));
try {
  // The path must be absolute (or relative to the app-server's working directory).
  const path = join(dir, "pixels.png");
  await writeFile(path, Buffer.from(PNG_BASE64, "base64"));
  console.log(`wrote ${path}`);

  await using codex = await Codex.start();
  const thread = await codex.threadStart();
  const result = await thread.run([
    text("Describe this image in one sentence."),
    localImage(path),
  ]);
  console.log(`status: ${result.status}`);
  console.log(`answer: ${result.finalResponse}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
