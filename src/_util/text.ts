/**
 * Turning errors and process output into message text.
 *
 * @module
 */

/**
 * The message of an error, or the string form of anything else that was thrown.
 *
 * @param error Anything caught.
 * @returns One line of text.
 *
 * @example
 * ```ts
 * import { describe } from "./text.ts";
 * console.log(describe(new Error("boom")), describe("plain")); // "boom" "plain"
 * ```
 */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * ANSI escape sequences: colours and styles (CSI … m), cursor and erase commands (CSI …
 * letter), and OSC sequences such as hyperlinks (ESC ] … BEL or ESC \\).
 */
// deno-lint-ignore no-control-regex
const ANSI_ESCAPE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/**
 * A line of terminal output without its ANSI escape sequences (colours, styles, cursor
 * moves, hyperlinks), as a person reads it in a log or an error message.
 *
 * @param line The text, as the process wrote it.
 * @returns The text without escape sequences.
 *
 * @example
 * ```ts
 * import { stripAnsi } from "./text.ts";
 * console.log(stripAnsi("\x1b[31mERROR\x1b[0m bad config")); // "ERROR bad config"
 * ```
 */
export function stripAnsi(line: string): string {
  return line.includes("\x1b") ? line.replace(ANSI_ESCAPE, "") : line;
}

/** Stack-backtrace lines, left out of messages (callers keep the full tail). */
const BACKTRACE_LINE = /^\s*(Stack backtrace:|\d+: |at )/;

/**
 * The last lines a process wrote to stderr, as a paragraph to append to an error message:
 * ANSI escape sequences are removed, backtrace and blank lines are left out, at most `max`
 * lines are kept, and nothing at all is returned when no line is left.
 *
 * @param lines The stderr lines, oldest first.
 * @param max How many lines to show at most. Default 10.
 * @returns `"\nLast stderr lines:\n…"`, or `""`.
 *
 * @example
 * ```ts
 * import { stderrParagraph } from "./text.ts";
 * console.log(stderrParagraph(["error: bad config"])); // "\nLast stderr lines:\nerror: bad config"
 * ```
 */
export function stderrParagraph(lines: readonly string[], max = 10): string {
  const telling = lines.map(stripAnsi).filter((line) =>
    line.trim() !== "" && !BACKTRACE_LINE.test(line)
  );
  return telling.length === 0 ? "" : `\nLast stderr lines:\n${telling.slice(-max).join("\n")}`;
}
