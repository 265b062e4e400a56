/**
 * A transport wrapper that records every message the client sends, to assert on what
 * reached (or did not reach) the server.
 *
 * @module
 */

import type { MessageTransport } from "../../mod.ts";

/** A transport whose outgoing messages are kept. */
export interface RecordingTransport extends MessageTransport {
  /** Every message the client wrote, parsed, in order. */
  readonly sent: { id?: unknown; method?: string; params?: unknown }[];
  /** The methods of the requests and notifications the client sent. */
  methods(): string[];
}

/**
 * `inner`, with each message the client writes handed to `write`, which passes it on with
 * `forward` (or keeps it); `readable` replaces what the client reads when given.
 *
 * @param inner The wrapped transport.
 * @param write Sees each outgoing message.
 * @param readable What the client reads instead of `inner.readable`.
 * @returns The wrapping transport.
 */
export function interceptWrites(
  inner: MessageTransport,
  write: (text: string, forward: (text: string) => Promise<void>) => Promise<void> | void,
  readable: ReadableStream<unknown[]> = inner.readable,
): MessageTransport {
  const writer = inner.writable.getWriter();
  const forward = (text: string) => writer.write(text);
  return {
    readable,
    writable: new WritableStream<string>({
      write: (text) => write(text, forward),
      close: () => writer.close(),
      abort: (reason) => writer.abort(reason),
    }),
    closed: inner.closed,
    pid: inner.pid,
    stderrTail: () => inner.stderrTail(),
    close: (options) => inner.close(options),
  };
}

/** Wraps `inner`, recording what is written to it. */
export function recording(inner: MessageTransport): RecordingTransport {
  const sent: { id?: unknown; method?: string; params?: unknown }[] = [];
  return {
    ...interceptWrites(inner, (text, forward) => {
      sent.push(JSON.parse(text));
      return forward(text);
    }),
    sent,
    methods: () => sent.flatMap((message) => message.method === undefined ? [] : [message.method]),
  };
}
