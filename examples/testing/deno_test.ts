/**
 * Testing your Codex automation with `deno test`: the real `codex app-server`, a scripted fake
 * model, no API key, no network.
 *
 * Run: `deno test -A examples/testing/deno_test.ts`
 *
 * In your project, import `codex-app-server` and `codex-app-server/testing` (or the JSR
 * package) instead of the repository paths below.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Codex, type ServerRequestHandlers, TurnFailedError } from "../../mod.ts";
import { reply, startTestCodex } from "../../testing.ts";

// ---- The automation under test (normally in its own module) ------------------------------

const VERDICT_SCHEMA = {
  type: "object",
  properties: {
    verdict: { type: "string", enum: ["approve", "reject"] },
    reasons: { type: "array", items: { type: "string" } },
  },
  required: ["verdict", "reasons"],
  additionalProperties: false,
};

interface Review {
  verdict: "approve" | "reject";
  reasons: string[];
}

/** Lets the agent read, never anything else: other requests get the SDK's default decline. */
const readOnlyApprovals: ServerRequestHandlers = {
  "item/commandExecution/requestApproval": ({ commandActions }) => {
    // The server's parse of the command into `read`, `listFiles`, `search` or `unknown`
    // actions: never the wrapped `command` string, where a test for "ls" passes `ls; rm -rf ~`.
    const actions = commandActions ?? [];
    const readOnly = actions.length > 0 && actions.every((action) => action.type !== "unknown");
    return { decision: readOnly ? "accept" : "decline" };
  },
};

/** Asks Codex to review a diff; returns its structured verdict. */
async function review(codex: Codex, diff: string): Promise<Review> {
  const thread = await codex.threadStart({ approvalPolicy: "untrusted" });
  const result = await thread.run(`Review this diff:\n${diff}`, { outputSchema: VERDICT_SCHEMA });
  return JSON.parse(result.finalResponse ?? "null") as Review;
}

// ---- Its tests ----------------------------------------------------------------------------

Deno.test("review returns the model's structured verdict", async () => {
  await using t = await startTestCodex({
    script: [reply.json({ verdict: "approve", reasons: ["small and tested"] })],
  });
  const verdict = await review(t.codex, "+ const x = 1;");
  assert.deepEqual(verdict, { verdict: "approve", reasons: ["small and tested"] });
  // What the automation sent to the model.
  const [request] = t.model.requests;
  assert.match(request.lastUserMessage, /Review this diff:\n\+ const x = 1;/);
  assert.deepEqual(
    (request.body.text as { format: { schema: unknown } }).format.schema,
    VERDICT_SCHEMA,
  );
});

Deno.test("the approval handler declines a network command", async () => {
  await using t = await startTestCodex({
    script: [
      reply.shellCommand("curl https://example.com"),
      reply.json({ verdict: "reject", reasons: ["could not fetch"] }),
    ],
    codex: { onServerRequest: readOnlyApprovals },
  });
  const verdict = await review(t.codex, "+ fetch()");
  assert.equal(verdict.verdict, "reject");
  // The command never ran: the model was told so in its next request.
  assert.equal(t.model.requests.length, 2);
  assert.match(t.model.requests[1].toolOutputs[0].output, /rejected by user/);
});

Deno.test("a model outage fails the review with the server's message", async () => {
  await using t = await startTestCodex({ script: [reply.httpError(503, "Overloaded")] });
  await assert.rejects(review(t.codex, "+ y"), (error: unknown) => {
    assert.ok(error instanceof TurnFailedError);
    assert.match(error.message, /503 Service Unavailable: Overloaded/);
    return true;
  });
});
