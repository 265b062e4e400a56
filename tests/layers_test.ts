import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The layers, lowest first: a module may import from its own layer and the layers below,
 * never from one above. `src/process/` sits beside the transports and uses them.
 */
const LAYERS: readonly [string, readonly string[]][] = [
  ["generated", ["generated/"]],
  ["leaves (errors, results, small mechanics)", [
    "src/_util/",
    "src/errors.ts",
    "src/turn_result.ts",
  ]],
  ["adapters", ["src/adapters/"]],
  ["framing", ["src/framing/"]],
  ["transport", ["src/transport/"]],
  ["process", ["src/process/"]],
  ["rpc", ["src/rpc/"]],
  ["client", ["src/client/"]],
  ["testing kit", ["src/testing/"]],
  ["entry points", ["mod.ts", "transport.ts", "testing.ts"]],
];

function layerOf(path: string): number {
  const index = LAYERS.findIndex(([, prefixes]) =>
    prefixes.some((prefix) => prefix.endsWith("/") ? path.startsWith(prefix) : path === prefix)
  );
  assert.notEqual(index, -1, `${path} belongs to no layer: add it to LAYERS`);
  return index;
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const SPECIFIER =
  /(?:^|[^\w.])(?:import|export)\b[^"';]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

/** The relative modules `path` imports (statically, dynamically or for types). */
function importsOf(path: string): string[] {
  const text = readFileSync(join(ROOT, path), "utf8").replace(/^\s*\*.*$|\/\/.*$/gm, "");
  const found: string[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (specifier.startsWith(".")) {
      found.push(relative(ROOT, resolve(ROOT, dirname(path), specifier)).replaceAll("\\", "/"));
    }
  }
  return found;
}

const MODULES = [
  ...sources("src"),
  ...["mod.ts", "transport.ts", "testing.ts"].filter((file) => {
    try {
      return readFileSync(join(ROOT, file)).length >= 0;
    } catch {
      return false;
    }
  }),
];

test("Imports run one way: no module imports from a layer above its own", {
  timeout: 10_000,
}, () => {
  const backEdges: string[] = [];
  let edges = 0;
  for (const path of MODULES) {
    const from = layerOf(path);
    for (const target of importsOf(path)) {
      edges++;
      const to = layerOf(target);
      if (to > from) {
        backEdges.push(`${path} (${LAYERS[from][0]}) imports ${target} (${LAYERS[to][0]})`);
      }
    }
  }
  assert.ok(MODULES.length > 30 && edges > 60, `read ${MODULES.length} modules, ${edges} imports`);
  assert.deepEqual(backEdges, []);
});

test("Runtime names appear only in src/adapters/", { timeout: 10_000 }, () => {
  const offenders = MODULES.filter((path) => !path.startsWith("src/adapters/")).filter((path) =>
    /\b(?:Deno|Bun)\.|from\s+["']node:/.test(
      readFileSync(join(ROOT, path), "utf8").replace(/^\s*\*.*$|\/\/.*$/gm, ""),
    )
  );
  assert.deepEqual(offenders, []);
});

test("Inside src/, modules import concrete files, never a folder barrel or an entry point", {
  timeout: 10_000,
}, () => {
  const offenders = sources("src").flatMap((path) =>
    importsOf(path)
      .filter((target) => /(?:^|\/)mod\.ts$|^transport\.ts$|^testing\.ts$/.test(target))
      .filter((target) => !target.startsWith("generated/"))
      .map((target) => `${path} imports ${target}`)
  );
  assert.deepEqual(offenders, []);
});

test("The layer test itself sees a back edge when there is one", { timeout: 5_000 }, () => {
  assert.ok(layerOf("src/client/codex.ts") > layerOf("src/rpc/connection.ts"));
  assert.ok(layerOf("src/errors.ts") < layerOf("src/adapters/detect.ts"));
  const sample = 'import type { X } from "../client/codex.ts";\nexport { Y } from "./y.ts";\n' +
    'const z = await import("../adapters/deno.ts");';
  const found = [...sample.matchAll(SPECIFIER)].map((match) => match[1] ?? match[2] ?? match[3]);
  assert.deepEqual(found, ["../client/codex.ts", "./y.ts", "../adapters/deno.ts"]);
});
