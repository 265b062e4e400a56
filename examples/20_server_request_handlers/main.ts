/**
 * 20 — Server-request handlers, one per method: the connection's `onServerRequest` map
 * (each handler typed by its method: it gets that method's params and must return that
 * method's answer), a thread's own map that wins for that thread's requests, and the
 * handler's `context.signal`, which tells a handler waiting for a person to stop.
 *
 * Run: `npx deno run -A examples/20_server_request_handlers/main.ts`
 * (or `npx bun examples/20_server_request_handlers/main.ts`).
 *
 * Three threads ask to run the same command (with `approvalPolicy: "untrusted"`, which asks
 * before running anything not known to be safe):
 * - "default": the connection's handler accepts only commands that read, list or search
 *   (by the server's parse, `commandActions`), so this one is declined;
 * - "trusted": its own handler accepts, e.g. because it runs in a throwaway checkout;
 * - "waiting": its own handler asks a person who never answers; the turn's deadline passes,
 *   the turn is interrupted, and `context.signal` tells the handler to stop waiting.
 *
 * Example 13 shows the other form: one function for every method.
 *
 * @module
 */

import { CallTimeoutError, Codex, declineRequest, type ServerRequestHandlers } from "../../mod.ts";

/** The connection's handlers: used for every thread without handlers of its own. */
const connectionHandlers: ServerRequestHandlers = {
  "item/commandExecution/requestApproval": ({ command, commandActions }) => {
    // `command` arrives wrapped (`/bin/bash -lc '…'`): decide on the parsed actions.
    const actions = commandActions ?? [];
    const onlyReads = actions.length > 0 && actions.every((action) => action.type !== "unknown");
    console.log(`[connection] ${JSON.stringify(command)} -> ${onlyReads ? "accept" : "decline"}`);
    return { decision: onlyReads ? "accept" : "decline" };
  },
  "item/fileChange/requestApproval": () => ({ decision: "decline" }),
  // Every method without an entry: the safe refusal.
  default: (request) => declineRequest(request),
};

await using codex = await Codex.start({ onServerRequest: connectionHandlers });
const prompt = "Run the shell command `echo approved-output` and tell me what it printed.";

/** What became of the turn's commands, one line. */
function commands(items: readonly { type: string; status?: string }[]): string {
  const statuses = items.filter((item) => item.type === "commandExecution")
    .map((item) => item.status);
  return statuses.length === 0 ? "no command" : `command ${statuses.join(", ")}`;
}

// 1. No handlers of its own: the connection's answer.
const plain = await codex.threadStart({ approvalPolicy: "untrusted" });
const declined = await plain.run(prompt, { timeoutMs: 120_000 });
console.log(`default thread: ${commands(declined.items)}`);

// 2. A thread's own handlers win over the connection's for its requests. The context
//    names the thread and turn the request belongs to.
const trusted = await codex.threadStart({
  approvalPolicy: "untrusted",
  onServerRequest: {
    "item/commandExecution/requestApproval": ({ command }, { threadId, turnId }) => {
      console.log(`[trusted] ${JSON.stringify(command)} on thread ${threadId}, turn ${turnId}`);
      return { decision: "accept" };
    },
  },
});
const accepted = await trusted.run(prompt, { timeoutMs: 120_000 });
console.log(`trusted thread: ${commands(accepted.items)}`);

// 3. A handler that waits for a person. `context.signal` aborts when the answer is no
//    longer wanted: the request's turn ended, the server withdrew the request, or the
//    connection closed. Here the turn's deadline passes first.
let stoppedWaiting = false;
const waiting = await codex.threadStart({
  approvalPolicy: "untrusted",
  onServerRequest: {
    "item/commandExecution/requestApproval": ({ command }, { signal }) => {
      console.log(`[waiting] asked a person about ${JSON.stringify(command)}`);
      return new Promise((resolve) => {
        // A real program would also resolve when the person answers.
        signal.addEventListener("abort", () => {
          stoppedWaiting = true;
          console.log("[waiting] told to stop waiting: nobody needs the answer any more");
          resolve({ decision: "decline" });
        }, { once: true });
      });
    },
  },
});
try {
  await waiting.run(prompt, { timeoutMs: 3_000 });
  console.log("waiting thread: the turn finished before its deadline");
} catch (error) {
  if (!(error instanceof CallTimeoutError)) throw error;
  console.log(`waiting thread: ${error.name} after ${error.timeoutMs} ms`);
}
console.log(`handler stopped waiting: ${stoppedWaiting}`);
