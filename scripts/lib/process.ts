/**
 * Runs programs for the build and test scripts: without a shell, stdin closed, each in its
 * own process group, echoing (optionally prefixing) their output and keeping its tail.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { REPO_ROOT } from "./files.ts";

/** Result of {@link run}. */
export interface RunResult {
  code: number | null;
  signal: string | null;
  /** The last `outputLimit` bytes (256 KiB by default) of stdout + stderr, interleaved. */
  output: string;
  timedOut: boolean;
  ms: number;
}

/** Options of {@link run}. */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Copy the child's output to ours as it comes (default true). */
  echo?: boolean;
  /** Kill the child (and its process group) after this long. */
  timeoutMs?: number;
  /** Prefix for each echoed line. */
  prefix?: string;
  /** How much of the output `output` keeps, from its end (default 256 KiB). */
  outputLimit?: number;
}

const OUTPUT_TAIL = 256 * 1024;

/**
 * Runs a program without a shell, stdin closed, optionally echoing its output.
 *
 * @param command The executable.
 * @param args Its arguments.
 * @param options Working directory, environment, echo, timeout.
 * @returns Exit status and the tail of the output.
 */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const echo = options.echo ?? true;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  return new Promise((resolvePromise) => {
    let output = "";
    let timedOut = false;
    // In its own process group, so a timeout (or killChildren) ends its children too.
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    if (child.pid !== undefined) running.add(child.pid);
    const onData = (target: { write(text: string): unknown }) => {
      const decoder = new TextDecoder();
      let atLineStart = true;
      return (chunk: Uint8Array) => {
        const text = decoder.decode(chunk, { stream: true });
        output = (output + text).slice(-(options.outputLimit ?? OUTPUT_TAIL));
        if (!echo || text === "") return;
        if (options.prefix === undefined) {
          target.write(text);
          return;
        }
        const prefix = options.prefix;
        const prefixed = text.replace(/\n(?=.)/g, `\n${prefix}`);
        target.write((atLineStart ? prefix : "") + prefixed);
        atLineStart = text.endsWith("\n");
      };
    };
    child.stdout.on("data", onData(process.stdout));
    child.stderr.on("data", onData(process.stderr));
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, "SIGKILL");
    }, options.timeoutMs);
    const finish = (code: number | null, signal: string | null) => {
      if (timer !== undefined) clearTimeout(timer);
      if (child.pid !== undefined) running.delete(child.pid);
      resolvePromise({ code, signal, output, timedOut, ms: performance.now() - started });
    };
    child.once("error", (error) => {
      output += `\n${error.message}\n`;
      finish(127, null);
    });
    child.once("close", (code, signal) => finish(code, signal));
  });
}

/** Process groups started by {@link run} that have not ended yet. */
const running = new Set<number>();

function killGroup(pid: number | undefined, signal: "SIGTERM" | "SIGKILL"): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * Ends every process group {@link run} started that is still running (for an interrupted
 * run: the children live in their own groups, so a terminal's Ctrl-C does not reach them).
 *
 * @param signal The signal to send.
 */
export function killChildren(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): void {
  for (const pid of running) killGroup(pid, signal);
}

/** Runs a program and throws with its output when it fails. */
export async function runOrThrow(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    const tail = options.echo === false ? `\n${result.output.slice(-4000)}` : "";
    throw new Error(
      `Command failed (${
        result.timedOut ? "timed out" : `exit ${result.code ?? result.signal}`
      }): ` +
        `${command} ${args.join(" ")}${tail}`,
    );
  }
  return result;
}

/** The `deno` executable running this script. */
export function denoBin(): string {
  return process.execPath;
}

/** A binary from the repository's `node_modules/.bin` (bun, tsc, codex). */
export function localBin(name: string): string {
  const path = join(REPO_ROOT, "node_modules", ".bin", name);
  if (!existsSync(path)) {
    throw new Error(`Cannot find "${name}" in node_modules/.bin: run \`npm install\` first`);
  }
  return path;
}
