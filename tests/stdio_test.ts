import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { execFileSync } from "node:child_process";
import { Codex, CODEX_VERSION, CodexNotFoundError, Thread, TransportClosedError } from "../mod.ts";
import {
  type ChildProcess,
  CodexClient,
  JsonRpcConnection,
  loadAdapter,
  locateCodex,
  type ProcessExit,
  spawnAppServer,
  stdioTransport,
} from "../transport.ts";
import { codexHome, FakeModel, scenarios } from "../testing.ts";

const T = { timeout: 30_000 };
const root = new URL("..", import.meta.url);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

test(
  "The pinned versions agree: deno.json, package.json, generated code, the binary",
  T,
  async () => {
    const denoJson = JSON.parse(await readFile(new URL("deno.json", root), "utf8"));
    const packageJson = JSON.parse(await readFile(new URL("package.json", root), "utf8"));
    const pin = packageJson.dependencies["@openai/codex"];
    const { binary } = locateCodex(await loadAdapter());
    const reported = execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
    assert.equal(denoJson.version, pin);
    assert.equal(CODEX_VERSION, pin);
    assert.equal(reported, `codex-cli ${pin}`);
    await using model = await FakeModel.start({ script: scenarios.byModel() });
    await using home = await codexHome({ model });
    await using codex = await Codex.start({ cwd: home.workspace, env: home.env });
    assert.equal(codex.metadata.serverVersion, pin);
  },
);

test(
  "locateCodex finds the pinned binary and names what it looked for when missing",
  T,
  async () => {
    const adapter = await loadAdapter();
    const { binary, pathDir } = locateCodex(adapter);
    assert.match(binary, /@openai\/codex-[a-z0-9-]+\/vendor\/.+\/bin\/codex(\.exe)?$/);
    assert.ok(pathDir?.endsWith("codex-path"));
    assert.throws(() => locateCodex(adapter, "/nonexistent/codex"), (error: unknown) => {
      assert.ok(error instanceof CodexNotFoundError);
      assert.match(error.message, /\/nonexistent\/codex/);
      return true;
    });
    const missing = { ...adapter, pathKind: () => "missing" as const };
    assert.throws(() => locateCodex(missing), (error: unknown) => {
      assert.ok(error instanceof CodexNotFoundError);
      assert.ok(
        error.message.includes(`npm install @openai/codex@${CODEX_VERSION}`),
        error.message,
      );
      return true;
    });
  },
);

test("The initialize handshake works over a bare JsonRpcConnection", T, async () => {
  await using model = await FakeModel.start({ script: scenarios.byModel() });
  await using home = await codexHome({ model });
  await using connection = new JsonRpcConnection(
    await spawnAppServer({ cwd: home.workspace, env: home.env }),
  );
  const result = await connection.request("initialize", {
    clientInfo: { name: "handshake_test", title: "Handshake", version: "1.2.3" },
  }) as { userAgent: string; codexHome: string };
  await connection.notify("initialized");
  assert.ok(result.userAgent.startsWith(`handshake_test/${CODEX_VERSION} `), result.userAgent);
  assert.equal(result.codexHome, home.path);
  const models = await connection.request("model/list", {}) as { data: unknown[] };
  assert.ok(Array.isArray(models.data));
});

test(
  "A connection reads the stdio transport through readMessages, not its readable",
  T,
  async () => {
    await using model = await FakeModel.start({ script: scenarios.byModel() });
    await using home = await codexHome({ model });
    const transport = await spawnAppServer({ cwd: home.workspace, env: home.env });
    assert.equal(typeof transport.readMessages, "function");
    // A wrapper spread from the transport reads through its own `readable` (never_hang_test).
    assert.ok(!("readMessages" in { ...transport }), "a spread does not pass readMessages on");
    await using client = new CodexClient(transport);
    await client.initialize({ clientInfo: { name: "test", title: null, version: CODEX_VERSION } });
    const { thread } = await client.request("thread/start", {});
    assert.equal((await new Thread(client, thread.id).run("Hi.")).status, "completed");
    assert.equal(transport.readable.locked, false, "the connection never touched readable");
    await assert.rejects(
      transport.readMessages!(() => {}),
      /Cannot read messages: the transport's output is already being read/,
    );
  },
);

/** A process made up by the test: `parts` replace its pipes; `exit` ends it. */
function madeUpProcess(parts: Partial<ChildProcess>) {
  let exit!: (exit: ProcessExit) => void;
  const child: ChildProcess = {
    pid: -1,
    stdin: new WritableStream(),
    stdout: new ReadableStream(),
    stderr: new ReadableStream({ start: (controller) => controller.close() }),
    exited: new Promise((resolve) => (exit = resolve)),
    kill: () => exit({ code: null, signal: "SIGTERM" }),
    ...parts,
  };
  return { child, exit };
}

test(
  "stdioTransport.readMessages: aborting stops the read and hands over nothing more",
  T,
  async () => {
    const encoder = new TextEncoder();
    const { child } = madeUpProcess({
      // One message, then the start of another, then nothing: a peer gone quiet mid-line.
      stdout: new ReadableStream({
        start: (controller) => controller.enqueue(encoder.encode('{"method":"a"}\n{"meth')),
      }),
    });
    const transport = stdioTransport(child);
    const batches: unknown[][] = [];
    const stop = new AbortController();
    const reading = transport.readMessages!((batch) => batches.push(batch), stop.signal);
    while (batches.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    stop.abort();
    await reading;
    assert.deepEqual(batches, [[{ method: "a" }]], "the cut-off line is not handed over");
    await transport.close({ graceMs: 100 });
  },
);

test("stdioTransport.readMessages with an aborted signal returns at once", T, async () => {
  const { child } = madeUpProcess({ stdout: new ReadableStream() }); // silent, never ends
  const batches: unknown[][] = [];
  const reading = stdioTransport(child).readMessages!(
    (batch) => batches.push(batch),
    AbortSignal.abort(),
  );
  const late = new Promise((resolve) => setTimeout(() => resolve("still reading"), 1000));
  assert.equal(await Promise.race([reading, late]), undefined);
  assert.deepEqual(batches, []);
});

test(
  "stdioTransport.readMessages reads through the adapter's readStdout when it has one",
  T,
  async () => {
    const encoder = new TextEncoder();
    const { child, exit } = madeUpProcess({
      // A line split across chunks, two in one chunk, and a last line without its "\n".
      readStdout: (onChunk) => {
        for (
          const text of ['{"method":"a","pa', 'rams":{}}\n{"id":1,"result":2}\n', '{"method":"c"}']
        ) {
          onChunk(encoder.encode(text));
        }
        return Promise.resolve();
      },
    });
    Object.defineProperty(child, "stdout", {
      get: () => assert.fail("the web stream was read"),
    });
    const transport = stdioTransport(child);
    const batches: unknown[][] = [];
    await transport.readMessages!((batch) => batches.push(batch));
    assert.deepEqual(batches, [[{ method: "a", params: {} }, { id: 1, result: 2 }], [{
      method: "c",
    }]]);
    await assert.rejects(transport.readMessages!(() => {}), /already being read/);
    exit({ code: 0, signal: null });
    assert.equal((await transport.closed).exitCode, 0);
  },
);

test(
  "stdioTransport.readMessages reads a byte stream into a buffer of its own (a BYOB reader)",
  T,
  async () => {
    const encoder = new TextEncoder();
    const long = "x".repeat(200_000); // longer than any read buffer: a line over many reads
    // A line split across reads, two in one read, "é" split between its two bytes, and a
    // last line without its "\n".
    const pending = [
      encoder.encode('{"method":"a","pa'),
      encoder.encode('rams":{}}\n{"id":1,"result":2}\n{"method":"'),
      new Uint8Array([0xc3]),
      new Uint8Array([0xa9, ...encoder.encode(`","params":"${long}"}\n{"method":"c"}`)]),
    ];
    const buffers = new Set<number>();
    let pulls = 0;
    let unowned = 0;
    const { child, exit } = madeUpProcess({
      stdout: new ReadableStream({
        type: "bytes",
        pull(controller) {
          pulls++;
          const request = controller.byobRequest;
          if (request === null || request.view === null) {
            unowned++; // a read that brought no buffer of its own
            const next = pending.shift();
            if (next === undefined) controller.close();
            else controller.enqueue(next);
            return;
          }
          buffers.add(request.view.byteLength);
          const next = pending.shift();
          if (next === undefined) {
            controller.close();
            request.respond(0);
            return;
          }
          const view = new Uint8Array(request.view.buffer, request.view.byteOffset);
          const n = Math.min(next.length, view.length);
          view.set(next.subarray(0, n));
          if (n < next.length) pending.unshift(next.subarray(n));
          request.respond(n);
        },
      }),
    });
    const transport = stdioTransport(child);
    const batches: unknown[][] = [];
    await transport.readMessages!((batch) => batches.push(batch));
    assert.deepEqual(batches, [[{ method: "a", params: {} }, { id: 1, result: 2 }], [{
      method: "é",
      params: long,
    }], [{ method: "c" }]]);
    assert.equal(unowned, 0, "every read brought its own buffer");
    assert.ok(pulls > 4, `the long line took several reads (${pulls} in all)`);
    assert.deepEqual([...buffers], [65_536], "one buffer, of 64 KiB, handed back each time");
    exit({ code: 0, signal: null });
    assert.equal((await transport.closed).exitCode, 0);
  },
);

test(
  "stdioTransport hands over stderr line by line, from a byte stream or any other",
  T,
  async () => {
    const encoder = new TextEncoder();
    // A line split across chunks, a "\r\n" end, "é" split between its two bytes, and a last
    // line without its "\n".
    const chunks = () => [
      encoder.encode("first li"),
      encoder.encode("ne\r\nsecond "),
      new Uint8Array([0xc3]),
      new Uint8Array([0xa9, ...encoder.encode("\nlast")]),
    ];
    const byteStream = () => {
      const pending = chunks();
      return new ReadableStream({
        type: "bytes",
        pull(controller) {
          const next = pending.shift();
          if (next === undefined) {
            controller.close();
            controller.byobRequest?.respond(0);
          } else controller.enqueue(next);
        },
      });
    };
    const plainStream = () => {
      const pending = chunks();
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = pending.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(next);
        },
      });
    };
    for (const stderr of [byteStream(), plainStream()]) {
      const lines: string[] = [];
      const { child, exit } = madeUpProcess({ stderr });
      const transport = stdioTransport(child, { onStderr: (line) => lines.push(line) });
      exit({ code: 3, signal: null });
      const info = await transport.closed;
      assert.deepEqual(lines, ["first line", "second é", "last"]);
      assert.deepEqual(info.stderrTail, ["first line", "second é", "last"]);
    }
  },
);

test(
  "stdioTransport reads stderr through the adapter's readStderr when it has one",
  T,
  async () => {
    const encoder = new TextEncoder();
    const lines: string[] = [];
    const { child, exit } = madeUpProcess({
      // A line split across chunks, a "\r\n" end, and a last line without its "\n".
      readStderr: (onChunk) => {
        for (const text of ["first li", "ne\r\nsecond\n", "last"]) onChunk(encoder.encode(text));
        return Promise.resolve();
      },
    });
    Object.defineProperty(child, "stderr", {
      get: () => assert.fail("the web stream was read"),
    });
    const transport = stdioTransport(child, { onStderr: (line) => lines.push(line) });
    exit({ code: 3, signal: null });
    const info = await transport.closed;
    assert.deepEqual(lines, ["first line", "second", "last"]);
    assert.deepEqual(info.stderrTail, ["first line", "second", "last"]);
  },
);

test(
  "stdioTransport.send writes each message as a line, through the adapter's writeStdin when it has one",
  T,
  async () => {
    const decoder = new TextDecoder();
    const written: string[] = [];
    const stdin = () =>
      new WritableStream<Uint8Array>({
        write: (chunk) => void written.push(decoder.decode(chunk)),
      });
    // Without writeStdin: the stdin stream, one line a message, and no web stream of its own.
    const plain = madeUpProcess({ stdin: stdin() });
    const viaStream = stdioTransport(plain.child);
    viaStream.send!('{"method":"a"}');
    viaStream.send!('{"method":"b"}');
    await waitUntil(() => written.length === 2, 1000);
    assert.deepEqual(written, ['{"method":"a"}\n', '{"method":"b"}\n']);
    assert.ok(!("send" in { ...viaStream }), "a spread does not pass send on");
    plain.exit({ code: 0, signal: null });
    await viaStream.closed;

    // With writeStdin: every byte goes through it, at once, and the stream is not written.
    written.length = 0;
    const direct: string[] = [];
    const pushed = madeUpProcess({
      stdin: stdin(),
      writeStdin: (chunk) => void direct.push(decoder.decode(chunk)),
    });
    const viaAdapter = stdioTransport(pushed.child);
    viaAdapter.send!('{"method":"c"}');
    assert.deepEqual(direct, ['{"method":"c"}\n']);
    // A connection sends through it too.
    const connection = new JsonRpcConnection(viaAdapter);
    await connection.notify("d", { n: 1 });
    assert.deepEqual(direct.slice(1), ['{"method":"d","params":{"n":1}}\n']);
    assert.deepEqual(written, [], "the stdin stream was not written");
    pushed.exit({ code: 0, signal: null });
    await connection.closed;
  },
);

test(
  "stdioTransport makes no web stream of a process that reads and writes without them, until asked",
  T,
  async () => {
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    const written: string[] = [];
    let ended = 0;
    let toStdout = (_chunk: Uint8Array) => {};
    const { child, exit } = madeUpProcess({
      writeStdin: (chunk) => {
        written.push(decoder.decode(chunk)); // a request: answered at once
        toStdout(encoder.encode('{"id":1,"result":{}}\n'));
      },
      endStdin: () => void ended++,
      readStdout: (onChunk) => {
        toStdout = onChunk;
        return child.exited.then(() => {});
      },
      readStderr: () => child.exited.then(() => {}),
    });
    for (const pipe of ["stdin", "stdout", "stderr"]) {
      Object.defineProperty(child, pipe, { get: () => assert.fail(`the ${pipe} stream was made`) });
    }
    const transport = stdioTransport(child);
    const connection = new JsonRpcConnection(transport);
    assert.deepEqual(await connection.request("a", {}), {});
    assert.deepEqual(written, ['{"id":1,"method":"a","params":{}}\n']);
    const closing = transport.close({ graceMs: 1000 });
    assert.equal(ended, 1, "stdin was ended through endStdin");
    exit({ code: 0, signal: null });
    assert.equal((await closing).exitCode, 0);
    // Asked for, the transport's own streams are there (and take the process's).
    assert.ok(transport.writable instanceof WritableStream);
    assert.ok(transport.readable instanceof ReadableStream);
  },
);

/** Runs `body` with the program held alive: the adapter's pipes do not hold it. */
async function keepingAlive(body: () => Promise<void>): Promise<void> {
  const alive = setInterval(() => {}, 1000);
  try {
    await body();
  } finally {
    clearInterval(alive);
  }
}

/** Runs `script` under `sh` with the Node adapter (which every runtime can load). */
async function nodeChild(script: string): Promise<ChildProcess> {
  const { nodeAdapter } = await import("../src/adapters/node.ts");
  return nodeAdapter.spawn({ command: "sh", args: ["-c", script], env: nodeAdapter.environment() });
}

test("The Node adapter's readStdout hands over every byte, then resolves", T, async () => {
  await keepingAlive(async () => {
    const size = 3 * 1024 * 1024;
    const child = await nodeChild(`head -c ${size} /dev/zero`);
    let read = 0;
    await child.readStdout!((chunk) => (read += chunk.length));
    assert.equal(read, size);
    assert.equal((await child.exited).code, 0);
  });
});

test(
  "The Node adapter reads stdout and stderr one way only: by readStdout (readStderr) or as a stream",
  T,
  async () => {
    await keepingAlive(async () => {
      const pushed = await nodeChild("echo a; echo b >&2");
      const decoder = new TextDecoder();
      let out = "";
      let err = "";
      const reading = Promise.all([
        pushed.readStdout!((chunk) => (out += decoder.decode(chunk))),
        pushed.readStderr!((chunk) => (err += decoder.decode(chunk))),
      ]);
      assert.throws(
        () => pushed.stdout,
        /Cannot read stdout as a stream: it is already being read/,
      );
      assert.throws(
        () => pushed.stderr,
        /Cannot read stderr as a stream: it is already being read/,
      );
      await reading;
      assert.deepEqual([out, err], ["a\n", "b\n"]);
      const streamed = await nodeChild("echo a; echo b >&2");
      const texts = await Promise.all([
        new Response(streamed.stdout).text(),
        new Response(streamed.stderr).text(),
      ]);
      assert.deepEqual(texts, ["a\n", "b\n"]);
      await assert.rejects(streamed.readStdout!(() => {}), /Cannot read stdout by push/);
      await assert.rejects(streamed.readStderr!(() => {}), /Cannot read stderr by push/);
      await Promise.all([pushed.exited, streamed.exited]);
    });
  },
);

test(
  "The Node adapter's writeStdin writes in order, and closing stdin (or endStdin) ends after it",
  T,
  async () => {
    await keepingAlive(async () => {
      const child = await nodeChild("cat");
      const encoder = new TextEncoder();
      for (let i = 0; i < 100; i++) child.writeStdin!(encoder.encode(`line ${i}\n`));
      const closing = child.stdin.getWriter().close();
      const text = await new Response(child.stdout).text();
      await closing;
      assert.equal(text, Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join(""));
      assert.equal((await child.exited).code, 0);
      child.writeStdin!(encoder.encode("too late\n")); // the pipe has ended: dropped, no throw

      // endStdin ends it too, after what was written, without a web stream.
      const ending = await nodeChild("cat");
      for (let i = 0; i < 100; i++) ending.writeStdin!(encoder.encode(`line ${i}\n`));
      ending.endStdin!();
      const decoder = new TextDecoder();
      let echoed = "";
      await ending.readStdout!((chunk) => (echoed += decoder.decode(chunk)));
      assert.equal(echoed, text);
      assert.equal((await ending.exited).code, 0);
      ending.endStdin!(); // again: nothing happens
    });
  },
);

test(
  "The Node adapter's readStdout: aborting stops at once; a throwing onChunk rejects",
  T,
  async () => {
    await keepingAlive(async () => {
      const quiet = await nodeChild("echo a; exec sleep 30");
      const stop = new AbortController();
      const chunks: string[] = [];
      const reading = quiet.readStdout!((chunk) => {
        chunks.push(new TextDecoder().decode(chunk));
        stop.abort();
      }, stop.signal);
      await reading; // resolves although stdout stays open
      assert.deepEqual(chunks, ["a\n"]);
      quiet.kill("SIGKILL");
      await quiet.exited;

      const throwing = await nodeChild("echo a; exec sleep 30");
      const boom = new Error("boom");
      await assert.rejects(
        throwing.readStdout!(() => {
          throw boom;
        }),
        (error) => error === boom,
      );
      throwing.kill("SIGKILL");
      assert.equal((await throwing.exited).signal, "SIGKILL");
    });
  },
);

test(
  "A child's stdout is read with backpressure: an unread pipe holds the child back",
  T,
  async () => {
    const adapter = await loadAdapter();
    // The adapter's processes and pipes do not hold the program alive; the test does.
    await keepingAlive(async () => {
      const size = 32 * 1024 * 1024;
      const child = adapter.spawn({
        command: "head",
        args: ["-c", String(size), "/dev/zero"],
        env: adapter.environment(),
      });
      const reader = child.stdout.getReader();
      let read = (await reader.read()).value?.length ?? 0;
      // Unread, the stream must stop taking the pipe, so `head` blocks on a full pipe.
      const exitedEarly = await Promise.race([
        child.exited.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 500)),
      ]);
      assert.equal(exitedEarly, false, "the child wrote 32 MB into a stream nobody read");
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        read += value.length;
      }
      assert.equal(read, size, "every byte arrives once the stream is read");
      assert.equal((await child.exited).code, 0);
    });
  },
);

test("Killing the app-server mid-turn rejects every waiter within a second", T, async () => {
  await using model = await FakeModel.start({ script: scenarios.byModel() });
  await using home = await codexHome({ model });
  const transport = await spawnAppServer({ cwd: home.workspace, env: home.env });
  await using codex = await Codex.start({ transport });
  const thread = await codex.threadStart({ model: "slow" });
  const turn = await thread.turn("Keep going.");
  const running = turn.run();
  await model.waitForRequests(1);
  const pending = thread.read();
  const killedAt = performance.now();
  process.kill(transport.pid!, "SIGKILL");
  // The read races the kill (the server may answer first); the turn cannot finish.
  const read = await pending.then(() => undefined, (e: unknown) => e);
  assert.ok(read === undefined || read instanceof TransportClosedError, String(read));
  for (const waiter of read === undefined ? [running] : [running, pending]) {
    const error = await waiter.then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof TransportClosedError, String(error));
    assert.equal(error.signal, "SIGKILL");
    assert.match(error.message, /killed by SIGKILL/);
    assert.ok(error.stderrTail.length > 0, "stderr tail is kept");
  }
  assert.ok(performance.now() - killedAt < 1000, "rejected within a second");
  await assert.rejects(thread.run("after"), TransportClosedError);
});

test(
  "An app-server that exits by itself fails start-up with its exit code and stderr",
  T,
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "fake-codex-"));
    try {
      const script = join(dir, "codex");
      await writeFile(script, "#!/bin/sh\necho 'fatal: config is broken' >&2\nexit 3\n");
      await chmod(script, 0o755);
      const started = performance.now();
      const error = await Codex.start({ codexBin: script }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof TransportClosedError, String(error));
      assert.equal(error.exitCode, 3);
      assert.deepEqual(error.stderrTail, ["fatal: config is broken"]);
      assert.match(error.message, /exited with code 3/);
      assert.match(error.message, /fatal: config is broken/);
      assert.ok(performance.now() - started < 5000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  "The stderr tail of a start-up failure has no terminal colour codes",
  T,
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "fake-codex-"));
    try {
      const script = join(dir, "codex");
      // What a Rust logger writes when it believes it talks to a terminal.
      await writeFile(
        script,
        "#!/bin/sh\nprintf '\\033[2m2026-01-01T00:00:00Z\\033[0m \\033[31mERROR\\033[0m " +
          "\\033[1mcodex_core::config\\033[0m: bad config\\n' >&2\nexit 1\n",
      );
      await chmod(script, 0o755);
      const error = await Codex.start({ codexBin: script }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof TransportClosedError, String(error));
      assert.deepEqual(error.stderrTail, [
        "2026-01-01T00:00:00Z ERROR codex_core::config: bad config",
      ]);
      assert.ok(!error.message.includes("\x1b"), "no escape character in the message");
      assert.match(error.message, /Last stderr lines:\n2026-01-01T00:00:00Z ERROR codex_core/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test("await using leaves no app-server process behind", T, async () => {
  await using model = await FakeModel.start({ script: scenarios.byModel() });
  await using home = await codexHome({ model });
  let pid: number;
  {
    const transport = await spawnAppServer({ cwd: home.workspace, env: home.env });
    pid = transport.pid!;
    await using codex = await Codex.start({ transport });
    await codex.threadStart();
    assert.ok(isAlive(pid));
  }
  assert.ok(await waitUntil(() => !isAlive(pid), 3000), `pid ${pid} still alive`);
});

test("Config overrides reach the app-server as TOML values", T, async () => {
  await using model = await FakeModel.start({ script: scenarios.byModel() });
  await using home = await codexHome({ model });
  await using codex = await Codex.start({
    cwd: home.workspace,
    env: home.env,
    config: { model: "deltas-3", "model_providers.fake.name": 'Override "quoted"' },
  });
  const thread = await codex.threadStart();
  const result = await thread.run("Which model?");
  assert.equal(result.finalResponse, "d0 d1 d2 ");
  assert.equal(model.requests[0].model, "deltas-3");
});

test(
  "The runtime's adapter tells an executable, a file, a directory and nothing apart",
  T,
  async () => {
    const adapter = await loadAdapter();
    const dir = await mkdtemp(join(tmpdir(), "path-kind-"));
    try {
      const script = join(dir, "run.sh");
      const text = join(dir, "notes.txt");
      await writeFile(script, "#!/bin/sh\n");
      await chmod(script, 0o755);
      await writeFile(text, "hi\n");
      assert.equal(adapter.pathKind(script), "executable");
      assert.equal(adapter.pathKind(text), "file");
      assert.equal(adapter.pathKind(dir), "directory");
      assert.equal(adapter.pathKind(join(dir, "none")), "missing");
      assert.equal(adapter.pathKind(locateCodex(adapter).binary), "executable");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
