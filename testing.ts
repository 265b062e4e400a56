/**
 * An offline Codex for your own test suites: the real `codex app-server`, driven by a fake
 * model that answers from a script, in a throwaway `CODEX_HOME`. No API key, no network, no
 * bill, and the same answer every time. Runs on Deno, Bun and Node.
 *
 * - {@linkcode FakeModel}: a fake OpenAI Responses API server on 127.0.0.1, scripted as
 *   data ({@linkcode reply} builds the responses; {@linkcode scenarios} has ready-made
 *   ones), recording every request.
 * - {@linkcode codexHome}: a throwaway `CODEX_HOME` pointing the app-server at it.
 * - {@linkcode startTestCodex}: both, plus a started `Codex`, in one call.
 * - {@linkcode recordTransport} / {@linkcode replayTransport}: record a session's JSON-RPC
 *   traffic to a file, and play it back later without any app-server.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { reply, startTestCodex } from "codex-app-server/testing";
 *
 * await using t = await startTestCodex({
 *   script: [reply.shellCommand("echo hi"), reply.text("It printed hi.")],
 *   codex: {
 *     onServerRequest: {
 *       "item/commandExecution/requestApproval": () => ({ decision: "accept" }),
 *     },
 *   },
 * });
 * const thread = await t.codex.threadStart({ approvalPolicy: "untrusted" });
 * const result = await thread.run("Run echo hi.");
 * assert.equal(result.finalResponse, "It printed hi.");
 * assert.match(t.model.requests[1].toolOutputs[0].output, /hi/);
 * ```
 *
 * See `docs/testing.md` for a guide and a runnable test per test runner.
 *
 * @module
 */

export {
  DEFAULT_TEXT,
  type FakeHttpCall,
  FakeModel,
  type FakeModelOptions,
  type Hold,
  type Script,
  SCRIPT_FAILURE_STATUS,
  type ScriptFunction,
  type ScriptStep,
} from "./src/testing/fake_model.ts";
export type { FakeRequest, ToolOutput } from "./src/testing/fake_request.ts";
export {
  addFilePatch,
  type DropResponse,
  type FakeResponse,
  type FileChangeResponse,
  type HttpErrorResponse,
  type JsonResponse,
  type PartialStreamOptions,
  reply,
  type ReplyBuilders,
  type ResponseTiming,
  type ShellCommandResponse,
  type StallResponse,
  type StreamedTextOptions,
  type TextResponse,
  type ToolCallResponse,
} from "./src/testing/responses.ts";
export {
  type Scenario,
  SCENARIO_TEXTS,
  type Scenarios,
  scenarios,
  type ScenarioTexts,
  type SlowOptions,
} from "./src/testing/scenarios.ts";
export {
  codexConfigToml,
  type CodexHome,
  codexHome,
  type CodexHomeOptions,
} from "./src/testing/codex_home.ts";
export { startTestCodex, type TestCodex, type TestCodexOptions } from "./src/testing/start.ts";
export { recordTransport } from "./src/testing/record.ts";
export {
  ReplayDivergenceError,
  type ReplayOptions,
  type ReplayTransport,
  replayTransport,
} from "./src/testing/replay.ts";
export { parseRecording, type RecordedClose, type RecordedEntry } from "./src/testing/recording.ts";
export type { JsonValue } from "./src/testing/json.ts";
