/**
 * JSON Lines as `TransformStream`s, for tests that build byte pipes by hand. The SDK itself
 * decodes with `JsonlDecoder` inside its transports' pull sources.
 *
 * @module
 */

import { JsonlDecoder } from "../../src/framing/jsonl_decode.ts";

/** Bytes of JSON Lines to batches of parsed messages, one batch per chunk with messages. */
export class JsonlDecodeStream extends TransformStream<Uint8Array, unknown[]> {
  constructor() {
    const decoder = new JsonlDecoder();
    super({
      transform(chunk, controller) {
        const batch = decoder.push(chunk);
        if (batch.length > 0) controller.enqueue(batch);
      },
      flush(controller) {
        const batch = decoder.end();
        if (batch.length > 0) controller.enqueue(batch);
      },
    });
  }
}

/** Serialized JSON texts to UTF-8 JSON Lines, one `\n` per message. */
export class JsonlEncodeStream extends TransformStream<string, Uint8Array> {
  constructor() {
    const encoder = new TextEncoder();
    super({
      transform(text, controller) {
        controller.enqueue(encoder.encode(text + "\n"));
      },
    });
  }
}
