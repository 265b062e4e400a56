/**
 * An unbounded single-consumer queue that is also an async iterator.
 *
 * @module
 */

/**
 * A queue of events for one consumer. Producers `push` synchronously; the consumer
 * iterates. `end()` finishes the iteration after the queued events; `fail(error)` makes the
 * next read throw once the queued events are drained.
 *
 * Policy: the queue is unbounded by design — dropping protocol events would lose data and
 * blocking the producer would stall every other turn on the connection. Memory grows only
 * while a consumer falls behind; `size` tells how far.
 *
 * @example
 * ```ts
 * import { EventQueue } from "./event_queue.ts";
 * const queue = new EventQueue<number>();
 * queue.push(1);
 * queue.push(2);
 * queue.end();
 * for await (const n of queue) console.log(n); // 1, 2
 * ```
 */
export class EventQueue<T> implements AsyncIterableIterator<T> {
  #items: T[] = [];
  #head = 0;
  #waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  #ended = false;
  #error: { value: unknown } | undefined;

  /** How many events wait to be read. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Whether `end()` or `fail()` was called. */
  get finished(): boolean {
    return this.#ended || this.#error !== undefined;
  }

  /**
   * Adds an event; ignored after `end()` or `fail()`.
   *
   * @param item The event.
   */
  push(item: T): void {
    if (this.finished) return;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ value: item, done: false });
      return;
    }
    this.#items.push(item);
  }

  /** Ends the iteration after the queued events. */
  end(): void {
    if (this.finished) return;
    this.#ended = true;
    this.#wake();
  }

  /**
   * Rejects the read that is waiting for an event, if any, with `error`; the queue itself
   * goes on, and the next read waits for the next event. For a watchdog that tells the
   * consumer a wait has gone on too long, without racing every read against a promise of
   * its own (a race keeps each event until that promise settles).
   *
   * @param error What the waiting read rejects with.
   */
  interrupt(error: unknown): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    waiter.reject(error);
  }

  /**
   * Makes the iteration throw `error` after the queued events.
   *
   * @param error What the consumer receives.
   */
  fail(error: unknown): void {
    if (this.finished) return;
    this.#error = { value: error };
    this.#wake();
  }

  /** Reads the next event. */
  next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head];
      this.#items[this.#head++] = undefined as T;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#error !== undefined) return Promise.reject(this.#error.value);
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Stops reading: drops queued events and ends the queue. */
  return(): Promise<IteratorResult<T>> {
    this.#items = [];
    this.#head = 0;
    this.#ended = true;
    return Promise.resolve({ value: undefined, done: true });
  }

  /** The queue is its own iterator. */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  #wake(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    if (this.#error !== undefined) waiter.reject(this.#error.value);
    else waiter.resolve({ value: undefined, done: true });
  }
}
