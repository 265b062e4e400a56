/**
 * Framing micro-benchmark: the SDK's `JsonlDecoder`, read through a pull source as the stdio
 * transport reads it, against the floor (a `TextDecoder`,
 * an `indexOf` split and `JSON.parse`), with and without valibot validation of every
 * notification, on a large buffer made of real captured app-server lines. Runtime-neutral:
 * the SDK modules come in as arguments so the same code runs on Deno, Bun and Node.
 *
 * @module
 */

import process from "node:process";

/** The SDK pieces the framing bench needs, loaded by the caller for its runtime. */
export interface FramingModules {
  /** The SDK's JSON Lines decoder. */
  readonly JsonlDecoder: new () => { push(chunk: Uint8Array): unknown[]; end(): unknown[] };
  /** The generated registry lookup. */
  readonly serverNotificationSchema: (method: string) => unknown;
  /** valibot's `safeParse`. */
  readonly safeParse: (schema: never, value: unknown) => { success: boolean };
  /** The SDK's check of a valid message (`conforms`), when the build has it. */
  readonly conforms?: (schema: never, value: unknown) => boolean;
}

/** One measured pass. */
export interface PassResult {
  /** Wall time, ms. */
  readonly ms: number;
  /** Process CPU time (user + system), µs. */
  readonly cpuUs: number;
  /** Messages produced. */
  readonly messages: number;
}

/** Per-notification-type costs, µs per message. */
export interface TypeCost {
  readonly method: string;
  /** Lines of this type in the capture. */
  readonly count: number;
  /** Mean line length, bytes. */
  readonly bytes: number;
  /** `JSON.parse` CPU per message, µs. */
  readonly parseUs: number;
  /** Validation CPU per message, µs (`NaN` when the type has no schema). */
  readonly validateUs: number;
  /**
   * The SDK's check of the same params (`conforms`: what validation runs first; valibot is
   * asked for the issues only when it fails), µs (`NaN` without a schema or the check).
   */
  readonly checkUs: number;
}

/** The whole framing result for one runtime. */
export interface FramingResult {
  readonly bytes: number;
  readonly messages: number;
  readonly floor: PassResult;
  readonly ours: PassResult;
  readonly floorValidated: PassResult;
  readonly oursValidated: PassResult;
  readonly types: TypeCost[];
}

const CHUNK = 64 * 1024;

/**
 * Repeats the captured lines into a buffer of at least `size` bytes, cut into pipe-sized
 * chunks (64 KiB, as a pipe read delivers them; lines straddle chunk boundaries).
 *
 * @param lines Captured JSON lines (without terminators).
 * @param size Target size in bytes.
 * @returns The chunks and their totals.
 */
export function buildChunks(
  lines: readonly string[],
  size: number,
): { chunks: Uint8Array[]; bytes: number; messages: number } {
  const block = lines.join("\n") + "\n";
  const blockBytes = new TextEncoder().encode(block);
  const repeats = Math.max(1, Math.ceil(size / blockBytes.length));
  const buffer = new Uint8Array(blockBytes.length * repeats);
  for (let i = 0; i < repeats; i++) buffer.set(blockBytes, i * blockBytes.length);
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < buffer.length; offset += CHUNK) {
    chunks.push(buffer.subarray(offset, Math.min(buffer.length, offset + CHUNK)));
  }
  return { chunks, bytes: buffer.length, messages: lines.length * repeats };
}

function cpuNow(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

function validator(modules: FramingModules): (message: unknown) => void {
  return (message) => {
    const m = message as { method?: unknown; id?: unknown; params?: unknown };
    if (typeof m.method !== "string" || m.id !== undefined) return;
    const schema = modules.serverNotificationSchema(m.method);
    if (schema !== undefined && !modules.safeParse(schema as never, m.params).success) {
      throw new Error(`captured ${m.method} does not validate`);
    }
  };
}

/** The floor: decode, split on "\n" with `indexOf`, `JSON.parse`, optionally validate. */
function floorPass(chunks: readonly Uint8Array[], check?: (message: unknown) => void): PassResult {
  const c0 = cpuNow();
  const t0 = performance.now();
  const decoder = new TextDecoder();
  let partial = "";
  let messages = 0;
  for (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    let start = 0;
    let end = text.indexOf("\n");
    if (end === -1) {
      partial += text;
      continue;
    }
    if (partial.length > 0) {
      const message = JSON.parse(partial + text.slice(0, end));
      messages++;
      if (check !== undefined) check(message);
      partial = "";
      start = end + 1;
      end = text.indexOf("\n", start);
    }
    while (end !== -1) {
      const message = JSON.parse(text.slice(start, end));
      messages++;
      if (check !== undefined) check(message);
      start = end + 1;
      end = text.indexOf("\n", start);
    }
    partial = text.slice(start);
  }
  return { ms: performance.now() - t0, cpuUs: cpuNow() - c0, messages };
}

/**
 * The SDK: chunks decoded by `JsonlDecoder` inside a pull source, read batch by batch (the
 * stdio transport's path).
 */
async function oursPass(
  modules: FramingModules,
  chunks: readonly Uint8Array[],
  check?: (message: unknown) => void,
): Promise<PassResult> {
  const c0 = cpuNow();
  const t0 = performance.now();
  let index = 0;
  const decoder = new modules.JsonlDecoder();
  const source = new ReadableStream<unknown[]>({
    pull(controller) {
      while (index < chunks.length) {
        const batch = decoder.push(chunks[index++]);
        if (batch.length > 0) return controller.enqueue(batch);
      }
      const rest = decoder.end();
      if (rest.length > 0) controller.enqueue(rest);
      controller.close();
    },
  }, { highWaterMark: 0 });
  const reader = source.getReader();
  let messages = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    // A batch per chunk (an npm build older than the batching change yields messages).
    const batch: unknown[] = Array.isArray(value) ? value : [value];
    messages += batch.length;
    if (check !== undefined) { for (const message of batch) check(message); }
  }
  return { ms: performance.now() - t0, cpuUs: cpuNow() - c0, messages };
}

function median<T>(values: T[], key: (value: T) => number): T {
  const sorted = [...values].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** CPU per message of each notification type: parse, and validate the parsed params. */
function typeCosts(
  modules: FramingModules,
  lines: readonly string[],
  perType: number,
): TypeCost[] {
  const groups = new Map<string, string[]>();
  for (const line of lines) {
    const message = JSON.parse(line) as { method?: string; id?: unknown };
    const key = message.method === undefined
      ? "(response)"
      : message.id === undefined
      ? message.method
      : `(request) ${message.method}`;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, group = []);
    group.push(line);
  }
  const costs: TypeCost[] = [];
  for (const [method, group] of groups) {
    const rounds = Math.max(1, Math.ceil(perType / group.length));
    const n = rounds * group.length;
    let c0 = cpuNow();
    const parsed: unknown[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const line of group) {
        const value = JSON.parse(line);
        if (r === 0) parsed.push(value);
      }
    }
    const parseUs = (cpuNow() - c0) / n;
    const schema = method.startsWith("(") ? undefined : modules.serverNotificationSchema(method);
    const perMessage = (check: (schema: never, value: unknown) => unknown) => {
      if (schema === undefined) return NaN;
      c0 = cpuNow();
      for (let r = 0; r < rounds; r++) {
        for (const value of parsed) check(schema as never, (value as { params: unknown }).params);
      }
      return (cpuNow() - c0) / n;
    };
    const validateUs = perMessage(modules.safeParse);
    const conforms = modules.conforms;
    const checkUs = conforms === undefined ? NaN : perMessage(conforms);
    const bytes = group.reduce((sum, line) => sum + line.length + 1, 0) / group.length;
    costs.push({ method, count: group.length, bytes, parseUs, validateUs, checkUs });
  }
  return costs.sort((a, b) => b.count - a.count);
}

/**
 * Runs every framing measurement, interleaving floor and SDK passes.
 *
 * @param modules The SDK's decoder, registry lookup and valibot `safeParse`.
 * @param lines The captured lines.
 * @param size Buffer size in bytes.
 * @param reps Passes of each kind (the median is kept).
 * @returns Throughputs and per-type costs.
 */
export async function runFraming(
  modules: FramingModules,
  lines: readonly string[],
  size: number,
  reps: number,
): Promise<FramingResult> {
  const { chunks, bytes, messages } = buildChunks(lines, size);
  const check = validator(modules);
  // Warm up both paths (JIT, lazily built schemas) on a slice.
  const warm = chunks.slice(0, Math.min(chunks.length, 16));
  floorPass(warm, check);
  await oursPass(modules, warm, check);
  const floor: PassResult[] = [];
  const ours: PassResult[] = [];
  const floorValidated: PassResult[] = [];
  const oursValidated: PassResult[] = [];
  for (let r = 0; r < reps; r++) {
    floor.push(floorPass(chunks));
    ours.push(await oursPass(modules, chunks));
    floorValidated.push(floorPass(chunks, check));
    oursValidated.push(await oursPass(modules, chunks, check));
  }
  for (const pass of [...floor, ...ours, ...floorValidated, ...oursValidated]) {
    if (pass.messages !== messages) {
      throw new Error(`framing pass produced ${pass.messages} messages, expected ${messages}`);
    }
  }
  const byMs = (pass: PassResult) => pass.ms;
  return {
    bytes,
    messages,
    floor: median(floor, byMs),
    ours: median(ours, byMs),
    floorValidated: median(floorValidated, byMs),
    oursValidated: median(oursValidated, byMs),
    types: typeCosts(modules, lines, reps > 1 ? 20_000 : 2_000),
  };
}
