/**
 * The checkout and the machine the bench runs on: where the repository and the codex binary
 * are, program versions, the load average and the CPU.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = dirname(dirname(fileURLToPath(import.meta.url)));

/** The app-server binary every scenario runs. */
export const CODEX_BIN: string = join(
  ROOT,
  "node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex",
);

/** A command's stdout (else its stderr), trimmed; `unavailable (…)` when it cannot run. */
export async function commandOutput(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await new Deno.Command(command, { args, cwd: ROOT }).output();
    return new TextDecoder().decode(stdout.length > 0 ? stdout : stderr).trim();
  } catch (error) {
    return `unavailable (${error instanceof Error ? error.message : error})`;
  }
}

/** Whether `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The 1-, 5- and 15-minute load averages, space-separated. */
export async function loadAverage(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
}

/** The CPU model and its core count: `Model name (N cores)`. */
export async function cpuDescription(): Promise<string> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo");
  const cpu = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? "unknown";
  const cores = cpuinfo.split("\n").filter((line) => line.startsWith("processor")).length;
  return `${cpu} (${cores} cores)`;
}
