/**
 * Testing your Codex automation with `node --test`: the real `codex app-server`, a scripted
 * fake model, no API key, no network.
 *
 * This file imports the npm package, as your project would. To run it from this repository,
 * build the package and let Node find it under its name:
 *
 * ```sh
 * deno task build:npm
 * mkdir -p /tmp/try/node_modules && ln -s "$PWD/npm" /tmp/try/node_modules/codex-app-server
 * cp examples/testing/node_test.mjs /tmp/try/ && node --test /tmp/try/node_test.mjs
 * ```
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { TurnFailedError } from "codex-app-server";
import { reply, startTestCodex } from "codex-app-server/testing";

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

/**
 * Lets the agent read, never anything else: other requests get the SDK's default decline.
 * @type {import("codex-app-server").ServerRequestHandlers}
 */
const readOnlyApprovals = {
  "item/commandExecution/requestApproval": ({ commandActions }) => {
    // The server's parse of the command into `read`, `listFiles`, `search` or `unknown`
    // actions: never the wrapped `command` string, where a test for "ls" passes `ls; rm -rf ~`.
    const actions = commandActions ?? [];
    const readOnly = actions.length > 0 && actions.every((action) => action.type !== "unknown");
    return { decision: readOnly ? "accept" : "decline" };
  },
};

/**
 * Asks Codex to review a diff; returns its structured verdict.
 * @param {import("codex-app-server").Codex} codex
 * @param {string} diff
 * @returns {Promise<{ verdict: "approve" | "reject", reasons: string[] }>}
 */
async function review(codex, diff) {
  const thread = await codex.threadStart({ approvalPolicy: "untrusted" });
  const result = await thread.run(`Review this diff:\n${diff}`, { outputSchema: VERDICT_SCHEMA });
  return JSON.parse(result.finalResponse ?? "null");
}

// ---- Its tests ----------------------------------------------------------------------------

test("review returns the model's structured verdict", async (context) => {
  const t = await startTestCodex({
    script: [reply.json({ verdict: "approve", reasons: ["small and tested"] })],
  });
  // Stop it all when the test ends (`await using` needs TypeScript, or Node 24+ in plain JS).
  context.after(() => t.close());
  const verdict = await review(t.codex, "+ const x = 1;");
  assert.deepEqual(verdict, { verdict: "approve", reasons: ["small and tested"] });
  // What the automation sent to the model.
  const [request] = t.model.requests;
  assert.match(request.lastUserMessage, /Review this diff:\n\+ const x = 1;/);
  assert.deepEqual(request.body.text.format.schema, VERDICT_SCHEMA);
});

test("the approval handler declines a network command", async (context) => {
  const t = await startTestCodex({
    script: [
      reply.shellCommand("curl https://example.com"),
      reply.json({ verdict: "reject", reasons: ["could not fetch"] }),
    ],
    codex: { onServerRequest: readOnlyApprovals },
  });
  context.after(() => t.close());
  const verdict = await review(t.codex, "+ fetch()");
  assert.equal(verdict.verdict, "reject");
  // The command never ran: the model was told so in its next request.
  assert.equal(t.model.requests.length, 2);
  assert.match(t.model.requests[1].toolOutputs[0].output, /rejected by user/);
});

test("a model outage fails the review with the server's message", async (context) => {
  const t = await startTestCodex({ script: [reply.httpError(503, "Overloaded")] });
  context.after(() => t.close());
  await assert.rejects(review(t.codex, "+ y"), (error) => {
    assert.ok(error instanceof TurnFailedError);
    assert.match(error.message, /503 Service Unavailable: Overloaded/);
    return true;
  });
});
