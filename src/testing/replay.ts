/**
 * `replayTransport`: a transport that plays a recording back, with no app-server at all.
 *
 * @module
 */

import { loadTestHost } from "../adapters/test_host.ts";
import { MalformedMessage } from "../framing/malformed.ts";
import { CodexError } from "../errors.ts";
import type { MessageTransport, TransportCloseInfo } from "../transport/transport.ts";
import { firstDifference, type JsonValue, showJson } from "./json.ts";
import { parseRecording, type RecordedEntry } from "./recording.ts";

/**
 * A replay met a client message the recording did not expect. Its message names the first
 * difference: the client message's number, its method, the JSON path, and both values.
 *
 * @example
 * ```ts
 * import { ReplayDivergenceError } from "./replay.ts";
 * const error = new ReplayDivergenceError(3, "turn/start", "params.input[0].text", "Hi", "Hello");
 * console.log(error.message);
 * // Replay diverged at client message 3 (turn/start): at params.input[0].text expected "Hi", got "Hello"
 * ```
 */
export class ReplayDivergenceError extends CodexError {
  /** The position of the divergent client message among the client's messages, from 1. */
  readonly messageNumber: number;
  /** The method of the expected message (or of the actual one), when it has one. */
  readonly method: string | undefined;
  /** Where the messages first differ (`params.input[0].text`; `""` for the whole message). */
  readonly path: string;
  /** What the recording has there (`undefined`: nothing). */
  readonly expected: unknown;
  /** What the client sent there (`undefined`: nothing). */
  readonly actual: unknown;

  /**
   * Creates a `ReplayDivergenceError`.
   *
   * @param messageNumber The client message's number, from 1.
   * @param method The message's method, if any.
   * @param path The path of the first difference.
   * @param expected The recorded value there.
   * @param actual The sent value there.
   */
  constructor(
    messageNumber: number,
    method: string | undefined,
    path: string,
    expected: unknown,
    actual: unknown,
  ) {
    const what = method === undefined ? "" : ` (${method})`;
    const detail = path === "" && expected === undefined
      ? `the recording has no further client message here, got ${showJson(actual)}`
      : `${path === "" ? "" : `at ${path} `}expected ${showJson(expected)}, got ${
        showJson(actual)
      }`;
    super(`Replay diverged at client message ${messageNumber}${what}: ${detail}`);
    this.messageNumber = messageNumber;
    this.method = method;
    this.path = path;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Options of {@linkcode replayTransport}. */
export interface ReplayOptions {
  /**
   * Paths not to compare in client messages, spelled as a divergence names them
   * (`params.cwd`, `params.input[0].text`), e.g. for values that change between runs.
   */
  readonly ignore?: readonly string[];
}

/**
 * A transport that plays a recording back.
 *
 * @example
 * ```ts
 * import { type ReplayTransport, replayTransport } from "./replay.ts";
 * const replay: ReplayTransport = replayTransport([
 *   { from: "client", message: { id: 1, method: "model/list", params: {} } },
 * ]);
 * console.log(replay.remaining()); // 1: the client has not sent it yet
 * await replay.close();
 * ```
 */
export interface ReplayTransport extends MessageTransport {
  /** The divergence that ended the replay, if one did. */
  readonly divergence: ReplayDivergenceError | undefined;
  /**
   * How many recorded client messages have not been sent (yet).
   *
   * @returns The count; 0 once the client has sent everything the recording has.
   */
  remaining(): number;
}

function methodOf(message: unknown): string | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const method = (message as { method?: unknown }).method;
  return typeof method === "string" ? method : undefined;
}

/**
 * A transport that needs no app-server: it plays back a recording made by
 * {@linkcode recordTransport}. Each message the client writes is compared with the next
 * recorded client message; when they match, the server messages recorded after it are
 * delivered. The first divergence (a different message, an extra one, or a message after
 * the recording ends) closes the transport, so every pending request and turn fails with
 * a `TransportClosedError` whose message (and `cause`, a {@linkcode ReplayDivergenceError})
 * names the first difference. Replay is driven by the client's messages, not by the clock:
 * code that waits on timers may send things in another order than when it was recorded.
 *
 * @param source The recording's path, or its parsed entries.
 * @param options Paths to leave out of the comparison.
 * @returns The transport, for `Codex.start({ transport })`.
 *
 * @example
 * ```ts
 * import { mkdtemp } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { Codex } from "codex-app-server";
 * import { replayTransport, startTestCodex } from "codex-app-server/testing";
 *
 * const path = join(await mkdtemp(join(tmpdir(), "replay-")), "session.jsonl");
 * {
 *   await using t = await startTestCodex({ record: path }); // the real app-server
 *   await (await t.codex.threadStart()).run("Say hello.");
 * }
 * await using codex = await Codex.start({ transport: replayTransport(path) }); // none at all
 * const thread = await codex.threadStart();
 * console.log((await thread.run("Say hello.")).finalResponse); // as recorded
 * ```
 */
export function replayTransport(
  source: string | readonly RecordedEntry[],
  options: ReplayOptions = {},
): ReplayTransport {
  const ignore = options.ignore ?? [];
  const label = typeof source === "string" ? `"${source}"` : "the recording";
  let entries: readonly RecordedEntry[] = typeof source === "string" ? [] : source;
  let cursor = 0;
  let clientCount = 0;
  let divergence: ReplayDivergenceError | undefined;
  let finished = false;
  let readableController!: ReadableStreamDefaultController<unknown[]>;
  let resolveClosed!: (info: TransportCloseInfo) => void;
  const closed = new Promise<TransportCloseInfo>((resolve) => (resolveClosed = resolve));

  const finish = (info: TransportCloseInfo) => {
    if (finished) return;
    finished = true;
    try {
      readableController.close();
    } catch {
      // Already cancelled by the reader.
    }
    resolveClosed(info);
  };

  /** The recorded end of the session (its last `closed`), or a clean end. */
  const recordedEnd = (): TransportCloseInfo => {
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if ("closed" in entry) return { ...entry.closed };
    }
    return { reason: "the replay ended", exitCode: 0, signal: null };
  };

  /** Delivers the server entries from the cursor up to the next client entry. */
  const deliver = () => {
    const batch: unknown[] = [];
    while (cursor < entries.length && entries[cursor].from === "server") {
      const entry = entries[cursor++];
      if ("message" in entry) batch.push(entry.message);
      else if ("malformed" in entry) {
        batch.push(new MalformedMessage(entry.malformed, new SyntaxError("Recorded as malformed")));
      } else if ("closed" in entry) {
        if (batch.length > 0) readableController.enqueue(batch);
        finish({ ...entry.closed }); // the server went away by itself here
        return;
      }
    }
    if (batch.length > 0) readableController.enqueue(batch);
  };

  const diverge = (
    method: string | undefined,
    path: string,
    expected: unknown,
    actual: unknown,
  ) => {
    divergence = new ReplayDivergenceError(clientCount, method, path, expected, actual);
    finish({ reason: divergence.message, cause: divergence });
    throw divergence;
  };

  const ready: Promise<void> = (async () => {
    if (typeof source === "string") {
      const host = await loadTestHost();
      entries = parseRecording(await host.readTextFile(source), source);
    }
  })().then(
    () => deliver(),
    (error) => {
      const reason = error instanceof CodexError
        ? error.message
        : `Cannot replay ${label}: ${error instanceof Error ? error.message : String(error)}`;
      finish({ reason, cause: error });
    },
  );

  const readable = new ReadableStream<unknown[]>({
    start: (controller) => {
      readableController = controller;
    },
    cancel: () => {
      finished = true;
      resolveClosed({ reason: "the reader cancelled the replay" });
    },
  });

  const writable = new WritableStream<string>({
    async write(text) {
      await ready;
      if (finished) {
        throw new CodexError(`Cannot send to the replay of ${label}: it has ended`);
      }
      clientCount++;
      let actual: unknown;
      try {
        actual = JSON.parse(text);
      } catch {
        actual = text;
      }
      const expected = entries[cursor];
      if (expected === undefined || !("message" in expected) || expected.from !== "client") {
        diverge(methodOf(actual), "", undefined, actual);
      }
      const recorded = (expected as { message: JsonValue }).message;
      const difference = firstDifference(recorded, actual, ignore);
      if (difference !== undefined) {
        diverge(
          methodOf(recorded) ?? methodOf(actual),
          difference.path,
          difference.expected,
          difference.actual,
        );
      }
      cursor++;
      deliver();
    },
  });

  const transport: ReplayTransport = {
    readable,
    writable,
    closed,
    get divergence() {
      return divergence;
    },
    remaining: () =>
      entries.slice(cursor).filter((entry) => entry.from === "client" && "message" in entry)
        .length,
    stderrTail: () => [],
    async close() {
      await ready;
      if (!finished) {
        if (cursor < entries.length && "close" in entries[cursor]) cursor++;
        finish(recordedEnd());
      }
      return await closed;
    },
  };
  return transport;
}
