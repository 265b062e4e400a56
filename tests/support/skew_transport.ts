/**
 * A transport around a real app-server that makes it look like another version: the
 * `initialize` reply's user agent reports `serverVersion`, the test can inject messages the
 * pinned protocol does not have (notifications, server requests), and every message the
 * client sends is recorded. Replies to injected requests are kept here, never forwarded.
 * It reaches versions no installed binary has (a newer one); the previous pin runs for real
 * from the dev dependency `codex-previous` (`./previous_codex.ts`).
 *
 * @module
 */

import type { MessageTransport } from "../../mod.ts";
import { interceptWrites } from "./recording.ts";

/** The wrapped transport and its controls. */
export interface SkewTransport {
  /** The transport to give to `Codex`. */
  readonly transport: MessageTransport;
  /** Every message the client sent, parsed, in order. */
  readonly sent: Record<string, unknown>[];
  /** Sends a message to the client as if the server had. */
  inject(message: Record<string, unknown>): void;
  /** The client's reply to an injected request. */
  reply(id: string | number): Promise<Record<string, unknown>>;
}

/** The version in a user agent `name/version (…)` replaced by `version`. */
function rewriteUserAgent(userAgent: unknown, version: string): unknown {
  return typeof userAgent === "string"
    ? userAgent.replace(/^([^/\s]+\/)\d[^\s]*/, `$1${version}`)
    : userAgent;
}

/**
 * Wraps a transport so the app-server reports `serverVersion`.
 *
 * @param inner The real transport (e.g. `spawnAppServer`'s).
 * @param serverVersion The version the client is to see.
 * @returns The transport and its controls.
 */
export function skewTransport(inner: MessageTransport, serverVersion: string): SkewTransport {
  const sent: Record<string, unknown>[] = [];
  const injectedIds = new Set<string | number>();
  const replies = new Map<string | number, Record<string, unknown>>();
  const waiting = new Map<string | number, (reply: Record<string, unknown>) => void>();
  let initializeId: unknown;
  let controller!: TransformStreamDefaultController<unknown[]>;
  const toClient = new TransformStream<unknown[], unknown[]>({
    start(c) {
      controller = c;
    },
    transform(batch, c) {
      c.enqueue(batch.map((message) => {
        const reply = message as { id?: unknown; result?: { userAgent?: unknown } };
        if (reply.id === undefined || reply.id !== initializeId || reply.result === undefined) {
          return message;
        }
        return {
          ...reply,
          result: {
            ...reply.result,
            userAgent: rewriteUserAgent(reply.result.userAgent, serverVersion),
          },
        };
      }));
    },
  });
  inner.readable.pipeTo(toClient.writable).catch(() => {});
  const transport = interceptWrites(inner, (text, forward) => {
    const message = JSON.parse(text) as Record<string, unknown>;
    sent.push(message);
    if (message.method === "initialize") initializeId = message.id;
    const id = message.id as string | number | undefined;
    if (message.method === undefined && id !== undefined && injectedIds.has(id)) {
      replies.set(id, message);
      waiting.get(id)?.(message);
      return;
    }
    return forward(text);
  }, toClient.readable);
  return {
    transport,
    sent,
    inject(message) {
      if (message.id !== undefined && message.method !== undefined) {
        injectedIds.add(message.id as string | number);
      }
      controller.enqueue([message]);
    },
    reply(id) {
      const done = replies.get(id);
      return done !== undefined
        ? Promise.resolve(done)
        : new Promise((resolve) => waiting.set(id, resolve));
    },
  };
}
