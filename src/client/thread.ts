/**
 * A conversation thread: run turns on it, read it, name it, compact it, give it a goal.
 *
 * @module
 */

import type {
  ThreadCompactStartResponse,
  ThreadGoal,
  ThreadGoalClearResponse,
  ThreadGoalGetResponse,
  ThreadGoalSetParams,
  ThreadGoalSetResponse,
  ThreadReadResponse,
  ThreadSetNameResponse,
  TurnStartParams,
} from "../../generated/mod.ts";
import { type CallOptions, callScope, withoutCallOptions } from "../_util/call.ts";
import { compareVersions } from "../_util/version.ts";
import { raceSignal, settleWithin } from "../_util/wait.ts";
import { CallTimeoutError, CodexError } from "../errors.ts";
import type { TurnResult } from "../turn_result.ts";
import type { CodexClient } from "./client.ts";
import { GoalRun } from "./goal.ts";
import {
  EXTERNAL_MESSAGE_MIN_VERSION,
  type ExternalMessage,
  isExternalMessage,
  toToolOutput,
} from "./external_message.ts";
import { type Input, toInputItems } from "./inputs.ts";
import {
  jsonSchemaOf,
  type OutputOf,
  type OutputSchema,
  type StructuredTurnResult,
} from "./structured_output.ts";
import { applyPresets, type ApprovalOptions } from "./presets.ts";
import { INTERRUPT_WAIT_MS, TurnHandle } from "./turn.ts";

/**
 * Options of `thread.turn()` and `thread.run()`: every `turn/start` field except `threadId`
 * and `input`, the approval presets of {@linkcode ApprovalOptions} (`sandbox` maps to
 * `sandboxPolicy`), and `signal` / `timeoutMs`, which bound the **whole turn**: aborting or
 * timing out interrupts it. Overrides other than `outputSchema` stick for later turns of the
 * thread.
 */
export interface TurnOptions
  extends
    Omit<TurnStartParams, "threadId" | "input" | "approvalPolicy" | "approvalsReviewer">,
    ApprovalOptions,
    CallOptions {
  /**
   * Watch the turn for silence: when nothing arrives for this many milliseconds, the SDK
   * asks the server (`thread/read`) whether the turn already ended — then it settles from
   * that record (`result.reconciled`) — or still runs — then `result()` and the iteration
   * reject with `TurnStalledError` and the turn is left to interrupt or wait on. Off by
   * default; the thread's or the `Codex`'s setting applies when not given here.
   */
  readonly stallTimeoutMs?: number;
  /**
   * Ask for structured output: the schema's JSON Schema becomes the turn's `outputSchema`,
   * and `result()` parses the final message as JSON, validates it and gives it as
   * `result.output`, typed by the schema (or rejects with `OutputValidationError`).
   */
  readonly output?: OutputSchema;
}

/** {@linkcode TurnOptions} with an output schema: the turn's result carries `output`. */
export interface StructuredTurnOptions<S extends OutputSchema> extends TurnOptions {
  /** The schema of the turn's structured output. */
  readonly output: S;
}

/** What a turn takes as input: text or input items, or an external message. */
export type TurnInput = Input | ExternalMessage;

/** What a thread applies to each of its turns unless the turn says otherwise. */
export interface ThreadDefaults {
  /** The default of `TurnOptions.stallTimeoutMs`. */
  readonly stallTimeoutMs?: number;
}

/** Options of `thread.read()`. */
export interface ThreadReadOptions extends CallOptions {
  /** Include the thread's turns and their items. Default `false`. */
  readonly includeTurns?: boolean;
}

/** What `thread.setGoal()` sets: the objective, status and token budget. */
export type ThreadGoalUpdate = Omit<ThreadGoalSetParams, "threadId">;

/**
 * Options of `thread.runGoal()`. Aborting (or `timeoutMs`) pauses the goal and interrupts
 * the running turn.
 */
export interface RunGoalOptions extends CallOptions {
  /** The most tokens the server may spend on the goal. */
  readonly tokenBudget?: number;
}

/** What `thread.runGoal()` resolves with. */
export interface RunGoalResult {
  /** The goal's final state. */
  readonly goal: ThreadGoal;
  /** Every turn the server ran for the goal, in completion order. */
  readonly turns: readonly TurnResult[];
}

/**
 * A thread on the app-server. Holds only its id; every call goes to the server.
 *
 * @example
 * ```ts
 * import { Codex } from "codex-app-server";
 * await using codex = await Codex.start();
 * const thread = await codex.threadStart({ model: "gpt-5" });
 * const result = await thread.run("Say hello.", { timeoutMs: 60_000 });
 * console.log(result.finalResponse);
 * ```
 */
export class Thread {
  /** The thread's id. */
  readonly id: string;
  readonly #client: CodexClient;
  readonly #defaults: ThreadDefaults;

  /**
   * Wraps a thread the app-server has loaded. Created by `Codex.threadStart`,
   * `threadResume` and `threadFork`.
   *
   * @param client The client the thread lives on.
   * @param id The thread's id.
   * @param defaults What applies to its turns unless a turn says otherwise.
   * @ignore
   */
  constructor(client: CodexClient, id: string, defaults: ThreadDefaults = {}) {
    this.#client = client;
    this.id = id;
    this.#defaults = defaults;
  }

  /**
   * Starts a turn and waits for its result.
   *
   * @param input Text or input items.
   * @param options Per-turn overrides; `signal` / `timeoutMs` cancel the turn.
   * @returns The turn's result.
   * @throws {TurnFailedError} The turn failed; the server's message is in the error.
   * @throws {TurnTimeoutError} `timeoutMs` passed (the turn was interrupted).
   * @throws {AuthRequiredError} The provider needs OpenAI authentication that is missing.
   * @throws {TurnStalledError} The turn was silent for `stallTimeoutMs` and still runs.
   * @throws {OutputValidationError} With `output`: the final message is not valid output.
   */
  run<S extends OutputSchema>(
    input: TurnInput,
    options: StructuredTurnOptions<S>,
  ): Promise<StructuredTurnResult<OutputOf<S>>>;
  /**
   * Starts a turn and waits for its result.
   *
   * @param input Text or input items, or an external message.
   * @param options Per-turn overrides; `signal` / `timeoutMs` cancel the turn.
   * @returns The turn's result.
   */
  run(input: TurnInput, options?: TurnOptions): Promise<TurnResult>;
  async run(input: TurnInput, options?: TurnOptions): Promise<TurnResult> {
    return await (await this.turn(input, options)).result();
  }

  /**
   * Starts a turn and yields the agent's message as it is written: the text of every
   * `item/agentMessage/delta` (the Python SDK's `stream_text`). Leaving the loop early
   * interrupts the turn; the generator's return value is the turn's result.
   *
   * @param input Text or input items, or an external message.
   * @param options Per-turn overrides; `signal` / `timeoutMs` cancel the turn.
   * @returns An async generator of text deltas, returning the turn's result.
   *
   * @example
   * ```ts
   * import type { Thread } from "codex-app-server";
   * declare const thread: Thread;
   * for await (const delta of thread.streamText("Write a haiku.", { timeoutMs: 60_000 })) {
   *   console.log(delta);
   * }
   * ```
   */
  async *streamText(input: TurnInput, options?: TurnOptions): AsyncGenerator<string, TurnResult> {
    const turn = await this.turn(input, options);
    try {
      yield* turn.text();
      return await turn.result();
    } finally {
      await turn[Symbol.asyncDispose]();
    }
  }

  /**
   * Starts a turn and returns it at once, to iterate, steer or interrupt. The turn's events
   * are buffered from the moment the request is sent.
   *
   * @param input Text or input items.
   * @param options Per-turn overrides; `signal` / `timeoutMs` bound the whole turn. An
   * already-aborted signal sends nothing.
   * @returns The turn.
   * @throws {CodexError} The input or options are invalid (nothing was sent).
   */
  turn<S extends OutputSchema>(
    input: TurnInput,
    options: StructuredTurnOptions<S>,
  ): Promise<TurnHandle<StructuredTurnResult<OutputOf<S>>>>;
  /**
   * Starts a turn and returns it at once, to iterate, steer or interrupt.
   *
   * @param input Text or input items, or an external message.
   * @param options Per-turn overrides; `signal` / `timeoutMs` bound the whole turn.
   * @returns The turn.
   */
  turn(input: TurnInput, options?: TurnOptions): Promise<TurnHandle>;
  async turn(input: TurnInput, options: TurnOptions = {}): Promise<TurnHandle> {
    const action = `Cannot start a turn on thread ${this.id}`;
    const { stallTimeoutMs = this.#defaults.stallTimeoutMs, output, ...turnOptions } =
      withoutCallOptions(options);
    const [rest, presets] = applyPresets(turnOptions, "turn", action);
    if (output !== undefined && rest.outputSchema != null) {
      throw new CodexError(`${action}: pass output or outputSchema, not both`);
    }
    const params: TurnStartParams = { ...rest, ...presets, threadId: this.id, input: [] };
    if (isExternalMessage(input)) {
      this.#requireExternalMessages(action);
      params.toolOutput = toToolOutput(input);
    } else {
      params.input = toInputItems(input, action);
    }
    if (output !== undefined) params.outputSchema = await jsonSchemaOf(output, action);
    let handle: TurnHandle | undefined;
    const scope = callScope(
      options,
      `turn on thread ${this.id}`,
      (ms) => handle?.timeoutError(ms) ?? new CallTimeoutError(`turn on thread ${this.id}`, ms),
    );
    const signal = scope.signal;
    if (signal?.aborted) {
      scope[Symbol.dispose]();
      throw signal.reason;
    }
    const client = this.#client;
    client.router.expect(this.id);
    const starting = client.request("turn/start", params).then(({ turn }) => turn.id);
    starting.catch(() => {
      client.router.abandon(this.id);
      scope[Symbol.dispose]();
    });
    const adopt = (id: string) =>
      handle = new TurnHandle(client, this.id, id, { lifetime: scope, stallTimeoutMs, output });
    try {
      return adopt(await raceSignal(starting, signal));
    } catch (error) {
      if (!signal?.aborted || error !== signal.reason) throw error;
      // Cancelled while the start was in flight: adopt the turn when its id comes, so that
      // it is interrupted rather than left running; wait for that, bounded.
      const adopted = starting.then((id) => adopt(id).result());
      await settleWithin(adopted, INTERRUPT_WAIT_MS);
      throw error;
    }
  }

  /**
   * Reads the thread (`thread/read`).
   *
   * @param options `includeTurns` to include the turns and their items; signal and timeout.
   * @returns The thread.
   */
  read(options: ThreadReadOptions = {}): Promise<ThreadReadResponse> {
    return this.#client.request("thread/read", {
      threadId: this.id,
      includeTurns: options.includeTurns ?? false,
    }, options);
  }

  /**
   * Names the thread (`thread/name/set`).
   *
   * @param name The new name.
   * @param options Abort signal and timeout.
   * @returns The server's reply.
   */
  setName(name: string, options?: CallOptions): Promise<ThreadSetNameResponse> {
    return this.#client.request("thread/name/set", { threadId: this.id, name }, options);
  }

  /**
   * Starts compacting the thread's context (`thread/compact/start`). The server runs the
   * compaction as a turn of its own; this resolves when the request is accepted.
   *
   * @param options Abort signal and timeout.
   * @returns The server's reply (`{}`).
   */
  compact(options?: CallOptions): Promise<ThreadCompactStartResponse> {
    return this.#client.request("thread/compact/start", { threadId: this.id }, options);
  }

  /**
   * Sets or updates the thread's goal (`thread/goal/set`). A goal whose status is `active`
   * (the default) makes the server run turns by itself until the goal is met or stopped.
   *
   * @param goal The objective and optional status and token budget.
   * @param options Abort signal and timeout.
   * @returns The stored goal.
   */
  setGoal(goal: ThreadGoalUpdate, options?: CallOptions): Promise<ThreadGoalSetResponse> {
    return this.#client.request("thread/goal/set", { ...goal, threadId: this.id }, options);
  }

  /**
   * Reads the thread's goal (`thread/goal/get`).
   *
   * @param options Abort signal and timeout.
   * @returns The goal, or `{ goal: null }`.
   */
  getGoal(options?: CallOptions): Promise<ThreadGoalGetResponse> {
    return this.#client.request("thread/goal/get", { threadId: this.id }, options);
  }

  /**
   * Removes the thread's goal (`thread/goal/clear`).
   *
   * @param options Abort signal and timeout.
   * @returns The server's reply.
   */
  clearGoal(options?: CallOptions): Promise<ThreadGoalClearResponse> {
    return this.#client.request("thread/goal/clear", { threadId: this.id }, options);
  }

  /**
   * Pursues an objective as a goal and waits until the server stops working on it: sets
   * the goal `active`, collects the turns the server runs for it, and resolves once the
   * goal leaves `active` (complete, paused, blocked, or out of budget) with no turn running.
   *
   * @param objective What to achieve (trimmed; must not be empty).
   * @param options A token budget; `signal` / `timeoutMs` pause the goal and interrupt it.
   * @returns The goal's final state and every turn the server ran for it.
   * @throws {CodexError} The objective is empty (nothing was sent).
   */
  async runGoal(objective: string, options: RunGoalOptions = {}): Promise<RunGoalResult> {
    const trimmed = objective.trim();
    if (trimmed.length === 0) {
      throw new CodexError(`Cannot run a goal on thread ${this.id}: the objective is empty`);
    }
    return await new GoalRun(this.#client, this.id).run(trimmed, options);
  }

  /** The version gate of external messages (the Python SDK's): fail before sending. */
  #requireExternalMessages(action: string): void {
    const version = this.#client.serverVersion;
    if (version !== undefined && compareVersions(version, EXTERNAL_MESSAGE_MIN_VERSION) < 0) {
      throw new CodexError(
        `${action}: an ExternalMessage needs app-server ${EXTERNAL_MESSAGE_MIN_VERSION} or ` +
          `newer, and the connected app-server is ${version}`,
      );
    }
  }
}
