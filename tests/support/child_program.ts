/**
 * Runs a small program of ours in a child process on the runtime that runs the tests (Deno
 * and Bun on the sources, Node on the npm build), to see what a user's script does.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository root (the folder that holds deno.json), from this file or the cwd. */
export const ROOT: string = (() => {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let dir = start;; dir = dirname(dir)) {
      if (existsSync(join(dir, "deno.json")) && existsSync(join(dir, "src"))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error("cannot find the repository root");
})();

/** The URLs of the SDK's entry points for this runtime (Node: the npm build). */
export function sdkUrls(): { mod: string; transport: string } {
  const node = !("Deno" in globalThis) && !("Bun" in globalThis);
  const file = (name: string) =>
    pathToFileURL(join(ROOT, node ? `npm/esm/${name}.js` : `${name}.ts`)).href;
  return { mod: file("mod"), transport: file("transport") };
}

/** A running child program: its process, and its output so far. */
export interface ChildProgram extends AsyncDisposable {
  readonly child: ChildProcess;
  /** Everything it printed to stdout so far. */
  stdout(): string;
  /** Resolves with its exit code (or signal) once it has exited. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Resolves once its stdout holds a line matching `pattern` (rejects after `ms`). */
  line(pattern: RegExp, ms: number): Promise<RegExpMatchArray>;
}

/** Writes `source` (plain JavaScript) to a temp `.mjs` file and runs it with `env`. */
export function runProgram(source: string, env: Record<string, string>): ChildProgram {
  const dir = mkdtempSync(join(tmpdir(), "child-program-"));
  const file = join(dir, "program.mjs");
  writeFileSync(file, source);
  const args = "Deno" in globalThis
    ? ["run", "-A", "--config", join(ROOT, "deno.json"), file]
    : [file];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (data) => (out += data));
  child.stderr!.on("data", (data) => (err += data));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal }))
  );
  return {
    child,
    stdout: () => out,
    exited,
    async line(pattern, ms) {
      const deadline = Date.now() + ms;
      for (;;) {
        const match = out.match(pattern);
        if (match) return match;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`no line ${pattern} within ${ms} ms; stdout:\n${out}\nstderr:\n${err}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
