/**
 * A server-sent-events body the fake model writes into: a `ReadableStream` of bytes with
 * back-pressure, a way to end it, to drop it, and to learn that its reader went away.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * One SSE event of the Responses API: `event: <type>` and its JSON `data`.
 *
 * @param event The event object; its `type` names the event.
 * @returns The event's text, blank line included.
 *
 * @example
 * ```ts
 * import { sseEvent } from "./sse.ts";
 * console.log(sseEvent({ type: "response.created", response: { id: "resp_1" } }));
 * ```
 */
export function sseEvent(
  event: { readonly type: string; readonly [key: string]: unknown },
): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * An SSE response body being written. Writes wait until the reader has taken the previous
 * chunk (a high-water mark of 0), so a slow reader slows the writer down.
 *
 * @example
 * ```ts
 * import { SseBody } from "./sse.ts";
 * const body = new SseBody();
 * const response = new Response(body.readable);
 * const text = response.text();
 * await body.send("event: ping\ndata: {}\n\n");
 * body.end();
 * console.log(await text);
 * ```
 */
export class SseBody {
  /** The bytes, for the `Response`. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Resolves once the body has ended, been dropped, or its reader went away. */
  readonly finished: Promise<void>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #open = true;
  #taken: (() => void) | undefined;
  #finish!: () => void;

  /** Creates an empty body. */
  constructor() {
    this.finished = new Promise((resolve) => (this.#finish = resolve));
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => {
        this.#taken?.();
        this.#taken = undefined;
      },
      cancel: () => this.#settle(),
    }, { highWaterMark: 0 });
  }

  /** Whether the body can still be written (not ended, dropped, or abandoned). */
  get open(): boolean {
    return this.#open;
  }

  /**
   * Writes text and waits until the reader has taken it.
   *
   * @param text The text to send.
   * @returns `false` when the body is no longer open (nothing was sent).
   */
  async send(text: string): Promise<boolean> {
    if (!this.#open) return false;
    const taken = new Promise<void>((resolve) => (this.#taken = resolve));
    this.#controller.enqueue(encoder.encode(text));
    await Promise.race([taken, this.finished]);
    return this.#open;
  }

  /** Ends the body normally (idempotent). */
  end(): void {
    if (!this.#open) return;
    this.#settle();
    this.#controller.close();
  }

  /**
   * Drops the connection: errors the body, which every test host turns into a connection
   * closed without the end of the body (idempotent).
   */
  drop(): void {
    if (!this.#open) return;
    this.#settle();
    this.#controller.error(new Error("The fake model dropped the connection"));
  }

  #settle(): void {
    this.#open = false;
    this.#taken?.();
    this.#taken = undefined;
    this.#finish();
  }
}
