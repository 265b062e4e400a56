/**
 * 13 — Approvals: answer the app-server's approval requests with your own handler. This one
 * accepts `echo` commands and declines every other command and every file change; anything
 * else gets the SDK's safe refusal (`declineRequest`).
 *
 * Run: `deno run -A examples/13_approvals/main.ts` (or `bun examples/13_approvals/main.ts`).
 *
 * Without an `onServerRequest` handler the SDK declines every approval (the Python SDK
 * accepts them).
 * Whether a request is sent at all depends on the approval policy: this example sets
 * `approvalPolicy: "untrusted"`, which asks before running anything not known to be safe.
 *
 * @module
 */

import { Codex, declineRequest, type ServerRequestHandler } from "../../mod.ts";

const onServerRequest: ServerRequestHandler = (request) => {
  // Narrowing on `method` types `params` and the result the server expects.
  switch (request.method) {
    case "item/commandExecution/requestApproval": {
      const command = request.params.command ?? "";
      // The command often arrives wrapped: "/bin/bash -c 'echo hi'".
      const accept = /\becho\b/.test(command);
      console.log(
        `[approval] command ${JSON.stringify(command)} -> ${accept ? "accept" : "decline"}`,
      );
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
