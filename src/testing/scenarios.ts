/**
 * Ready-made scripts: the behaviours the SDK's own tests, examples and demo run on (`plain`,
 * `demo`, `deltas-N`, `approval`, `error-500`, `slow`, `final-answer`), and
 * {@linkcode scenarios.byModel}, which picks one by the request's `model`, as those tests do.
 *
 * @module
 */

import type { FakeRequest } from "./fake_request.ts";
import type { FakeResponse, TextResponse } from "./responses.ts";

/** The fixed texts the scenarios use, for assertions. */
export interface ScenarioTexts {
  /** The answer of `plain` (and of any model `byModel` does not know). */
  readonly plain: string;
  /** The answer of `finalAnswer`, sent with `phase: "final_answer"`. */
  readonly finalAnswer: string;
  /** The shell command `approval` asks to run. */
  readonly approvalCommand: string;
  /** What that command prints. */
  readonly approvalOutput: string;
  /** How `approval`'s answer starts, before the quoted command output. */
  readonly approvalReplyPrefix: string;
  /** The message of `error500`'s JSON error body. */
  readonly error500: string;
}

/**
 * The fixed texts of the scenarios.
 *
 * @example
 * ```ts
 * import { SCENARIO_TEXTS } from "./scenarios.ts";
 * console.log(SCENARIO_TEXTS.plain); // "Hello from the fake model."
 * ```
 */
export const SCENARIO_TEXTS: ScenarioTexts = {
  plain: "Hello from the fake model.",
  finalAnswer: "This is the final answer.",
  approvalCommand: "echo approved-output",
  approvalOutput: "approved-output",
  approvalReplyPrefix: "The command printed: ",
  error500: "fake server error (scenario error-500)",
};

/** Options of {@linkcode Scenarios.slow} and {@linkcode Scenarios.byModel}. */
export interface SlowOptions {
  /** Pause between deltas, in ms. Default 200. */
  readonly intervalMs?: number;
  /** Number of deltas (`s0 `, `s1 ` …). Default 150 (about 30 s in all). */
  readonly deltas?: number;
}

/**
 * A script function: one response for each request.
 *
 * @example
 * ```ts
 * import type { Scenario } from "./scenarios.ts";
 * const shout: Scenario = (request) => ({
 *   kind: "text",
 *   text: request.lastUserMessage.toUpperCase(),
 * });
 * ```
 */
export type Scenario = (request: FakeRequest) => FakeResponse;

/** The ready-made scenarios (see {@linkcode scenarios}). */
export interface Scenarios {
  /** "Hello from the fake model." in three deltas. */
  readonly plain: Scenario;
  /** Echoes the prompt, then a sentence, one word every 25 ms. */
  readonly demo: Scenario;
  /**
   * Exactly `count` deltas: `d0 `, `d1 ` …
   *
   * @param count The number of deltas (at least 1).
   * @returns The scenario.
   */
  deltas(count: number): Scenario;
  /**
   * First request of a turn: the shell command `echo approved-output` (`exec_command`,
   * approval needed under `approvalPolicy: "untrusted"`); once its output comes back: a
   * message quoting it ("The command printed: …").
   */
  readonly approval: Scenario;
  /** HTTP 500 with an OpenAI-style JSON error body. */
  readonly error500: Scenario;
  /**
   * A slow stream: `s0 `, `s1 ` … one delta every `intervalMs`.
   *
   * @param options Pace and length.
   * @returns The scenario.
   */
  slow(options?: SlowOptions): Scenario;
  /** "This is the final answer." with `phase: "final_answer"`. */
  readonly finalAnswer: Scenario;
  /**
   * Picks a scenario by the request's `model` (as the SDK's own tests do, and its former
   * fake server did): `demo`, `deltas-N`, `approval`, `error-500`, `slow`, `final-answer`;
   * any other model is `plain`.
   *
   * @param options Pace and length of `slow`.
   * @returns The scenario.
   */
  byModel(options?: { readonly slow?: SlowOptions }): Scenario;
}

const plainText: TextResponse = { kind: "text", text: ["Hello ", "from the ", "fake model."] };

function deltas(count: number): Scenario {
  const text = Array.from({ length: Math.max(1, count) }, (_, i) => `d${i} `);
  return () => ({ kind: "text", text });
}

function slow(options: SlowOptions = {}): Scenario {
  const count = Math.max(1, options.deltas ?? 150);
  const text = Array.from({ length: count }, (_, i) => `s${i} `);
  return () => ({ kind: "text", text, intervalMs: options.intervalMs ?? 200 });
}

const approval: Scenario = (request) => {
  const output = request.toolOutputs.at(-1);
  if (output === undefined) {
    return { kind: "shellCommand", command: SCENARIO_TEXTS.approvalCommand };
  }
  const prefix = SCENARIO_TEXTS.approvalReplyPrefix;
  return { kind: "text", text: [prefix, JSON.stringify(output.output)] };
};

const demo: Scenario = (request) => ({
  kind: "text",
  text: `You asked: "${request.lastUserMessage}". This answer streams word by word from ` +
    "a fake model on 127.0.0.1, through the real codex app-server.",
  intervalMs: 25,
});

const error500: Scenario = () => ({
  kind: "httpError",
  status: 500,
  body: {
    error: {
      message: SCENARIO_TEXTS.error500,
      type: "server_error",
      param: null,
      code: "server_error",
    },
  },
});

const finalAnswer: Scenario = () => ({
  kind: "text",
  text: ["This is ", "the final ", "answer."],
  phase: "final_answer",
});

/**
 * Ready-made scripts, each a function of the request (so one serves any number of
 * requests). Pass one as `script`, or call it from your own script function.
 *
 * @example
 * ```ts
 * import { scenarios } from "./scenarios.ts";
 * import { toFakeRequest } from "./fake_request.ts";
 * const request = toFakeRequest(0, { model: "deltas-3", input: [] }, {});
 * console.log(scenarios.byModel()(request)); // { kind: "text", text: ["d0 ", "d1 ", "d2 "] }
 * ```
 */
export const scenarios: Scenarios = {
  plain: () => plainText,
  demo,
  deltas,
  approval,
  error500,
  slow,
  finalAnswer,
  byModel(options = {}) {
    const slowScenario = slow(options.slow);
    return (request) => {
      const match = /^deltas-(\d+)$/.exec(request.model);
      if (match !== null) return deltas(Number(match[1]))(request);
      switch (request.model) {
        case "demo":
          return demo(request);
        case "approval":
          return approval(request);
        case "error-500":
          return error500(request);
        case "slow":
          return slowScenario(request);
        case "final-answer":
          return finalAnswer(request);
        default:
          return plainText;
      }
    };
  },
};
