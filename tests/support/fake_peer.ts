/**
 * An in-process JSON-RPC peer over a pair of Web Streams, for connection behaviour the real
 * app-server cannot be made to produce (malformed lines, unknown ids, reordering …).
 *
 * @module
 */

import { JsonlDecodeStream } from "./jsonl_streams.ts";
import type { MessageTransport, TransportCloseInfo } from "../../mod.ts";

/** The server side of a {@linkcode fakePeer}. */
export interface FakePeer {
  /** The client side, to hand to a connection. */
  readonly transport: MessageTransport;
  /** Sends a message (an object is serialized; a string is sent as a raw line). */
  send(message: unknown): void;
  /** The next message the client sent (parsed). */
  next(): Promise<Record<string, unknown>>;
  /** Ends the transport as if the process exited. */
  end(info?: Partial<TransportCloseInfo>): void;
}

/** Creates a fake peer whose bytes go through the real JSONL decoder. */
export function fakePeer(): FakePeer {
  const encoder = new TextEncoder();
  let toClient!: ReadableStreamDefaultController<Uint8Array>;
  const bytes = new ReadableStream<Uint8Array>({
    start(controller) {
      toClient = controller;
    },
  });
  const inbox: Record<string, unknown>[] = [];
  const waiting: ((message: Record<string, unknown>) => void)[] = [];
  let resolveClosed!: (info: TransportCloseInfo) => void;
  const closed = new Promise<TransportCloseInfo>((resolve) => {
    resolveClosed = resolve;
  });
  let ended = false;
  const end = (info: Partial<TransportCloseInfo> = {}) => {
    if (ended) return;
    ended = true;
    try {
      toClient.close();
    } catch {
      // already closed
    }
    resolveClosed({ reason: "fake peer ended", exitCode: 0, signal: null, ...info });
  };
  const transport: MessageTransport = {
    readable: bytes.pipeThrough(new JsonlDecodeStream()),
    writable: new WritableStream<string>({
      write(text) {
        const message = JSON.parse(text) as Record<string, unknown>;
        const waiter = waiting.shift();
        if (waiter) waiter(message);
        else inbox.push(message);
      },
    }),
    closed,
    stderrTail: () => ["fake stderr line"],
    close: () => {
      end({ reason: "fake peer closed" });
      return closed;
    },
  };
  return {
    transport,
    send(message) {
      const line = typeof message === "string" ? message : JSON.stringify(message);
      toClient.enqueue(encoder.encode(line + "\n"));
    },
    next() {
      const message = inbox.shift();
      if (message) return Promise.resolve(message);
      return new Promise((resolve) => waiting.push(resolve));
    },
    end,
  };
}
