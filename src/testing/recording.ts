/**
 * The recording format of {@linkcode recordTransport} and {@linkcode replayTransport}: JSON
 * Lines, a header line, then one line per message in the order the client saw them.
 *
 * ```
 * {"recording":"codex-app-server/json-rpc","version":1}
 * {"from":"client","message":{"id":1,"method":"initialize","params":{…}}}
 * {"from":"server","message":{"id":1,"result":{…}}}
 * {"from":"server","malformed":"a line that was not JSON"}
 * {"from":"client","close":true}
 * {"from":"server","closed":{"reason":"codex exited with code 0","exitCode":0,"signal":null}}
 * ```
 *
 * @module
 */

import { CodexError } from "../errors.ts";
import type { JsonValue } from "./json.ts";

/** The `recording` member of the header line. */
export const RECORDING_FORMAT = "codex-app-server/json-rpc";
/** The `version` member of the header line this SDK writes and reads. */
export const RECORDING_VERSION = 1;

/** Why the recorded transport ended, as recorded (the JSON part of `TransportCloseInfo`). */
export interface RecordedClose {
  /** The one-line reason ("codex exited with code 0"). */
  readonly reason: string;
  /** The exit code, when the peer was a process. */
  readonly exitCode?: number | null;
  /** The signal that ended the process, if any. */
  readonly signal?: string | null;
  /** The last stderr lines of the process. */
  readonly stderrTail?: readonly string[];
}

/**
 * One line of a recording after the header.
 *
 * @example
 * ```ts
 * import type { RecordedEntry } from "./recording.ts";
 * const entries: RecordedEntry[] = [
 *   { from: "client", message: { id: 1, method: "model/list", params: {} } },
 *   { from: "server", message: { id: 1, result: { data: [] } } },
 *   { from: "server", closed: { reason: "codex exited with code 1", exitCode: 1 } },
 * ];
 * ```
 */
export type RecordedEntry =
  /** A message, from the client or from the server. */
  | { readonly from: "client" | "server"; readonly message: JsonValue }
  /** A line from the server that was not JSON. */
  | { readonly from: "server"; readonly malformed: string }
  /** The client closed the transport. */
  | { readonly from: "client"; readonly close: true }
  /** The transport ended. */
  | { readonly from: "server"; readonly closed: RecordedClose };

/**
 * The header line of a recording.
 *
 * @returns The line, with its newline.
 *
 * @example
 * ```ts
 * import { recordingHeader } from "./recording.ts";
 * console.log(recordingHeader()); // {"recording":"codex-app-server/json-rpc","version":1}
 * ```
 */
export function recordingHeader(): string {
  return `${JSON.stringify({ recording: RECORDING_FORMAT, version: RECORDING_VERSION })}\n`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkEntry(value: unknown): RecordedEntry | undefined {
  if (!isObject(value) || (value.from !== "client" && value.from !== "server")) return undefined;
  if ("message" in value) return value as RecordedEntry;
  if (value.from === "server" && typeof value.malformed === "string") return value as RecordedEntry;
  if (value.from === "client" && value.close === true) return value as RecordedEntry;
  if (
    value.from === "server" && isObject(value.closed) && typeof value.closed.reason === "string"
  ) {
    return value as RecordedEntry;
  }
  return undefined;
}

/**
 * Parses the text of a recording.
 *
 * @param text The JSON Lines text.
 * @param source Where it came from, for error messages (a path).
 * @returns The entries after the header, in order.
 * @throws {CodexError} The header is missing or of another version, or a line is not a
 * recording entry (the message gives the line number and quotes it).
 *
 * @example
 * ```ts
 * import { parseRecording, recordingHeader } from "./recording.ts";
 * const entries = parseRecording(
 *   recordingHeader() + '{"from":"client","message":{"id":1,"method":"initialize"}}\n',
 *   "inline",
 * );
 * console.log(entries.length); // 1
 * ```
 */
export function parseRecording(text: string, source: string): RecordedEntry[] {
  const lines = text.split("\n");
  const fail = (line: number, problem: string): never => {
    throw new CodexError(`Cannot read recording "${source}": line ${line} ${problem}`);
  };
  const quote = (line: string) => JSON.stringify(line.length > 80 ? `${line.slice(0, 79)}…` : line);
  let header: unknown;
  try {
    header = JSON.parse(lines[0]);
  } catch {
    header = undefined;
  }
  if (!isObject(header) || header.recording !== RECORDING_FORMAT) {
    fail(1, `is not a ${RECORDING_FORMAT} recording header: ${quote(lines[0])}`);
  }
  if ((header as Record<string, unknown>).version !== RECORDING_VERSION) {
    fail(
      1,
      `has version ${
        JSON.stringify((header as Record<string, unknown>).version)
      }; this SDK reads version ${RECORDING_VERSION}`,
    );
  }
  const entries: RecordedEntry[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(lines[i]);
    } catch {
      fail(i + 1, `is not JSON: ${quote(lines[i])}`);
    }
    const entry = checkEntry(value);
    if (entry === undefined) fail(i + 1, `is not a recording entry: ${quote(lines[i])}`);
    entries.push(entry!);
  }
  return entries;
}
