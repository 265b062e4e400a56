/**
 * Compile-time guarantees of the public API. Each `@ts-expect-error` line must fail to
 * type-check (`deno check`, which the test command runs, reports an unused directive
 * otherwise); the test at the end keeps the file in every runtime's suite.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import type {
  CallOptions,
  CodexOptions,
  ServerRequestHandlers,
  ThreadStartOptions,
  TurnOptions,
} from "../mod.ts";
import { connectWebSocket } from "../transport.ts";

/** A per-method handler map: each entry answers its own method's result type. */
export const handlers: ServerRequestHandlers = {
  "item/commandExecution/requestApproval": (params, ctx) => ({
    decision:
      params.commandActions?.every((action) => action.type === "read") && !ctx.signal.aborted
        ? "accept"
        : "decline",
  }),
  "item/tool/requestUserInput": () => ({ answers: {} }),
  // @ts-expect-error A file-change answer is not a user-input answer.
  "mcpServer/elicitation/request": () => ({ decision: "accept" }),
  default: () => ({ decision: "decline" }),
};

/** Returning another method's answer from a user-input handler does not compile. */
export const wrongAnswer: ServerRequestHandlers = {
  // @ts-expect-error `{ decision }` is the answer of an approval, not of requestUserInput.
  "item/tool/requestUserInput": () => ({ decision: "accept" }),
};

/** An unknown method is not a handler key. */
export const unknownMethod: ServerRequestHandlers = {
  // @ts-expect-error There is no server request "item/bogus".
  "item/bogus": () => ({}),
};

/** Launch options and a transport together would be ignored silently: a type error. */
// @ts-expect-error `codexBin` is a launch option; nothing is spawned with a transport.
export const both: CodexOptions = {
  transport: () => connectWebSocket("ws://127.0.0.1:1"),
  codexBin: "/usr/bin/codex",
};

/** Every options object of an async call carries `signal` and `timeoutMs`. */
export const cancellable: CallOptions[] = [
  { signal: AbortSignal.timeout(1000), timeoutMs: 500 } satisfies ThreadStartOptions,
  { signal: AbortSignal.timeout(1000), timeoutMs: 500 } satisfies TurnOptions,
];

test("The public types reject wrong answers, unknown methods and ignored launch options", {
  timeout: 5_000,
}, () => {
  // The proof is that this file type-checks with every @ts-expect-error above consumed.
  assert.equal(typeof handlers["item/tool/requestUserInput"], "function");
  assert.equal(cancellable.length, 2);
});
