/**
 * Runs the example test file of `examples/testing/` that belongs to the runtime running this
 * suite, with that runtime's own test runner: `deno test` on Deno, `bun test` on Bun, and
 * `node --test` on Node (against the npm build, installed under its name in a throwaway
 * project, as a user would have it).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const T = { timeout: 90_000 };
/** An SGR escape sequence (colors). */
const ANSI_COLOR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** The first directory at or above `start` that holds `examples/testing`. */
function findRoot(start: string): string | undefined {
  for (let dir = start;; dir = dirname(dir)) {
    if (existsSync(join(dir, "examples", "testing"))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

const ROOT = findRoot(dirname(fileURLToPath(import.meta.url))) ?? findRoot(process.cwd());

function run(command: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  // A test runner's own marker would make the nested runner refuse to run (node --test).
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  delete env.NODE_TEST_CONTEXT;
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd,
        env,
        timeout: 80_000,
        killSignal: "SIGKILL",
        maxBuffer: 16 << 20,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        // deno honours FORCE_COLOR over NO_COLOR: strip colors whatever the parent set.
        resolve({ code, out: `${stdout}\n${stderr}`.replace(ANSI_COLOR, "") });
      },
    );
  });
}

test("The examples/testing file of this runtime's test runner passes", T, async () => {
  assert.ok(ROOT !== undefined, "cannot find the repository root (examples/testing)");
  const examples = join(ROOT, "examples", "testing");
  let result: { code: number; out: string };
  if ("Deno" in globalThis) {
    result = await run(process.execPath, ["test", "-A", join(examples, "deno_test.ts")], ROOT);
    assert.match(result.out, /ok \| 3 passed \| 0 failed/, result.out);
  } else if ("Bun" in globalThis) {
    result = await run(process.execPath, ["test", join(examples, "bun_test.ts")], ROOT);
    assert.match(result.out, /\b3 pass\b[\s\S]*\b0 fail\b/, result.out);
  } else {
    const built = join(ROOT, "npm");
    assert.ok(existsSync(join(built, "package.json")), "npm/ is built (deno task build:npm)");
    const project = mkdtempSync(join(tmpdir(), "codex-testing-example-"));
    try {
      mkdirSync(join(project, "node_modules"));
      symlinkSync(realpathSync(built), join(project, "node_modules", "codex-app-server"), "dir");
      copyFileSync(join(examples, "node_test.mjs"), join(project, "node_test.mjs"));
      // TAP on every Node (24 prints its spec reporter even into a pipe).
      const args = ["--test", "--test-reporter=tap", "node_test.mjs"];
      result = await run(process.execPath, args, project);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
    assert.match(result.out, /# pass 3\n# fail 0/, result.out);
  }
  assert.equal(result.code, 0, result.out);
});
