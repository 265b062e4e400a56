/**
 * Property-based tests (fast-check) of framing and dispatch: random chunkings and
 * corruptions of a session never throw out of the connection, never hang, and deliver every
 * intact message exactly once, in order.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { CodexError } from "../mod.ts";
import {
  type ChildProcess,
  JsonRpcConnection,
  MalformedMessage,
  type ProcessExit,
  stdioTransport,
} from "../transport.ts";

const encoder = new TextEncoder();

/** A process whose stdout yields `chunks`, then ends and exits 0. */
function replayingChild(chunks: Uint8Array[]): ChildProcess {
  let exit!: (exit: ProcessExit) => void;
  let index = 0;
  return {
    pid: -1,
    stdin: new WritableStream(),
    stdout: new ReadableStream({
      pull(controller) {
        if (index < chunks.length) return controller.enqueue(chunks[index++]);
        controller.close();
        setTimeout(() => exit({ code: 0, signal: null }), 0);
      },
    }),
    stderr: new ReadableStream({ start: (controller) => controller.close() }),
    exited: new Promise((resolve) => (exit = resolve)),
    kill() {},
  };
}

/** Cuts `bytes` at the given (sorted, deduplicated) offsets. */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) chunks.push(bytes.subarray(start, point));
    start = Math.max(start, point);
  }
  return chunks;
}

const notification = fc.record({
  method: fc.constantFrom("item/agentMessage/delta", "turn/started", "x/unknown"),
  params: fc.record({ n: fc.nat(), text: fc.string({ unit: "grapheme", maxLength: 40 }) }),
});

/** A line that is not a good JSON-RPC message: it must be reported, never delivered. */
const corruption = fc.oneof(
  fc.constant("{not json"),
  fc.constant("[1,2,3]"),
  fc.constant("42"),
  fc.constant('{"jsonrpc":"2.0"}'),
  fc.constant('{"id":123456789,"result":{}}'), // a reply to an id never sent
  fc.string({ maxLength: 30 }).filter((text) => !text.includes("\n") && text.trim() !== ""),
);

test(
  "Framing and dispatch: every intact notification exactly once, in order, whatever the chunking",
  {
    timeout: 60_000,
  },
  async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            notification.map((n) => ({ kind: "good" as const, n })),
            corruption.map((line) => ({ kind: "bad" as const, line })),
            fc.constantFrom("", "   ", "\r").map((line) => ({ kind: "blank" as const, line })),
          ),
          { maxLength: 40 },
        ),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.boolean(),
        async (lines, offsets, crlf) => {
          const end = crlf ? "\r\n" : "\n";
          const text =
            lines.map((line) => line.kind === "good" ? JSON.stringify(line.n) : line.line).join(
              end,
            ) + end;
          const bytes = encoder.encode(text);
          const delivered: unknown[] = [];
          const reports: CodexError[] = [];
          const connection = new JsonRpcConnection(
            stdioTransport(replayingChild(cut(bytes, offsets))),
            {
              onError: (error) => reports.push(error),
            },
          );
          connection.onNotification((method, params) => delivered.push({ method, params }));
          const closed = await Promise.race([
            connection.closed,
            new Promise((_, reject) => setTimeout(() => reject(new Error("hang")), 5_000)),
          ]);
          assert.ok(closed, "the connection ended");
          const expected = lines.filter((line) => line.kind === "good")
            .map((line) => JSON.parse(JSON.stringify(line.n)));
          assert.deepEqual(delivered, expected);
          const bad = lines.filter((line) => line.kind === "bad").length;
          assert.equal(reports.length, bad, "every corrupt line was reported, once");
        },
      ),
      { numRuns: 150 },
    );
  },
);

test("stdioTransport: readMessages hands over what readable yields, whatever the chunking", {
  timeout: 60_000,
}, async () => {
  const line = fc.oneof(notification.map((n) => JSON.stringify(n)), corruption, fc.constant(""));
  await fc.assert(
    fc.asyncProperty(
      fc.array(line, { maxLength: 30 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.boolean(),
      async (lines, offsets, trailingNewline) => {
        const bytes = encoder.encode(lines.join("\n") + (trailingNewline ? "\n" : ""));
        const plain = (message: unknown) =>
          message instanceof MalformedMessage ? { malformed: message.text } : message;
        const fromReadable: unknown[] = [];
        for await (const batch of stdioTransport(replayingChild(cut(bytes, offsets))).readable) {
          fromReadable.push(...batch.map(plain));
        }
        const fromCallback: unknown[] = [];
        const transport = stdioTransport(replayingChild(cut(bytes, offsets)));
        await transport.readMessages!((batch) => fromCallback.push(...batch.map(plain)));
        assert.deepEqual(fromCallback, fromReadable);
      },
    ),
    { numRuns: 150 },
  );
});

test("Invalid UTF-8 never throws out of the connection and spoils only its own line", {
  timeout: 30_000,
}, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 1, maxLength: 50 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      async (noise, offsets) => {
        const clean = noise.map((byte) => (byte === 10 ? 0xff : byte));
        const good = encoder.encode('{"method":"a","params":{}}\n');
        const bytes = new Uint8Array([...good, ...clean, 10, ...good]);
        const delivered: string[] = [];
        const connection = new JsonRpcConnection(
          stdioTransport(replayingChild(cut(bytes, offsets))),
          {
            onError: () => {},
          },
        );
        connection.onNotification((method) => delivered.push(method));
        await connection.closed;
        assert.ok(delivered.length >= 2 && delivered[0] === "a" && delivered.at(-1) === "a");
      },
    ),
    { numRuns: 100 },
  );
});

test("Replies in any order, duplicated or to unknown ids settle every request exactly once", {
  timeout: 60_000,
}, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 20 }),
      fc.func(fc.nat()),
      fc.array(fc.nat({ max: 40 }), { maxLength: 10 }),
      async (count, order, extras) => {
        const written: { id: number; method: string }[] = [];
        let toClient!: ReadableStreamDefaultController<unknown[]>;
        let end!: (info: { reason: string }) => void;
        const connection = new JsonRpcConnection({
          readable: new ReadableStream({ start: (controller) => (toClient = controller) }),
          writable: new WritableStream({ write: (text) => void written.push(JSON.parse(text)) }),
          closed: new Promise((resolve) => (end = resolve)),
          stderrTail: () => [],
          close: () => Promise.resolve({ reason: "closed" }),
        }, { onError: () => {} });
        const settled = new Map<number, number>();
        const requests = Array.from({ length: count }, (_, i) =>
          connection.request(`m${i}`).then(
            (result) => settled.set(i, (settled.get(i) ?? 0) + 1) && result,
            (error) => error,
          ));
        await new Promise((resolve) => setTimeout(resolve, 0));
        const replies = [...written].sort((a, b) => order(a.id) - order(b.id));
        const batch: unknown[] = [];
        for (const message of replies) {
          batch.push({ id: message.id, result: { method: message.method } });
          if (order(message.id) % 3 === 0) batch.push({ id: message.id, result: "duplicate" });
        }
        for (const extra of extras) batch.push({ id: 10_000 + extra, result: {} });
        toClient.enqueue(batch);
        const results = await Promise.race([
          Promise.all(requests),
          new Promise((_, reject) => setTimeout(() => reject(new Error("hang")), 5_000)),
        ]) as { method: string }[];
        results.forEach((result, i) => assert.equal(result.method, `m${i}`));
        for (const times of settled.values()) assert.equal(times, 1);
        end({ reason: "done" });
        toClient.close();
        await connection.closed;
      },
    ),
    { numRuns: 100 },
  );
});
