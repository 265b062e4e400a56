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
import { CodexError } from "../rpc/errors.ts";
import { type ApprovalOptions, resolveApproval, sandboxPolicy } from "./approvals.ts";
import type { CodexClient } from "./client.ts";
import { type Input, toInputItems } from "./inputs.ts";
import { GoalRun } from "./goal.ts";
import { TurnHandle } from "./turn.ts";
import type { TurnResult } from "./turn_result.ts";

/**
 * Per-turn options: every `turn/start` field except `threadId` and `input`, with the
 * approval presets of {@linkcode ApprovalOptions} (`sandbox` maps to `sandboxPolicy`).
 * Overrides other than `outputSchema` stick for later turns of the thread.
 */
export type TurnOptions =
  & Omit<TurnStartParams, "threadId" | "input" | "approvalPolicy" | "approvalsReviewer">
  & ApprovalOptions;

/**
 * A thread on the app-server. Holds only its id; every call goes to the server.
 *
 * @example
 * ```ts ignore
 * const thread = await codex.threadStart({ model: "gpt-5" });
 * const result = await thread.run("Say hello.");
 * console.log(result.finalResponse);
 * ```
 */
export class Thread {
  /** The thread's id. */
  readonly id: string;
  readonly #client: CodexClient;

  /**
   * Creates a `Thread`.
   *
   * @param client The client the thread lives on.
   * @param id The thread's id.
   */
  constructor(client: CodexClient, id: string) {
    this.#client = client;
    this.id = id;
  }

  /**
   * Starts a turn and waits for its result.
   *
   * @param input Text or input items.
   * @param options Per-turn overrides.
   * @returns The turn's result.
   * @throws {TurnFailedError} The turn failed; the server's message is in the error.
   */
  async run(input: Input, options?: TurnOptions): Promise<TurnResult> {
    return await (await this.turn(input, options)).run();
  }

  /**
   * Starts a turn and returns its handle at once, for streaming, steering or interrupting.
   * The turn's events are buffered from the moment the request is sent.
   *
   * @param input Text or input items.
   * @param options Per-turn overrides.
   * @returns The turn's handle.
   * @throws {CodexError} The input or options are invalid (nothing was sent).
   */
  async turn(input: Input, options: TurnOptions = {}): Promise<TurnHandle> {
    const action = `Cannot start a turn on thread ${this.id}`;
    const { approvalMode: _mode, sandbox: _sandbox, ...rest } = options;
    const approval = resolveApproval(options, action);
    if (approval.sandbox != null && rest.sandboxPolicy != null) {
      throw new CodexError(`${action}: pass sandbox or sandboxPolicy, not both`);
    }
    const params: TurnStartParams = {
      ...rest,
      threadId: this.id,
      input: toInputItems(input, action),
    };
    if (approval.approvalPolicy !== undefined) params.approvalPolicy = approval.approvalPolicy;
    if (approval.approvalsReviewer !== undefined) {
      params.approvalsReviewer = approval.approvalsReviewer;
    }
    if (approval.sandbox != null) params.sandboxPolicy = sandboxPolicy(approval.sandbox);
    const router = this.#client.router;
    router.expect(this.id);
    let turnId: string;
    try {
      turnId = (await this.#client.request("turn/start", params)).turn.id;
    } catch (error) {
      router.abandon(this.id);
      throw error;
    }
    const handle = new TurnHandle(this.#client, this.id, turnId);
    router.attach(this.id, turnId, handle);
    return handle;
  }

  /**
   * Reads the thread (`thread/read`).
   *
   * @param options `includeTurns` to include the turns and their items.
   * @returns The thread.
   */
  read(options: { includeTurns?: boolean } = {}): Promise<ThreadReadResponse> {
    return this.#client.request("thread/read", {
      threadId: this.id,
      includeTurns: options.includeTurns ?? false,
    });
  }

  /**
   * Names the thread (`thread/name/set`).
   *
   * @param name The new name.
   * @returns The server's reply.
   */
  setName(name: string): Promise<ThreadSetNameResponse> {
    return this.#client.request("thread/name/set", { threadId: this.id, name });
  }

  /**
   * Starts compacting the thread's context (`thread/compact/start`). The server runs the
   * compaction as a turn of its own; this resolves when the request is accepted.
   *
   * @returns The server's reply (`{}`).
   */
  compact(): Promise<ThreadCompactStartResponse> {
    return this.#client.request("thread/compact/start", { threadId: this.id });
  }

  /**
   * Sets or updates the thread's goal (`thread/goal/set`). A goal whose status is `active`
   * (the default) makes the server run turns by itself until the goal is met or stopped.
   *
   * @param goal The objective and optional status and token budget.
   * @returns The stored goal.
   */
  setGoal(goal: Omit<ThreadGoalSetParams, "threadId">): Promise<ThreadGoalSetResponse> {
    return this.#client.request("thread/goal/set", { ...goal, threadId: this.id });
  }

  /**
   * Reads the thread's goal (`thread/goal/get`).
   *
   * @returns The goal, or `{ goal: null }`.
   */
  getGoal(): Promise<ThreadGoalGetResponse> {
    return this.#client.request("thread/goal/get", { threadId: this.id });
  }

  /**
   * Removes the thread's goal (`thread/goal/clear`).
   *
   * @returns The server's reply.
   */
  clearGoal(): Promise<ThreadGoalClearResponse> {
    return this.#client.request("thread/goal/clear", { threadId: this.id });
  }

  /**
   * Pursues an objective as a goal and waits until the server stops working on it: sets
   * the goal `active`, collects the turns the server runs for it, and resolves once the
   * goal leaves `active` (complete, paused, blocked, or out of budget) with no turn running.
   *
   * @param objective What to achieve (trimmed; must not be empty).
   * @param options An optional token budget and abort signal (aborting pauses the goal).
   * @returns The goal's final state and every turn the server ran for it.
   */
  async runGoal(
    objective: string,
    options: { tokenBudget?: number; signal?: AbortSignal } = {},
  ): Promise<{ goal: ThreadGoal; turns: TurnResult[] }> {
    const trimmed = objective.trim();
    if (trimmed.length === 0) {
      throw new CodexError(`Cannot run a goal on thread ${this.id}: the objective is empty`);
    }
    return await new GoalRun(this.#client, this.id).run(trimmed, options);
  }
}
