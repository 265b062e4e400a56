/**
 * 13 — Approvals: answer the app-server's approval requests with one `onServerRequest`
 * function that narrows on `request.method`. Commands that only read, list or search are
 * accepted; any other command is put to you on the terminal (y/N); file changes are
 * declined; anything else gets the SDK's safe refusal (`declineRequest`).
 *
 * Run: `npx deno run -A examples/13_approvals/main.ts`
 * (or `npx bun examples/13_approvals/main.ts`). Answers can be piped:
 * `echo y | npx deno run -A examples/13_approvals/main.ts`; no answer (end of input) declines.
 *
 * Without an `onServerRequest` handler the SDK declines every approval (the Python SDK
 * accepts them). Whether a request is sent at all depends on the approval policy: this
 * example sets `approvalPolicy: "untrusted"`, which asks before running anything not known
 * to be safe. Example 20 shows the other form: one typed handler per method.
 *
 * @module
 */

import process from "node:process";
import { createInterface } from "node:readline";
import { Codex, declineRequest, type ServerRequestHandler } from "../../mod.ts";
// The wire types: `codex-app-server/protocol` in your own project.
import type { CommandAction } from "../../generated/mod.ts";

const answers = createInterface({ input: process.stdin, crlfDelay: Infinity });
const lines = answers[Symbol.asyncIterator]();

/** Asks a yes/no question on the terminal; "no" on end of input or when `signal` aborts. */
async function ask(question: string, signal: AbortSignal): Promise<boolean> {
  process.stdout.write(`${question} [y/N] `);
  const stopped = new Promise<IteratorResult<string>>((resolve) => {
    signal.addEventListener("abort", () => resolve({ done: true, value: undefined }), {
      once: true,
    });
  });
  const answer = await Promise.race([lines.next(), stopped]);
  if (answer.done) process.stdout.write("(no answer)\n");
  else if (!process.stdin.isTTY) process.stdout.write(`${answer.value}\n`); // a terminal echoes it
  return !answer.done && /^y(es)?$/i.test(answer.value.trim());
}

/**
 * Whether a command only reads, by the server's own parse of it. The raw `command` arrives
 * wrapped (`/bin/bash -lc 'ls'`), so a test such as `command.startsWith("ls")` never matches,
 * and a substring test is easily fooled (`ls; rm -rf ~`). `commandActions` splits the command
 * into actions; anything the server does not recognise as reading, listing or searching is
 * `unknown`.
 */
function onlyReads(commandActions: readonly CommandAction[] | null | undefined): boolean {
  const actions = commandActions ?? [];
  return actions.length > 0 && actions.every((action) => action.type !== "unknown");
}

const onServerRequest: ServerRequestHandler = async (request, { signal }) => {
  // Narrowing on `method` types `params` and the result the server expects.
  switch (request.method) {
    case "item/commandExecution/requestApproval": {
      const { command, commandActions } = request.params;
      const kinds = (commandActions ?? []).map((action) => action.type).join(", ") || "nothing";
      console.log(`[approval] command ${JSON.stringify(command)}, parsed as: ${kinds}`);
      const accept = onlyReads(commandActions) ||
        await ask(`[approval] run ${JSON.stringify(command)}?`, signal);
      console.log(`[approval] -> ${accept ? "accept" : "decline"}`);
      return { decision: accept ? "accept" : "decline" };
    }
    case "item/fileChange/requestApproval":
      console.log(`[approval] file change (${request.params.reason ?? "no reason"}) -> decline`);
      return { decision: "decline" };
    default:
      console.log(`[approval] ${request.method} -> refused`);
      return declineRequest(request);
  }
};

try {
  await using codex = await Codex.start({ onServerRequest });
  const thread = await codex.threadStart({ approvalPolicy: "untrusted" });

  const result = await thread.run(
    "Run the shell command `echo approved-by-handler` and tell me what it printed.",
  );
  for (const item of result.items) {
    if (item.type === "commandExecution") {
      console.log(
        `command ${JSON.stringify(item.command)}: ${item.status}` +
          (item.aggregatedOutput ? `, output ${JSON.stringify(item.aggregatedOutput.trim())}` : ""),
      );
    }
  }
  console.log(`status: ${result.status}`);
  console.log(`answer: ${result.finalResponse}`);
} finally {
  answers.close();
}
