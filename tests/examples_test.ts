/**
 * Runs every example in `examples/` as a subprocess against the real app-server and the
 * testing kit's `FakeModel` (`codex-app-server/testing`), each with a throwaway codex home,
 * and checks that it exits 0 and prints what it is about. Examples 01–21 get the kit's
 * ready-made scenarios (`scenarios.byModel()`: the model name picks the answer); 22 on are
 * scripted per test. The examples that mostly wait (deadlines, stalls) run beside the others.
 *
 * The examples are TypeScript for Deno and Bun: under Deno they run with `deno run -A`,
 * under Bun with `bun`, and under Node (the compiled test build) with the `deno` binary
 * of `node_modules/deno`.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  codexHome,
  FakeModel,
  type FakeRequest,
  reply,
  SCENARIO_TEXTS,
  scenarios,
  type Script,
  type SlowOptions,
} from "../testing.ts";
import { CODEX_VERSION } from "../mod.ts";
import { LoginWaiter, startChatgptLogin } from "../src/client/login.ts";
import { CodexClient, spawnAppServer } from "../transport.ts";

const { plain: PLAIN_TEXT, approvalOutput: APPROVAL_OUTPUT } = SCENARIO_TEXTS;
const T = { timeout: 60_000 };
/** How long one example may run before it is killed. */
const EXAMPLE_TIMEOUT_MS = 50_000;

/** Every example folder, in order; the last test checks this list against the disk. */
const EXAMPLES = [
  "01_quickstart",
  "02_turn_run",
  "03_turn_stream_events",
  "04_models_and_metadata",
  "05_existing_thread",
  "06_thread_lifecycle",
  "07_image_and_text",
  "08_local_image_and_text",
  "09_lazy_client",
  "10_error_handling_and_retry",
  "11_cli_mini_app",
  "12_turn_params_kitchen_sink",
  "13_approvals",
  "14_turn_controls",
  "15_login_and_account",
  "16_goals",
  "17_concurrent_turns",
  "18_websocket",
  "19_cancellation",
  "20_server_request_handlers",
  "21_never_hang",
  "22_external_message",
  "23_structured_output",
  "24_text_streams",
  "25_approval_policies",
];

/** The first directory at or above `start` that holds `examples/README.md`. */
function findRoot(start: string): string | undefined {
  for (let dir = start;; dir = dirname(dir)) {
    if (existsSync(join(dir, "examples", "README.md"))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

const ROOT = findRoot(dirname(fileURLToPath(import.meta.url))) ?? findRoot(process.cwd());

/** The program and leading arguments that run a `.ts` example on this host. */
function exampleRunner(): { command: string; args: string[] } {
  if ("Deno" in globalThis) return { command: process.execPath, args: ["run", "-A"] };
  if ("Bun" in globalThis) return { command: process.execPath, args: [] };
  // Node runs the compiled tests, but the examples are TypeScript: use the repo's Deno.
  const exe = process.platform === "win32" ? "deno.exe" : "deno";
  for (let dir = ROOT!;; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", "deno", exe);
    if (existsSync(candidate)) return { command: candidate, args: ["run", "-A"] };
    if (dirname(dir) === dir) break;
  }
  return { command: "deno", args: ["run", "-A"] };
}

interface ExampleOptions {
  /** The model name of the codex home, which picks the scenario (default `plain`). */
  model?: string;
  /** Pace and length of the `slow` scenario. */
  slow?: SlowOptions;
  /** Written to the example's stdin, which is then closed (closed at once by default). */
  stdin?: string;
  /** Arguments after the example's path. */
  args?: string[];
}

interface ExampleRun {
  stdout: string;
  stderr: string;
  /** Every request the fake model received. */
  requests: readonly FakeRequest[];
}

/**
 * Runs one example on the kit's ready-made scenarios (`scenarios.byModel()`), with a fresh
 * codex home whose model name picks the scenario, and asserts it exits 0.
 */
function runExample(name: string, options: ExampleOptions = {}): Promise<ExampleRun> {
  return runScriptedExample(name, {
    ...options,
    script: scenarios.byModel({ slow: options.slow }),
    modelName: options.model ?? "plain",
  });
}

interface ScriptedExampleOptions {
  /** What the fake model answers, one step per model request. */
  script: Script;
  /** The model name of the codex home (default: `codexHome`'s). */
  modelName?: string;
  /** Written to the example's stdin, which is then closed (closed at once by default). */
  stdin?: string;
  /** Arguments after the example's path. */
  args?: string[];
}

/**
 * Runs one example on the testing kit's `FakeModel`, answering from `script`, with a fresh
 * codex home (`codexHome`), and asserts it exits 0.
 */
async function runScriptedExample(
  name: string,
  options: ScriptedExampleOptions,
): Promise<ExampleRun> {
  await using model = await FakeModel.start({ script: options.script });
  await using home = await codexHome({ model, modelName: options.modelName });
  const { stdout, stderr } = await execExample(name, home.env, options);
  return { stdout, stderr, requests: [...model.requests] };
}

/**
 * Runs `examples/<name>/main.ts` with the parent's environment plus `extraEnv` (an `undefined`
 * value removes a variable), and asserts it exits 0.
 */
async function execExample(
  name: string,
  extraEnv: Readonly<Record<string, string | undefined>>,
  options: { stdin?: string; args?: string[] },
): Promise<{ stdout: string; stderr: string }> {
  assert.ok(ROOT !== undefined, "cannot find the repository root (examples/README.md)");
  const file = join(ROOT, "examples", name, "main.ts");
  const runner = exampleRunner();
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined) env[key] = value;
  }
  for (const [key, value] of Object.entries(extraEnv)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  env.NO_COLOR = "1";
  const { code, signal, stdout, stderr } = await new Promise<{
    code: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    const child = execFile(
      runner.command,
      [...runner.args, file, ...(options.args ?? [])],
      { cwd: ROOT, env, timeout: EXAMPLE_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const failure = error as { code?: unknown; signal?: string | null } | null;
        resolve({
          code: failure === null ? 0 : typeof failure.code === "number" ? failure.code : null,
          signal: failure?.signal ?? null,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
    child.stdin?.on("error", () => {}); // the example may exit before reading everything
    child.stdin?.end(options.stdin ?? "");
  });
  assert.equal(
    code,
    0,
    `${name} exited with ${code ?? signal}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
  );
  return { stdout, stderr };
}

/**
 * Examples that spend most of their time waiting (deadlines, stalls, timeouts) start with the
 * first test and run beside the others, one at a time per lane; their own tests check the
 * outcome. Each run is bounded by `EXAMPLE_TIMEOUT_MS` like any other.
 */
const lanes: Array<Array<() => Promise<void>>> = [[], []];
let earlyStarted = false;

/** Queues `run` in `lane` to start with the first test; returns the getter its test awaits. */
function runEarly<R>(lane: 0 | 1, run: () => Promise<R>): () => Promise<R> {
  let settle!: { resolve: (value: R) => void; reject: (error: unknown) => void };
  const outcome = new Promise<R>((resolve, reject) => settle = { resolve, reject });
  outcome.catch(() => {}); // awaited by its test; not unhandled before then
  lanes[lane].push(() => run().then(settle.resolve, settle.reject));
  return () => {
    startEarlyRuns();
    return outcome;
  };
}

/** Starts each lane's queued runs, one after another (idempotent). */
function startEarlyRuns(): void {
  if (earlyStarted) return;
  earlyStarted = true;
  for (const lane of lanes) {
    void lane.reduce((previous, start) => previous.then(start), Promise.resolve());
  }
}

test("Example 01_quickstart prints the server's metadata and one answer", T, async () => {
  startEarlyRuns();
  const { stdout } = await runExample("01_quickstart");
  assert.match(stdout, /^app-server \d+\.\d+\.\d+ on \S+$/m);
  // The default clientInfo names this SDK; the server echoes it in its user agent.
  assert.match(stdout, /^user agent: codex_app_server_ts\/\d+\.\d+\.\d+ /m);
  assert.match(stdout, /^status: completed$/m);
  assert.match(stdout, new RegExp(`^final response: ${PLAIN_TEXT}$`, "m"));
});

test("Example 02_turn_run prints every TurnResult field", T, async () => {
  const { stdout } = await runExample("02_turn_run");
  for (
    const field of [
      "id",
      "threadId",
      "status",
      "error",
      "startedAt",
      "completedAt",
      "durationMs",
      "finalResponse",
      "items",
    ]
  ) {
    assert.match(stdout, new RegExp(`^${field}:`, "m"), field);
  }
  assert.match(stdout, /^status:\s+completed$/m);
  assert.match(stdout, /^error:\s+none$/m);
  assert.match(stdout, new RegExp(`^finalResponse:\\s+"${PLAIN_TEXT}"$`, "m"));
  assert.match(stdout, /^items:\s+2$/m);
  assert.match(stdout, /^usage \(last\):\s+10 in/m);
});

test("Example 03_turn_stream_events prints deltas and item events in order", T, async () => {
  const { stdout } = await runExample("03_turn_stream_events", { model: "deltas-5" });
  assert.match(stdout, /^d0 d1 d2 d3 d4 $/m);
  const order = ["[turn/started]", "[item/started] agentMessage", "d0 d1", "[turn/completed]"]
    .map((marker) => stdout.indexOf(marker));
  assert.ok(order.every((index, i) => index >= 0 && (i === 0 || index > order[i - 1])), stdout);
  assert.match(stdout, /^\[turn\/completed\] status=completed$/m);
  assert.match(stdout, /^5 text deltas; final response: "d0 d1 d2 d3 d4 "$/m);
});

test("Example 04_models_and_metadata lists models and the server version", T, async () => {
  const { stdout, requests } = await runExample("04_models_and_metadata");
  assert.match(stdout, /serverVersion:\s+(\S+) \(this SDK is pinned to \1\)/);
  assert.match(stdout, /^\d+ models \(\d+ more hidden from pickers\):$/m);
  assert.match(stdout, /^default model: \S+$/m);
  assert.equal(requests.length, 0);
});

test("Example 05_existing_thread resumes the thread in a second app-server", T, async () => {
  const { stdout, requests } = await runExample("05_existing_thread");
  const created = /^first process:\s+thread (\S+)$/m.exec(stdout)?.[1];
  assert.ok(created, stdout);
  assert.match(stdout, new RegExp(`^second process: resumed thread ${created}$`, "m"));
  assert.match(stdout, /it has 1 turn\(s\) so far/);
  assert.equal(requests.length, 2);
});

test("Example 06_thread_lifecycle names, forks, archives, lists and compacts", T, async () => {
  const { stdout, requests } = await runExample("06_thread_lifecycle");
  const id = /^thread (\S+): name="Prime numbers" status=idle$/m.exec(stdout)?.[1];
  assert.ok(id, stdout);
  assert.match(stdout, new RegExp(`forkedFromId=${id} name="Prime numbers"`));
  assert.match(stdout, /^threadList: 2 thread\(s\)/m);
  assert.match(stdout, /^unarchived \S+; listed again: true$/m);
  assert.match(stdout, /^resumed \S+: it accepts turns again$/m);
  assert.match(stdout, /^compaction finished: completed$/m);
  assert.ok(requests.length >= 2, "the compaction reached the model");
});

test("Example 07_image_and_text sends the data: URL image with the text", T, async () => {
  const { stdout, requests } = await runExample("07_image_and_text");
  assert.match(stdout, /^sent: text \+ image$/m);
  assert.match(stdout, new RegExp(`^answer: ${PLAIN_TEXT}$`, "m"));
  assert.match(JSON.stringify(requests[0].body), /data:image\/png;base64,iVBORw0KGgo/);
});

test("Example 08_local_image_and_text sends the PNG it wrote", T, async () => {
  const { stdout, requests } = await runExample("08_local_image_and_text");
  assert.match(stdout, /^wrote .+pixels\.png$/m);
  assert.match(stdout, new RegExp(`^answer: ${PLAIN_TEXT}$`, "m"));
  // The app-server read the file and inlined it for the model.
  assert.match(JSON.stringify(requests[0].body), /data:image\/png;base64,/);
});

test("Example 09_lazy_client starts on first use and runs two threads", T, async () => {
  const { stdout, requests } = await runExample("09_lazy_client");
  assert.match(stdout, /^before first use: /m);
  assert.match(stdout, /^started lazily: app-server \d+\.\d+\.\d+$/m);
  assert.match(stdout, new RegExp(`^thread a: ${PLAIN_TEXT}$`, "m"));
  assert.match(stdout, new RegExp(`^thread b: ${PLAIN_TEXT}$`, "m"));
  assert.equal(requests.length, 2);
});

test("Example 10_error_handling_and_retry handles a good turn and typed errors", T, async () => {
  const { stdout } = await runExample("10_error_handling_and_retry");
  assert.match(stdout, new RegExp(`^turn completed: ${PLAIN_TEXT}$`, "m"));
  assert.match(stdout, /^resume of an unknown thread: InvalidRequestError .*code -32600$/m);
  assert.match(stdout, /^InvalidParamsError before sending: .*effort/m);
  assert.match(stdout, /^isRetryable\(ServerBusyError\): true$/m);
  assert.match(stdout, /^isRetryable\(RetryLimitExceededError\): false$/m);
  assert.match(stdout, /^CallTimeoutError: model\/list after 0 ms$/m);
  assert.match(stdout, /^still usable: true$/m);
});

test("Example 10_error_handling_and_retry catches a failed turn", T, async () => {
  const { stdout } = await runExample("10_error_handling_and_retry", {
    model: "error-500",
  });
  assert.match(stdout, /^TurnFailedError: Turn \S+ failed: /m);
  assert.match(stdout, /^ {2}status: failed$/m);
  assert.match(stdout, /^ {2}retryable: false$/m);
});

test("Example 11_cli_mini_app answers each stdin line and ends on EOF", T, async () => {
  const { stdout, requests } = await runExample("11_cli_mini_app", {
    model: "demo",
    stdin: "What is 2+2?\n\nAnd 3+3?\n",
  });
  assert.match(stdout, /^codex> You asked: "What is 2\+2\?"\./m);
  assert.match(stdout, /^codex> You asked: "And 3\+3\?"\./m);
  assert.match(stdout, /^bye \(2 turns\)$/m);
  assert.equal(requests.length, 2);
});

test("Example 12_turn_params_kitchen_sink sends model, effort and output schema", T, async () => {
  const { stdout, requests } = await runExample("12_turn_params_kitchen_sink");
  const [, model, effort] = /^model: (\S+), effort: (\S+)$/m.exec(stdout) ?? [];
  assert.ok(model && effort, stdout);
  assert.match(stdout, /^status: completed$/m);
  assert.match(stdout, new RegExp(`^thread now: model=${model} effort=${effort} `, "m"));
  const request = requests.at(-1)!;
  assert.equal(request.model, model);
  assert.equal((request.body.reasoning as { effort?: string } | undefined)?.effort, effort);
  assert.match(
    JSON.stringify(request.body.text),
    /"language"/,
    "the output schema reached the model",
  );
});

test("Example 13_approvals asks about a command that is not read-only; y accepts", T, async () => {
  const { stdout, requests } = await runExample("13_approvals", {
    model: "approval",
    stdin: "y\n",
  });
  // The command arrives wrapped in a shell; the server's parse of it says "unknown".
  assert.match(stdout, /^\[approval\] command ".*echo approved-output.*", parsed as: unknown$/m);
  assert.match(stdout, /^\[approval\] run ".*echo approved-output.*"\? \[y\/N\] y$/m);
  assert.match(stdout, /^\[approval\] -> accept$/m);
  assert.match(stdout, new RegExp(`: completed, output "${APPROVAL_OUTPUT}"$`, "m"));
  assert.match(stdout, new RegExp(`^answer: .*${APPROVAL_OUTPUT}`, "m"));
  assert.equal(requests.length, 2);
});

test("Example 13_approvals declines the command when nobody answers", T, async () => {
  const { stdout } = await runExample("13_approvals", { model: "approval" });
  assert.match(stdout, /^\[approval\] run ".*echo approved-output.*"\? \[y\/N\] \(no answer\)$/m);
  assert.match(stdout, /^\[approval\] -> decline$/m);
  assert.match(stdout, /^command ".*echo approved-output.*": declined$/m);
  assert.match(stdout, /^status: completed$/m);
});

const example14 = runEarly(
  1,
  () => runExample("14_turn_controls", { model: "slow", slow: { deltas: 30, intervalMs: 100 } }),
);

test("Example 14_turn_controls steers one turn and interrupts another", T, async () => {
  const { stdout } = await example14();
  assert.match(stdout, /^\[steer accepted for turn \S+\]$/m);
  assert.match(stdout, /^status: completed, user messages in the turn: 2$/m);
  assert.match(stdout, /^status: interrupted after \d+ deltas$/m);
});

test("Example 15_login_and_account starts a ChatGPT login and cancels it", T, async () => {
  const { stdout } = await runExample("15_login_and_account");
  assert.match(stdout, /^account: not signed in/m);
  assert.match(stdout, /^ {2}https:\/\/\S+$/m);
  assert.match(stdout, /^cancel: canceled$/m);
  assert.match(stdout, /^completed: success=false /m);
});

// Here rather than beside the other account tests: a ChatGPT login binds the app-server's
// login port, and a second login anywhere on the machine cancels the first. The tests of one
// file run one at a time, so this one never overlaps example 15's.
test("A ChatGPT login is listened for only from its request to its completion", T, async () => {
  await using model = await FakeModel.start({ script: scenarios.byModel() });
  await using home = await codexHome({ model });
  await using client = new CodexClient(
    await spawnAppServer({ cwd: home.workspace, env: home.env }),
  );
  await client.initialize({ clientInfo: { name: "test", title: null, version: CODEX_VERSION } });
  // Count the client's notification listeners as the waiter adds and removes them.
  let listeners = 0;
  const add = client.onNotification.bind(client) as (listener: () => void) => () => void;
  client.onNotification = ((listener: () => void) => {
    listeners++;
    const remove = add(listener);
    return () => {
      listeners--;
      remove();
    };
  }) as typeof client.onNotification;
  const waiter = new LoginWaiter(client);
  assert.equal(listeners, 0, "no login yet: nothing listens to every notification");
  const login = await startChatgptLogin(client, waiter, "chatgpt");
  assert.match(login.authUrl, /^https:\/\//);
  assert.equal(listeners, 1, "listening for the login's completion");
  assert.deepEqual(await login.cancel(), { status: "canceled" });
  const completion = await login.wait({ timeoutMs: 10_000 });
  assert.equal(completion.loginId, login.loginId);
  assert.equal(completion.success, false);
  assert.equal(listeners, 0, "the login completed: nothing listens any more");
});

test("Example 16_goals sets, reads and clears a goal", T, async () => {
  const { stdout, requests } = await runExample("16_goals");
  assert.match(stdout, /^set: "List three facts about octopuses\." \(paused\)$/m);
  assert.match(stdout, /^get: "List five facts about octopuses\." \(paused\)$/m);
  assert.match(stdout, /^cleared: true; goal now: null$/m);
  assert.equal(requests.length, 1, "a paused goal starts no turn");
});

const example16RunGoal = runEarly(
  1,
  () => runExample("16_goals", { args: ["--run-goal", "--budget=300"] }),
);

test("Example 16_goals --run-goal pursues a goal until its budget runs out", T, async () => {
  const { stdout } = await example16RunGoal();
  assert.match(stdout, /^runGoal: budgetLimited after [1-9]\d* turn\(s\), \d+ tokens$/m);
});

test("Example 17_concurrent_turns streams three turns at once", T, async () => {
  const { stdout, requests } = await runExample("17_concurrent_turns", {
    model: "demo",
  });
  for (const name of ["A", "B", "C"]) {
    assert.match(stdout, new RegExp(`^\\[${name}\\] completed`, "m"));
  }
  assert.match(stdout, /^A: You asked: "Name a colour/m);
  assert.match(stdout, /^B: You asked: "Name an animal/m);
  assert.match(stdout, /^C: You asked: "Name a city/m);
  assert.equal(requests.length, 3);
});

test("Example 18_websocket runs a turn over WebSocket and refuses a wrong token", T, async () => {
  const { stdout } = await runExample("18_websocket");
  assert.match(stdout, /^app-server listening on ws:\/\/127\.0\.0\.1:\d+$/m);
  assert.match(
    stdout,
    new RegExp(`^turn completed after \\d+ streamed deltas: ${PLAIN_TEXT}$`, "m"),
  );
  assert.match(stdout, /^second client sees thread \S+ with 1 turn\(s\)$/m);
  assert.match(stdout, /^wrong token refused: WebSocketAuthError \(HTTP 401\)$/m);
});

const example19 = runEarly(
  1,
  () => runExample("19_cancellation", { model: "slow", slow: { deltas: 40, intervalMs: 100 } }),
);

test("Example 19_cancellation stops four turns four ways; the thread goes on", T, async () => {
  const { stdout, requests } = await example19();
  assert.match(
    stdout,
    /^timeoutMs: TurnTimeoutError "turn \S+ timed out after 2000 ms"; turn interrupted$/m,
  );
  assert.match(
    stdout,
    /^signal: rejected with "the user pressed Stop" \(aborted after 3 deltas\); turn interrupted$/m,
  );
  assert.match(
    stdout,
    /^await using: left the block \("the window was closed"\); turn interrupted$/m,
  );
  assert.match(stdout, /^break: left the loop after 3 deltas; result\(\) says interrupted$/m);
  assert.match(stdout, /^the thread goes on: completed, a new turn: true$/m);
  assert.equal(requests.length, 5, "one model request per turn");
});

const example20 = runEarly(
  1,
  () => runExample("20_server_request_handlers", { model: "approval" }),
);

test("Example 20_server_request_handlers: per-method map, a thread's own, signal", T, async () => {
  const { stdout, requests } = await example20();
  assert.match(stdout, /^\[connection\] ".*echo approved-output.*" -> decline$/m);
  assert.match(stdout, /^default thread: command declined$/m);
  const trusted = /^\[trusted\] ".*echo approved-output.*" on thread (\S+), turn (\S+)$/m.exec(
    stdout,
  );
  assert.ok(trusted !== null && trusted[1] !== trusted[2], stdout);
  assert.match(stdout, /^trusted thread: command completed$/m);
  assert.match(stdout, /^\[waiting\] asked a person about ".*echo approved-output.*"$/m);
  assert.match(stdout, /^\[waiting\] told to stop waiting: /m);
  assert.match(stdout, /^waiting thread: TurnTimeoutError after 3000 ms$/m);
  assert.match(stdout, /^handler stopped waiting: true$/m);
  // Only the trusted thread's command ran; the connection's handler answered one thread.
  assert.equal((stdout.match(/^\[connection\]/gm) ?? []).length, 1);
  assert.ok(requests.length >= 5, `${requests.length} model requests`);
});

const example21 = runEarly(
  0,
  () => runExample("21_never_hang", { model: "slow", slow: { deltas: 40, intervalMs: 2_500 } }),
);

test(
  "Example 21_never_hang: retries as events, a deadline, a stall, onError, close()",
  T,
  async () => {
    const { stdout } = await example21();
    assert.match(stdout, /^retry: Reconnecting\.\.\./m);
    assert.match(
      stdout,
      /^deadline: TurnTimeoutError "turn \S+ timed out after 5000 ms; the app-server was retrying: Reconnecting\.\.\./m,
    );
    assert.match(stdout, /^turn\.lastRetry: Reconnecting\.\.\./m);
    assert.match(
      stdout,
      /^onError: NotificationListenerError "A notification listener threw on turn\/started: the progress bar is not ready"$/m,
    );
    const stalls = stdout.match(
      /^stalled: TurnStalledError after \d+ ms without an event \(last: \S+\)$/gm,
    );
    assert.equal(stalls?.length, 2, stdout);
    assert.match(stdout, /^waiting again$/m);
    assert.match(stdout, /^gave up after 2 stalls: interrupted$/m);
    assert.match(
      stdout,
      /^close\(\): the waiting turn got TransportClosedError, closedByUser: true$/m,
    );
    assert.match(stdout, /^close\(\) returned$/m);
  },
);

test(
  "Example 22_external_message: the model reads another agent's output as a tool's, not the user's",
  T,
  async () => {
    const { stdout, requests } = await runScriptedExample("22_external_message", {
      // Answers with the latest tool output it was given, else with the user's words.
      script: (request) => {
        const output = request.toolOutputs.at(-1);
        return output === undefined
          ? reply.text(`You asked: ${request.lastUserMessage}`)
          : reply.text(`Read ${output.name}: ${output.output}`);
      },
    });
    assert.match(stdout, /^app-server \d+\.\d+\.\d+; external messages need 0\.151\.0 or newer$/m);
    const ci = "build 412 failed: 3 tests red in tests/api_test.ts";
    assert.match(stdout, new RegExp(`^ci_status -> Read ci_status: ${ci}$`, "m"));
    assert.match(stdout, /^agent_b\.review -> Read review: Reviewer agent: .*Severity: high\.$/m);
    assert.match(stdout, /^user -> You asked: What should I fix first\?$/m);
    assert.equal(requests.length, 3, "one model request per turn");
    // A function-call output that no call asked for, carrying the tool's name; no user words.
    assert.deepEqual(requests[0].toolOutputs, [
      { type: "function_call_output", callId: null, name: "ci_status", output: ci },
    ]);
    assert.equal(requests[0].lastUserMessage, "");
    const review = requests[1].input.at(-1) as Record<string, unknown>;
    assert.equal(review.type, "function_call_output");
    assert.equal(review.name, "review");
    assert.equal(review.namespace, "agent_b");
    assert.equal((review.output as unknown[]).length, 2, "the content items, as given");
    assert.equal(requests[2].lastUserMessage, "What should I fix first?");
  },
);

test(
  "Example 23_structured_output: typed output from run() and from an iterated turn; OutputValidationError",
  T,
  async () => {
    const { stdout, requests } = await runScriptedExample("23_structured_output", {
      script: [
        reply.json({ name: "Python", reasons: ["readable", "batteries included"], typed: false }),
        reply.json({ name: "Rust", reasons: ["fast"], typed: true }),
        reply.text("I would pick Go, because it is simple."),
      ],
    });
    assert.match(stdout, /^output: Python \(untyped\): readable; batteries included$/m);
    assert.match(stdout, /^after [1-9]\d* events: Rust$/m);
    assert.match(stdout, /^OutputValidationError: Turn \S+: the final message is not JSON/m);
    assert.match(stdout, /^ {2}raw text: "I would pick Go, because it is simple\."$/m);
    assert.match(stdout, /^ {2}at \(root\): /m);
    assert.match(stdout, /^ {2}the turn itself: completed$/m);
    // The valibot schema reached the model as a strict JSON Schema.
    for (const request of requests) {
      const format = (request.body.text as { format?: Record<string, unknown> } | undefined)
        ?.format;
      assert.equal(format?.type, "json_schema");
      const schema = format?.schema as Record<string, unknown> | undefined;
      assert.equal(schema?.additionalProperties, false, "v.strictObject forbids extra keys");
      assert.deepEqual(schema?.required, ["name", "reasons", "typed"]);
    }
  },
);

test(
  "Example 24_text_streams: text(), streamText() and its result, ReadableStream.from, readable, break",
  T,
  async () => {
    const { stdout, requests } = await runScriptedExample("24_text_streams", {
      script: [
        reply.text(["An old ", "river ", "bends."]),
        reply.text(["Stone ", "shoulders ", "hold snow."]),
        reply.text(["Salt ", "wind, ", "long waves."]),
        reply.text("Oak, elm and birch."),
        reply.slow("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20", {
          deltas: 20,
          intervalMs: 100,
        }),
      ],
    });
    assert.match(stdout, /^text\(\): An old river bends\.$/m);
    assert.match(stdout, /^ {2}status: completed$/m);
    assert.match(stdout, /^streamText\(\): Stone shoulders hold snow\.$/m);
    assert.match(stdout, /^ {2}returned: status completed, 2 items$/m);
    assert.match(stdout, /^ReadableStream\.from\(\): Salt wind, long waves\.$/m);
    assert.match(stdout, /^readable: items completed: userMessage, agentMessage$/m);
    assert.match(stdout, /^left after 3 deltas: interrupted$/m);
    assert.equal(requests.length, 5, "one model request per turn");
  },
);

const example25 = runEarly(1, () =>
  runScriptedExample("25_approval_policies", {
    script: [
      reply.shellCommand("echo hello"),
      reply.text("It printed hello."),
      reply.shellCommand("echo hello; echo more"),
      reply.text("That command was declined."),
      reply.shellCommand("echo needs-a-person"),
      reply.text("Nobody approved it."),
      reply.shellCommand("echo ask-me"),
      reply.text("It was declined."),
    ],
  }));

test(
  "Example 25_approval_policies: a spread policy, a handler that times out, askOnTty without a terminal",
  T,
  async () => {
    const { stdout, requests } = await example25();
    assert.match(stdout, /^policy: "echo hello" completed; requests: answered$/m);
    assert.match(stdout, /^policy: "echo hello; echo more" declined; requests: answered$/m);
    const id = /^\[web\] request (\S+) waits for a person: "echo needs-a-person"$/m.exec(stdout)
      ?.[1];
    assert.ok(id !== undefined, stdout);
    assert.match(stdout, new RegExp(`^\\[web\\] request ${id} timed out$`, "m"));
    assert.match(stdout, /^web: "echo needs-a-person" declined; requests: timedOut$/m);
    // stdin is a pipe here, not a terminal: askOnTty declines without asking.
    assert.match(stdout, /^tty: "echo ask-me" declined; requests: answered$/m);
    // Only the plain echo ran; the model was told the others were rejected.
    const outputs = requests.flatMap((request) => request.toolOutputs.map((o) => o.output));
    assert.equal(outputs.length, 4);
    assert.match(outputs[0], /hello/);
    for (const output of outputs.slice(1)) assert.match(output, /rejected/);
  },
);

test("Every example folder is tested here and listed in examples/README.md", T, () => {
  assert.ok(ROOT !== undefined);
  const onDisk = readdirSync(join(ROOT, "examples"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d\d_/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  assert.deepEqual(onDisk, EXAMPLES);
  const readme = readFileSync(join(ROOT, "examples", "README.md"), "utf8");
  for (const name of EXAMPLES) {
    assert.ok(readme.includes(`(${name}/main.ts)`), `examples/README.md links ${name}`);
    const source: string = readFileSync(join(ROOT, "examples", name, "main.ts"), "utf8");
    assert.ok(source.includes(`examples/${name}/main.ts`), `${name} says how to run it`);
    assert.match(source, /from "\.\.\/\.\.\/mod\.ts"/, `${name} imports the SDK from mod.ts`);
  }
});
