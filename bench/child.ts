/**
 * One measurement in a fresh process, on whichever runtime runs this file (Deno and Bun
 * run it as is; Node runs a bundle of it). `bench/run.ts` passes a {@linkcode ChildConfig}
 * as the only argument and reads back one `RESULT {json}` line from stdout.
 *
 * The fake model and the temporary CODEX_HOME belong to the parent, so the
 * CPU time measured here (`process.cpuUsage()`, this process only) is the client's alone.
 *
 * @module
 */

import process from "node:process";
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type * as Sdk from "../mod.ts";
import type * as SdkTransport from "../transport.ts";
import { connectionClient, transportClient } from "./layer_clients.ts";
import { type RawClient, spawnRaw } from "./raw_client.ts";
import { type FramingModules, runFraming } from "./framing.ts";
import { replayLayers, replayOurs, replayRaw, replayScript } from "./replay.ts";

/** The end-to-end scenarios (each run as `ours` or `raw`). */
export type Scenario =
  | "import"
  | "connect"
  | "short"
  | "calls"
  | "warm"
  | "stream"
  | "many"
  | "concurrent"
  | "framing"
  | "replay";

/** Which client a child runs. */
export type Impl = "ours" | "unvalidated" | "raw" | "transport" | "connection" | "candidate";

/** Whether `impl` is the SDK's own client (`Codex`), rather than the raw loop's work. */
function runsCodex(impl: Impl): boolean {
  return impl === "ours" || impl === "unvalidated" || impl === "candidate";
}

/** One client of the `warm` scenario, which runs several in one process. */
export interface Side {
  readonly impl: Impl;
  /** Its CODEX_HOME and friends, as {@linkcode ChildConfig.homeEnv}. */
  readonly homeEnv: Readonly<Record<string, string | null>>;
  /** Its app-server's working directory. */
  readonly cwd: string;
  /** The SDK entry point it loads (a copy of the SDK's code of its own); "" for `urls.sdk`. */
  readonly sdk: string;
}

/** What the parent asks a child to do. */
export interface ChildConfig {
  readonly scenario: Scenario;
  /**
   * `ours` = the SDK, `raw` = bench/raw_client.ts (for `import`: an empty module);
   * `transport` and `connection` (the `short` and `warm` scenarios): the raw loop's work on
   * the SDK's lower layers (`bench/layer_clients.ts`); `unvalidated` (the `short` and `warm`
   * scenarios): the SDK with `validation: "off"`; `candidate` (`warm`, with `--ab`): the SDK
   * of another checkout.
   */
  readonly impl: Impl;
  /** URLs of the modules to load for this runtime. */
  readonly urls: {
    readonly sdk: string;
    readonly empty: string;
    readonly decode: string;
    /** The SDK's check of a valid message (`conforms`); "" when the build has none. */
    readonly check: string;
    readonly generated: string;
    readonly valibot: string;
  };
  /** The codex binary (the raw loop spawns it directly; the SDK locates it itself). */
  readonly codexBin: string;
  /**
   * CODEX_HOME and friends (a codex home's `env`), merged over the inherited environment;
   * `null` removes a variable (JSON has no `undefined`).
   */
  readonly homeEnv: Readonly<Record<string, string | null>>;
  /** Working directory for the app-server. */
  readonly cwd: string;
  /** Scenario sizes. */
  readonly turns: number;
  /** What every turn's prompt starts with (`stream`, `many`: how many deltas to stream). */
  readonly prompt: string;
  /** `warm`: turns run on the thread before the measured ones. */
  readonly warmup: number;
  /**
   * `warm`: the clients this one process runs, each with its own app-server and home; they
   * take turns running blocks of `turns` turns, `blocks` rounds of them.
   */
  readonly sides: readonly Side[];
  readonly blocks: number;
  readonly threads: number;
  /** Replay: deltas in the replayed turn, and measured repetitions. */
  readonly deltas: number;
  readonly reps: number;
  /** Framing: the capture file, buffer size and repetitions. */
  readonly captureFile: string;
  readonly framingBytes: number;
  readonly framingReps: number;
}

/** What a child reports. */
export interface ChildResult {
  /** Measured wall time, ms. */
  readonly ms: number;
  /** This process's CPU time (user + system) over the measurement, µs. */
  readonly cpuUs: number;
  /** The system part of `cpuUs`, µs. */
  readonly sysUs?: number;
  /**
   * The part of `cpuUs` spent on the main thread (the one that runs JavaScript), µs; the rest
   * is the runtime's other threads (JIT compilers, garbage collector, I/O). Linux only.
   */
  readonly mainThreadUs?: number;
  /**
   * The CPU of the other threads over the measurement by thread name, µs, as the runtime
   * names them (JavaScriptCore's compiler threads are `JITWorker`). Linux only.
   */
  readonly otherThreadsUs?: Readonly<Record<string, number>>;
  /** Notifications received in the measured part. */
  readonly events: number;
  /** Peak RSS and heap during the measured part (50 ms samples), bytes. */
  readonly peakRss: number;
  readonly peakHeap: number;
  /** Anything else (framing results, close time). */
  readonly extra?: unknown;
}

const CLIENT_INFO = { name: "codex_bench_raw", title: "Bench raw loop", version: "0.0.0" };

function cpuNow(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/** Samples RSS and heap every 50 ms until stopped. */
function sampleMemory(): () => { peakRss: number; peakHeap: number } {
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    if (usage.rss > peakRss) peakRss = usage.rss;
    if (usage.heapUsed > peakHeap) peakHeap = usage.heapUsed;
  };
  sample();
  const timer = setInterval(sample, 50);
  return () => {
    clearInterval(timer);
    sample();
    return { peakRss, peakHeap };
  };
}

/**
 * CPU time of this process's main thread so far, µs, from `/proc/self/task/<pid>/schedstat`
 * (nanosecond resolution); undefined where there is no such file (not Linux).
 */
function mainThreadCpuUs(): number | undefined {
  try {
    // Synchronous, right next to `process.cpuUsage()`: the two readings cover the same span.
    const stat = readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8");
    return Number(stat.split(" ")[0]) / 1000;
  } catch {
    return undefined;
  }
}

/**
 * CPU time so far of this process's threads other than the main one, µs, summed by thread
 * name (`/proc/self/task/<tid>/comm` and `schedstat`); undefined where there are no such
 * files (not Linux). A thread that ends between two readings takes its time with it.
 */
function otherThreadsCpuUs(): Record<string, number> | undefined {
  try {
    const byName: Record<string, number> = {};
    for (const tid of readdirSync("/proc/self/task")) {
      if (tid === String(process.pid)) continue;
      try {
        const name = readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
        const stat = readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8");
        byName[name] = (byName[name] ?? 0) + Number(stat.split(" ")[0]) / 1000;
      } catch {
        // The thread ended while being read.
      }
    }
    return byName;
  } catch {
    return undefined;
  }
}

/** What each thread name used between two readings of {@linkcode otherThreadsCpuUs}, µs. */
function threadsSince(
  before: Record<string, number> | undefined,
  after: Record<string, number> | undefined,
): Record<string, number> | undefined {
  if (before === undefined || after === undefined) return undefined;
  const used: Record<string, number> = {};
  for (const name in after) used[name] = Math.max(0, after[name] - (before[name] ?? 0));
  return used;
}

/** Measures `body` (wall, CPU, memory); `turnMs` collects each turn's duration. */
async function measure(body: (turnMs: number[]) => Promise<number>): Promise<ChildResult> {
  const stop = sampleMemory();
  const turnMs: number[] = [];
  // Read before and after the other clocks: reading every thread takes a little time.
  const threads0 = otherThreadsCpuUs();
  const main0 = mainThreadCpuUs();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const events = await body(turnMs);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const main1 = mainThreadCpuUs();
  const threads1 = otherThreadsCpuUs();
  return {
    ms,
    cpuUs: cpu.user + cpu.system,
    sysUs: cpu.system,
    mainThreadUs: main0 === undefined || main1 === undefined ? undefined : main1 - main0,
    otherThreadsUs: threadsSince(threads0, threads1),
    events,
    ...stop(),
    extra: { turnMs },
  };
}

/**
 * The JavaScript function calls `body` makes in this process's own code (`file:` scripts:
 * the client, its dependencies, this harness), not the runtime's built-in JavaScript:
 * counted by V8's precise coverage through `node:inspector` (Node and Deno), which counts
 * every call, optimized code included, from the moment it is reset.
 */
async function countCalls(body: () => Promise<void>): Promise<number> {
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  try {
    await session.post("Profiler.enable");
    await session.post("Profiler.startPreciseCoverage", { callCount: true, detailed: false });
    await session.post("Profiler.takePreciseCoverage"); // resets the counts
    await body();
    const { result } = await session.post("Profiler.takePreciseCoverage");
    let calls = 0;
    for (const script of result) {
      if (!script.url.startsWith("file:")) continue;
      // A function's first range spans it whole: its count is the function's calls.
      for (const fn of script.functions) calls += fn.ranges[0]?.count ?? 0;
    }
    return calls;
  } finally {
    session.disconnect();
  }
}

/**
 * A `calls` child's work: `config.warmup` turns, then the calls of `config.turns` more,
 * per turn (`extra.calls`); nothing timed.
 */
async function callsPerTurn(
  config: ChildConfig,
  run: (prompt: string) => Promise<unknown>,
): Promise<ChildResult> {
  for (let i = 0; i < config.warmup; i++) await run(`warm-up ${i}`);
  const calls = await countCalls(async () => {
    for (let i = 0; i < config.turns; i++) await run(`turn ${i}`);
  });
  const extra = { calls: calls / config.turns };
  return { ms: 0, cpuUs: 0, events: 0, peakRss: 0, peakHeap: 0, extra };
}

/** Runs `turn` and records how long it took. */
async function timed<T>(turnMs: number[], turn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await turn();
  turnMs.push(performance.now() - t0);
  return result;
}

// ---------------------------------------------------------------------------------------
// The SDK side.

/** `homeEnv` as `Codex.start` takes it (`undefined` removes a variable). */
function sdkEnv(config: ChildConfig): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(config.homeEnv)) env[key] = value ?? undefined;
  return env;
}

async function startOurs(config: ChildConfig): Promise<Sdk.Codex> {
  const sdk: typeof Sdk = await import(config.urls.sdk);
  const validation = config.impl === "unvalidated" ? "off" : undefined;
  return await sdk.Codex.start({ cwd: config.cwd, env: sdkEnv(config), validation });
}

async function streamTurn(thread: Sdk.Thread, prompt: string): Promise<number> {
  const turn = await thread.turn(prompt);
  let events = 0;
  for await (const _event of turn) events++;
  return events;
}

/** A client ready to run short turns on a thread of its own, whichever client it is. */
interface TurnRunner {
  run(prompt: string): Promise<unknown>;
  close(): Promise<void>;
}

async function oursRunner(config: ChildConfig): Promise<TurnRunner> {
  const codex = await startOurs(config);
  const thread = await codex.threadStart();
  return { run: (prompt) => thread.run(prompt), close: () => codex.close() };
}

async function ours(config: ChildConfig): Promise<ChildResult> {
  if (config.scenario === "connect") {
    const sdk: typeof Sdk = await import(config.urls.sdk);
    let codex: Sdk.Codex | undefined;
    const result = await measure(async () => {
      codex = await sdk.Codex.start({ cwd: config.cwd, env: sdkEnv(config) });
      return 0;
    });
    const t0 = performance.now();
    await codex!.close();
    return { ...result, extra: { closeMs: performance.now() - t0 } };
  }
  const codex = await startOurs(config);
  try {
    switch (config.scenario) {
      case "calls": {
        const thread = await codex.threadStart();
        return await callsPerTurn(config, (prompt) => thread.run(prompt));
      }
      case "short": {
        const thread = await codex.threadStart();
        for (let i = 0; i < config.warmup; i++) await thread.run(`warm-up ${i}`);
        return await measure(async (turnMs) => {
          for (let i = 0; i < config.turns; i++) await timed(turnMs, () => thread.run(`turn ${i}`));
          return 0;
        });
      }
      case "stream":
      case "many": {
        const thread = await codex.threadStart();
        return await measure(async (turnMs) => {
          let streamed = 0;
          for (let i = 0; i < config.turns; i++) {
            streamed += await timed(turnMs, () => streamTurn(thread, `${config.prompt}turn ${i}`));
          }
          return streamed;
        });
      }
      case "concurrent": {
        const threads = await Promise.all(
          Array.from({ length: config.threads }, () => codex.threadStart()),
        );
        return await measure(async () => {
          await Promise.all(threads.map(async (thread, t) => {
            for (let i = 0; i < config.turns; i++) await thread.run(`thread ${t} turn ${i}`);
          }));
          return 0;
        });
      }
      default:
        throw new Error(`unknown scenario ${config.scenario}`);
    }
  } finally {
    await codex.close();
  }
}

// ---------------------------------------------------------------------------------------
// The raw side: the same work with nothing but the JSON-RPC loop.

/** Waits for turns by id; counts every notification. */
class RawTurns {
  events = 0;
  readonly #raw: RawClient;
  readonly #waiters = new Map<string, () => void>();
  readonly #done = new Set<string>();

  constructor(raw: RawClient) {
    this.#raw = raw;
    raw.onNotification = (method, params) => {
      this.events++;
      if (method !== "turn/completed") return;
      const id = (params as { turn: { id: string } }).turn.id;
      const waiter = this.#waiters.get(id);
      if (waiter === undefined) this.#done.add(id);
      else {
        this.#waiters.delete(id);
        waiter();
      }
    };
  }

  async thread(): Promise<string> {
    const reply = await this.#raw.request("thread/start", {}) as { thread: { id: string } };
    return reply.thread.id;
  }

  async run(threadId: string, prompt: string): Promise<void> {
    const reply = await this.#raw.request("turn/start", {
      threadId,
      input: [{ type: "text", text: prompt }],
    }) as { turn: { id: string } };
    const id = reply.turn.id;
    if (this.#done.delete(id)) return;
    await new Promise<void>((resolve) => this.#waiters.set(id, resolve));
  }
}

/** The raw loop, or its work on the SDK's lower layers (`config.impl`), initialized. */
async function startRaw(config: ChildConfig): Promise<RawClient> {
  const client = await spawnClient(config);
  await client.request("initialize", {
    clientInfo: CLIENT_INFO,
    capabilities: { experimentalApi: true },
  });
  client.notify("initialized");
  return client;
}

async function spawnClient(config: ChildConfig): Promise<RawClient> {
  if (config.impl === "transport" || config.impl === "connection") {
    const sdkTransport: typeof SdkTransport = await import(transportUrl(config));
    const launch = { cwd: config.cwd, env: sdkEnv(config) };
    return config.impl === "transport"
      ? await transportClient(sdkTransport, launch)
      : await connectionClient(sdkTransport, launch);
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  for (const [key, value] of Object.entries(config.homeEnv)) {
    if (value === null) delete env[key];
    else env[key] = value;
  }
  return await spawnRaw({
    command: config.codexBin,
    args: ["app-server", "--listen", "stdio://"],
    env,
    cwd: config.cwd,
  });
}

/** The low-level entry point, next to mod.ts (mod.js in the npm build). */
function transportUrl(config: ChildConfig): string {
  return config.urls.sdk.replace(/mod\.(ts|js)$/, "transport.$1");
}

async function rawRunner(config: ChildConfig): Promise<TurnRunner> {
  const client = await startRaw(config);
  const turns = new RawTurns(client);
  const thread = await turns.thread();
  return { run: (prompt) => turns.run(thread, prompt), close: () => client.close() };
}

async function raw(config: ChildConfig): Promise<ChildResult> {
  if (config.scenario === "connect") {
    let client: RawClient | undefined;
    const result = await measure(async () => {
      client = await startRaw(config);
      return 0;
    });
    const t0 = performance.now();
    await client!.close();
    return { ...result, extra: { closeMs: performance.now() - t0 } };
  }
  const client = await startRaw(config);
  try {
    const turns = new RawTurns(client);
    switch (config.scenario) {
      case "calls": {
        const thread = await turns.thread();
        return await callsPerTurn(config, (prompt) => turns.run(thread, prompt));
      }
      case "short":
      case "stream":
      case "many": {
        const thread = await turns.thread();
        for (let i = 0; i < config.warmup; i++) await turns.run(thread, `warm-up ${i}`);
        return await measure(async (turnMs) => {
          turns.events = 0;
          for (let i = 0; i < config.turns; i++) {
            await timed(turnMs, () => turns.run(thread, `${config.prompt}turn ${i}`));
          }
          return turns.events;
        });
      }
      case "concurrent": {
        const threads = await Promise.all(
          Array.from({ length: config.threads }, () => turns.thread()),
        );
        return await measure(async () => {
          turns.events = 0;
          await Promise.all(threads.map(async (thread, t) => {
            for (let i = 0; i < config.turns; i++) {
              await turns.run(thread, `thread ${t} turn ${i}`);
            }
          }));
          return turns.events;
        });
      }
      default:
        throw new Error(`unknown scenario ${config.scenario}`);
    }
  } finally {
    await client.close();
  }
}

// ---------------------------------------------------------------------------------------
// Several clients in one process.

/**
 * The `warm` scenario: every client of `config.sides` in this process, each on its own
 * app-server, runs `config.warmup` turns; then, `config.blocks` rounds, each client runs a
 * block of `config.turns` turns while the others wait, in an order reversed every round. Each
 * block is measured alone (`extra.blocks[side][round]`), after one turn that is not: the
 * machine's drift over the minutes falls on every client alike, where separate processes
 * scatter by 20–40%, and no client's first measured turn comes after another client's.
 */
async function interleaved(config: ChildConfig): Promise<ChildResult> {
  const runners: TurnRunner[] = [];
  try {
    for (const side of config.sides) {
      const urls = { ...config.urls, sdk: side.sdk || config.urls.sdk };
      const sideConfig = { ...config, impl: side.impl, homeEnv: side.homeEnv, cwd: side.cwd, urls };
      runners.push(await (runsCodex(side.impl) ? oursRunner : rawRunner)(sideConfig));
    }
    for (const runner of runners) {
      for (let i = 0; i < config.warmup; i++) await runner.run(`warm-up ${i}`);
    }
    const blocks: ChildResult[][] = runners.map(() => []);
    const order = runners.map((_, i) => i);
    for (let round = 0; round < config.blocks; round++) {
      for (const i of order) {
        // One turn first, not measured: every measured turn then follows one of its own
        // client's, as in a program with one client, whichever client ran before.
        await runners[i].run(`round ${round} lead-in`);
        blocks[i].push(
          await measure(async (turnMs) => {
            for (let t = 0; t < config.turns; t++) {
              await timed(turnMs, () => runners[i].run(`round ${round} turn ${t}`));
            }
            return 0;
          }),
        );
      }
      order.reverse();
    }
    return { ms: 0, cpuUs: 0, events: 0, peakRss: 0, peakHeap: 0, extra: { blocks } };
  } finally {
    for (const runner of runners) await runner.close();
  }
}

// ---------------------------------------------------------------------------------------

async function importOnly(config: ChildConfig): Promise<ChildResult> {
  const url = config.impl === "ours" ? config.urls.sdk : config.urls.empty;
  const c0 = cpuNow();
  const t0 = performance.now();
  await import(url);
  const ms = performance.now() - t0;
  const usage = process.memoryUsage();
  return { ms, cpuUs: cpuNow() - c0, events: 0, peakRss: usage.rss, peakHeap: usage.heapUsed };
}

async function framing(config: ChildConfig): Promise<ChildResult> {
  const [decode, generated, valibot, check] = await Promise.all([
    import(config.urls.decode),
    import(config.urls.generated),
    import(config.urls.valibot),
    config.urls.check === "" ? undefined : import(config.urls.check),
  ]);
  const modules: FramingModules = {
    JsonlDecoder: decode.JsonlDecoder,
    serverNotificationSchema: generated.serverNotificationSchema,
    safeParse: valibot.safeParse,
    conforms: check?.conforms,
  };
  const lines = (await readFile(config.captureFile, "utf8")).split("\n").filter((l) => l);
  const result = await runFraming(modules, lines, config.framingBytes, config.framingReps);
  const usage = process.memoryUsage();
  return {
    ms: result.ours.ms,
    cpuUs: result.ours.cpuUs,
    events: result.messages,
    peakRss: usage.rss,
    peakHeap: usage.heapUsed,
    extra: result,
  };
}

async function replay(config: ChildConfig): Promise<ChildResult> {
  const lines = (await readFile(config.captureFile, "utf8")).split("\n").filter((l) => l);
  const sdk: typeof Sdk | undefined = config.impl === "ours"
    ? await import(config.urls.sdk)
    : undefined;
  const sdkTransport: typeof SdkTransport | undefined = config.impl === "ours"
    ? await import(transportUrl(config))
    : undefined;
  const once = (deltas: number, turns: number, stream: boolean) => {
    const script = replayScript(lines, deltas);
    return sdk === undefined
      ? replayRaw(script, turns)
      : replayOurs(sdk, sdkTransport!, script, turns, stream);
  };
  const median = <T extends { cpuUs: number }>(runs: T[]) =>
    [...runs].sort((a, b) => a.cpuUs - b.cpuUs)[(runs.length - 1) >> 1];
  // Warm-up (JIT), then the long streamed turn, then short turns with run() (3 deltas each,
  // like the `plain` model).
  await once(Math.min(2000, config.deltas), 1, true);
  const streamed = [];
  for (let i = 0; i < config.reps; i++) streamed.push(await once(config.deltas, 1, true));
  await once(3, config.turns, false);
  const short = [];
  for (let i = 0; i < config.reps; i++) short.push(await once(3, config.turns, false));
  // Where the SDK's time per event goes: the layers below Codex alone, and run() (no
  // iteration) on the same long turn.
  let layers: Record<string, number> | undefined;
  if (sdk !== undefined) {
    const script = replayScript(lines, config.deltas);
    const ran = [];
    for (let i = 0; i < config.reps; i++) ran.push(await once(config.deltas, 1, false));
    const costs = await replayLayers(sdkTransport!, script, config.reps);
    // Iterated again, after the other layers: measured as warm as they were.
    const iterated = [];
    for (let i = 0; i < config.reps; i++) iterated.push(await once(config.deltas, 1, true));
    layers = {
      ...costs,
      runUs: median(ran).cpuUs / script.turnEvents,
      iterateUs: median(iterated).cpuUs / script.turnEvents,
    };
  }
  const usage = process.memoryUsage();
  return {
    ...median(streamed),
    peakRss: usage.rss,
    peakHeap: usage.heapUsed,
    extra: { short: median(short), layers },
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[process.argv.length - 1]) as ChildConfig;
  let result: ChildResult;
  if (config.scenario === "import") result = await importOnly(config);
  else if (config.scenario === "framing") result = await framing(config);
  else if (config.scenario === "replay") result = await replay(config);
  else if (config.scenario === "warm") result = await interleaved(config);
  else if (runsCodex(config.impl)) result = await ours(config);
  else result = await raw(config);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
