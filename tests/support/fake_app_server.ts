/**
 * A stand-in `codexBin` for faults the real app-server cannot be made to show: a Node script
 * that answers `initialize` like codex, then misbehaves as `FAKE_APP_SERVER_MODE` says.
 *
 * @module
 */

import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { CODEX_VERSION } from "../../generated/version.ts";

/** What the stand-in does after `initialized`. */
export type FakeAppServerMode =
  /** Closes its stdout and lives on, ignoring SIGTERM. */
  | "close-stdout"
  /** Writes garbage (non-JSON, arrays, unknown ids, invalid UTF-8, a 10 MB line), then
   * answers every request with `{ ok: true }`. */
  | "garbage"
  /** Answers every request with `{ ok: true }`. */
  | "echo";

const SCRIPT = String.raw`#!/usr/bin/env node
const mode = process.env.FAKE_APP_SERVER_MODE;
process.on("SIGTERM", () => { if (mode !== "close-stdout") process.exit(143); });
let stdoutClosed = false;
const send = (message) => stdoutClosed || process.stdout.write(JSON.stringify(message) + "\n");
let buffer = "";
process.stdin.on("data", (chunk) => {
  buffer += chunk;
  let end;
  while ((end = buffer.indexOf("\n")) !== -1) {
    const line = buffer.slice(0, end);
    buffer = buffer.slice(end + 1);
    if (line.trim()) handle(JSON.parse(line));
  }
});
process.stdin.on("end", () => { if (mode !== "close-stdout") process.exit(0); });
function handle(message) {
  if (message.method === "initialize") {
    return send({ id: message.id, result: {
      userAgent: "codex_app_server_ts/" + process.env.FAKE_APP_SERVER_VERSION + " (fake)", codexHome: "/tmp", platformFamily: "unix", platformOs: "linux",
    } });
  }
  if (message.method === "initialized") {
    if (mode === "close-stdout") {
      stdoutClosed = true;
      require("node:fs").closeSync(1);
      setInterval(() => {}, 1 << 30);
    }
    if (mode === "garbage") {
      process.stdout.write("this is not json\n[1,2,3]\n" + JSON.stringify({ id: 987654, result: {} }) + "\n");
      process.stdout.write(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]));
      process.stdout.write('{"method":"big","params":{"blob":"' + "x".repeat(10 * 1024 * 1024) + '"}}\n');
      process.stdout.write("42\nnull\n" + JSON.stringify({ jsonrpc: "2.0" }) + "\n");
    }
    return;
  }
  if (message.id !== undefined) send({ id: message.id, result: { ok: true } });
}
`;

/** A stand-in codex binary in a temp folder, removed on dispose. */
export interface FakeAppServer extends AsyncDisposable {
  /** The executable to pass as `codexBin`. */
  readonly path: string;
  /** The environment that selects its mode. */
  readonly env: Record<string, string>;
}

/** Writes the stand-in script (executable) for one mode, reporting `version` at initialize. */
export async function fakeAppServer(
  mode: FakeAppServerMode,
  version: string = CODEX_VERSION,
): Promise<FakeAppServer> {
  const dir = await mkdtemp(join(tmpdir(), "fake-app-server-"));
  const path = join(dir, "codex.cjs");
  await writeFile(path, SCRIPT);
  await chmod(path, 0o755);
  return {
    path,
    env: { FAKE_APP_SERVER_MODE: mode, FAKE_APP_SERVER_VERSION: version },
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Whether a process is alive. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it holds or `ms` pass; returns whether it held. */
export async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
}
