import { test } from "node:test";
import assert from "node:assert/strict";
import { JsonlDecodeStream, JsonlEncodeStream } from "./support/jsonl_streams.ts";
import { MalformedMessage } from "../src/framing/malformed.ts";

const encoder = new TextEncoder();

async function decode(chunks: Uint8Array[]): Promise<unknown[]> {
  const out: unknown[] = [];
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  }).pipeThrough(new JsonlDecodeStream());
  for await (const batch of stream) out.push(...batch);
  return out;
}

test("JsonlDecodeStream parses one message per line", { timeout: 5_000 }, async () => {
  assert.deepEqual(await decode([encoder.encode('{"id":1}\n{"id":2}\n')]), [{ id: 1 }, {
    id: 2,
  }]);
});

test("JsonlDecodeStream joins a line split across chunks", { timeout: 5_000 }, async () => {
  const bytes = encoder.encode('{"method":"a","params":{"x":[1,2,3]}}\n');
  const chunks = [bytes.slice(0, 5), bytes.slice(5, 6), bytes.slice(6, 20), bytes.slice(20)];
  assert.deepEqual(await decode(chunks), [{ method: "a", params: { x: [1, 2, 3] } }]);
});

test("JsonlDecodeStream decodes UTF-8 split inside a character", { timeout: 5_000 }, async () => {
  const bytes = encoder.encode('{"text":"héllo 🌍 世界"}\n');
  const chunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
  assert.deepEqual(await decode(chunks), [{ text: "héllo 🌍 世界" }]);
});

test("JsonlDecodeStream tolerates CRLF and skips empty lines", { timeout: 5_000 }, async () => {
  const messages = await decode([encoder.encode('\n{"a":1}\r\n\r\n  \n{"b":2}\r\n')]);
  assert.deepEqual(messages, [{ a: 1 }, { b: 2 }]);
});

test("JsonlDecodeStream parses a final line without a newline", { timeout: 5_000 }, async () => {
  assert.deepEqual(await decode([encoder.encode('{"a":1}\n{"b"'), encoder.encode(":2}")]), [
    { a: 1 },
    { b: 2 },
  ]);
});

test("JsonlDecodeStream reports a malformed line in order", { timeout: 5_000 }, async () => {
  const messages = await decode([encoder.encode('{"a":1}\nnot json\n{"b":2}\n')]);
  assert.equal(messages.length, 3);
  assert.deepEqual(messages[0], { a: 1 });
  assert.ok(messages[1] instanceof MalformedMessage);
  assert.equal((messages[1] as MalformedMessage).text, "not json");
  assert.ok((messages[1] as MalformedMessage).error instanceof SyntaxError);
  assert.deepEqual(messages[2], { b: 2 });
});

test("JsonlDecodeStream parses a 10 MB line in small chunks in linear time", {
  timeout: 20_000,
}, async () => {
  const payload = "x".repeat(10 * 1024 * 1024);
  const bytes = encoder.encode(JSON.stringify({ payload }) + "\n");
  for (const size of [64 * 1024, 4 * 1024]) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    // Re-joining the buffer on every 4 KiB chunk would copy ~13 GB (minutes); a linear
    // decoder copies each byte once (well under a second).
    const started = performance.now();
    const [message] = await decode(chunks);
    const elapsed = performance.now() - started;
    assert.equal((message as { payload: string }).payload.length, payload.length);
    assert.ok(elapsed < 5_000, `${chunks.length} chunks took ${elapsed.toFixed(0)} ms`);
  }
});

test("JsonlDecodeStream emits one batch per chunk, in order", { timeout: 5_000 }, async () => {
  const stream = ReadableStream.from([
    encoder.encode('{"a":1}\n{"b":2}\n{"c"'),
    encoder.encode(":3}\n"),
  ]).pipeThrough(new JsonlDecodeStream());
  const batches: unknown[][] = [];
  for await (const batch of stream) batches.push(batch);
  assert.deepEqual(batches, [[{ a: 1 }, { b: 2 }], [{ c: 3 }]]);
});

test("JsonlEncodeStream frames each text with one newline", { timeout: 5_000 }, async () => {
  const stream = ReadableStream.from(['{"id":1}', '{"id":"é"}']).pipeThrough(
    new JsonlEncodeStream(),
  );
  const parts: string[] = [];
  for await (const bytes of stream) parts.push(new TextDecoder().decode(bytes));
  assert.deepEqual(parts, ['{"id":1}\n', '{"id":"é"}\n']);
});
