/**
 * A streamed thread search (`thread/search/stream`): its best-effort partial batches
 * (`thread/search/partial`) as they come, then the authoritative final page; cancelled
 * (`thread/search/stream/cancel`) by a signal, a deadline, leaving the loop, or disposal.
 *
 * @module
 */

import type {
  ThreadSearchParams,
  ThreadSearchResponse,
  ThreadSearchResult,
} from "../../generated/mod.ts";
import { type CallOptions, callScope, withoutCallOptions } from "../_util/call.ts";
import { type Deferred, deferred } from "../_util/deferred.ts";
import { raceSignal, settleWithin } from "../_util/wait.ts";
import { CodexError } from "../errors.ts";
import type { CodexClient } from "./client.ts";
import { EventQueue } from "./event_queue.ts";

/** The longest search term `thread/search/stream` takes, in UTF-8 bytes after trimming. */
export const MAX_SEARCH_TERM_BYTES = 65_536;

/** How long cancelling waits for the server to acknowledge `thread/search/stream/cancel`. */
const CANCEL_WAIT_MS = 5_000;

/**
 * Options of `codex.threadSearch`: the `thread/search/stream` params other than the search
 * term (`limit`, `cursor`, `sortKey`, `sortDirection`, `archived`, `sourceKinds`, …), and
 * `signal` / `timeoutMs`, which bound the whole search and cancel it on the server.
 */
export interface ThreadSearchOptions extends Omit<ThreadSearchParams, "searchTerm">, CallOptions {}

/**
 * One event of a streamed search: a provisional batch of matches, or the final page.
 *
 * - `partial`: rows as the server verified them — unique, in discovery order, possibly not
 *   all of them, and possibly outside the final page. Show them provisionally.
 * - `final`: the authoritative page (results, order and cursors). It replaces every partial
 *   batch, and is always the last event.
 */
export type ThreadSearchEvent =
  | {
    /** A provisional batch. */
    readonly type: "partial";
    /** Its matches. */
    readonly data: readonly ThreadSearchResult[];
  }
  | {
    /** The final page. */
    readonly type: "final";
    /** The `thread/search/stream` result. */
    readonly response: ThreadSearchResponse;
  };

/**
 * A streamed thread search, made by `codex.threadSearch(searchTerm, options)`. Nothing is
 * sent until it is iterated or `result()` is called. Iterate it once for its events (ending
 * with the final page), or await `result()` for the final page alone.
 *
 * It is cancelled — the SDK sends `thread/search/stream/cancel` and waits (at most 5 s) for
 * the acknowledgement — when `signal` aborts or `timeoutMs` passes (the loop and `result()`
 * then reject with the signal's reason or a `CallTimeoutError`), when the loop is left early
 * (`break`, `return`, a throw), or when it is disposed while it runs (`await using`); after
 * those two, `result()` rejects with a `CodexError` saying it was cancelled.
 *
 * @example
 * ```ts
 * import { Codex } from "codex-app-server";
 * await using codex = await Codex.start();
 * await using search = codex.threadSearch("flaky test", { limit: 20, timeoutMs: 30_000 });
 * for await (const event of search) {
 *   if (event.type === "partial") {
 *     for (const match of event.data) console.log("…", match.thread.id, match.snippet);
 *   } else {
 *     for (const match of event.response.data) console.log(match.thread.id, match.snippet);
 *   }
 * }
 * ```
 */
export class ThreadSearch implements AsyncIterable<ThreadSearchEvent>, AsyncDisposable {
  /** What is searched for. */
  readonly searchTerm: string;
  readonly #connect: () => Promise<CodexClient>;
  readonly #options: ThreadSearchOptions;
  readonly #events = new EventQueue<ThreadSearchEvent>();
  readonly #done: Deferred<ThreadSearchResponse> = deferred<ThreadSearchResponse>();
  readonly #stop = new AbortController();
  #started = false;
  #iterated = false;
  #requestId: number | undefined;
  #client: CodexClient | undefined;
  #cancelling: Promise<void> | undefined;

  /**
   * Creates a search; `codex.threadSearch` is the way to make one.
   *
   * @param connect Resolves with the connected client.
   * @param searchTerm What to search for (non-empty, at most 65,536 UTF-8 bytes trimmed).
   * @param options The other params, signal and timeout.
   * @throws {CodexError} The search term is empty or too long.
   * @ignore
   */
  constructor(
    connect: () => Promise<CodexClient>,
    searchTerm: string,
    options: ThreadSearchOptions = {},
  ) {
    checkSearchTerm(searchTerm);
    this.searchTerm = searchTerm;
    this.#connect = connect;
    this.#options = options;
    this.#done.promise.catch(() => {}); // surfaced through result() and the iteration
  }

  /** The JSON-RPC id of the `thread/search/stream` request, once it was sent. */
  get requestId(): number | undefined {
    return this.#requestId;
  }

  /**
   * Iterates the search's events: `partial` batches as they come, then the `final` page.
   * Leaving the loop early cancels the search.
   *
   * @returns The iterator.
   * @throws {CodexError} The search is iterated a second time.
   */
  [Symbol.asyncIterator](): AsyncIterator<ThreadSearchEvent> {
    if (this.#iterated) {
      throw new CodexError(
        `Cannot iterate the thread search for ${JSON.stringify(this.searchTerm)} twice`,
      );
    }
    this.#iterated = true;
    this.#start();
    const events = this.#events;
    return {
      next: () => events.next(),
      return: async () => {
        if (!this.#done.settled) await this.cancel();
        return await events.return();
      },
    };
  }

  /**
   * The final page (the `thread/search/stream` result), starting the search if needed.
   *
   * @returns The authoritative results and cursors.
   * @throws {UnsupportedMethodError} The app-server is older than `thread/search/stream`.
   * @throws {CallTimeoutError} `timeoutMs` passed first (the search was cancelled).
   * @throws {JsonRpcError} The server failed the search.
   * @throws {CodexError} The search was cancelled (`cancel()`, a loop left early, disposal).
   */
  result(): Promise<ThreadSearchResponse> {
    this.#start();
    return this.#done.promise;
  }

  /**
   * Cancels the search if it runs: sends `thread/search/stream/cancel` and waits (at most
   * 5 s) for the acknowledgement. Waiters reject with a `CodexError` saying it was
   * cancelled. Does nothing once the search has ended.
   */
  async cancel(): Promise<void> {
    if (!this.#started) this.#started = true; // never starts now
    this.#abort(
      new CodexError(`The thread search for ${JSON.stringify(this.searchTerm)} was cancelled`),
    );
    await this.#cancelling;
  }

  /** Cancels the search if it still runs; what `await using` calls. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#done.settled) await this.cancel();
  }

  /** Fails the waiters with `reason` and tells the server, once. */
  #abort(reason: unknown): void {
    if (this.#done.settled) return;
    this.#done.reject(reason);
    this.#events.fail(reason);
    this.#stop.abort(reason);
    const client = this.#client;
    const requestId = this.#requestId;
    if (client !== undefined && requestId !== undefined) {
      this.#cancelling = settleWithin(
        client.request("thread/search/stream/cancel", { requestId }),
        CANCEL_WAIT_MS,
      ).then(() => {}, () => {});
    }
  }

  /** Sends the search (once). */
  #start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#run().catch(() => {});
  }

  async #run(): Promise<void> {
    const scope = callScope(this.#options, "thread/search/stream");
    const onAbort = () => this.#abort(scope.signal!.reason);
    scope.signal?.addEventListener("abort", onAbort, { once: true });
    let removeListener: (() => void) | undefined;
    try {
      scope.signal?.throwIfAborted();
      const client = await raceSignal(this.#connect(), this.#stop.signal);
      this.#client = client;
      removeListener = client.onNotification((event) => {
        if (event.method !== "thread/search/partial") return;
        if (event.params.requestId !== this.#requestId || this.#done.settled) return;
        this.#events.push({ type: "partial", data: event.params.data });
      });
      const params: ThreadSearchParams = {
        ...withoutCallOptions(this.#options),
        searchTerm: this.searchTerm,
      };
      const response = await client.request("thread/search/stream", params, {
        signal: this.#stop.signal,
        onRequestId: (id) => (this.#requestId = id),
      });
      if (this.#done.settled) return;
      this.#events.push({ type: "final", response });
      this.#events.end();
      this.#done.resolve(response);
    } catch (error) {
      if (!this.#done.settled) {
        this.#done.reject(error);
        this.#events.fail(error);
      }
    } finally {
      removeListener?.();
      scope.signal?.removeEventListener("abort", onAbort);
      scope[Symbol.dispose]();
    }
  }
}

/**
 * Checks a search term as `thread/search/stream` wants it.
 *
 * @param searchTerm The term.
 * @throws {CodexError} It is not a string, is blank, or is longer than
 * {@linkcode MAX_SEARCH_TERM_BYTES} once trimmed.
 *
 * @example
 * ```ts
 * import { checkSearchTerm } from "./thread_search.ts";
 * checkSearchTerm("flaky test"); // fine
 * ```
 */
export function checkSearchTerm(searchTerm: string): void {
  if (typeof searchTerm !== "string" || searchTerm.trim() === "") {
    throw new CodexError(
      `Cannot search threads: the search term must be a non-empty string, got ${
        JSON.stringify(searchTerm)
      }`,
    );
  }
  const bytes = new TextEncoder().encode(searchTerm.trim()).length;
  if (bytes > MAX_SEARCH_TERM_BYTES) {
    throw new CodexError(
      `Cannot search threads: the search term is ${bytes} UTF-8 bytes once trimmed, more than ` +
        `the ${MAX_SEARCH_TERM_BYTES} thread/search/stream takes`,
    );
  }
}
