/**
 * Tests of the parts of `deno task pin` (`scripts/pin.ts`) that need no registry: the docs
 * rule, the protocol diff, the CHANGELOG entry and the method history. The command itself
 * is exercised by running it (README, "The pinned runtime").
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import type { JsonSchemaObject } from "../scripts/generate/json_schema.ts";
import {
  checkHistory,
  historyText,
  methodChanges,
  type MethodHistory,
  recordChanges,
} from "../scripts/generate/history.ts";
import { entryHeading, insertEntry, wrapItem } from "../scripts/lib/pin_changelog.ts";
import {
  definitionChanges,
  diffItems,
  protocolDiff,
  type SchemaBundle,
} from "../scripts/lib/pin_diff.ts";
import { rewriteText } from "../scripts/lib/pin_docs.ts";

const T = { timeout: 10_000 };

test("pin docs rule: quoted versions and install specs move, prose mentions stay", T, () => {
  const text = [
    "Both are `0.169.0` here; `CODEX_VERSION` tells you which.",
    'console.log(codex.metadata.serverVersion); // "0.169.0"',
    "| `npm install @openai/codex@0.169.0` (the message gives the exact command) |",
    '`CODEX_VERSION` (`"0.169.0"`: the pinned runtime)',
    "The app-server 0.169.0 refuses plain http(s) image URLs.",
    "Not a match: 10.169.0, 0.169.01, `0.169.0-linux-x64`, @openai/codex@0.169.0-linux-x64.",
  ].join("\n");
  const result = rewriteText(text, "0.169.0", "0.171.0");
  assert.deepEqual(result.text.split("\n"), [
    "Both are `0.171.0` here; `CODEX_VERSION` tells you which.",
    'console.log(codex.metadata.serverVersion); // "0.171.0"',
    "| `npm install @openai/codex@0.171.0` (the message gives the exact command) |",
    '`CODEX_VERSION` (`"0.171.0"`: the pinned runtime)',
    "The app-server 0.169.0 refuses plain http(s) image URLs.",
    "Not a match: 10.169.0, 0.169.01, `0.169.0-linux-x64`, @openai/codex@0.169.0-linux-x64.",
  ]);
  assert.deepEqual(result.changed.map((line) => line.line), [1, 2, 3, 4]);
  assert.deepEqual(result.left.map((line) => line.line), [5]);
  assert.equal(rewriteText(result.text, "0.169.0", "0.171.0").changed.length, 0, "idempotent");
});

/** A root union of methods, as the bundle writes it. */
function union(methods: string[]): JsonSchemaObject {
  return {
    oneOf: methods.map((method) => ({
      type: "object",
      properties: { method: { enum: [method] }, id: { type: "integer" } },
    })),
  };
}

/** A bundle: method lists and extra definitions; `stable` lists the stable methods. */
function bundle(
  clientRequests: string[],
  serverRequests: string[],
  definitions: Record<string, JsonSchemaObject>,
  stableClientRequests = clientRequests,
): SchemaBundle {
  const make = (requests: string[]) =>
    new Map<string, JsonSchemaObject>([
      ["ClientRequest", union(requests)],
      ["ClientNotification", union(["initialized"])],
      ["ServerNotification", union(["turn/completed"])],
      ["ServerRequest", union(serverRequests)],
      ...Object.entries(definitions),
    ]);
  return { stable: make(stableClientRequests), experimental: make(clientRequests) };
}

test("protocolDiff lists methods and definitions added, removed and changed", T, () => {
  const before = bundle(["thread/start", "thread/search"], ["currentTime/read"], {
    Gone: { type: "string" },
    Params: {
      type: "object",
      properties: { a: { type: "string" }, b: { type: "integer" }, c: { type: "string" } },
      required: ["a"],
    },
    Mode: { type: "string", enum: ["x", "y"] },
    Doc: { type: "string", description: "old words" },
  }, ["thread/start"]);
  const after = bundle(["thread/start", "thread/search", "thread/search/stream"], [], {
    New: { type: "string" },
    Params: {
      type: "object",
      properties: { a: { type: "string" }, b: { type: "string" }, d: { type: "boolean" } },
      required: ["a", "d"],
    },
    Mode: { type: "string", enum: ["x", "z"] },
    Doc: { type: "string", description: "new words" },
  });
  const diff = protocolDiff(before, after, "0.169.0", "0.171.0");
  assert.deepEqual(diff.methods.clientRequests, { added: ["thread/search/stream"], removed: [] });
  assert.deepEqual(diff.methods.serverRequests, { added: [], removed: ["currentTime/read"] });
  assert.deepEqual(diff.nowStable, ["thread/search"]);
  assert.deepEqual(diff.definitionsAdded, ["New"]);
  assert.deepEqual(diff.definitionsRemoved, ["Gone"]);
  assert.deepEqual(diff.definitionsChanged.map((d) => d.name), [
    "ClientRequest",
    "Doc",
    "Mode",
    "Params",
    "ServerRequest",
  ]);
  const details = Object.fromEntries(diff.definitionsChanged.map((d) => [d.name, d.details]));
  assert.deepEqual(details.Params, ["~`b`", "+`d` (required)", "-`c`"]);
  assert.deepEqual(details.Mode, ['+"z"', '-"y"']);
  assert.deepEqual(details.Doc, ["descriptions only"]);
  assert.deepEqual(details.ClientRequest, ["+`thread/search/stream`"]);
  const items = diffItems(diff);
  assert.ok(items.includes("- Client requests: added `thread/search/stream`."), items.join("\n"));
  assert.ok(items.includes("- Server requests: removed `currentTime/read`."), items.join("\n"));
  assert.ok(items.some((item) => item.startsWith("- Definitions: 1 added (`New`), 1 removed")));
});

test("definitionChanges: titles are ignored, shapes and enum values are named", T, () => {
  assert.deepEqual(definitionChanges({ type: "string" }, { type: "string", title: "X" }), []);
  assert.deepEqual(definitionChanges({ type: "string" }, { type: "integer" }), [
    "was a string, now an integer",
  ]);
  const object: JsonSchemaObject = { type: "object", properties: { action: { type: "string" } } };
  const tagged = (mode: string): JsonSchemaObject => ({
    type: "object",
    properties: { mode: { type: "string", enum: [mode] } },
  });
  assert.deepEqual(definitionChanges(object, { oneOf: [tagged("show"), tagged("hide")] }), [
    "was an object, now a union of `show`, `hide`",
  ]);
  // A string enum among a union's variants counts value by value.
  const errors = (values: string[]): JsonSchemaObject => ({
    oneOf: [{ type: "string", enum: values }, tagged("httpFailed")],
  });
  assert.deepEqual(definitionChanges(errors(["a", "b"]), errors(["a", "b", "c"])), ['+"c"']);
});

test("insertEntry puts the entry first under Unreleased and replaces a re-run's", T, () => {
  const changelog = "# Changelog\n\nIntro.\n\n## Unreleased\n\n### Feature\n\nText.\n";
  const entry = `${entryHeading("0.169.0", "0.171.0")}\n\n- one\n\n`;
  const once = insertEntry(changelog, entry);
  assert.equal(
    once,
    "# Changelog\n\nIntro.\n\n## Unreleased\n\n" +
      "### Pinned to @openai/codex 0.171.0 (was 0.169.0)\n\n- one\n\n### Feature\n\nText.\n",
  );
  const again = insertEntry(once, entry.replace("- one", "- two"));
  assert.equal(again, once.replace("- one", "- two"));
  assert.equal(
    insertEntry("# Changelog\n\n## 1.0.0\n\nOld.\n", entry),
    "# Changelog\n\n## Unreleased\n\n### Pinned to @openai/codex 0.171.0 (was 0.169.0)\n\n" +
      "- one\n\n## 1.0.0\n\nOld.\n",
  );
});

test("wrapItem wraps a list item at 100 columns under its text", T, () => {
  const lines = wrapItem(`- ${"word ".repeat(40).trim()}`);
  assert.ok(lines.length > 1 && lines.every((line) => line.length <= 100));
  assert.ok(lines.slice(1).every((line) => line.startsWith("  word")));
});

test("the method history records what a bump added, forgets what it removed", T, () => {
  const history: MethodHistory = {
    baseline: "0.169.0",
    added: {
      clientRequests: {},
      clientNotifications: {},
      serverNotifications: {},
      serverRequests: {},
    },
  };
  const before = {
    clientRequests: ["thread/start"],
    clientNotifications: ["initialized"],
    serverNotifications: [],
    serverRequests: ["currentTime/read"],
  };
  const after = {
    ...before,
    clientRequests: ["thread/start", "thread/search/stream"],
    serverNotifications: ["thread/search/partial"],
    serverRequests: [],
  };
  const bumped = recordChanges(history, methodChanges(before, after), "0.169.0", "0.171.0");
  assert.deepEqual(bumped.added.clientRequests, { "thread/search/stream": "0.171.0" });
  assert.deepEqual(bumped.added.serverNotifications, { "thread/search/partial": "0.171.0" });
  checkHistory(bumped, after, "0.171.0");
  assert.throws(() => checkHistory(bumped, before, "0.171.0"), /thread\/search\/stream/);
  // A later bump keeps the first version, a downgrade forgets what it had not.
  const later = recordChanges(bumped, methodChanges(after, after), "0.171.0", "0.172.0");
  assert.equal(later.added.clientRequests["thread/search/stream"], "0.171.0");
  const down = recordChanges(bumped, methodChanges(after, before), "0.171.0", "0.165.0");
  assert.deepEqual(down.added.clientRequests, {});
  assert.equal(down.baseline, "0.165.0");
  assert.match(historyText(bumped), /"thread\/search\/stream": "0.171.0"/);
});
