/**
 * Tests of `scripts/generate.ts` and the `generated/` modules it writes: the output is
 * reproducible, the registry covers every method of the pinned runtime's schema, and the
 * schemas accept real payloads and reject bad ones with useful issue paths.
 *
 * Runs under `deno test -A` (and uses only `node:` APIs, for Bun and Node).
 *
 * @module
 */

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import fc from "fast-check";
import * as v from "valibot";
import { denoBinary, generate, REPO_ROOT } from "../scripts/generate.ts";
import { loadAdapter, locateCodex } from "../transport.ts";
import {
  CLIENT_REQUEST_ADDED_IN,
  CLIENT_REQUEST_METHODS,
  clientRequestSchemas,
  CODEX_VERSION,
  EXPERIMENTAL_CLIENT_REQUEST_METHODS,
  EXPERIMENTAL_SERVER_REQUEST_METHODS,
  isClientRequestMethod,
  isServerNotificationMethod,
  isServerRequestMethod,
  METHOD_HISTORY_BASELINE,
  schemas,
  SERVER_NOTIFICATION_ADDED_IN,
  SERVER_NOTIFICATION_METHODS,
  SERVER_REQUEST_ADDED_IN,
  SERVER_REQUEST_METHODS,
  serverNotificationSchema,
  serverRequestSchemas,
} from "../generated/mod.ts";
import { compareVersions } from "../src/_util/version.ts";

const GENERATED = join(REPO_ROOT, "generated");
const BUNDLE = "codex_app_server_protocol.schemas.json";

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "generate-test-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The method names of a root union in a freshly printed schema bundle. */
function bundleMethods(bundle: Record<string, unknown>, root: string): string[] {
  const definitions = bundle.definitions as Record<string, { oneOf?: unknown[] }>;
  const union = definitions[root] ??
    (definitions.v2 as Record<string, { oneOf?: unknown[] }>)[root];
  assert.ok(union?.oneOf, `the bundle has a ${root} union`);
  return union.oneOf.map((variant) => {
    const method = (variant as { properties: { method: { enum: string[] } } }).properties.method;
    assert.equal(method.enum.length, 1);
    return method.enum[0];
  });
}

/** The pinned binary, found as the SDK finds it. */
const CODEX_BIN = locateCodex(await loadAdapter()).binary;

/** Prints the runtime's JSON Schema (stable or experimental) and reads the bundle. */
function printBundle(experimental: boolean): Record<string, unknown> {
  return withTempDir((dir) => {
    execFileSync(
      CODEX_BIN,
      [
        "app-server",
        "generate-json-schema",
        ...(experimental ? ["--experimental"] : []),
        "--out",
        dir,
      ],
      { env: { ...process.env, CODEX_HOME: dir }, stdio: ["ignore", "ignore", "pipe"] },
    );
    return JSON.parse(readFileSync(join(dir, BUNDLE), "utf8"));
  });
}

/** `v.getDotPath` of every issue of a failed parse. */
function issuePaths(schema: v.GenericSchema, input: unknown): string[] {
  const result = v.safeParse(schema, input);
  assert.equal(result.success, false, "the payload is rejected");
  return (result.issues ?? []).map((issue) => v.getDotPath(issue) ?? "");
}

/** Asserts that a payload validates, showing the issues when it does not. */
function assertValid(schema: v.GenericSchema, input: unknown): unknown {
  const result = v.safeParse(schema, input);
  assert.ok(
    result.success,
    `payload is valid: ${
      JSON.stringify(result.issues?.map((i) => `${v.getDotPath(i)}: ${i.message}`))
    }`,
  );
  return result.output;
}

test("generate() reproduces generated/ byte for byte, with no missing or extra files", {
  timeout: 180_000,
}, () => {
  withTempDir((dir) => {
    const written = generate({ outDir: dir });
    const fresh = readdirSync(dir).sort();
    assert.deepEqual(fresh, [...written].sort());
    assert.deepEqual(readdirSync(GENERATED).sort(), fresh, "generated/ holds exactly these files");
    for (const name of fresh) {
      const expected = readFileSync(join(GENERATED, name), "utf8");
      const actual = readFileSync(join(dir, name), "utf8");
      assert.ok(actual === expected, `${name} is identical (run \`deno task generate\`)`);
    }
  });
});

test("deno doc --lint finds nothing to report in generated/", { timeout: 60_000 }, () => {
  // generated/mod.ts must be clean on its own, and the package's entry points together (the
  // protocol types are public through ./protocol) must have no diagnostics in generated/.
  for (const entry of ["generated/mod.ts", "mod.ts transport.ts generated/mod.ts"]) {
    const result = spawnSync(denoBinary(), ["doc", "--lint", ...entry.split(" ")], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    const output = `${result.stdout}${result.stderr}`;
    assert.ok(
      result.status === 0 || /Found \d+ documentation lint errors?/.test(output),
      `deno doc --lint ${entry} ran:\n${output}`,
    );
    const located = output.split("\n").filter((line) => /-->\s.*[\\/]generated[\\/]/.test(line));
    assert.deepEqual(located, [], `deno doc --lint ${entry}:\n${output}`);
    if (entry === "generated/mod.ts") assert.equal(result.status, 0, output);
  }
});

test("registry covers every method of ClientRequest, ServerNotification and ServerRequest", {
  timeout: 60_000,
}, () => {
  const bundle = printBundle(true);
  const clientRequests = bundleMethods(bundle, "ClientRequest");
  const notifications = bundleMethods(bundle, "ServerNotification");
  const serverRequests = bundleMethods(bundle, "ServerRequest");
  assert.ok(clientRequests.length > 100 && notifications.length > 50 && serverRequests.length > 5);

  assert.deepEqual([...CLIENT_REQUEST_METHODS].sort(), [...clientRequests].sort());
  assert.deepEqual([...SERVER_NOTIFICATION_METHODS].sort(), [...notifications].sort());
  assert.deepEqual([...SERVER_REQUEST_METHODS].sort(), [...serverRequests].sort());
  for (const method of clientRequests) {
    assert.ok(clientRequestSchemas(method)?.result, `schemas for client request ${method}`);
  }
  for (const method of notifications) {
    assert.ok(serverNotificationSchema(method), `schema for notification ${method}`);
  }
  for (const method of serverRequests) {
    const schemas = serverRequestSchemas(method);
    assert.ok(schemas?.params && schemas.result, `schemas for server request ${method}`);
  }
});

test("EXPERIMENTAL_* sets hold exactly the methods missing from the stable schema", {
  timeout: 60_000,
}, () => {
  const stable = printBundle(false);
  const stableClient = new Set(bundleMethods(stable, "ClientRequest"));
  const stableServer = new Set(bundleMethods(stable, "ServerRequest"));
  assert.deepEqual(
    [...EXPERIMENTAL_CLIENT_REQUEST_METHODS].sort(),
    CLIENT_REQUEST_METHODS.filter((m) => !stableClient.has(m)),
  );
  assert.deepEqual(
    [...EXPERIMENTAL_SERVER_REQUEST_METHODS].sort(),
    SERVER_REQUEST_METHODS.filter((m) => !stableServer.has(m)),
  );
  assert.ok(EXPERIMENTAL_CLIENT_REQUEST_METHODS.has("thread/realtime/start"));
  assert.ok(!EXPERIMENTAL_CLIENT_REQUEST_METHODS.has("thread/start"));
});

test("methods.ts: guards match the lists, and every recorded method is newer than the baseline", {
  timeout: 10_000,
}, () => {
  for (const method of CLIENT_REQUEST_METHODS) assert.ok(isClientRequestMethod(method), method);
  for (const method of SERVER_NOTIFICATION_METHODS) {
    assert.ok(isServerNotificationMethod(method), method);
  }
  for (const method of SERVER_REQUEST_METHODS) assert.ok(isServerRequestMethod(method), method);
  for (const guard of [isClientRequestMethod, isServerNotificationMethod, isServerRequestMethod]) {
    assert.equal(guard("no/such/method"), false);
    assert.equal(guard("toString"), false);
  }
  assert.ok(compareVersions(METHOD_HISTORY_BASELINE, CODEX_VERSION) <= 0);
  const tables: [Readonly<Record<string, string | undefined>>, readonly string[]][] = [
    [CLIENT_REQUEST_ADDED_IN, CLIENT_REQUEST_METHODS],
    [SERVER_NOTIFICATION_ADDED_IN, SERVER_NOTIFICATION_METHODS],
    [SERVER_REQUEST_ADDED_IN, SERVER_REQUEST_METHODS],
  ];
  for (const [table, methods] of tables) {
    for (const [method, since] of Object.entries(table)) {
      assert.ok(methods.includes(method), `${method} is a method of the pinned protocol`);
      assert.ok(since !== undefined && compareVersions(since, METHOD_HISTORY_BASELINE) > 0);
      assert.ok(compareVersions(since, CODEX_VERSION) <= 0, `${method} added in ${since}`);
    }
  }
});

test("CODEX_VERSION is the pinned binary's version", { timeout: 30_000 }, () => {
  const output = execFileSync(CODEX_BIN, ["--version"], { encoding: "utf8" });
  assert.equal(output.trim().split(/\s+/).at(-1), CODEX_VERSION);
});

test("clientRequestSchemas gives no params schema for methods without params", {
  timeout: 10_000,
}, () => {
  assert.equal(clientRequestSchemas("account/logout")?.params, undefined);
  assert.ok(clientRequestSchemas("account/logout")?.result);
  // Optional params (`GetAccountRateLimitsParams | null`) accept absence and null.
  const optional = clientRequestSchemas("account/rateLimits/read")?.params;
  assert.ok(optional);
  assertValid(optional, undefined);
  assertValid(optional, null);
  assert.equal(clientRequestSchemas("no/such/method"), undefined);
  assert.equal(clientRequestSchemas("toString"), undefined);
  assert.equal(serverNotificationSchema("no/such/notification"), undefined);
  assert.equal(serverRequestSchemas("no/such/request"), undefined);
});

// Observed from app-server 0.169.0 (`thread/start {cwd}` right after initialize).
const THREAD_START_RESULT = {
  thread: {
    id: "01a20134-f7b3-7d71-9ccc-7488ffd58f9f",
    environments: [{
      environmentId: "local",
      cwd: "/tmp/live",
      runtimeWorkspaceRoots: ["/tmp/live"],
    }],
    extra: null,
    sessionId: "01a20134-f7b3-7d71-9ccc-7488ffd58f9f",
    forkedFromId: null,
    attachedToThreadId: null,
    parentThreadId: null,
    preview: "",
    ephemeral: false,
    section: null,
    sectionEnteredAt: null,
    projectId: null,
    historyMode: "paginated",
    modelProvider: "openai",
    model: "gpt-6.1-sol",
    reasoningEffort: null,
    createdAt: 1795316578,
    updatedAt: 1795316578,
    recencyAt: 1795316578,
    status: { type: "idle" },
    path: "/tmp/live/home/sessions/2026/11/22/rollout-01a20134.jsonl",
    cwd: "/tmp/live",
    cliVersion: "0.169.0",
    originator: "t",
    source: "vscode",
    canAcceptDirectInput: true,
    threadSource: null,
    agentNickname: null,
    agentRole: null,
    gitInfo: null,
    name: null,
    daybreakEnabled: null,
    turns: [],
  },
  model: "gpt-6.1-sol",
  modelProvider: "openai",
  serviceTier: null,
  disabledPluginIds: [],
  cwd: "/tmp/live",
  runtimeWorkspaceRoots: ["/tmp/live"],
  instructionSources: [],
  approvalPolicy: "on-request",
  approvalsReviewer: "user",
  sandbox: { type: "readOnly", networkAccess: false },
  activePermissionProfile: { id: ":read-only", extends: null },
  reasoningEffort: null,
  multiAgentMode: "explicitRequestOnly",
};

test("a thread/start result observed from the runtime validates", { timeout: 10_000 }, () => {
  const { result } = clientRequestSchemas("thread/start");
  assertValid(result, THREAD_START_RESULT);
  // Experimental-only members are optional: a connection without experimentalApi lacks them.
  const { activePermissionProfile: _a, multiAgentMode: _m, runtimeWorkspaceRoots: _r, ...stable } =
    THREAD_START_RESULT;
  assertValid(result, stable);
});

test("a turn/start result validates", { timeout: 10_000 }, () => {
  const { result } = clientRequestSchemas("turn/start");
  const output = assertValid(result, {
    turn: { id: "turn_1", status: "inProgress", items: [], error: null },
  });
  assert.deepEqual(output, {
    turn: { id: "turn_1", status: "inProgress", items: [], error: null },
  });
});

test("notification params validate: item/agentMessage/delta and turn/completed", {
  timeout: 10_000,
}, () => {
  assertValid(serverNotificationSchema("item/agentMessage/delta"), {
    threadId: "thr_1",
    turnId: "turn_1",
    itemId: "msg_1",
    delta: "Hel",
  });
  assertValid(serverNotificationSchema("turn/completed"), {
    threadId: "thr_1",
    turn: {
      id: "turn_1",
      status: "completed",
      items: [{ type: "agentMessage", id: "msg_1", text: "Hello", phase: null }],
      error: null,
      startedAt: 1795316578,
      completedAt: 1795316580,
      durationMs: 2113,
    },
  });
  assertValid(serverNotificationSchema("turn/completed"), {
    threadId: "thr_1",
    turn: {
      id: "turn_2",
      status: "failed",
      items: [],
      error: { message: "stream error", codexErrorInfo: "internalServerError" },
    },
  });
  // The whole-message union, with the top-level `emittedAtMs` the server adds.
  assertValid(schemas.ServerNotification, {
    method: "item/agentMessage/delta",
    params: { threadId: "thr_1", turnId: "turn_1", itemId: "msg_1", delta: "lo" },
    emittedAtMs: 1795316578224,
  });
});

test(
  "item/commandExecution/requestApproval params and replies validate",
  { timeout: 10_000 },
  () => {
    const { params, result } = serverRequestSchemas("item/commandExecution/requestApproval");
    assertValid(params, {
      threadId: "thr_1",
      turnId: "turn_1",
      itemId: "call_1",
      startedAtMs: 1795316579000,
      approvalId: null,
      reason: null,
      command: "/bin/bash -lc 'touch made.txt'",
      cwd: "/tmp/work",
      commandActions: [{ type: "unknown", command: "touch made.txt" }],
      proposedExecpolicyAmendment: ["touch", "made.txt"],
      availableDecisions: [
        "accept",
        { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch", "made.txt"] } },
        "cancel",
      ],
    });
    assertValid(result, { decision: "accept" });
    assertValid(result, {
      decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["ls"] } },
    });
    assert.deepEqual(issuePaths(result, { decision: "maybe" }), ["decision"]);
  },
);

test("unknown extra properties pass and are kept", { timeout: 10_000 }, () => {
  const { result } = clientRequestSchemas("turn/start");
  const output = assertValid(result, {
    turn: { id: "turn_1", status: "inProgress", items: [], error: null, newField: { x: 1 } },
    newTopLevel: true,
  }) as Record<string, unknown>;
  assert.equal(output.newTopLevel, true);
  assert.deepEqual((output.turn as Record<string, unknown>).newField, { x: 1 });
  assertValid(clientRequestSchemas("thread/start").result, {
    ...THREAD_START_RESULT,
    thread: { ...THREAD_START_RESULT.thread, futureMember: [1, 2] },
  });
});

test("thread/start params with model: 42 fail at path model", { timeout: 10_000 }, () => {
  const { params } = clientRequestSchemas("thread/start");
  assert.ok(params);
  assertValid(params, {});
  assertValid(params, { model: "gpt-5", cwd: null });
  assert.deepEqual(issuePaths(params, { model: 42 }), ["model"]);
});

test("turn/start params with input [{type: 42}] fail at a path under input.0", {
  timeout: 10_000,
}, () => {
  const { params } = clientRequestSchemas("turn/start");
  assert.ok(params);
  assertValid(params, { threadId: "thr_1", input: [{ type: "text", text: "hi" }] });
  const paths = issuePaths(params, { threadId: "thr_1", input: [{ type: 42 }] });
  assert.ok(paths.length > 0 && paths.every((path) => path.startsWith("input.0")), paths.join());
  assert.deepEqual(issuePaths(params, { threadId: "thr_1", input: [{ type: "text" }] }), [
    "input.0.text",
  ]);
});

/** A variant as valibot builds it: its discriminator and options. */
type VariantSchema = v.GenericSchema & {
  type: string;
  key: string;
  options: (VariantOption & { getter?: () => VariantOption })[];
};
type VariantOption = v.GenericSchema & { type: string; entries?: Record<string, unknown> };

/** Every definition whose schema is a variant, built. */
function variantSchemas(): [string, VariantSchema][] {
  const built = Object.entries(schemas).map(([name, lazy]) =>
    [name, (lazy as unknown as { getter(): VariantSchema }).getter()] as [string, VariantSchema]
  );
  return built.filter(([, schema]) => schema.type === "variant");
}

test(
  "every variant's output and issues are valibot's own v.variant's, for inputs of every option and none",
  { timeout: 60_000 },
  () => {
    const variants = variantSchemas();
    assert.ok(variants.length > 20, `${variants.length} variants`);
    for (const [name, schema] of variants) {
      const plain = v.variant(schema.key, schema.options as never);
      const options = schema.options.map((option) => option.getter?.() ?? option);
      const values = options.flatMap((option) => {
        const literal = (option.entries?.[schema.key] as { literal?: unknown } | undefined)
          ?.literal;
        return literal === undefined ? [] : [literal];
      });
      const keys = [...new Set(options.flatMap((option) => Object.keys(option.entries ?? {})))];
      const member = fc.oneof(
        fc.string({ maxLength: 5 }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
        fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
      );
      const input = fc.oneof(
        fc.tuple(
          fc.oneof(fc.constantFrom(...values, "notAnOption", 7), fc.constant(undefined)),
          fc.dictionary(fc.constantFrom(...keys, "extra"), member, { maxKeys: 6 }),
        ).map(([value, rest]) => value === undefined ? rest : { ...rest, [schema.key]: value }),
        fc.constantFrom(null, 42, "text", [], {}),
      );
      fc.assert(
        fc.property(input, (value) => {
          assert.deepEqual(v.safeParse(schema, value), v.safeParse(plain, value), name);
        }),
        { numRuns: 60 },
      );
    }
  },
);

test("a ThreadItem goes straight to its option: the options before it are not tried", {
  timeout: 10_000,
}, () => {
  const [, threadItem] = variantSchemas().find(([name]) => name === "ThreadItem")!;
  const first = threadItem.options[0].getter?.() ?? threadItem.options[0];
  const discriminator = first.entries![threadItem.key] as { "~run": (...args: never[]) => unknown };
  const run = discriminator["~run"];
  let tries = 0;
  discriminator["~run"] = (...args) => (tries++, run.apply(discriminator, args));
  try {
    const item = { type: "agentMessage", id: "msg_1", text: "Hi", phase: null };
    assert.equal(v.safeParse(schemas.ThreadItem, item).success, true);
    assert.equal(tries, 0);
    // valibot's own variant tries the first option's discriminator first.
    v.safeParse(v.variant(threadItem.key, threadItem.options as never), item);
    assert.equal(tries, 1);
  } finally {
    discriminator["~run"] = run;
  }
});

test("a wrapper of a shared leaf is one schema: every optional string member is the same object", {
  timeout: 10_000,
}, () => {
  const entriesOf = (name: "ThreadStartParams" | "TurnStartParams") =>
    (schemas[name] as unknown as { getter(): { entries: Record<string, unknown> } }).getter()
      .entries;
  const threadStart = entriesOf("ThreadStartParams");
  const turnStart = entriesOf("TurnStartParams");
  assert.equal((threadStart.cwd as { type: string }).type, "nullish");
  assert.equal(threadStart.cwd, turnStart.cwd);
  assert.equal(threadStart.model, turnStart.cwd);
  assert.equal(v.safeParse(threadStart.cwd as v.GenericSchema, 1).success, false);
  assert.equal(v.safeParse(threadStart.cwd as v.GenericSchema, null).success, true);
});
