import { test } from "node:test";
import assert from "node:assert/strict";
import { CodexError, finalResponseOf, image, localImage, mention, skill, text } from "../mod.ts";
import { applyPresets } from "../src/client/presets.ts";
import { toInputItems } from "../src/client/inputs.ts";
import { unknownKeys } from "../src/client/unknown_keys.ts";
import { loadValidation } from "../src/client/validation.ts";
import { clientRequestSchemas } from "../generated/mod.ts";
import { buildLaunch, loadAdapter, toToml } from "../transport.ts";

const T = { timeout: 10_000 };

test("Input builders produce the protocol's items", T, () => {
  assert.deepEqual(text("hi"), { type: "text", text: "hi" });
  assert.deepEqual(image("data:image/png;base64,AA=="), {
    type: "image",
    url: "data:image/png;base64,AA==",
  });
  assert.deepEqual(localImage("/a.png"), { type: "localImage", path: "/a.png" });
  assert.deepEqual(skill("s", "/s/SKILL.md"), { type: "skill", name: "s", path: "/s/SKILL.md" });
  assert.deepEqual(mention("m", "app://m"), { type: "mention", name: "m", path: "app://m" });
  assert.deepEqual(toInputItems("x", "a"), [{ type: "text", text: "x" }]);
  assert.deepEqual(toInputItems([text("a"), text("b")], "a").length, 2);
  assert.throws(() => toInputItems([text("a"), 5 as never], "Cannot start turn"), {
    message: /Cannot start turn: input\[1\] is not an input item .*got 5/,
  });
});

test("Approval presets map to the Python SDK's wire values, for threads and turns", T, () => {
  const action = "Cannot start thread";
  const thread = (options: Parameters<typeof applyPresets>[0]) =>
    applyPresets(options, "thread", action)[1];
  const turn = (options: Parameters<typeof applyPresets>[0]) =>
    applyPresets(options, "turn", action)[1];
  assert.deepEqual(thread({ approvalMode: "autoReview" }), {
    approvalPolicy: "on-request",
    approvalsReviewer: "auto_review",
  });
  assert.deepEqual(thread({ approvalMode: "denyAll" }), { approvalPolicy: "never" });
  assert.deepEqual(thread({ approvalMode: "dangerouslyBypassApprovalsAndSandbox" }), {
    approvalPolicy: "never",
    sandbox: "danger-full-access",
  });
  assert.deepEqual(turn({ approvalMode: "dangerouslyBypassApprovalsAndSandbox" }), {
    approvalPolicy: "never",
    sandboxPolicy: { type: "dangerFullAccess" },
  });
  assert.deepEqual(thread({ sandbox: "workspace-write" }), { sandbox: "workspace-write" });
  assert.deepEqual(turn({ sandbox: "readOnly" }), { sandboxPolicy: { type: "readOnly" } });
  assert.deepEqual(applyPresets({ model: "m", sandbox: "readOnly" }, "turn", action)[0], {
    model: "m",
  });
  assert.throws(() => thread({ approvalMode: "yolo" as never }), CodexError);
  assert.throws(
    () =>
      applyPresets({ sandbox: "readOnly", sandboxPolicy: { type: "readOnly" } }, "turn", action),
    /pass sandbox or sandboxPolicy, not both/,
  );
});

test("finalResponseOf prefers final_answer, then the last phase-less message, else null", T, () => {
  const message = (text: string, phase: "final_answer" | "commentary" | null) => ({
    type: "agentMessage" as const,
    id: text,
    text,
    phase,
  });
  assert.equal(finalResponseOf([]), null);
  assert.equal(finalResponseOf([message("c", "commentary")]), null);
  assert.equal(finalResponseOf([message("a", null), message("b", null)]), "b");
  assert.equal(
    finalResponseOf([message("f", "final_answer"), message("late", null)]),
    "f",
  );
  assert.equal(finalResponseOf([message("", null)]), "");
});

test("toToml encodes config values as codex parses them", T, () => {
  assert.equal(toToml('a "q" \\ \n', "k"), JSON.stringify('a "q" \\ \n'));
  assert.equal(toToml(3, "k"), "3");
  assert.equal(toToml(true, "k"), "true");
  assert.equal(toToml(["x", 1], "k"), '["x", 1]');
  assert.equal(toToml({ a: 1, "b.c": { d: false } }, "k"), '{a = 1, "b.c" = {d = false}}');
  assert.throws(() => toToml(Number.NaN, "k"), /Cannot encode config "k"/);
  assert.throws(() => toToml(null as never, "k"), /has no TOML form/);
});

test(
  "buildLaunch puts overrides before app-server and merges env over the parent's",
  T,
  async () => {
    const adapter = await loadAdapter();
    const launch = buildLaunch(adapter, {
      config: { model: "gpt-5", "features.goals": true },
      enable: ["goals"],
      disable: ["apps"],
      env: { CODEX_TEST_VAR: "1", HOME: undefined },
    });
    assert.deepEqual(launch.args, [
      "--config",
      'model="gpt-5"',
      "--config",
      "features.goals=true",
      "--enable",
      "goals",
      "--disable",
      "apps",
      "app-server",
      "--listen",
      "stdio://",
    ]);
    assert.equal(launch.env.CODEX_TEST_VAR, "1");
    assert.equal("HOME" in launch.env, false);
    assert.match(launch.env.PATH ?? "", /codex-path/);
  },
);

test(
  "unknownKeys tries only the options of a variant that its discriminator names",
  T,
  async () => {
    const validation = await loadValidation();
    const params = clientRequestSchemas("turn/start").params!;
    let tries = 0;
    const is: typeof validation.v.is = (schema, value): value is never => {
      tries++;
      return validation.v.is(schema, value);
    };
    const input = [{ type: "text", text: "Hi" }, { type: "localImage", path: "/tmp/a.png" }];
    assert.deepEqual(unknownKeys(is, params, { threadId: "thr_1", input }), []);
    assert.equal(tries, 2, "one option tried per input item");
    assert.deepEqual(
      unknownKeys(is, params, { threadId: "thr_1", input: [{ type: "text", text: "Hi", txt: "" }] })
        .map((issue) => issue.message),
      ['unknown key "txt" — did you mean "text"?'],
    );
  },
);
