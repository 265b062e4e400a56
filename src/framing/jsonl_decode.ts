/**
 * Bytes to JSON messages, one per `\n`-terminated line.
 *
 * @module
 */

import { MalformedMessage } from "./malformed.ts";

/**
 * The JSON Lines decoder itself, without a stream around it: feed it byte chunks, get back
 * the messages each chunk completed.
 *
 * - UTF-8 sequences split across chunks are decoded correctly.
 * - `\r\n` line ends are tolerated; empty and blank lines are skipped.
 * - A line that is not valid JSON comes back as a {@linkcode MalformedMessage}, in order.
 * - A long line arriving in many chunks is joined once, when its `\n` arrives: every byte
 *   is scanned once, so a 10 MB line costs linear time.
 *
 * @example
 * ```ts
 * import { JsonlDecoder } from "./jsonl_decode.ts";
 * const decoder = new JsonlDecoder();
 * console.log(decoder.push(new TextEncoder().encode('{"id":1}\n{"id"'))); // [{ id: 1 }]
 * console.log(decoder.push(new TextEncoder().encode(":2}\n"))); // [{ id: 2 }]
 * ```
 */
export class JsonlDecoder {
  readonly #text = new TextDecoder();
  /** Pieces of the current, not yet terminated line. */
  #pieces: string[] = [];

  /**
   * Decodes one chunk.
   *
   * @param chunk The next bytes of the stream.
   * @returns The messages completed by this chunk, in order (often empty).
   */
  push(chunk: Uint8Array): unknown[] {
    const text = this.#text.decode(chunk, { stream: true });
    const batch: unknown[] = [];
    let start = 0;
    let end = text.indexOf("\n");
    while (end !== -1) {
      let line = text.slice(start, end);
      if (this.#pieces.length > 0) {
        this.#pieces.push(line);
        line = this.#pieces.join("");
        this.#pieces = [];
      }
      parseInto(batch, line);
      start = end + 1;
      end = text.indexOf("\n", start);
    }
    if (start < text.length) this.#pieces.push(start === 0 ? text : text.slice(start));
    return batch;
  }

  /**
   * Ends the input: parses text after the last `\n`, if any.
   *
   * @returns The last message, or nothing.
   */
  end(): unknown[] {
    const rest = this.#text.decode();
    if (rest.length > 0) this.#pieces.push(rest);
    const batch: unknown[] = [];
    if (this.#pieces.length > 0) parseInto(batch, this.#pieces.join(""));
    this.#pieces = [];
    return batch;
  }
}

function parseInto(batch: unknown[], line: string): void {
  if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
  if (line.length === 0) return;
  try {
    batch.push(JSON.parse(line));
  } catch (error) {
    if (line.trim().length > 0) batch.push(new MalformedMessage(line, error));
  }
}
