/**
 * 25 — Approval policies, and approvals that wait for a person.
 *
 * - Ready policies are handler maps you combine by spreading, later entries winning:
 *   `{ ...declineAll(), ...approveCommands(/^echo /) }` declines everything except the
 *   commands the pattern allows. `approveCommands` matches the command line without its
 *   `bash -lc '…'` wrapper (`unwrapCommand`), and with a list or a RegExp it never approves a
 *   line that holds shell operators (`;`, `&&`, `|`, `$(…)`, redirections …).
 * - A handler may take its time (a person deciding on a web page) without blocking anything
 *   else; `serverRequestTimeoutMs` bounds it. Past it, the handler's `context.signal` aborts and
 *   the request is declined: it fails closed.
 * - `askOnTty()` asks y/N on the terminal, and declines when there is none.
 * - Every result lists its server requests and how each was answered (`serverRequests`).
 *
 * Run: `npx deno run -A examples/25_approval_policies/main.ts`
 * (or `npx bun examples/25_approval_policies/main.ts`).
 *
 * The threads use `approvalPolicy: "untrusted"`, which asks before running anything not known
 * to be safe. The agent may run the `echo` commands it is asked to; nothing else is approved.
 *
 * @module
 */

import {
  approveCommands,
  askOnTty,
  CallTimeoutError,
  Codex,
  declineAll,
  type TurnResult,
  unwrapCommand,
} from "../../mod.ts";

// The connection's policy: decline everything, except plain `echo` commands.
await using codex = await Codex.start({
  onServerRequest: { ...declineAll(), ...approveCommands(/^echo [\w ,.!-]*$/) },
});
const ask = (command: string) =>
  `Run the shell command \`${command}\` and tell me what it printed.`;

/** One line: each command and what became of it, then each server request's outcome. */
function report(label: string, result: TurnResult): void {
  const commands = result.items.flatMap((item) =>
    item.type === "commandExecution" ? [`"${unwrapCommand(item.command)}" ${item.status}`] : []
  );
  const outcomes = result.serverRequests.map((request) => request.outcome);
  console.log(
    `${label}: ${commands.join(", ") || "no command"}; requests: ${outcomes.join(", ") || "none"}`,
  );
}

// 1. The spread policy: a plain echo is approved; one with a shell operator is not.
const policy = await codex.threadStart({ approvalPolicy: "untrusted" });
report("policy", await policy.run(ask("echo hello"), { timeoutMs: 120_000 }));
report("policy", await policy.run(ask("echo hello; echo more"), { timeoutMs: 120_000 }));

// 2. A person on a web page decides: this thread's handler waits for them, for 2 s here
//    (minutes in real use). Nobody answers, so the request times out and is declined.
const web = await codex.threadStart({
  approvalPolicy: "untrusted",
  serverRequestTimeoutMs: 2_000,
  onServerRequest: {
    "item/commandExecution/requestApproval": ({ command }, { id, signal }) => {
      console.log(`[web] request ${id} waits for a person: "${unwrapCommand(command ?? "")}"`);
      return new Promise((resolve) => {
        // A real program keeps `resolve` where the page's POST handler finds it by `id`.
        signal.addEventListener("abort", () => {
          const why = signal.reason instanceof CallTimeoutError ? "timed out" : "withdrawn";
          console.log(`[web] request ${id} ${why}`);
          resolve({ decision: "decline" }); // too late: the SDK has declined it already
        }, { once: true });
      });
    },
  },
});
report("web", await web.run(ask("echo needs-a-person"), { timeoutMs: 120_000 }));

// 3. Ask on the terminal (stdin and stderr must both be terminals; without one, decline).
const tty = await codex.threadStart({
  approvalPolicy: "untrusted",
  onServerRequest: { ...declineAll(), ...askOnTty() },
});
report("tty", await tty.run(ask("echo ask-me"), { timeoutMs: 300_000 }));
