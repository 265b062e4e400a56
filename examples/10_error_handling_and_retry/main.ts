/**
 * 10 — Errors and retries: retry a turn while the server is overloaded, tell a failed turn
 * (`TurnFailedError`) from a refused request (`JsonRpcError` and its subclasses), catch bad
 * params before they are sent, ask `isRetryable()` what is worth retrying, and see a call's
 * deadline pass (`CallTimeoutError`).
 *
 * Run: `npx deno run -A examples/10_error_handling_and_retry/main.ts`
 * (or `npx bun examples/10_error_handling_and_retry/main.ts`).
 *
 * @module
 */

import {
  CallTimeoutError,
  Codex,
  InternalError,
  InvalidParamsError,
  InvalidRequestError,
  isRetryable,
  JsonRpcError,
  OVERLOADED_CODE,
  RetryLimitExceededError,
  retryOnOverload,
  ServerBusyError,
  TurnFailedError,
} from "../../mod.ts";

await using codex = await Codex.start();
const thread = await codex.threadStart();

// 1. A turn, retried with exponential backoff (250 ms, 500 ms, 1 s ± 20 %) while the server
//    answers "overloaded". Only the refused `turn/start` is retried: once a turn has run,
//    its failure is a `TurnFailedError`, which `retryOnOverload` passes through untouched.
//    `timeoutMs` bounds every attempt and delay together; each attempt gets the combined
//    `signal` to pass on, so the deadline also interrupts a turn in progress.
try {
  const result = await retryOnOverload(
    ({ signal }) => thread.run("Say hello in one sentence.", { signal }),
    { maxAttempts: 4, initialDelayMs: 250, timeoutMs: 180_000 },
  );
  console.log(`turn completed: ${result.finalResponse}`);
} catch (error) {
  if (error instanceof TurnFailedError) {
    // The turn ran and ended with status "failed": the model provider failed, the context
    // window was exceeded, the usage limit was hit … The thread itself stays usable.
    console.log(`TurnFailedError: ${error.message}`);
    // `TurnStatus` is a string union: compare with the literal.
    if (error.result.status === "failed") console.log(`  status: failed`);
    console.log(`  codexErrorInfo: ${JSON.stringify(error.codexErrorInfo)}`);
    console.log(`  retryable: ${isRetryable(error)}`);
  } else if (error instanceof ServerBusyError) {
    console.log(`still overloaded after 4 attempts: ${error.message}`);
  } else if (error instanceof JsonRpcError) {
    console.log(`request refused (${error.name} ${error.code}): ${error.message}`);
  } else {
    throw error;
  }
}

// 2. Error replies come back as typed subclasses of `JsonRpcError`, by code.
try {
  await codex.threadResume("00000000-0000-7000-8000-000000000000");
} catch (error) {
  if (!(error instanceof JsonRpcError)) throw error;
  const kind = error instanceof InvalidRequestError
    ? "invalid request"
    : error instanceof InternalError
    ? "internal error"
    : "other";
  console.log(`resume of an unknown thread: ${error.name} (${kind}), code ${error.code}`);
  console.log(`  message: ${error.message}`);
  console.log(`  retryable: ${isRetryable(error)}`);
}

// 3. Params are validated against the protocol's schema before anything is sent.
try {
  await thread.run("Hello", { effort: 42 as unknown as string });
} catch (error) {
  if (!(error instanceof InvalidParamsError)) throw error;
  console.log(`InvalidParamsError before sending: ${error.message}`);
}

// 4. What is worth retrying: a busy server, yes; a server that gave up, or a bad request, no.
const samples = [
  new ServerBusyError(OVERLOADED_CODE, "Server overloaded; retry later."),
  new RetryLimitExceededError(-32000, "too many failed attempts"),
  new InvalidRequestError(-32600, "no active turn to steer"),
];
for (const sample of samples) {
  console.log(`isRetryable(${sample.name}): ${isRetryable(sample)}`);
}

// 5. Every call takes `timeoutMs` (and `signal`). Past the deadline it rejects with a
//    `CallTimeoutError` naming the operation; the connection stays usable. (0 ms: the
//    deadline has passed already: nothing is sent.)
try {
  await codex.models({ timeoutMs: 0 });
} catch (error) {
  if (!(error instanceof CallTimeoutError)) throw error;
  console.log(`${error.name}: ${error.operation} after ${error.timeoutMs} ms`);
}
console.log(`still usable: ${(await codex.models()).data.length > 0}`);
