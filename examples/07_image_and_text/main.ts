/**
 * 07 — Image and text input: send an image (as a `data:` URL) together with a question in
 * one turn, using the `image()` and `text()` input builders.
 *
 * Run: `npx deno run -A examples/07_image_and_text/main.ts`
 * (or `npx bun examples/07_image_and_text/main.ts`).
 *
 * The app-server 0.169.0 refuses plain http(s) image URLs unless the
 * `materialize_remote_images` feature is on, so fetch remote images yourself and pass them
 * as `data:` URLs.
 *
 * @module
 */

import { Codex, image, text } from "../../mod.ts";

/** A 2×1 PNG: one red pixel, one blue pixel. */
const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAADUlEQVR42mP4zwAE/wEHAAH/PX2MSQAAAABJRU5ErkJggg==";

await using codex = await Codex.start();
const thread = await codex.threadStart();

const result = await thread.run([
  text("What colours are the two pixels of this image, left to right?"),
  image(`data:image/png;base64,${PNG_BASE64}`),
]);

const sent = result.items.find((item) => item.type === "userMessage");
if (sent?.type === "userMessage") {
  console.log(`sent: ${sent.content.map((input) => input.type).join(" + ")}`);
}
console.log(`status: ${result.status}`);
console.log(`answer: ${result.finalResponse}`);
