/**
 * Tests of `codexHome`'s start-up settings, on the real app-server: the state databases a
 * home is seeded with (made once per codex binary, each home still its own), and the
 * features it turns off (the shell snapshot, which runs the login shell).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAdapter } from "../src/adapters/detect.ts";
import { locateCodex } from "../src/process/locate.ts";
import { Codex, TransportClosedError } from "../mod.ts";
import { codexConfigToml, codexHome, reply, startTestCodex } from "../testing.ts";

const T = { timeout: 60_000 };

/** A `codex` script that notes each start in `starts`, then runs `body` (the real binary by default). */
async function wrapperBin(body?: string): Promise<{ bin: string; starts: () => number }> {
  const dir = mkdtempSync(join(tmpdir(), "codex-wrapper-"));
  const real = locateCodex(await loadAdapter()).binary;
  const bin = join(dir, "codex");
  const log = join(dir, "starts");
  writeFileSync(bin, `#!/bin/sh\necho start >> "${log}"\n${body ?? `exec "${real}" "$@"`}\n`);
  chmodSync(bin, 0o755);
  const starts = () => existsSync(log) ? readFileSync(log, "utf8").split("\n").length - 1 : 0;
  return { bin, starts };
}

/** Removes the temp dir's seeds made from `bin` (each names its binary in `seed.txt`). */
function removeSeedsOf(bin: string): number {
  let removed = 0;
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith("codex-app-server-state-")) continue;
    const note = join(tmpdir(), name, "seed.txt");
    if (existsSync(note) && readFileSync(note, "utf8").trim() === bin) {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

test(
  "codexHome seeds each home with its binary's state databases, made once; homes stay apart",
  T,
  async () => {
    const { bin, starts } = await wrapperBin();
    try {
      await using first = await codexHome({ model: "http://127.0.0.1:9/v1", codexBin: bin });
      assert.equal(starts(), 1, "the seed is made by one start of the binary");
      const names = readdirSync(first.path).sort();
      assert.ok(names.some((name) => /^state_\d+\.sqlite$/.test(name)), names.join(", "));
      for (const name of names) {
        assert.match(name, /^(config\.toml|[\w-]+\.sqlite(-wal)?)$/, "only databases are copied");
        assert.doesNotMatch(name, /^logs_/, "not the log database");
      }
      await using second = await codexHome({ model: "http://127.0.0.1:9/v1", codexBin: bin });
      assert.equal(starts(), 1, "the second home reuses the seed");
      assert.deepEqual(readdirSync(second.path).sort(), names);

      // Two clients on seeded homes (startTestCodex passes codexBin on): each sees only its own.
      const options = { script: [reply.text("one")], codex: { codexBin: bin } };
      await using a = await startTestCodex(options);
      await using b = await startTestCodex({ ...options, script: [reply.text("two")] });
      assert.equal(starts(), 3, "two app-servers, no new seed");
      const threadA = await a.codex.threadStart();
      assert.equal((await threadA.run("Hi")).finalResponse, "one");
      const threadB = await b.codex.threadStart();
      assert.equal((await threadB.run("Hi")).finalResponse, "two");
      assert.deepEqual((await a.codex.threadList()).data.map((t) => t.id), [threadA.id]);
      assert.deepEqual((await b.codex.threadList()).data.map((t) => t.id), [threadB.id]);

      await using fresh = await codexHome({
        model: "http://127.0.0.1:9/v1",
        codexBin: bin,
        seedState: false,
      });
      assert.deepEqual(readdirSync(fresh.path), ["config.toml"], "seedState: false");
    } finally {
      assert.equal(removeSeedsOf(bin), 1, "one seed, in the temp dir");
    }
  },
);

test("A codexBin that cannot start leaves the home unseeded; Codex.start says why", T, async () => {
  const { bin, starts } = await wrapperBin('echo "no such luck" >&2\nexit 3');
  await using home = await codexHome({ model: "http://127.0.0.1:9/v1", codexBin: bin });
  assert.equal(starts(), 1);
  assert.deepEqual(readdirSync(home.path), ["config.toml"]);
  assert.equal(removeSeedsOf(bin), 0, "no seed was kept");
  const error = await Codex.start({ codexBin: bin, env: home.env, cwd: home.workspace }).then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(error instanceof TransportClosedError, String(error));
  assert.match(error.message, /no such luck/);
});

test("codexHome turns the shell snapshot off; features turns it back on", T, async () => {
  // A login shell runs ~/.bash_profile: with HOME here, it leaves a mark.
  const home = mkdtempSync(join(tmpdir(), "login-home-"));
  const marker = join(home, "login-shell-ran");
  writeFileSync(join(home, ".bash_profile"), `echo ran >> "${marker}"\n`);
  try {
    assert.match(codexConfigToml("http://x/v1"), /^shell_snapshot = false$/m);
    assert.match(
      codexConfigToml("http://x/v1", { features: { shell_snapshot: true, "odd name": false } }),
      /^shell_snapshot = true\n"odd name" = false$/m,
    );
    {
      await using t = await startTestCodex({
        script: [reply.shellCommand("echo hi"), reply.text("done")],
        codex: { env: { HOME: home } },
      });
      const thread = await t.codex.threadStart({
        approvalPolicy: "never",
        sandbox: "danger-full-access",
      });
      assert.equal((await thread.run("Run echo hi.")).finalResponse, "done");
      assert.match(t.model.requests[1].toolOutputs[0].output, /hi/);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.equal(
        existsSync(marker),
        false,
        "no login shell, neither for the thread nor the command",
      );
    }
    {
      await using t = await startTestCodex({
        script: [reply.text("done")],
        home: { features: { shell_snapshot: true } },
        codex: { env: { HOME: home } },
      });
      await (await t.codex.threadStart()).run("Hi");
      const deadline = Date.now() + 20_000;
      while (!existsSync(marker) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(existsSync(marker), "the snapshot ran the login shell");
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
