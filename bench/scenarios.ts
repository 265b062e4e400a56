/**
 * The scenarios, each for one runtime: ours and raw run alternately (ABAB…) in fresh
 * children, each with a fresh CODEX_HOME, and the medians become rows.
 *
 * @module
 */

import { type CodexHome, codexHome, scenarios, type ScriptFunction } from "../testing.ts";
import type { ChildConfig, ChildResult, Impl, Scenario, Side } from "./child.ts";
import type { ChildRun, RunChild } from "./children.ts";
import type { FramingResult } from "./framing.ts";
import { CODEX_BIN, ROOT } from "./machine.ts";
import type { ScenarioName, Sizes } from "./options.ts";
import { fmt, type Goal, mb, median, pairedRow, ratio, type Row, timeRow } from "./rows.ts";
import type { Runtime } from "./runtimes.ts";
import type { Scoreboard } from "./scoreboard.ts";

/** What every scenario needs. */
export interface ScenarioContext {
  readonly sizes: Sizes;
  /** Overrides the rounds of every end-to-end scenario (`--rounds`). */
  readonly rounds?: number;
  /** The fake model's URL (the testing kit's `FakeModel`, answering `scenarios.byModel()`). */
  readonly fakeUrl: string;
  readonly runChild: RunChild;
  /** The captured app-server traffic (replay, framing), undefined when the capture failed. */
  readonly captureFile?: string;
  readonly board: Scoreboard;
}

/** Ours and raw runs of one scenario, round by round. */
interface Pairs {
  readonly ours: ChildRun[];
  readonly raw: ChildRun[];
}

/** The runs of one scenario by client, round by round (`ours` and `raw` always). */
type Runs = Pairs & { readonly [impl in Impl]?: ChildRun[] };

/** A child's config with every size at its neutral value. */
export function baseConfig(
  runtime: Runtime,
  scenario: Scenario,
  impl: Impl,
): ChildConfig {
  return {
    scenario,
    impl,
    urls: runtime.urls,
    codexBin: CODEX_BIN,
    homeEnv: {},
    cwd: ROOT,
    turns: 1,
    prompt: "",
    warmup: 0,
    sides: [],
    blocks: 0,
    threads: 1,
    deltas: 0,
    reps: 1,
    captureFile: "",
    framingBytes: 0,
    framingReps: 0,
  };
}

/**
 * The model name of every end-to-end scenario: the testing kit's default (`undefined` leaves
 * `codexHome` to choose it), one the app-server knows, which the fake (`scenarios.byModel()`)
 * answers as `plain` (and `stream` and `many` by their prompts). The fake's own names
 * (`plain`, `deltas-N`) are unknown to the app-server, which then logs six "Unknown model"
 * warnings a turn to stderr: a cost a real deployment never has, paid only by ours (the raw
 * loop discards stderr). `PROFILES.md` keeps what reading them costs.
 */
const KNOWN_MODEL = undefined;

/**
 * What the prompts of a turn of `deltas` deltas start with: the bench's fake model
 * ({@linkcode benchScript}) streams that many, whatever the model's name, so `stream` and
 * `many` run on {@linkcode KNOWN_MODEL} too.
 */
function deltasPrompt(deltas: number): string {
  return `deltas-${deltas} `;
}

/**
 * The bench's fake model: `scenarios.byModel()`, except that a prompt that starts with
 * {@linkcode deltasPrompt} is answered with that many deltas.
 */
export function benchScript(): ScriptFunction {
  const byModel = scenarios.byModel();
  return (request) => {
    const match = /^deltas-(\d+) /.exec(request.lastUserMessage);
    return match === null ? byModel(request) : scenarios.deltas(Number(match[1]))(request);
  };
}

/**
 * Runs ours and raw alternately (ABAB…), and any `layers` after them in each round (ABCD…),
 * each with a fresh CODEX_HOME for `model` (the testing kit's default when `undefined`).
 */
async function pairs(
  context: ScenarioContext,
  runtime: Runtime,
  scenario: Scenario,
  model: string | undefined,
  rounds: number,
  extra: Partial<ChildConfig>,
  layers: readonly Impl[] = [],
): Promise<Runs> {
  const impls: Impl[] = ["ours", "raw", ...layers];
  const runs: { [impl in Impl]?: ChildRun[] } = {};
  for (const impl of impls) runs[impl] = [];
  for (let round = 0; round < (context.rounds ?? rounds); round++) {
    for (const impl of impls) {
      await using home = await codexHome({ model: context.fakeUrl, modelName: model });
      const config: ChildConfig = {
        ...baseConfig(runtime, scenario, impl),
        ...extra,
        ...sideOf(impl, home),
      };
      runs[impl]!.push(await context.runChild(runtime, config, 120_000));
    }
  }
  return { ...runs, ours: runs.ours!, raw: runs.raw! };
}

/**
 * A client's side of a child's config: its CODEX_HOME's environment and workspace, and the
 * SDK entry point it loads ("" for the runtime's own).
 */
function sideOf(impl: Impl, home: CodexHome, sdk = ""): Side {
  const homeEnv: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(home.env)) homeEnv[key] = value ?? null;
  return { impl, homeEnv, cwd: home.workspace, sdk };
}

/**
 * Runs `sides` together in each of `rounds` processes (the `warm` child: blocks of turns, each
 * client in turn), each client that loads the SDK on a copy of its code of its own, and returns
 * each side's blocks over all of them, as runs: block `i` of every side comes from the same
 * round of the same process.
 */
async function interleavedBlocks(
  context: ScenarioContext,
  runtime: Runtime,
  sides: readonly Impl[],
  rounds: number,
): Promise<Record<Impl, ChildRun[]>> {
  const { sizes } = context;
  const blocks = {} as Record<Impl, ChildRun[]>;
  for (const impl of sides) blocks[impl] = [];
  // Every client that loads the SDK loads a copy of its own (`Runtime.sdkCopies`; the
  // candidate's is `Runtime.abCopy`).
  let loaded = 0;
  const copies = sides.map((impl) =>
    impl === "raw" ? "" : impl === "candidate" ? runtime.abCopy : runtime.sdkCopies[loaded++]
  );
  if (loaded > runtime.sdkCopies.length) {
    throw new Error(`${loaded} clients load the SDK; ${runtime.sdkCopies.length} copies of it`);
  }
  for (let round = 0; round < (context.rounds ?? rounds); round++) {
    const homes: CodexHome[] = [];
    try {
      for (const _ of sides) {
        homes.push(await codexHome({ model: context.fakeUrl, modelName: KNOWN_MODEL }));
      }
      const config: ChildConfig = {
        ...baseConfig(runtime, "warm", "ours"),
        sides: sides.map((impl, i) => sideOf(impl, homes[i], copies[i])),
        warmup: sizes.warmupTurns,
        blocks: sizes.warmBlocks,
        turns: sizes.warmBlockTurns,
      };
      const run = await context.runChild(runtime, config, 900_000);
      const measured = (run.result.extra as { blocks: ChildResult[][] }).blocks;
      sides.forEach((impl, i) => {
        for (const result of measured[i]) blocks[impl].push({ result, wallMs: result.ms });
      });
    } finally {
      for (const home of homes) await home[Symbol.asyncDispose]();
    }
  }
  return blocks;
}

/** The measured wall time of a run, ms. */
const wall = (run: ChildRun) => run.result.ms;
/** The child's CPU time over the measurement, ms. */
const cpu = (run: ChildRun) => run.result.cpuUs / 1000;
/** The part of it on the main thread (NaN where not measured), ms. */
const mainCpu = (run: ChildRun) => (run.result.mainThreadUs ?? NaN) / 1000;
/**
 * The part of it in the runtime's other threads (JIT, GC, I/O), ms: the process's CPU less
 * the main thread's. The two come from different clocks (`getrusage`, `schedstat`) that can
 * disagree by a scheduler tick, so a process that hardly used other threads may come out a
 * little below zero: counted as zero.
 */
const otherCpu = (run: ChildRun) => Math.max(0, cpu(run) - mainCpu(run));

/**
 * The name a runtime gives the threads of its optimizing JIT compiler, where it gives them
 * one: JavaScriptCore's `JITWorker` (DFG and FTL). V8's workers are not named apart (they
 * also collect garbage), so Deno and Node have none here.
 */
const COMPILER_THREADS: Partial<Record<Runtime["name"], string>> = { bun: "JITWorker" };

/** The part of the other threads' CPU in the JIT compiler's (NaN where not measured), ms. */
const compilerCpu = (name: string) => (run: ChildRun) =>
  (run.result.otherThreadsUs?.[name] ?? NaN) / 1000;

/** Whether the children measured their main thread apart (Linux). */
function splitsThreads(runs: Pairs): boolean {
  return [...runs.ours, ...runs.raw].every((run) => run.result.mainThreadUs !== undefined);
}

/** Builds a row of `measure` over some runs, with the goal "at most `factor`× raw" if given. */
type RowOf = (label: string, measure: (run: ChildRun) => number, factor?: number) => Row;

/**
 * The CPU row of a layer run beside ours and raw (`runs[layer]`, against raw), and its main
 * thread's where the threads are split; each row is `rowOf`'s (by default the medians).
 */
function layerRows(
  label: string,
  runtime: Runtime,
  runs: Runs,
  layer: Impl,
  rowOf?: RowOf,
): Row[] {
  const layerRuns = { ours: runs[layer] ?? [], raw: runs.raw };
  const row = rowOf ?? ((label, measure) => pairRow(label, runtime, layerRuns, measure));
  const rows = [row(`${label} (ms)`, cpu)];
  if (splitsThreads(layerRuns)) rows.push(row(`${label}, main thread (ms)`, mainCpu));
  return rows;
}

/**
 * The CPU rows split by thread: `label` on the main thread (the JavaScript) and in the
 * runtime's other threads, where its JIT compilers and garbage collector run; and of those,
 * the JIT compiler's, on a runtime that names its threads. Each row is `rowOf`'s (by default
 * the medians of `runs`).
 */
function threadRows(
  label: string,
  runtime: Runtime,
  runs: Pairs,
  rowOf: RowOf = (label, measure) => pairRow(label, runtime, runs, measure),
): Row[] {
  if (!splitsThreads(runs)) return [];
  const rows = [
    rowOf(`${label}, main thread (ms)`, mainCpu),
    rowOf(`${label}, other threads (ms)`, otherCpu),
  ];
  const compiler = COMPILER_THREADS[runtime.name];
  if (compiler !== undefined) {
    rows.push(rowOf(`${label}, JIT compiler threads (ms)`, compilerCpu(compiler)));
  }
  return rows;
}

/**
 * The SDK's extra CPU per event, µs: the median of the paired differences (round i's ours −
 * round i's raw), robust to a drift in the machine's load across rounds, over `events`.
 */
function perEventUs(runs: Pairs, measure: (run: ChildRun) => number, events: number): number {
  return 1000 * median(runs.ours.map((r, i) => measure(r) - measure(runs.raw[i]))) / events;
}

/** A row of the medians of `measure` over ours and raw. */
function pairRow(
  label: string,
  runtime: Runtime,
  runs: Pairs,
  measure: (run: ChildRun) => number,
  goal?: Goal,
  digits?: number,
): Row {
  return timeRow(label, runtime.name, runs.ours.map(measure), runs.raw.map(measure), goal, digits);
}

/** The goal "ours at most `factor` times raw". */
function timesRaw(factor: number): Goal {
  return (o, r) => ({ text: `≤ ${factor.toFixed(2)}× raw`, pass: o <= factor * r });
}

/** Every turn's duration over all runs (their median is robust to one slow turn or run). */
function turnTimes(runs: ChildRun[]): number[] {
  return runs.flatMap((r) => (r.result.extra as { turnMs?: number[] } | undefined)?.turnMs ?? []);
}

/** The median turn of ours and raw. */
function turnRow(label: string, runtime: Runtime, runs: Pairs): Row {
  return timeRow(label, runtime.name, turnTimes(runs.ours), turnTimes(runs.raw));
}

/** The capture, or an error when it failed. */
function captureOf(context: ScenarioContext): string {
  if (context.captureFile === undefined) {
    throw new Error("no capture (see the capture failure above)");
  }
  return context.captureFile;
}

/** Import time of the SDK against an empty module, in fresh processes. */
async function importScenario(context: ScenarioContext, runtime: Runtime): Promise<void> {
  const runs = { ours: [] as ChildRun[], raw: [] as ChildRun[] };
  for (let i = 0; i < context.sizes.importRounds; i++) {
    for (const impl of ["ours", "raw"] as const) {
      runs[impl].push(
        await context.runChild(runtime, baseConfig(runtime, "import", impl), 60_000),
      );
    }
  }
  const { emit } = context.board;
  emit(pairRow("import (ms)", runtime, runs, wall, (o) => ({ text: "≤ 20 ms", pass: o <= 20 })));
  emit(pairRow("process start+import (ms)", runtime, runs, (r) => r.wallMs));
}

/** Start-up and initialize handshake. */
async function connectScenario(context: ScenarioContext, runtime: Runtime): Promise<void> {
  const runs = await pairs(
    context,
    runtime,
    "connect",
    KNOWN_MODEL,
    context.sizes.rounds.connect,
    {},
  );
  const { emit } = context.board;
  emit(pairRow("connect (ms)", runtime, runs, wall, (o, r) => ({
    text: "≤ raw + 5 ms",
    pass: o <= r + 5,
  })));
  emit(pairRow("connect CPU (ms)", runtime, runs, cpu));
  // close() with nothing running, until it returns; raw: stdin closed, then the exit.
  const closeMs = (run: ChildRun) => (run.result.extra as { closeMs: number }).closeMs;
  emit(pairRow("close, idle (ms)", runtime, runs, closeMs, (o) => ({
    text: "≤ 20 ms",
    pass: o <= 20,
  })));
}

/**
 * The raw loop's work on the SDK's lower layers (`bench/layer_clients.ts`), which `short` and
 * `warm` run beside the SDK, each with the label of its rows.
 */
const LOWER_LAYERS: readonly (readonly [Impl, string])[] = [
  ["transport", "SDK transport only"],
  ["connection", "+ JsonRpcConnection only"],
];

/** The other clients `short` runs, each in a fresh process too, with the label of its rows. */
const SHORT_LAYERS: readonly (readonly [Impl, string])[] = [
  ...LOWER_LAYERS,
  ["unvalidated", 'validation "off"'],
];

/**
 * Short turns one after another on one thread, in a fresh process; and the same through the
 * raw loop's work on the SDK's transport and on its `JsonRpcConnection`, and through the SDK
 * without checking what arrives (`validation: "off"`): what each layer, and the checks, cost
 * while their code runs for the first time and the schemas the checks meet are built.
 */
async function shortScenario(context: ScenarioContext, runtime: Runtime): Promise<void> {
  const { sizes, board: { emit } } = context;
  const runs = await pairs(context, runtime, "short", KNOWN_MODEL, sizes.rounds.short, {
    turns: sizes.shortTurns,
  }, SHORT_LAYERS.map(([layer]) => layer));
  emit(pairRow(`short ${sizes.shortTurns} turns (ms)`, runtime, runs, wall, timesRaw(1.05)));
  emit(turnRow("short turn median (ms)", runtime, runs));
  emit(pairRow(`short CPU (ms)`, runtime, runs, cpu, timesRaw(1.2)));
  for (const row of threadRows("short CPU", runtime, runs)) emit(row);
  for (const [layer, name] of SHORT_LAYERS) {
    for (const row of layerRows(`short CPU, ${name}`, runtime, runs, layer)) emit(row);
  }
}

/**
 * The JavaScript function calls a short turn makes, ours and raw, counted in the child by
 * V8's precise coverage (`countCalls` in `child.ts`) over `callTurns` turns after
 * `callWarmup`: a count, not a time, so what a change to the hot path does shows without
 * the machine's scatter. Node and Deno (JavaScriptCore keeps no such counts); the bench's
 * harness is counted on both sides alike.
 */
async function callsScenario(context: ScenarioContext, runtime: Runtime): Promise<void> {
  if (runtime.name === "bun") return;
  const { sizes } = context;
  const runs = await pairs(context, runtime, "calls", KNOWN_MODEL, sizes.rounds.calls, {
    warmup: sizes.callWarmup,
    turns: sizes.callTurns,
  });
  const calls = (run: ChildRun) => (run.result.extra as { calls: number }).calls;
  const ours = median(runs.ours.map(calls));
  const raw = median(runs.raw.map(calls));
  context.board.emit({
    scenario: "short: JS function calls per turn",
    runtime: runtime.name,
    ours: fmt(ours, 0),
    raw: fmt(raw, 0),
    ratio: ratio(ours, raw),
  });
}

/** The clients of `warm`, in the order of its first round. */
const WARM_SIDES: readonly Impl[] = ["raw", "transport", "connection", "unvalidated", "ours"];

/**
 * Short turns once the runtime has compiled most of each client's code paths (a fresh
 * process's first turns are its slowest; Node's optimizing compiler keeps working on the
 * SDK's for some 250 turns, see `PROFILES.md`), every client in one process: after
 * `warmupTurns` turns each, blocks of `warmBlockTurns` turns, each client in turn, each block
 * after one turn not measured (`interleaved` in `child.ts`). Each row's ratio is the median
 * of the blocks' ratios to the raw loop's block of the same round. Besides ours and raw: the
 * raw loop's work on the SDK's transport alone and on its `JsonRpcConnection`
 * (`bench/layer_clients.ts`), and the whole SDK with `validation: "off"`: what those layers,
 * and the checks of what arrives, cost live.
 */
async function warmScenario(context: ScenarioContext, runtime: Runtime): Promise<void> {
  const { sizes, board: { emit } } = context;
  const sides = runtime.abCopy === "" ? WARM_SIDES : [...WARM_SIDES, "candidate" as const];
  const blocks = await interleavedBlocks(context, runtime, sides, sizes.rounds.warm);
  const against = (side: Impl): RowOf => (label, measure, factor) =>
    pairedRow(label, runtime.name, blocks[side].map(measure), blocks.raw.map(measure), factor);
  const after = `after ${sizes.warmupTurns}`;
  const ours = against("ours");
  emit(ours(`short ${sizes.warmBlockTurns} turns ${after} (ms)`, wall, 1.05));
  emit(ours(`short CPU ${after} turns (ms)`, cpu, 1.2));
  const runs: Runs = { ...blocks, ours: blocks.ours, raw: blocks.raw };
  context.board.say(
    `note: ${runtime.name} warm: the CPU ratio in each process, ${
      perProcess(runs.ours, runs.raw, sizes.warmBlocks)
    }.`,
  );
  for (const row of threadRows(`short CPU ${after}`, runtime, runs, ours)) emit(row);
  const layers = [...LOWER_LAYERS, ["unvalidated", 'whole SDK, validation "off"'] as const];
  for (const [layer, name] of layers) {
    const rows = layerRows(`short CPU ${after}, ${name}`, runtime, runs, layer, against(layer));
    for (const row of rows) emit(row);
  }
  if (blocks.candidate !== undefined) abRows(context, runtime, blocks, after);
}

/**
 * With `--ab`: the other checkout's SDK against the raw loop, then against this SDK (its
 * `ours` column the candidate's, its `raw` column this SDK's), with each process's ratio.
 */
function abRows(
  context: ScenarioContext,
  runtime: Runtime,
  blocks: Record<Impl, ChildRun[]>,
  after: string,
): void {
  const { emit, say } = context.board;
  const label = `short CPU ${after}, --ab SDK`;
  const against = (rowsLabel: string, base: ChildRun[]) =>
    layerRows(
      rowsLabel,
      runtime,
      { ours: blocks.candidate, raw: base },
      "ours",
      (rowLabel, measure) =>
        pairedRow(rowLabel, runtime.name, blocks.candidate.map(measure), base.map(measure)),
    );
  for (const row of against(label, blocks.raw)) emit(row);
  for (const row of against(`${label} ÷ this SDK`, blocks.ours)) emit(row);
  const each = perProcess(blocks.candidate, blocks.ours, context.sizes.warmBlocks);
  say(`note: ${runtime.name} warm: the --ab SDK's CPU ÷ this SDK's in each process, ${each}.`);
}

/**
 * The median of the CPU ratios of `blocks` to `to`, block by block, in each process
 * (`blocksEach` blocks each), as a list: how far one process's compiled code can move the
 * figure.
 */
function perProcess(blocks: ChildRun[], to: ChildRun[], blocksEach: number): string {
  const medians = [];
  for (let start = 0; start < blocks.length; start += blocksEach) {
    const ratios = blocks.slice(start, start + blocksEach).map((run, i) =>
      cpu(run) / cpu(to[start + i])
    );
    medians.push(`${median(ratios).toFixed(2)}×`);
  }
  return medians.join(", ");
}

/** `20k` for 20 000 deltas, `200` for 200. */
function streamLabel(deltas: number): string {
  return deltas >= 1000 ? `${deltas / 1000}k` : `${deltas}`;
}

/** One turn streaming many deltas: wall, CPU, SDK CPU per event, memory. */
async function streamScenario(context: ScenarioContext, runtime: Runtime): Promise<void> {
  const { sizes, board: { emit } } = context;
  const runs = await pairs(
    context,
    runtime,
    "stream",
    KNOWN_MODEL,
    sizes.rounds.stream,
    { turns: 1, prompt: deltasPrompt(sizes.streamDeltas) },
  );
  const label = streamLabel(sizes.streamDeltas);
  emit(pairRow(`stream ${label} wall (ms)`, runtime, runs, wall, timesRaw(1.1)));
  emit(pairRow(`stream ${label} CPU (ms)`, runtime, runs, cpu, timesRaw(1.2)));
  const events = median(runs.ours.map((r) => r.result.events));
  const perEvent = perEventUs(runs, cpu, events);
  emit({
    scenario: "stream SDK CPU/event (µs)",
    runtime: runtime.name,
    ours: perEvent.toFixed(2),
    raw: "-",
    ratio: `${fmt(events, 0)} ev`,
    goal: { text: "≤ 2 µs", pass: perEvent <= 2 },
  });
  if (splitsThreads(runs)) {
    const compiler = COMPILER_THREADS[runtime.name];
    const parts: [string, (run: ChildRun) => number][] = [
      ["main thread", mainCpu],
      ["other threads", otherCpu],
    ];
    if (compiler !== undefined) parts.push(["JIT compiler threads", compilerCpu(compiler)]);
    for (const [where, measure] of parts) {
      emit({
        scenario: `stream SDK CPU/event, ${where} (µs)`,
        runtime: runtime.name,
        ours: perEventUs(runs, measure, events).toFixed(2),
        raw: "-",
        ratio: `${fmt(events, 0)} ev`,
      });
    }
  }
  emit(pairRow("stream peak RSS (MB)", runtime, runs, (r) => mb(r.result.peakRss)));
  emit(pairRow("stream peak heap (MB)", runtime, runs, (r) => mb(r.result.peakHeap)));
}

/** Several turns of a few deltas each. */
async function manyScenario(context: ScenarioContext, runtime: Runtime): Promise<void> {
  const { sizes, board: { emit } } = context;
  const runs = await pairs(
    context,
    runtime,
    "many",
    KNOWN_MODEL,
    sizes.rounds.many,
    { turns: sizes.manyTurns, prompt: deltasPrompt(sizes.manyDeltas) },
  );
  const label = `many ${sizes.manyTurns}×${sizes.manyDeltas} (ms)`;
  emit(pairRow(label, runtime, runs, wall, timesRaw(1.05)));
  emit(turnRow("many turn median (ms)", runtime, runs));
  emit(pairRow("many CPU (ms)", runtime, runs, cpu, timesRaw(1.2)));
  for (const row of threadRows("many CPU", runtime, runs)) emit(row);
}

/** Threads running turns at the same time. */
async function concurrentScenario(context: ScenarioContext, runtime: Runtime): Promise<void> {
  const { sizes, board: { emit } } = context;
  const runs = await pairs(context, runtime, "concurrent", KNOWN_MODEL, sizes.rounds.concurrent, {
    threads: sizes.threads,
    turns: sizes.threadTurns,
  });
  const label = `concurrent ${sizes.threads}×${sizes.threadTurns} (ms)`;
  emit(pairRow(label, runtime, runs, wall, timesRaw(1.05)));
  emit(pairRow("concurrent CPU (ms)", runtime, runs, cpu, timesRaw(1.2)));
  for (const row of threadRows("concurrent CPU", runtime, runs)) emit(row);
}

/** The captured traffic replayed in-process: CPU per event, short turns. */
async function replayScenario(context: ScenarioContext, runtime: Runtime): Promise<void> {
  const captureFile = captureOf(context);
  const { sizes, board: { emit } } = context;
  const runs = await pairs(context, runtime, "replay", KNOWN_MODEL, sizes.rounds.replay, {
    captureFile,
    deltas: sizes.streamDeltas,
    reps: sizes.replayReps,
    turns: sizes.shortTurns,
  });
  const perEvent = (run: ChildRun) => run.result.cpuUs / run.result.events;
  const oursUs = median(runs.ours.map(perEvent));
  const rawUs = median(runs.raw.map(perEvent));
  emit({
    scenario: "replay CPU/event (µs)",
    runtime: runtime.name,
    ours: oursUs.toFixed(2),
    raw: rawUs.toFixed(2),
    ratio: ratio(oursUs, rawUs),
  });
  type Short = { short: { ms: number; cpuUs: number } };
  const perTurn = (key: "ms" | "cpuUs") => (run: ChildRun) =>
    (run.result.extra as Short).short[key] / sizes.shortTurns;
  emit(pairRow("replay short turn (ms)", runtime, runs, perTurn("ms"), undefined, 2));
  const cpuPerTurn = perTurn("cpuUs");
  emit(pairRow(
    "replay short turn CPU (ms)",
    runtime,
    runs,
    (run) => cpuPerTurn(run) / 1000,
    undefined,
    2,
  ));
  emit({
    scenario: "replay SDK CPU/event (µs)",
    runtime: runtime.name,
    ours: (oursUs - rawUs).toFixed(2),
    raw: "-",
    ratio: `${fmt(median(runs.ours.map((r) => r.result.events)), 0)} ev`,
  });
  // The same turn through each layer of the SDK, from the bottom: where its time goes.
  type Layer = "transportUs" | "connectionUs" | "runUs" | "iterateUs";
  type Layers = { layers?: Record<Layer, number> };
  const layer = (key: Layer) =>
    median(runs.ours.map((run) => (run.result.extra as Layers).layers?.[key] ?? NaN));
  for (
    const [label, us] of [
      ["stdioTransport", layer("transportUs")],
      ["+ JsonRpcConnection", layer("connectionUs")],
      ["+ Codex, thread.run()", layer("runUs")],
      ["+ for await over the turn", layer("iterateUs")],
    ] as const
  ) {
    emit({
      scenario: `replay layers: ${label} (µs/event)`,
      runtime: runtime.name,
      ours: us.toFixed(2),
      raw: rawUs.toFixed(2),
      ratio: ratio(us, rawUs),
    });
  }
}

/** Decoding the captured traffic (and validating it) against a bare decode loop. */
async function framingScenario(context: ScenarioContext, runtime: Runtime): Promise<void> {
  const captureFile = captureOf(context);
  const { sizes, board } = context;
  if (runtime.urls.decode === "") {
    board.say(`note: ${runtime.name}: the npm build has no jsonl_decode.js: framing skipped.`);
    return;
  }
  const config: ChildConfig = {
    ...baseConfig(runtime, "framing", "ours"),
    captureFile,
    framingBytes: sizes.framingBytes,
    framingReps: sizes.framingReps,
  };
  const framing = (await context.runChild(runtime, config, 180_000)).result
    .extra as FramingResult;
  board.framing.set(runtime.name, framing);
  const mbps = (ms: number) => mb(framing.bytes) / (ms / 1000);
  const o = framing.ours.ms;
  const r = framing.floor.ms;
  board.emit({
    scenario: `framing ${fmt(mb(framing.bytes), 0)} MB (MB/s)`,
    runtime: runtime.name,
    ours: fmt(mbps(o)),
    raw: fmt(mbps(r)),
    ratio: ratio(o, r),
    goal: { text: "≤ 1.5× floor", pass: o <= 1.5 * r },
  });
  const ov = framing.oursValidated.ms;
  const rv = framing.floorValidated.ms;
  board.emit({
    scenario: "framing+validate (MB/s)",
    runtime: runtime.name,
    ours: fmt(mbps(ov)),
    raw: fmt(mbps(rv)),
    ratio: ratio(ov, rv),
  });
}

/** Each scenario, for one runtime; it emits its rows to the context's scoreboard. */
export const SCENARIO_RUNS: Record<
  ScenarioName,
  (context: ScenarioContext, runtime: Runtime) => Promise<void>
> = {
  import: importScenario,
  connect: connectScenario,
  short: shortScenario,
  calls: callsScenario,
  warm: warmScenario,
  stream: streamScenario,
  many: manyScenario,
  concurrent: concurrentScenario,
  replay: replayScenario,
  framing: framingScenario,
};
