/**
 * Serialized JSON messages to JSON Lines bytes.
 *
 * @module
 */

/**
 * A `TransformStream` that turns serialized JSON texts into UTF-8 JSON Lines, one `\n`
 * per message. Serializing is the caller's job, so a value that cannot be serialized fails
 * where it was sent, not inside the stream.
 *
 * @example
 * ```ts
 * import { JsonlEncodeStream } from "./jsonl_encode.ts";
 * const encoded = ReadableStream.from(['{"id":1}']).pipeThrough(new JsonlEncodeStream());
 * for await (const bytes of encoded) console.log(new TextDecoder().decode(bytes)); // {"id":1}\n
 * ```
 */
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
