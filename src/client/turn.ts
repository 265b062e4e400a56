/**
 * A running turn: iterate its events, wait for its result, steer it, interrupt it, cancel
 * it with a signal or by disposing it.
 *
 * @module
 */

import type {
  ErrorNotification,
  Turn,
  TurnInterruptResponse,
  TurnSteerResponse,
} from "../../generated/mod.ts";
import { type CallOptions, type CallScope, callScope } from "../_util/call.ts";
import { type Deferred, deferred } from "../_util/deferred.ts";
import { keepAlive } from "../_util/keep_alive.ts";
import { raceSignal, settleWithin } from "../_util/wait.ts";
import {
  AuthRequiredError,
  CodexError,
  TurnFailedError,
  TurnStalledError,
  TurnTimeoutError,
} from "../errors.ts";
import type { TurnResult } from "../turn_result.ts";
import type { CodexClient, ServerNotification } from "./client.ts";
import { type Input, toInputItems } from "./inputs.ts";
import { type OutputSchema, withOutput } from "./structured_output.ts";
import { TurnCollector } from "./turn_collector.ts";

/**
 * How long a cancelled or abandoned turn may take, after its interrupt, to report its end
 * before its waiters are settled anyway.
 */
export const INTERRUPT_WAIT_MS = 5_000;

/** How a `TurnHandle` is set up by the thread that started the turn. */
export interface TurnHandleOptions {
  /** Cancels the turn when its signal aborts; disposed when the turn ends. */
  readonly lifetime?: CallScope;
  /** Watch the turn for silence this long (see `TurnOptions.stallTimeoutMs`). */
  readonly stallTimeoutMs?: number;
  /** Parse and validate the final message as this schema's output. */
  readonly output?: OutputSchema;
}

/**
 * One turn on a thread: an `AsyncIterable` of its own events and an `AsyncDisposable`.
 * Its events are buffered from the moment `turn/start` was sent, so nothing is lost however
 * late you start reading.
 *
 * - `for await (const event of turn)`: every event of this turn, in order, ending with its
 *   `turn/completed`; events are typed and narrow on `event.method`. A turn can be iterated
 *   once. Leaving the loop early (`break`, `return`, a throw) interrupts the turn and waits
 *   (bounded) for its end, so the thread's next turn is a new one.
 * - `result()` (alias `run()`): the collected {@linkcode TurnResult}; at once after a
 *   finished iteration. Called first, it stops keeping events (memory stays flat).
 * - Cancellation: the `signal` / `timeoutMs` of `thread.turn()` and of `result()` cancel the
 *   turn: it is interrupted, its end awaited (bounded), and the waiters reject with the
 *   signal's reason (or a `CallTimeoutError`). The thread stays usable.
 * - `await using turn = …`: disposing interrupts the turn if it still runs.
 * - A turn the server keeps retrying because the provider needs OpenAI authentication that
 *   is not present fails at its first retry with `AuthRequiredError` (it would never end).
 * - With `stallTimeoutMs`, silence that long is checked against the server's record of the
 *   turn: a turn that ended there settles (`result.reconciled`), one still running makes the
 *   waiters reject with `TurnStalledError` and is left as it is.
 *
 * @example
 * ```ts
 * import type { Thread } from "codex-app-server";
 * declare const thread: Thread;
 * await using turn = await thread.turn("Write a haiku about streams", {
 *   signal: AbortSignal.timeout(60_000),
 * });
 * for await (const event of turn) {
 *   if (event.method === "item/agentMessage/delta") console.log(event.params.delta);
 * }
 * const result = await turn.result();
 * ```
 */
export class TurnHandle<R extends TurnResult = TurnResult>
  implements AsyncIterable<ServerNotification>, AsyncDisposable {
  /** The turn's id. */
  readonly id: string;
  /** The id of the thread the turn runs on. */
  readonly threadId: string;
  readonly #client: CodexClient;
  readonly #turn: TurnCollector;
  #use: "unused" | "iterating" | "result" = "unused";
  #ending: Promise<void> | undefined;
  /**
   * Rejects the current `result()` waiters when the stall watchdog finds the turn silent
   * (the iteration's waiting read is rejected through the event queue).
   */
  #stalled: Deferred<never> | undefined;
  readonly #output: OutputSchema | undefined;
  #readable: ReadableStream<ServerNotification> | undefined;

  /**
   * Adopts a started turn: its events are routed here from now on (and those buffered
   * since its `turn/start` was sent). Created by `Thread.turn`.
   *
   * @param client The client the turn runs on.
   * @param threadId The turn's thread.
   * @param id The turn's id.
   * @param options The turn's lifetime (signal and deadline) and stall watchdog.
   * @ignore
   */
  constructor(
    client: CodexClient,
    threadId: string,
    id: string,
    options: TurnHandleOptions = {},
  ) {
    this.#client = client;
    this.threadId = threadId;
    this.id = id;
    this.#output = options.output;
    const release = keepAlive(); // a running turn keeps the program alive
    const turn = new TurnCollector(threadId, {
      onEnd: () => {
        client.router.detach(id, turn);
        release();
      },
      onFirstRetry: (retry) => void this.#checkAuth(retry),
    });
    this.#turn = turn;
    client.router.attach(threadId, id, turn);
    if (options.stallTimeoutMs !== undefined) this.#watch(options.stallTimeoutMs);
    const lifetime = options.lifetime;
    const signal = lifetime?.signal;
    if (signal === undefined) return;
    const onAbort = () => void this.#end({ reason: signal.reason });
    signal.addEventListener("abort", onAbort, { once: true });
    turn.done.promise.catch(() => {}).finally(() => {
      signal.removeEventListener("abort", onAbort);
      lifetime![Symbol.dispose]();
    });
    if (signal.aborted) onAbort();
  }

  /**
   * The last retry the server announced for this turn so far (an `error` notification with
   * `willRetry: true`, e.g. "Reconnecting... 2/5"), or `null`: for progress displays.
   */
  get lastRetry(): ErrorNotification | null {
    return this.#turn.lastRetry;
  }

  /**
   * The error a deadline of this turn rejects with: it quotes the last retry notice.
   *
   * @param timeoutMs The deadline that passed.
   * @returns A `TurnTimeoutError`.
   * @ignore
   */
  timeoutError(timeoutMs: number): TurnTimeoutError {
    return new TurnTimeoutError(this.threadId, this.id, timeoutMs, this.#turn.lastRetry);
  }

  /**
   * The turn's events, in order, ending after its `turn/completed`.
   *
   * @returns An iterator over this turn's typed notifications.
   * @throws {CodexError} The turn was already iterated, or `result()` was called first.
   */
  [Symbol.asyncIterator](): AsyncIterator<ServerNotification> {
    if (this.#use === "iterating") {
      throw new CodexError(`Cannot iterate turn ${this.id} twice: its events were consumed`);
    }
    if (this.#use === "result") {
      throw new CodexError(
        `Cannot iterate turn ${this.id}: result() was called first, so its events were not kept`,
      );
    }
    this.#use = "iterating";
    const events = this.#turn.events;
    return {
      next: () => events.next(), // a stall rejects the waiting read (see `#watch`)
      return: async () => {
        events.return();
        await this.#end();
        return { done: true, value: undefined };
      },
    };
  }

  /**
   * The same iteration as `for await (const event of turn)`, under the Python SDK's name.
   *
   * @returns This turn, as an async iterable of its events.
   */
  stream(): AsyncIterable<ServerNotification> {
    return this;
  }

  /**
   * The agent's message as it is written: the text of each `item/agentMessage/delta` of this
   * turn (the Python SDK's `stream_text`), usable with `ReadableStream.from`. It consumes the
   * turn's iteration; leaving it early interrupts the turn.
   *
   * @returns An async generator of text deltas.
   * @throws {CodexError} The turn was already iterated, or `result()` was called first.
   *
   * @example
   * ```ts
   * import type { Thread } from "codex-app-server";
   * declare const thread: Thread;
   * const turn = await thread.turn("Write a haiku.");
   * for await (const delta of turn.text()) console.log(delta);
   * ```
   */
  async *text(): AsyncGenerator<string, void> {
    for await (const event of this) {
      if (event.method === "item/agentMessage/delta") yield event.params.delta;
    }
  }

  /**
   * The turn's events as a `ReadableStream`, for pipelines (`pipeThrough`, `pipeTo`).
   * Reading it consumes the turn's iteration; cancelling it interrupts the turn.
   *
   * @example
   * ```ts
   * import type { Thread } from "codex-app-server";
   * declare const thread: Thread;
   * const turn = await thread.turn("Write a haiku.");
   * const methods = turn.readable.pipeThrough(
   *   new TransformStream({ transform: (event, controller) => controller.enqueue(event.method) }),
   * );
   * for await (const method of methods) console.log(method);
   * ```
   */
  get readable(): ReadableStream<ServerNotification> {
    let iterator: AsyncIterator<ServerNotification> | undefined;
    this.#readable ??= new ReadableStream<ServerNotification>({
      pull: async (controller) => {
        iterator ??= this[Symbol.asyncIterator]();
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: async () => {
        await (iterator ?? this[Symbol.asyncIterator]()).return?.();
      },
    }, { highWaterMark: 0 });
    return this.#readable;
  }

  /**
   * Waits for the turn to end and returns what it produced.
   *
   * @param options `signal` / `timeoutMs` cancel the turn (interrupt, then reject).
   * @returns The turn's result (also for `interrupted` turns).
   * @throws {TurnFailedError} The turn ended with status `failed`.
   * @throws {ServerRequestHandlerError} An `onServerRequest` handler threw while answering
   * this turn (raised once the turn has ended on the server).
   * @throws {TransportClosedError} The connection ended before the turn did.
   * @throws {TurnTimeoutError} `timeoutMs` passed (the turn was interrupted).
   * @throws {AuthRequiredError} The provider needs OpenAI authentication that is missing.
   * @throws {TurnStalledError} The turn was silent for `stallTimeoutMs` and still runs.
   */
  async result(options?: CallOptions): Promise<R> {
    if (this.#use === "unused") {
      this.#use = "result";
      this.#turn.stopBuffering();
    }
    const scope = callScope(options, `turn ${this.id}`, (ms) => this.timeoutError(ms));
    const signal = scope.signal;
    const onAbort = () => void this.#end({ reason: signal!.reason });
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    try {
      const done = this.#turn.done.promise;
      const result =
        await (this.#stalled === undefined ? done : Promise.race([done, this.#stalled.promise]));
      if (result.status === "failed") throw new TurnFailedError(result);
      if (this.#output === undefined) return result as R;
      return await withOutput(this.#output, result) as TurnResult as R;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      scope[Symbol.dispose]();
    }
  }

  /**
   * The Python SDK's name for {@linkcode TurnHandle.result}.
   *
   * @param options `signal` / `timeoutMs` cancel the turn (interrupt, then reject).
   * @returns The turn's result.
   */
  run(options?: CallOptions): Promise<TurnResult> {
    return this.result(options);
  }

  /**
   * Adds input to the running turn (`turn/steer` with this turn as `expectedTurnId`).
   *
   * @param input Text or input items.
   * @param options Abort signal and timeout of the request.
   * @returns The server's reply.
   * @throws {InvalidRequestError} The turn is no longer active.
   */
  async steer(input: Input, options?: CallOptions): Promise<TurnSteerResponse> {
    return await this.#client.request("turn/steer", {
      threadId: this.threadId,
      expectedTurnId: this.id,
      input: toInputItems(input, `Cannot steer turn ${this.id}`),
    }, options);
  }

  /**
   * Interrupts the turn. Waits for the server to report the turn as started first (the
   * server refuses an interrupt before that); does nothing once the turn has ended. The
   * turn then ends with status `interrupted`.
   *
   * @param options Abort signal and timeout of the wait and the request.
   * @returns The server's reply (`{}`).
   */
  async interrupt(options?: CallOptions): Promise<TurnInterruptResponse> {
    const scope = callScope(options, `interrupt of turn ${this.id}`);
    try {
      await raceSignal(this.#turn.started.promise, scope.signal);
      if (this.#turn.finished) return {};
      return await this.#client.request("turn/interrupt", {
        threadId: this.threadId,
        turnId: this.id,
      }, { signal: scope.signal });
    } finally {
      scope[Symbol.dispose]();
    }
  }

  /** Interrupts the turn if it still runs and waits (bounded) for its end. Never throws. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#end();
  }

  /**
   * Ends a running turn: interrupts it and waits up to `INTERRUPT_WAIT_MS` for its end. With
   * a `reason` (a cancellation), its waiters then reject with it; without one, they settle
   * as the turn ends (`interrupted`).
   */
  async #end(cancellation?: { reason: unknown }): Promise<void> {
    const turn = this.#turn;
    if (turn.finished) return;
    if (cancellation !== undefined) turn.cancel(cancellation.reason);
    this.#ending ??= (async () => {
      this.interrupt().catch(() => {});
      if (!(await settleWithin(turn.done.promise, INTERRUPT_WAIT_MS))) {
        turn.abandon(
          new CodexError(
            `Turn ${this.id} did not end within ${INTERRUPT_WAIT_MS} ms of its interrupt`,
          ),
        );
      }
    })();
    await this.#ending;
  }

  /** At the first retry: a turn that needs OpenAI auth which is missing would never end. */
  async #checkAuth(retry: ErrorNotification): Promise<void> {
    try {
      const { account, requiresOpenaiAuth } = await this.#client.request("account/read", {
        refreshToken: false,
      });
      if (account === null && requiresOpenaiAuth) {
        await this.#end({ reason: new AuthRequiredError(this.threadId, this.id, retry) });
      }
    } catch {
      // No answer about the account: the turn goes on; its deadline still holds.
    }
  }

  /**
   * Watches the turn for `stallTimeoutMs` of silence; then asks the server whether it has
   * ended (it settles from that record) or still runs (the waiters get `TurnStalledError`).
   */
  #watch(stallTimeoutMs: number): void {
    const turn = this.#turn;
    this.#stalled = deferred<never>();
    const tickMs = Math.max(1, stallTimeoutMs / 4);
    let seen = turn.received;
    let quietSince = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      if (turn.finished) return;
      if (turn.received !== seen) {
        seen = turn.received;
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= stallTimeoutMs) {
        const record = await this.#serverRecord();
        if (turn.finished) return;
        if (record !== undefined && record.status !== "inProgress") return turn.reconcile(record);
        const error = new TurnStalledError(
          this.threadId,
          this.id,
          turn.lastEvent ?? null,
          Date.now() - quietSince,
        );
        const stalled = this.#stalled!;
        this.#stalled = deferred<never>();
        stalled.reject(error); // the `result()` waiters
        turn.events.interrupt(error); // the iteration's waiting read
        quietSince = Date.now();
      }
      timer = setTimeout(tick, tickMs);
    };
    timer = setTimeout(tick, tickMs);
    turn.done.promise.catch(() => {}).finally(() => clearTimeout(timer));
  }

  /** The server's record of this turn (`thread/read` with turns), if it can be had. */
  async #serverRecord(): Promise<Turn | undefined> {
    try {
      const { thread } = await this.#client.request("thread/read", {
        threadId: this.threadId,
        includeTurns: true,
      }, { timeoutMs: INTERRUPT_WAIT_MS });
      return thread.turns.find((turn) => turn.id === this.id);
    } catch {
      return undefined;
    }
  }
}
