/**
 * Running a thread goal to its end: the turns the server starts by itself are collected
 * until the goal leaves `active`.
 *
 * @module
 */

import type { ThreadGoal } from "../../generated/mod.ts";
import { type CallOptions, callScope } from "../_util/call.ts";
import { keepAlive } from "../_util/keep_alive.ts";
import { settleWithin } from "../_util/wait.ts";
import type { TurnResult } from "../turn_result.ts";
import type { CodexClient } from "./client.ts";
import { INTERRUPT_WAIT_MS, TurnHandle } from "./turn.ts";
import { turnIdOf } from "./turn_router.ts";

/**
 * One `runGoal` call: watches a thread, adopts each turn the server starts for the goal,
 * and settles when the goal is no longer active and no adopted turn is running.
 *
 * @example
 * ```ts
 * import type { CodexClient } from "codex-app-server/transport";
 * import { GoalRun } from "./goal.ts";
 * declare const client: CodexClient;
 * declare const thread: { id: string };
 * const { goal, turns } = await new GoalRun(client, thread.id).run("Make the tests pass", {});
 * ```
 */
export class GoalRun {
  readonly #client: CodexClient;
  readonly #threadId: string;
  readonly #running = new Set<Promise<unknown>>();
  readonly #turns: TurnResult[] = [];

  /**
   * Creates a `GoalRun`.
   *
   * @param client The client the thread lives on.
   * @param threadId The thread to pursue the goal on.
   */
  constructor(client: CodexClient, threadId: string) {
    this.#client = client;
    this.#threadId = threadId;
  }

  /**
   * Sets the goal active and waits for the server to stop pursuing it.
   *
   * @param objective The goal's objective.
   * @param options Token budget, abort signal and timeout (either pauses the goal and
   * interrupts the running turn, then rejects).
   * @returns The final goal and the results of its turns, in completion order.
   */
  async run(
    objective: string,
    options: CallOptions & { readonly tokenBudget?: number },
  ): Promise<{ goal: ThreadGoal; turns: TurnResult[] }> {
    const client = this.#client;
    const scope = callScope(options, `goal on thread ${this.#threadId}`);
    const signal = scope.signal;
    signal?.throwIfAborted();
    const threadId = this.#threadId;
    let finalGoal: ThreadGoal | undefined;
    let settle!: () => void;
    let fail!: (error: unknown) => void;
    const ended = new Promise<void>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    const handles = new Map<string, TurnHandle>();
    const stopWatching = client.router.watchThread(threadId, {
      deliver: (method, params) => {
        const turnId = turnIdOf(params)!;
        if (handles.has(turnId)) return;
        const handle = new TurnHandle(client, threadId, turnId);
        handles.set(turnId, handle);
        const done = handle.result().then(
          (result) => this.#turns.push(result),
          (error) => fail(error),
        ).finally(() => {
          this.#running.delete(done);
          if (finalGoal !== undefined && this.#running.size === 0) settle();
        });
        this.#running.add(done);
        client.router.route(method, params); // now to the handle
      },
      fail: (error) => fail(error),
      report: (error) => fail(error),
      note: () => {}, // the adopted turn's own handle records it
    });
    // Goal notifications count once the server has answered this run's `thread/goal/set`:
    // before that they are about an earlier goal (a `clearGoal` just before is announced
    // after its own reply, and would end this run at once).
    let goalSet = false;
    const stopListening = client.onNotification((notification) => {
      if (!goalSet) return;
      if (notification.method === "thread/goal/updated") {
        const { goal } = notification.params;
        if (notification.params.threadId !== threadId || goal.status === "active") return;
        finalGoal = goal;
      } else if (notification.method === "thread/goal/cleared") {
        if (notification.params.threadId !== threadId) return;
        finalGoal ??= undefined;
        settle();
        return;
      } else {
        return;
      }
      if (this.#running.size === 0) settle();
    });
    const onAbort = async () => {
      client.request("thread/goal/set", { threadId, status: "paused" }).catch(() => {});
      for (const handle of handles.values()) handle.interrupt().catch(() => {});
      await settleWithin(Promise.allSettled(this.#running), INTERRUPT_WAIT_MS);
      fail(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const release = keepAlive();
    try {
      const { goal } = await client.request("thread/goal/set", {
        threadId,
        objective,
        status: "active",
        tokenBudget: options.tokenBudget ?? null,
      });
      goalSet = true;
      if (goal.status !== "active") finalGoal ??= goal;
      if (finalGoal !== undefined && this.#running.size === 0) settle();
      await ended;
      const goalNow = finalGoal ?? (await client.request("thread/goal/get", { threadId })).goal;
      return { goal: goalNow ?? goal, turns: this.#turns };
    } finally {
      release();
      signal?.removeEventListener("abort", onAbort);
      scope[Symbol.dispose]();
      stopListening();
      stopWatching();
    }
  }
}
