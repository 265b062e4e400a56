/**
 * A running turn: stream its events, wait for its result, steer it, interrupt it.
 *
 * @module
 */

import type {
  ThreadItem,
  ThreadTokenUsage,
  Turn,
  TurnInterruptResponse,
  TurnSteerResponse,
} from "../../generated/mod.ts";
import { CodexError } from "../rpc/errors.ts";
import { EventQueue } from "../rpc/event_queue.ts";
import type { TurnSink } from "../rpc/turn_router.ts";
import type { CodexClient, ServerNotification } from "./client.ts";
import { type Input, toInputItems } from "./inputs.ts";
import { buildTurnResult, TurnFailedError, type TurnResult } from "./turn_result.ts";

/** A settable promise whose rejection is never reported as unhandled. */
class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.promise.catch(() => {});
  }
}

/**
 * One turn on a thread. Its events are buffered from the moment `turn/start` was sent, so
 * nothing is lost however late you start reading.
 *
 * Use either `stream()` (every event of this turn, ending with its `turn/completed`) or
 * just `run()` (the collected {@linkcode TurnResult}); `run()` after a finished `stream()`
 * returns the same result at once.
 *
 * @example
 * ```ts ignore
 * const turn = await thread.turn("Write a haiku about streams");
 * for await (const event of turn.stream()) {
 *   if (event.method === "item/agentMessage/delta") console.log(event.params.delta);
 * }
 * const result = await turn.run();
 * ```
 */
export class TurnHandle implements TurnSink {
  /** The turn's id. */
  readonly id: string;
  /** The id of the thread the turn runs on. */
  readonly threadId: string;
  readonly #client: CodexClient;
  readonly #events = new EventQueue<ServerNotification>();
  readonly #items: ThreadItem[] = [];
  #usage: ThreadTokenUsage | null = null;
  #buffering = true;
  #streamed = false;
  readonly #started = new Deferred<void>();
  readonly #done = new Deferred<TurnResult>();
  #finished = false;
  #handlerError: { error: unknown } | undefined;

  /**
   * Creates a `TurnHandle`.
   *
   * @param client The client the turn runs on.
   * @param threadId The turn's thread.
   * @param id The turn's id.
   */
  constructor(client: CodexClient, threadId: string, id: string) {
    this.#client = client;
    this.threadId = threadId;
    this.id = id;
  }

  /**
   * The events of this turn only, in order, ending after its `turn/completed`. Can be
   * iterated once; events from before the call are included.
   *
   * @returns An async iterable of typed notifications.
   * @throws {CodexError} The stream was already consumed, or `run()` was called first.
   */
  stream(): AsyncIterable<ServerNotification> {
    if (this.#streamed) {
      throw new CodexError(`Cannot stream turn ${this.id}: its events were already consumed`);
    }
    if (!this.#buffering) {
      throw new CodexError(`Cannot stream turn ${this.id}: run() was called first`);
    }
    this.#streamed = true;
    return this.#events;
  }

  /**
   * Waits for the turn to complete and returns what it produced.
   *
   * @returns The turn's result (also for `interrupted` turns).
   * @throws {TurnFailedError} The turn ended with status `failed`.
   * @throws {ApprovalHandlerError} The approval handler threw while answering this turn
   * (raised once the turn has completed on the server).
   * @throws {TransportClosedError} The connection ended before the turn completed.
   */
  async run(): Promise<TurnResult> {
    if (!this.#streamed && this.#buffering) {
      // Nobody will read the events: stop keeping them (memory stays flat on long turns).
      this.#buffering = false;
      this.#events.return();
    }
    const result = await this.#done.promise;
    if (result.status === "failed") throw new TurnFailedError(result);
    return result;
  }

  /**
   * Adds input to the running turn (`turn/steer` with this turn as `expectedTurnId`).
   *
   * @param input Text or input items.
   * @returns The server's reply.
   * @throws {InvalidRequestError} The turn is no longer active.
   */
  steer(input: Input): Promise<TurnSteerResponse> {
    return this.#client.request("turn/steer", {
      threadId: this.threadId,
      expectedTurnId: this.id,
      input: toInputItems(input, `Cannot steer turn ${this.id}`),
    });
  }

  /**
   * Interrupts the turn. Waits for the server to report the turn as started first (the
   * server refuses an interrupt before that); does nothing once the turn has finished. The
   * turn then completes with status `interrupted`.
   *
   * @returns The server's reply (`{}`).
   */
  async interrupt(): Promise<TurnInterruptResponse> {
    await this.#started.promise;
    if (this.#finished) return {};
    return await this.#client.request("turn/interrupt", {
      threadId: this.threadId,
      turnId: this.id,
    });
  }

  /**
   * Receives one event of this turn (called by the router).
   *
   * @param method The notification's method.
   * @param params Its params.
   */
  deliver(method: string, params: unknown): void {
    if (this.#finished) return;
    switch (method) {
      case "item/completed":
        this.#items.push((params as { item: ThreadItem }).item);
        break;
      case "thread/tokenUsage/updated":
        this.#usage = (params as { tokenUsage: ThreadTokenUsage }).tokenUsage;
        break;
      case "turn/started":
        this.#started.resolve();
        break;
      case "turn/completed":
        this.#complete(method, params as { turn: Turn });
        return;
    }
    if (this.#buffering) this.#events.push({ method, params } as ServerNotification);
  }

  /**
   * Records a client-side error of this turn (the approval handler threw). The turn runs on
   * on the server; once it completes, `run()` rejects and the stream throws with `error`.
   *
   * @param error The error to surface.
   */
  report(error: unknown): void {
    this.#handlerError ??= { error };
  }

  /**
   * Fails the turn's waiters (the connection ended).
   *
   * @param error What `run()` and the stream receive.
   */
  fail(error: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#started.reject(error);
    this.#done.reject(error);
    this.#events.fail(error);
  }

  #complete(method: string, params: { turn: Turn }): void {
    this.#finished = true;
    this.#client.router.detach(this.id, this);
    if (this.#buffering) this.#events.push({ method, params } as ServerNotification);
    this.#started.resolve();
    if (this.#handlerError !== undefined) {
      this.#events.fail(this.#handlerError.error);
      this.#done.reject(this.#handlerError.error);
      return;
    }
    this.#events.end();
    this.#done.resolve(buildTurnResult(this.threadId, params.turn, this.#items, this.#usage));
  }
}
