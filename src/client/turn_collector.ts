/**
 * What the router feeds for one turn: its event queue, its items and usage, and the
 * promises its waiters hold. The user-facing `TurnHandle` wraps one and exposes none of
 * this.
 *
 * @module
 */

import type { ErrorNotification, ThreadItem, ThreadTokenUsage, Turn } from "../../generated/mod.ts";
import { isServerNotificationMethod } from "../../generated/methods.ts";
import { type Deferred, deferred } from "../_util/deferred.ts";
import { buildTurnResult, type ServerRequestOutcome, type TurnResult } from "../turn_result.ts";
import type { ServerNotification } from "./client.ts";
import { EventQueue } from "./event_queue.ts";
import type { TurnSink } from "./turn_router.ts";

/** What a {@linkcode TurnCollector} tells its owner. */
export interface TurnHooks {
  /** The turn has ended, however (stop routing to it). Called once. */
  readonly onEnd: () => void;
  /** The server announced its first retry of the turn (`error` with `willRetry`). */
  readonly onFirstRetry?: (retry: ErrorNotification) => void;
}

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
 * const turn = new TurnCollector("thread-1", { onEnd: () => {} });
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
  /** How many events the turn has received (a stall watchdog compares it over time). */
  received = 0;
  /** The last event the turn received. */
  lastEvent: ServerNotification | undefined;
  /** The last retry the server announced (`error` with `willRetry`). */
  lastRetry: ErrorNotification | null = null;
  readonly #threadId: string;
  readonly #hooks: TurnHooks;
  readonly #items: ThreadItem[] = [];
  readonly #serverRequests: ServerRequestOutcome[] = [];
  #usage: ThreadTokenUsage | null = null;
  #buffering = true;
  #error: { value: unknown } | undefined;

  /**
   * Creates a `TurnCollector`.
   *
   * @param threadId The turn's thread.
   * @param hooks What to call when the turn ends and when the server first retries it.
   */
  constructor(threadId: string, hooks: TurnHooks) {
    this.#threadId = threadId;
    this.#hooks = hooks;
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
    this.received++;
    // A method the pinned protocol lacks (a newer app-server's) shows the turn is alive, but
    // is not one of its typed events: `onNotification(…, { unknown: true })` receives it.
    if (!isServerNotificationMethod(method)) return;
    const event = { method, params } as ServerNotification;
    this.lastEvent = event;
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
      case "error":
        if ((params as ErrorNotification).willRetry) {
          const first = this.lastRetry === null;
          this.lastRetry = params as ErrorNotification;
          if (first) this.#hooks.onFirstRetry?.(this.lastRetry);
        }
        break;
      case "turn/completed":
        if (this.#buffering) this.events.push(event);
        this.#complete((params as { turn: Turn }).turn, this.#items, false);
        return;
    }
    if (this.#buffering) this.events.push(event);
  }

  /**
   * Ends the turn from the server's own record of it (`thread/read`), for a turn that ended
   * without its `turn/completed` reaching us. The result says it was reconciled.
   *
   * @param turn The turn as `thread/read` returned it (with its items).
   */
  reconcile(turn: Turn): void {
    if (this.done.settled) return;
    this.events.push({
      method: "turn/completed",
      params: { threadId: this.#threadId, turn },
    } as ServerNotification);
    this.#complete(turn, this.#items.length > 0 ? this.#items : turn.items, true);
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
   * Records how one of the turn's server requests was answered.
   *
   * @param outcome The request and how it was answered.
   */
  note(outcome: ServerRequestOutcome): void {
    this.#serverRequests.push(outcome);
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

  #complete(turn: Turn, items: readonly ThreadItem[], reconciled: boolean): void {
    this.started.resolve();
    if (this.#error !== undefined) return this.#end(this.#error.value);
    this.events.end();
    this.done.resolve(
      buildTurnResult(this.#threadId, turn, items, {
        usage: this.#usage,
        lastRetry: this.lastRetry,
        reconciled,
        serverRequests: this.#serverRequests,
      }),
    );
    this.#hooks.onEnd();
  }

  #end(error: unknown): void {
    if (this.done.settled) return;
    this.started.reject(error);
    this.events.fail(error);
    this.done.reject(error);
    this.#hooks.onEnd();
  }
}
