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

/** Wraps `inner`, recording what is written to it. */
export function recording(inner: MessageTransport): RecordingTransport {
  const sent: { id?: unknown; method?: string; params?: unknown }[] = [];
  const writer = inner.writable.getWriter();
  return {
    readable: inner.readable,
    writable: new WritableStream<string>({
      write(text) {
        sent.push(JSON.parse(text));
        return writer.write(text);
      },
      close: () => writer.close(),
      abort: (reason) => writer.abort(reason),
    }),
    closed: inner.closed,
    pid: inner.pid,
    stderrTail: () => inner.stderrTail(),
    close: (options) => inner.close(options),
    sent,
    methods: () => sent.flatMap((message) => message.method === undefined ? [] : [message.method]),
  };
}
