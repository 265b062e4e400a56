/**
 * In-process replay of a captured app-server session: the client stack's own cost per
 * event, without the app-server, the fake model or the OS pipe in the measurement (so it
 * is stable on a loaded machine). A fake child process answers `initialize`,
 * `thread/start` and `turn/start` with the captured replies and streams the captured turn,
 * its deltas repeated to the wanted count, in 1.7 KB chunks (what a real pipe read
 * averages during a `deltas-N` turn). The SDK (through `stdioTransport`, `Codex`,
 * `Thread.turn` and `for await` over the turn) and the raw loop (`rawClient`) read the same bytes.
 *
 * @module
 */

import process from "node:process";
import type * as Sdk from "../mod.ts";
import type * as SdkTransport from "../transport.ts";
import { pump, rawClient } from "./raw_client.ts";

/** Pipe read size measured during a real `deltas-20000` turn (4.43 MB in 2,593 reads). */
const CHUNK = 1700;

/** The captured session cut at the replies: what to send after request `id`. */
export interface ReplayScript {
  /** Bytes to stream once request `id` arrives (1, 2 and 3), in chunks. */
  readonly segments: Map<number, Uint8Array[]>;
  /** The turn's lines, to replay for later turn/start requests (with their own id). */
  readonly turn: readonly string[];
  /** Notifications of the turn (what `for await` over a turn receives). */
  readonly turnEvents: number;
}

/**
 * Cuts a capture (initialize, thread/start, turn/start of one `deltas-N` turn) into the
 * replies to requests 1, 2 and 3, with the turn's delta run resized to `deltas`.
 *
 * @param lines The captured stdout lines.
 * @param deltas How many `item/agentMessage/delta` notifications the replayed turn has.
 * @returns The script.
 */
export function replayScript(lines: readonly string[], deltas: number): ReplayScript {
  const segments = new Map<number, string[]>();
  let current: string[] = [];
  let id = 1;
  for (const line of lines) {
    current.push(line);
    const message = JSON.parse(line) as { id?: number; method?: string };
    if (message.method === undefined && message.id === id && id < 3) {
      segments.set(id++, current);
      current = [];
    }
  }
  const rest = current;
  const captured = rest.filter((line) => line.includes('"method":"item/agentMessage/delta"'));
  if (captured.length === 0) throw new Error("the capture has no deltas");
  const first = rest.indexOf(captured[0]);
  const last = rest.lastIndexOf(captured[captured.length - 1]);
  const resized = Array.from({ length: deltas }, (_, i) => captured[i % captured.length]);
  const turn = [...rest.slice(0, first), ...resized, ...rest.slice(last + 1)];
  segments.set(3, turn);
  let turnId = "";
  for (const line of turn) {
    const match = /"method":"turn\/started".*?"turn":\{"id":"([^"]+)"/.exec(line);
    if (match) turnId = match[1];
  }
  const turnEvents =
    turn.filter((line) => line.startsWith('{"method"') && line.includes(`"${turnId}"`)).length;
  const chunked = new Map<number, Uint8Array[]>();
  for (const [key, segment] of segments) chunked.set(key, toChunks(segment));
  return { segments: chunked, turn, turnEvents };
}

function toChunks(lines: readonly string[]): Uint8Array[] {
  const bytes = new TextEncoder().encode(lines.join("\n") + "\n");
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += CHUNK) {
    chunks.push(bytes.subarray(at, Math.min(bytes.length, at + CHUNK)));
  }
  return chunks;
}

/** A fake `codex app-server`: stdout replays the script as requests come in on stdin. */
function fakeProcess(script: ReplayScript) {
  let queue: Uint8Array[] = [];
  let head = 0;
  let wake: (() => void) | undefined;
  let exit!: (value: { code: number; signal: null }) => void;
  const exited = new Promise<{ code: number; signal: null }>((resolve) => (exit = resolve));
  let ended = false;
  const end = () => {
    ended = true;
    exit({ code: 0, signal: null });
    wake?.();
  };
  const stdout = new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (head === queue.length && !ended) await new Promise<void>((r) => (wake = r));
      if (head < queue.length) controller.enqueue(queue[head++]);
      else controller.close();
    },
  }, { highWaterMark: 0 });
  const decoder = new TextDecoder();
  const onRequestText = (text: string) => {
    for (const line of text.split("\n")) {
      if (line.length === 0) continue;
      const id = (JSON.parse(line) as { id?: number }).id;
      // Every request after the first turn/start is another turn/start: it gets the
      // captured turn again, answered with its own id.
      const segment = id === undefined ? undefined : script.segments.get(id) ?? toChunks(
        script.turn.map((l) => l.startsWith('{"id":3,') ? `{"id":${id},${l.slice(8)}` : l),
      );
      if (segment === undefined) continue;
      queue = [...queue.slice(head), ...segment];
      head = 0;
      const w = wake;
      wake = undefined;
      w?.();
    }
  };
  return { stdout, exited, end, onRequestText, decoder };
}

/** One replay measurement. */
export interface ReplayResult {
  readonly cpuUs: number;
  readonly ms: number;
  readonly events: number;
}

function cpuNow(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/**
 * Replays turns through the SDK: `stdioTransport` over the fake process, `Codex`, then
 * `thread.turn()` and `for await` over the turn (`stream`), or `thread.run()`.
 *
 * @param sdk The SDK module.
 * @param script The replay.
 * @param turns How many turns, one after the other.
 * @param stream Whether to stream the events (else `run()`).
 * @returns CPU and wall time of the turns, and the events streamed.
 */
export async function replayOurs(
  sdk: typeof Sdk,
  sdkTransport: typeof SdkTransport,
  script: ReplayScript,
  turns = 1,
  stream = true,
): Promise<ReplayResult> {
  const fake = fakeProcess(script);
  const child: SdkTransport.ChildProcess = {
    pid: 0,
    stdin: new WritableStream<Uint8Array>({
      write: (chunk) => fake.onRequestText(fake.decoder.decode(chunk, { stream: true })),
      close: () => fake.end(),
    }),
    stdout: fake.stdout,
    stderr: new ReadableStream({ start: (c) => c.close() }),
    exited: fake.exited,
    kill: () => fake.end(),
  };
  const codex = await sdk.Codex.start({ transport: sdkTransport.stdioTransport(child) });
  const thread = await codex.threadStart();
  const c0 = cpuNow();
  const t0 = performance.now();
  let events = 0;
  for (let i = 0; i < turns; i++) {
    if (stream) {
      const turn = await thread.turn("replay");
      for await (const _event of turn) events++;
    } else {
      await thread.run("replay");
    }
  }
  const result = { cpuUs: cpuNow() - c0, ms: performance.now() - t0, events };
  await codex.close();
  return result;
}

/**
 * Replays turns through the raw loop (`rawClient` reading the fake process's stdout with
 * `pump`, as it reads a real one on Deno and Bun).
 *
 * @param script The replay.
 * @param turns How many turns, one after the other.
 * @returns CPU and wall time of the turns, and the events seen.
 */
export async function replayRaw(script: ReplayScript, turns = 1): Promise<ReplayResult> {
  const fake = fakeProcess(script);
  const raw = await rawClient((onText) => {
    pump(fake.stdout, onText).catch(() => {});
    return {
      write: (text) => fake.onRequestText(text),
      end: () => fake.end(),
      kill: () => fake.end(),
      exited: fake.exited,
    };
  });
  await raw.request("initialize", { clientInfo: { name: "r", title: "r", version: "0" } });
  raw.notify("initialized");
  const { thread } = await raw.request("thread/start", {}) as { thread: { id: string } };
  let events = 0;
  let completed = () => {};
  raw.onNotification = (method, params) => {
    const p = params as { turnId?: string; turn?: { id: string } };
    if ((p.turnId ?? p.turn?.id) !== undefined) events++;
    if (method === "turn/completed") completed();
  };
  const c0 = cpuNow();
  const t0 = performance.now();
  for (let i = 0; i < turns; i++) {
    const done = new Promise<void>((resolve) => (completed = resolve));
    await raw.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "replay" }],
    });
    await done;
  }
  const result = { cpuUs: cpuNow() - c0, ms: performance.now() - t0, events };
  await raw.close();
  return result;
}

/** A fake child process whose stdout streams the replayed turn's bytes, then ends. */
function turnOnlyChild(script: ReplayScript): SdkTransport.ChildProcess {
  const chunks = script.segments.get(3)!;
  let next = 0;
  let exit!: (value: { code: number; signal: null }) => void;
  const exited = new Promise<{ code: number; signal: null }>((resolve) => (exit = resolve));
  return {
    pid: 0,
    stdin: new WritableStream<Uint8Array>(),
    stdout: new ReadableStream<Uint8Array>({
      pull(controller) {
        if (next < chunks.length) controller.enqueue(chunks[next++]);
        else {
          controller.close();
          exit({ code: 0, signal: null });
        }
      },
    }, { highWaterMark: 0 }),
    stderr: new ReadableStream({ start: (c) => c.close() }),
    exited,
    kill: () => {},
  };
}

/** The SDK's layers below `Codex` on the replayed turn, CPU per notification. */
export interface LayerCosts {
  /** `stdioTransport`: the bytes read through its stream and framed into messages. */
  readonly transportUs: number;
  /** `JsonRpcConnection` over it, each notification handed to a listener. */
  readonly connectionUs: number;
}

/**
 * Measures the layers below `Codex` alone on the replayed turn's bytes (median of `reps`):
 * with {@link replayOurs} (`run()`, then `for await`) they show where the SDK's time per
 * event goes.
 *
 * @param sdkTransport The SDK's low-level entry point.
 * @param script The replay.
 * @param reps Measured repetitions (after one warm-up).
 * @returns CPU µs per notification of each layer.
 */
export async function replayLayers(
  sdkTransport: typeof SdkTransport,
  script: ReplayScript,
  reps: number,
): Promise<LayerCosts> {
  const perEvent = async (body: () => Promise<number>) => {
    const runs: number[] = [];
    for (let i = 0; i <= reps; i++) {
      const c0 = cpuNow();
      const events = await body();
      if (i > 0) runs.push((cpuNow() - c0) / events);
    }
    return runs.sort((a, b) => a - b)[(runs.length - 1) >> 1];
  };
  const transportUs = await perEvent(async () => {
    // Read as `JsonRpcConnection` reads it, through `readMessages`.
    const transport = sdkTransport.stdioTransport(turnOnlyChild(script));
    let messages = 0;
    await transport.readMessages!((batch) => (messages += batch.length));
    return messages;
  });
  const connectionUs = await perEvent(async () => {
    const transport = sdkTransport.stdioTransport(turnOnlyChild(script));
    const connection = new sdkTransport.JsonRpcConnection(transport, { onError() {} });
    let notifications = 0;
    connection.onNotification(() => notifications++);
    await connection.closed;
    return notifications;
  });
  return { transportUs, connectionUs };
}
