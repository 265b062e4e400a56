/**
 * What the router feeds for one turn: its event queue, its items and usage, and the
 * promises its waiters hold. The user-facing `TurnHandle` wraps one and exposes none of
 * this.
 *
 * @module
 */

import type { ThreadItem, ThreadTokenUsage, Turn } from "../../generated/mod.ts";
import { type Deferred, deferred } from "../_util/deferred.ts";
import { buildTurnResult, type TurnResult } from "../turn_result.ts";
import type { ServerNotification } from "./client.ts";
import { EventQueue } from "./event_queue.ts";
import type { TurnSink } from "./turn_router.ts";

/**
 * Collects one turn's events and settles its waiters.
 *
 * Ends in exactly one of these ways: `turn/completed` arrives (the result, or the error a
 * server-request handler or a cancellation left); the connection ends (`fail`); or the
 * caller gives up waiting for the end of an interrupted turn (`abandon`).
 *
 * @example
 * ```ts
 * import { TurnCollector } from "./turn_collector.ts";
 * const turn = new TurnCollector("thread-1", () => {});
 * turn.deliver("turn/completed", { threadId: "thread-1", turn: { id: "u", status: "completed", items: [], error: null } });
 * console.log((await turn.done.promise).status); // "completed"
 * ```
 */
export class TurnCollector implements TurnSink {
  /** The turn's events, in order, for an iterating consumer. */
  readonly events: EventQueue<ServerNotification> = new EventQueue<ServerNotification>();
  /** Resolves once the server reports the turn as started (or it has ended). */
  readonly started: Deferred<void> = deferred<void>();
  /** Settles once the turn has ended: its result (of any status), or why it cannot be had. */
  readonly done: Deferred<TurnResult> = deferred<TurnResult>();
  readonly #threadId: string;
  readonly #onEnd: () => void;
  readonly #items: ThreadItem[] = [];
  #usage: ThreadTokenUsage | null = null;
  #buffering = true;
  #error: { value: unknown } | undefined;

  /**
   * Creates a `TurnCollector`.
   *
   * @param threadId The turn's thread.
   * @param onEnd Called once when the turn has ended, however (to stop routing to it).
   */
  constructor(threadId: string, onEnd: () => void) {
    this.#threadId = threadId;
    this.#onEnd = onEnd;
  }

  /** Whether the turn has ended (its waiters are settled). */
  get finished(): boolean {
    return this.done.settled;
  }

  /**
   * Receives one event of the turn (called by the router).
   *
   * @param method The notification's method.
   * @param params Its params.
   */
  deliver(method: string, params: unknown): void {
    if (this.done.settled) return;
    switch (method) {
      case "item/completed":
        this.#items.push((params as { item: ThreadItem }).item);
        break;
      case "thread/tokenUsage/updated":
        this.#usage = (params as { tokenUsage: ThreadTokenUsage }).tokenUsage;
        break;
      case "turn/started":
        this.started.resolve();
        break;
      case "turn/completed":
        if (this.#buffering) this.events.push({ method, params } as ServerNotification);
        this.#complete((params as { turn: Turn }).turn);
        return;
    }
    if (this.#buffering) this.events.push({ method, params } as ServerNotification);
  }

  /**
   * Records an error of this turn on the client side (a server-request handler threw). The
   * turn runs on on the server; once it ends, its waiters fail with the first such error.
   *
   * @param error The error to surface.
   */
  report(error: unknown): void {
    this.#error ??= { value: error };
  }

  /**
   * Makes the turn's waiters fail with `reason` once it ends (it was cancelled).
   *
   * @param reason The cancellation's reason.
   */
  cancel(reason: unknown): void {
    this.#error = { value: reason };
  }

  /** Stops keeping events: nobody will read them, so memory stays flat on long turns. */
  stopBuffering(): void {
    this.#buffering = false;
    this.events.return();
  }

  /**
   * Fails the turn's waiters now (the connection ended).
   *
   * @param error What they receive.
   */
  fail(error: unknown): void {
    this.#end(error);
  }

  /**
   * Gives up on the turn's end (its interrupt was not followed by `turn/completed` in
   * time): the waiters fail now, with the cancellation's reason or `error`.
   *
   * @param error What they receive when the turn was not cancelled.
   */
  abandon(error: unknown): void {
    this.#end(this.#error?.value ?? error);
  }

  #complete(turn: Turn): void {
    this.started.resolve();
    if (this.#error !== undefined) return this.#end(this.#error.value);
    this.events.end();
    this.done.resolve(buildTurnResult(this.#threadId, turn, this.#items, this.#usage));
    this.#onEnd();
  }

  #end(error: unknown): void {
    if (this.done.settled) return;
    this.started.reject(error);
    this.events.fail(error);
    this.done.reject(error);
    this.#onEnd();
  }
}
