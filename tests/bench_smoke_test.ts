import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

// Resolved through symlinks, so this also finds the real bench/ from a compiled mirror of
// the repository (Node runs the tests from `.node-tests/`, whose bench/ is a symlink).
const RUN_TS = realpathSync(join(dirname(fileURLToPath(import.meta.url)), "../bench/run.ts"));
const ROOT = dirname(dirname(RUN_TS));

/** The Deno binary: this one under Deno, else the pinned npm `deno` package's. */
function denoBinary(): string {
  if ("Deno" in globalThis) {
    return (globalThis as unknown as { Deno: { execPath(): string } }).Deno.execPath();
  }
  return join(ROOT, "node_modules/deno/deno");
}

/** The runtime running this suite: its own column is smoked (each suite smokes one). */
const RUNTIME = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** One line per end-to-end and micro scenario, for each runtime that ran. */
const SCENARIOS = [
  /^import \(ms\)/,
  /^connect \(ms\)/,
  /^close, idle \(ms\)/,
  /^short \d+ turns \(ms\)/,
  /^short CPU, SDK transport only \(ms\)/,
  /^short CPU, \+ JsonRpcConnection only \(ms\)/,
  /^short CPU, validation "off" \(ms\)/,
  // V8's coverage counts the calls; JavaScriptCore keeps no such counts.
  ...(RUNTIME === "bun" ? [] : [/^short: JS function calls per turn/]),
  /^short CPU after \d+ turns \(ms\)/,
  /^short CPU after \d+, SDK transport only \(ms\)/,
  /^short CPU after \d+, \+ JsonRpcConnection only \(ms\)/,
  /^short CPU after \d+, whole SDK, validation "off" \(ms\)/,
  /^stream \S+ wall \(ms\)/,
  /^stream SDK CPU\/event/,
  /^many \d+×\d+ \(ms\)/,
  /^concurrent \d+×\d+ \(ms\)/,
  /^replay SDK CPU\/event/,
  /^replay layers: \+ for await/,
  /^framing \S+ MB \(MB\/s\)/,
  // The CPU split by thread comes from /proc (Linux only).
  ...(process.platform === "linux"
    ? [
      /^short CPU, other threads \(ms\)/,
      /^short CPU after \d+, main thread \(ms\)/,
      /^short CPU, validation "off", main thread \(ms\)/,
      /^stream SDK CPU\/event, other threads/,
      /^many CPU, other threads \(ms\)/,
      /^concurrent CPU, other threads \(ms\)/,
      // JavaScriptCore names its compiler's threads; V8 does not.
      ...(RUNTIME === "bun"
        ? [/^short CPU, JIT compiler threads \(ms\)/, /^stream SDK CPU\/event, JIT compiler/]
        : []),
    ]
    : []),
];

test(
  // One name on every runtime: the test command compares the runtimes' test lists.
  "bench/run.ts --smoke exits 0 and prints a line per scenario for the runtime running it",
  { timeout: 120_000 },
  async () => {
    const child = spawn(denoBinary(), [
      "run",
      "-A",
      "--no-lock",
      RUN_TS,
      "--smoke",
      `--runtimes=${RUNTIME}`,
    ], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 0, `the smoke bench failed:\n${stdout}\n${stderr.slice(-3000)}`);

    const lines = stdout.split("\n");
    for (const runtime of [RUNTIME]) {
      for (const scenario of SCENARIOS) {
        // The npm build may lack the framing module; the bench then says so and skips it.
        const skipped = new RegExp(`^note: ${runtime}: .*framing skipped`, "m").test(stdout);
        if (skipped && scenario.source.startsWith("^framing")) continue;
        const found = lines.some((line) =>
          scenario.test(line) && line.split(/\s+/).includes(runtime)
        );
        assert.ok(found, `no ${scenario} line for ${runtime} in:\n${stdout}`);
      }
    }
    assert.ok(!/^FAILED /m.test(stdout + stderr), `a scenario failed:\n${stdout}\n${stderr}`);
  },
);
