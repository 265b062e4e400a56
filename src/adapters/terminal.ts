/**
 * Asking the person at the terminal, through `node:readline` (which Deno and Bun run too).
 *
 * @module
 */

import process from "node:process";
import { createInterface } from "node:readline/promises";

/**
 * Writes `question` to stderr and reads one line from stdin.
 *
 * @param question What to ask.
 * @param signal Stops waiting for the answer.
 * @returns The line typed, or `null` when stdin or stderr is not a terminal, or `signal`
 * aborts.
 *
 * @example
 * ```ts ignore
 * import { ask } from "./terminal.ts";
 * const answer = await ask("Continue? [y/N] ", AbortSignal.timeout(60_000));
 * ```
 */
export async function ask(question: string, signal: AbortSignal): Promise<string | null> {
  if (!process.stdin.isTTY || !process.stderr.isTTY || signal.aborted) return null;
  const lines = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await lines.question(question, { signal });
  } catch {
    return null;
  } finally {
    lines.close();
  }
}
