/**
 * The value a framing stream yields in place of input that was not valid JSON.
 *
 * @module
 */

/**
 * Input that could not be parsed as a JSON message. Framing streams yield it in order with
 * the good messages, so nothing the peer sent is lost silently.
 *
 * @example
 * ```ts
 * import { MalformedMessage } from "./malformed.ts";
 * const bad = new MalformedMessage("{oops", new SyntaxError("Unexpected token"));
 * console.log(bad.text); // "{oops"
 * ```
 */
export class MalformedMessage {
  /** The raw text that failed to parse (without its line terminator). */
  readonly text: string;
  /** Why it failed to parse. */
  readonly error: unknown;

  /**
   * Creates a `MalformedMessage`.
   *
   * @param text The raw text that failed to parse.
   * @param error The parse error.
   */
  constructor(text: string, error: unknown) {
    this.text = text;
    this.error = error;
  }
}
