/**
 * Routes each notification of a turn to that turn's own consumer, buffering from the moment
 * `turn/start` is sent so no early event (not even `turn/completed`) is lost.
 *
 * @module
 */

import { CodexError } from "../errors.ts";
import type { ServerRequestOutcome } from "../turn_result.ts";

/** What the router needs from a turn's consumer. */
export interface TurnSink {
  /** Receives one notification of the turn, in arrival order. */
  deliver(method: string, params: unknown): void;
  /** The connection ended: fail every waiter with `error`. */
  fail(error: unknown): void;
  /** Something went wrong for this turn on the client side; the turn itself goes on. */
  report(error: unknown): void;
  /** One of the turn's server requests was answered (how, for its result). */
  note(outcome: ServerRequestOutcome): void;
}

interface ThreadBuffer {
  /** Turn starts sent on this thread whose reply has not come yet. */
  starts: number;
  /** Events of this thread seen meanwhile, in order, with the turn id they carry. */
  events: { turnId: string; method: string; params: unknown }[];
  /** Events past `MAX_BUFFERED` that were not kept. */
  dropped: number;
  /**
   * What the client side learned meanwhile about a turn of this thread (a server request's
   * outcome, a handler's error): its `turn/start` reply came, but its consumer is not
   * attached yet.
   */
  pending: { turnId: string; apply: (sink: TurnSink) => void }[];
}

/**
 * The most events kept for a thread while its `turn/start` reply is outstanding (a reply
 * normally comes within milliseconds; one that never comes must not grow memory for ever).
 */
const MAX_BUFFERED = 10_000;

/**
 * Extracts the turn id a notification belongs to: `params.turnId`, or `params.turn.id` for
 * `turn/started` and `turn/completed`.
 *
 * @param params A notification's params.
 * @returns The turn id, or `undefined` for events not scoped to a turn.
 *
 * @example
 * ```ts
 * import { turnIdOf } from "./turn_router.ts";
 * console.log(turnIdOf({ threadId: "t", turn: { id: "u" } })); // "u"
 * ```
 */
export function turnIdOf(params: unknown): string | undefined {
  if (typeof params !== "object" || params === null) return undefined;
  const p = params as { turnId?: unknown; turn?: { id?: unknown } };
  if (typeof p.turnId === "string") return p.turnId;
  const turn = p.turn;
  if (typeof turn === "object" && turn !== null && typeof turn.id === "string") return turn.id;
  return undefined;
}

/**
 * Delivers turn-scoped notifications to registered turn sinks.
 *
 * Protocol: call `expect(threadId)` before sending `turn/start`; then `attach(threadId,
 * turnId, sink)` with the id from the reply (it replays what arrived meanwhile), or
 * `abandon(threadId)` if the request failed. `detach(turnId)` once the turn is complete.
 *
 * @example
 * ```ts
 * import { TurnRouter } from "./turn_router.ts";
 * const router = new TurnRouter();
 * router.expect("thread-1");
 * router.route("turn/started", { threadId: "thread-1", turn: { id: "turn-1" } });
 * const seen: string[] = [];
 * router.attach("thread-1", "turn-1", { deliver: (m) => seen.push(m), fail() {}, report() {}, note() {} });
 * console.log(seen); // ["turn/started"]
 * ```
 */
export class TurnRouter {
  /** Consumers by turn id: usually one; several when `turn/start` calls joined one turn. */
  readonly #sinks = new Map<string, TurnSink | TurnSink[]>();
  readonly #buffers = new Map<string, ThreadBuffer>();
  readonly #threadSinks = new Map<string, TurnSink>();

  /** How many turns currently have a consumer. */
  get size(): number {
    return this.#sinks.size;
  }

  /**
   * Routes one notification. Returns `true` when a turn consumer (or a start buffer) took it.
   *
   * @param method The notification's method.
   * @param params Its params.
   * @returns Whether the event was taken.
   */
  route(method: string, params: unknown): boolean {
    const turnId = turnIdOf(params);
    if (turnId === undefined) return false;
    const sinks = this.#sinks.get(turnId);
    if (sinks !== undefined) {
      if (Array.isArray(sinks)) { for (const sink of sinks) sink.deliver(method, params); }
      else sinks.deliver(method, params);
      if (this.#buffers.size === 0) return true;
    } else if (this.#buffers.size === 0 && this.#threadSinks.size === 0) {
      return false;
    }
    const threadId = (params as { threadId?: unknown }).threadId;
    if (typeof threadId !== "string") return sinks !== undefined;
    const buffer = this.#buffers.get(threadId);
    if (buffer !== undefined) {
      if (buffer.events.length < MAX_BUFFERED) buffer.events.push({ turnId, method, params });
      else buffer.dropped++;
      return true;
    }
    if (sinks !== undefined) return true;
    const watcher = this.#threadSinks.get(threadId);
    if (watcher === undefined) return false;
    watcher.deliver(method, params);
    return true;
  }

  /**
   * Receives the events of every turn of a thread that has no consumer of its own — the
   * turns the server starts by itself (goals, compaction). One watcher per thread.
   *
   * @param threadId The thread.
   * @param sink The consumer.
   * @returns A function that removes the watcher.
   */
  watchThread(threadId: string, sink: TurnSink): () => void {
    this.#threadSinks.set(threadId, sink);
    return () => {
      if (this.#threadSinks.get(threadId) === sink) this.#threadSinks.delete(threadId);
    };
  }

  /**
   * Starts buffering the thread's turn events before a `turn/start` is sent.
   *
   * @param threadId The thread the turn starts on.
   */
  expect(threadId: string): void {
    const buffer = this.#buffers.get(threadId);
    if (buffer === undefined) {
      this.#buffers.set(threadId, { starts: 1, events: [], dropped: 0, pending: [] });
    } else buffer.starts++;
  }

  /**
   * Registers the consumer of a started turn and replays the events buffered since its
   * `expect`. A `turn/start` sent while the thread already runs a turn joins that turn (the
   * server answers with the running turn's id): each caller's consumer then receives every
   * event from its own start on.
   *
   * @param threadId The turn's thread.
   * @param turnId The id from the `turn/start` reply.
   * @param sink The consumer.
   */
  attach(threadId: string, turnId: string, sink: TurnSink): void {
    const existing = this.#sinks.get(turnId);
    if (existing === undefined) this.#sinks.set(turnId, sink);
    else if (Array.isArray(existing)) existing.push(sink);
    else this.#sinks.set(turnId, [existing, sink]);
    const buffer = this.#buffers.get(threadId);
    if (buffer === undefined) return;
    for (const event of buffer.events) {
      if (event.turnId === turnId) sink.deliver(event.method, event.params);
    }
    for (const pending of buffer.pending) {
      if (pending.turnId === turnId) pending.apply(sink);
    }
    if (buffer.dropped > 0) {
      sink.report(
        new CodexError(
          `${buffer.dropped} events of thread ${threadId} arrived while its turn/start reply ` +
            `was outstanding, past the ${MAX_BUFFERED} kept, and were dropped`,
        ),
      );
    }
    this.abandon(threadId);
  }

  /**
   * Ends one expectation on the thread (its `turn/start` failed or was attached).
   *
   * @param threadId The thread.
   */
  abandon(threadId: string): void {
    const buffer = this.#buffers.get(threadId);
    if (buffer !== undefined && --buffer.starts <= 0) this.#buffers.delete(threadId);
  }

  /**
   * Removes one consumer of a turn.
   *
   * @param turnId The turn.
   * @param sink The consumer to remove.
   */
  detach(turnId: string, sink: TurnSink): void {
    const existing = this.#sinks.get(turnId);
    if (existing === sink) {
      this.#sinks.delete(turnId);
    } else if (Array.isArray(existing)) {
      const rest = existing.filter((other) => other !== sink);
      this.#sinks.set(turnId, rest.length === 1 ? rest[0] : rest);
    }
  }

  /**
   * Tells a turn's consumers about a client-side error (a throwing approval handler).
   *
   * @param turnId The turn.
   * @param error What its consumers receive once the turn ends.
   * @param threadId The turn's thread, to keep the error for a consumer not attached yet.
   */
  report(turnId: string, error: unknown, threadId?: string): void {
    this.#toSinks(turnId, threadId, (sink) => sink.report(error));
  }

  /**
   * Tells a turn's consumers how one of its server requests was answered.
   *
   * @param turnId The turn.
   * @param outcome The request and how it was answered.
   * @param threadId The turn's thread, to keep the outcome for a consumer not attached yet.
   */
  note(turnId: string, outcome: ServerRequestOutcome, threadId?: string): void {
    this.#toSinks(turnId, threadId, (sink) => sink.note(outcome));
  }

  /**
   * Applies `apply` to a turn's consumers; when it has none yet but its thread waits for a
   * `turn/start` reply (the reply may have come, its consumer not yet attached), keeps it
   * for `attach`.
   */
  #toSinks(turnId: string, threadId: string | undefined, apply: (sink: TurnSink) => void): void {
    const sinks = this.#sinks.get(turnId);
    if (sinks !== undefined) {
      for (const sink of Array.isArray(sinks) ? sinks : [sinks]) apply(sink);
      return;
    }
    const buffer = threadId === undefined ? undefined : this.#buffers.get(threadId);
    if (buffer !== undefined && buffer.pending.length < MAX_BUFFERED) {
      buffer.pending.push({ turnId, apply });
    }
  }

  /**
   * Fails every consumer (the connection ended) and forgets them all.
   *
   * @param error What each consumer receives.
   */
  failAll(error: unknown): void {
    for (const sinks of this.#sinks.values()) {
      for (const sink of Array.isArray(sinks) ? sinks : [sinks]) sink.fail(error);
    }
    for (const sink of this.#threadSinks.values()) sink.fail(error);
    this.#sinks.clear();
    this.#threadSinks.clear();
    this.#buffers.clear();
  }
}
