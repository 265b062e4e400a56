/**
 * `recordTransport`: a transport that passes everything through to another one and writes
 * every JSON-RPC message, in both directions, to a JSON Lines file (see `recording.ts`).
 *
 * @module
 */

import { loadTestHost, type TestHost } from "../adapters/test_host.ts";
import { MalformedMessage } from "../framing/malformed.ts";
import { CodexError } from "../errors.ts";
import type { MessageTransport, TransportCloseInfo } from "../transport/transport.ts";
import type { JsonValue } from "./json.ts";
import { type RecordedClose, type RecordedEntry, recordingHeader } from "./recording.ts";

/**
 * The JSON part of a close info (what a recording keeps of it).
 *
 * @param info Why a transport ended.
 * @returns The recordable part.
 *
 * @example
 * ```ts
 * import { recordedClose } from "./record.ts";
 * console.log(recordedClose({ reason: "gone", exitCode: 1, cause: new Error("x") }));
 * // { reason: "gone", exitCode: 1 }
 * ```
 */
export function recordedClose(info: TransportCloseInfo): RecordedClose {
  return {
    reason: info.reason,
    ...(info.exitCode === undefined ? {} : { exitCode: info.exitCode }),
    ...(info.signal === undefined ? {} : { signal: info.signal }),
    ...(info.stderrTail === undefined ? {} : { stderrTail: [...info.stderrTail] }),
  };
}

/** Appends lines to a file in order, batching what arrives together into one write. */
class LineWriter {
  readonly #path: string;
  readonly #host: Promise<TestHost>;
  readonly #onFailure: (error: unknown) => void;
  #pending = "";
  #chain: Promise<void>;
  #failed = false;
  /** Resolves once the header is written: `true`, or `false` when writing failed. */
  readonly ready: Promise<boolean>;

  constructor(path: string, host: Promise<TestHost>, onFailure: (error: unknown) => void) {
    this.#path = path;
    this.#host = host;
    this.#onFailure = onFailure;
    this.ready = host.then((h) => h.writeTextFile(path, recordingHeader())).then(
      () => true,
      (error) => {
        this.#fail(error);
        return false;
      },
    );
    this.#chain = this.ready.then(() => {});
  }

  /** Queues one entry. */
  add(entry: RecordedEntry): void {
    if (this.#failed) return;
    const first = this.#pending === "";
    this.#pending += `${JSON.stringify(entry)}\n`;
    if (!first) return; // a write is already queued and will take this line too
    this.#chain = this.#chain.then(async () => {
      const text = this.#pending;
      this.#pending = "";
      if (this.#failed) return;
      try {
        await (await this.#host).appendTextFile(this.#path, text);
      } catch (error) {
        this.#fail(error);
      }
    });
  }

  /** Resolves once everything queued so far is written (or writing failed). */
  flushed(): Promise<void> {
    return this.#chain;
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#onFailure(error);
  }
}

function parsedOrText(text: string): { message: JsonValue } | undefined {
  try {
    return { message: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/**
 * Wraps a transport so that every JSON-RPC message in both directions is also written to a
 * JSON Lines file at `path` (replaced if it exists), for {@linkcode replayTransport}. The
 * file is complete once the transport's `closed` has resolved. If the file cannot be
 * written, the transport is closed, and `closed` says why.
 *
 * @param inner The transport to record (e.g. `spawnAppServer(…)`).
 * @param path The file to write.
 * @returns The recording transport; use it wherever `inner` would have been used.
 *
 * @example
 * ```ts
 * import { Codex } from "codex-app-server";
 * import { codexHome, FakeModel, recordTransport } from "codex-app-server/testing";
 * import { spawnAppServer } from "codex-app-server/transport";
 *
 * await using model = await FakeModel.start();
 * await using home = await codexHome({ model });
 * const launch = { cwd: home.workspace, env: home.env };
 * const path = `${home.path}/session.jsonl`;
 * {
 *   await using codex = await Codex.start({
 *     transport: async () => recordTransport(await spawnAppServer(launch), path),
 *   });
 *   await (await codex.threadStart()).run("Hello.");
 * } // closed: the recording is complete
 * ```
 */
export function recordTransport(inner: MessageTransport, path: string): MessageTransport {
  const host = loadTestHost();
  let failure: TransportCloseInfo | undefined;
  const writer = new LineWriter(path, host, (error) => {
    failure = {
      reason: `Cannot record JSON-RPC traffic to "${path}": ${
        error instanceof Error ? error.message : String(error)
      }`,
      cause: error,
    };
    inner.close().catch(() => {});
  });
  const innerWriter = inner.writable.getWriter();
  innerWriter.closed.catch(() => {});
  const writable = new WritableStream<string>({
    async write(text) {
      // Nothing reaches the peer before the file is known to be writable.
      if (!(await writer.ready)) throw new CodexError(failure!.reason, { cause: failure!.cause });
      const parsed = parsedOrText(text);
      // The SDK only ever writes JSON; anything else is recorded as a string message.
      writer.add({ from: "client", message: parsed === undefined ? text : parsed.message });
      await innerWriter.write(text);
    },
    close: () => innerWriter.close(),
    abort: (reason) => innerWriter.abort(reason),
  });
  const readable = inner.readable.pipeThrough(
    new TransformStream<unknown[], unknown[]>({
      transform(batch, controller) {
        for (const message of batch) {
          writer.add(
            message instanceof MalformedMessage
              ? { from: "server", malformed: message.text }
              : { from: "server", message: message as JsonValue },
          );
        }
        controller.enqueue(batch);
      },
    }),
  );
  const closed = inner.closed.then(async (info) => {
    writer.add({ from: "server", closed: recordedClose(info) });
    await writer.flushed();
    return failure ?? info;
  });
  return {
    readable,
    writable,
    closed,
    get pid() {
      return inner.pid;
    },
    stderrTail: () => inner.stderrTail(),
    async close(options) {
      writer.add({ from: "client", close: true });
      await inner.close(options).catch(() => {});
      return await closed;
    },
  };
}
