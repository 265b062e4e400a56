/**
 * Running against another app-server version than the pin. The app-server is the real
 * pinned one behind a transport that reports another version and injects what an older or
 * newer version would send (`tests/support/skew_transport.ts`); the last test runs the
 * previous pin's real binary (the dev dependency `codex-previous`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Codex,
  CODEX_VERSION,
  type CodexError,
  type CodexOptions,
  MethodNotFoundError,
  type ServerNotification,
  type UnknownServerNotification,
  type UnknownServerRequest,
  UnsupportedMethodError,
  VersionMismatchError,
} from "../mod.ts";
import { spawnAppServer } from "../transport.ts";
import { CLIENT_REQUEST_ADDED_IN } from "../generated/mod.ts";
import { TurnCollector } from "../src/client/turn_collector.ts";
import { compareVersions } from "../src/_util/version.ts";
import { codexHome, FakeModel, scenarios, startTestCodex } from "../testing.ts";
import { previousCodexBin, previousCodexVersion } from "./support/previous_codex.ts";
import { type SkewTransport, skewTransport } from "./support/skew_transport.ts";

const T = { timeout: 30_000 };

/** The previous pin (the dev dependency `codex-previous`). */
const PREVIOUS = previousCodexVersion();
/** A method the pin has and `PREVIOUS` lacks. */
const NEWER_METHOD = "thread/search/stream";

/** A real app-server that reports `version`, and a `Codex` on it (not started yet). */
async function skewed(version: string, options: Partial<CodexOptions> = {}) {
  const fake = await FakeModel.start({ script: scenarios.byModel() });
  const home = await codexHome({ model: fake });
  const inner = await spawnAppServer({ env: home.env, cwd: home.workspace });
  const skew: SkewTransport = skewTransport(inner, version);
  const errors: CodexError[] = [];
  const codex = new Codex({
    onError: (error) => errors.push(error),
    ...options,
    transport: skew.transport,
  } as CodexOptions);
  return {
    skew,
    inner,
    codex,
    errors,
    async [Symbol.asyncDispose]() {
      await codex.close();
      await inner.close({ graceMs: 500 });
      await fake.close();
      await home.remove();
    },
  };
}

/** The pinned version with its patch number raised by one. */
function nextPatch(version: string): string {
  const [major, minor, patch] = version.split(/[-+]/)[0].split(".").map(Number);
  return `${major}.${minor}.${patch + 1}`;
}

test(
  "the method history knows when thread/search/stream came (the fixture of these tests)",
  T,
  () => {
    assert.equal(CLIENT_REQUEST_ADDED_IN[NEWER_METHOD], "0.171.0");
  },
);

test(
  'requireVersion "exact" refuses another app-server version at start, naming both',
  T,
  async () => {
    await using s = await skewed(PREVIOUS, { requireVersion: "exact" });
    await assert.rejects(s.codex.request("thread/list", {}), (error: unknown) => {
      assert.ok(error instanceof VersionMismatchError);
      assert.equal(error.serverVersion, PREVIOUS);
      assert.equal(error.pinnedVersion, CODEX_VERSION);
      assert.ok(error.message.includes(`app-server ${PREVIOUS}`), error.message);
      assert.ok(error.message.includes(`pinned runtime is ${CODEX_VERSION}`), error.message);
      return true;
    });
    // Refused at initialize: the connection was closed, and nothing after the handshake was sent.
    const info = await s.inner.closed;
    assert.ok(info !== undefined);
    assert.deepEqual(s.skew.sent.map((message) => message.method), ["initialize", "initialized"]);
  },
);

test(
  'requireVersion "minor" accepts a patch release of the pin and refuses another minor',
  T,
  async () => {
    {
      await using s = await skewed(nextPatch(CODEX_VERSION), { requireVersion: "minor" });
      await s.codex.request("thread/list", {});
      assert.equal(s.codex.metadata.serverVersion, nextPatch(CODEX_VERSION));
    }
    {
      await using s = await skewed(PREVIOUS, { requireVersion: "minor" });
      await assert.rejects(s.codex.request("thread/list", {}), VersionMismatchError);
    }
    {
      await using s = await skewed(PREVIOUS); // "any" is the default
      await s.codex.request("thread/list", {});
      assert.equal(s.codex.metadata.serverVersion, PREVIOUS);
    }
  },
);

test(
  "a method newer than the app-server fails before sending, naming both versions",
  T,
  async () => {
    await using s = await skewed(PREVIOUS);
    await s.codex.request("thread/list", {});
    assert.equal(s.codex.supports(NEWER_METHOD), false);
    assert.equal(s.codex.supports("thread/list"), true);
    await assert.rejects(
      s.codex.request(NEWER_METHOD, { searchTerm: "hello" }),
      (error: unknown) => {
        assert.ok(error instanceof UnsupportedMethodError);
        assert.equal(error.method, NEWER_METHOD);
        assert.equal(error.addedIn, "0.171.0");
        assert.equal(error.serverVersion, PREVIOUS);
        assert.match(
          error.message,
          /thread\/search\/stream: it was added in codex 0\.171\.0, and the app-server is 0\.169\.0/,
        );
        return true;
      },
    );
    assert.ok(!s.skew.sent.some((message) => message.method === NEWER_METHOD), "nothing was sent");
    // The same app-server at the pinned version takes it.
    await using same = await skewed(CODEX_VERSION);
    await same.codex.request("thread/list", {});
    assert.equal(same.codex.supports(NEWER_METHOD), true);
  },
);

test(
  "notifications the pinned protocol lacks arrive untouched, typed unknown, only where asked",
  T,
  async () => {
    await using s = await skewed("9.0.0");
    const known: ServerNotification[] = [];
    const all: (ServerNotification | UnknownServerNotification)[] = [];
    s.codex.onNotification((event) => known.push(event));
    s.codex.onNotification((event) => all.push(event), { unknown: true });
    await s.codex.request("thread/list", {});
    const params = { threadId: "thr_x", nested: { values: [1, 2, 3] } };
    s.skew.inject({ method: "thread/fromTheFuture", params });
    s.skew.inject({ method: "thread/started", params: { thread: { id: "not-checked" } } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const unknown = all.filter((event): event is UnknownServerNotification => "unknown" in event);
    assert.deepEqual(unknown, [{ method: "thread/fromTheFuture", params, unknown: true }]);
    assert.ok(!known.some((event) => event.method === ("thread/fromTheFuture" as string)));
    assert.ok(known.some((event) => event.method === "thread/started"));
    assert.deepEqual(s.errors.map((error) => error.message), [], "nothing to report");
  },
);

test(
  "a server request the pinned protocol lacks is refused with -32601, or answered by `unknown`",
  T,
  async () => {
    // `currentTime/read` is what a 0.169.0 app-server could ask; the 0.171.0 protocol lost it.
    const request = { id: "skew-1", method: "currentTime/read", params: { threadId: "thr_x" } };
    {
      let called = 0;
      await using s = await skewed(PREVIOUS, {
        onServerRequest: () => {
          called++;
          return { decision: "decline" };
        },
      });
      await s.codex.request("thread/list", {});
      s.skew.inject(request);
      const reply = await s.skew.reply("skew-1");
      const error = reply.error as { code: number; message: string };
      assert.equal(error.code, -32601);
      assert.match(
        error.message,
        /currentTime\/read is not a server request of the pinned protocol/,
      );
      assert.equal(called, 0, "the one-function handler only gets the pinned protocol's requests");
      assert.ok(s.errors.some((e) => e instanceof MethodNotFoundError), "the refusal is reported");
    }
    {
      const seen: UnknownServerRequest[] = [];
      await using s = await skewed(PREVIOUS, {
        onServerRequest: {
          default: () => ({ decision: "decline" }),
          unknown: (unknownRequest) => {
            seen.push(unknownRequest);
            return { currentTimeMs: 1_800_000_000_000 };
          },
        },
      });
      await s.codex.request("thread/list", {});
      s.skew.inject(request);
      const reply = await s.skew.reply("skew-1");
      assert.deepEqual(reply.result, { currentTimeMs: 1_800_000_000_000 });
      assert.deepEqual(seen, [{ ...request, unknown: true }]);
    }
  },
);

test(
  "a turn's events skip methods the pinned protocol lacks, which still count as activity",
  T,
  async () => {
    const turn = new TurnCollector("thr_1", { onEnd: () => {} });
    turn.deliver("turn/started", {
      threadId: "thr_1",
      turn: { id: "u", status: "inProgress", items: [], error: null },
    });
    turn.deliver("turn/fromTheFuture", { threadId: "thr_1", turnId: "u" });
    turn.deliver("turn/completed", {
      threadId: "thr_1",
      turn: { id: "u", status: "completed", items: [], error: null },
    });
    assert.equal(turn.received, 3);
    const methods: string[] = [];
    for await (const event of turn.events) methods.push(event.method);
    assert.deepEqual(methods, ["turn/started", "turn/completed"]);
    assert.equal((await turn.done.promise).status, "completed");
  },
);

test(
  `against the previous pinned binary for real (${PREVIOUS}, the dev dependency codex-previous)`,
  { timeout: 60_000 },
  async () => {
    const bin = previousCodexBin();
    await using h = await startTestCodex({ script: scenarios.byModel(), codex: { codexBin: bin } });
    const version = h.codex.metadata.serverVersion;
    assert.equal(version, PREVIOUS);
    assert.ok(compareVersions(version, CODEX_VERSION) < 0);
    await assert.rejects(
      h.codex.request(NEWER_METHOD, { searchTerm: "x" }),
      (error: unknown) =>
        error instanceof UnsupportedMethodError &&
        error.message.includes(PREVIOUS) && error.message.includes(CODEX_VERSION),
    );
    assert.equal(h.codex.supports(NEWER_METHOD), false);
    const thread = await h.codex.threadStart();
    const result = await thread.run("Say hello.", { timeoutMs: 30_000 });
    assert.equal(result.status, "completed");
    await assert.rejects(
      Codex.start({ codexBin: bin, env: h.home.env, requireVersion: "exact" }),
      VersionMismatchError,
    );
  },
);
