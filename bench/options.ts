/**
 * The bench's command line: its flags, the scenario names `--only` accepts, and the sizes
 * of a full and of a smoke run.
 *
 * @module
 */

import type { Scenario } from "./child.ts";

/** How much work each scenario does. */
export interface Sizes {
  readonly importRounds: number;
  readonly rounds: Record<Exclude<Scenario, "import" | "framing">, number>;
  readonly replayReps: number;
  readonly shortTurns: number;
  /** `calls`: the turns counted, after `callWarmup` turns. */
  readonly callTurns: number;
  readonly callWarmup: number;
  /** Turns each client of the `warm` scenario runs before the measured ones. */
  readonly warmupTurns: number;
  /** `warm`: rounds of blocks in each process, and the short turns of a block. */
  readonly warmBlocks: number;
  readonly warmBlockTurns: number;
  readonly streamDeltas: number;
  readonly manyTurns: number;
  readonly manyDeltas: number;
  readonly threads: number;
  readonly threadTurns: number;
  readonly captureDeltas: number;
  readonly framingBytes: number;
  readonly framingReps: number;
}

/** The sizes of a full run (7–8 min on a 2-core machine). */
export const FULL: Sizes = {
  importRounds: 10,
  rounds: { connect: 8, short: 5, calls: 1, warm: 3, stream: 4, many: 5, concurrent: 3, replay: 2 },
  replayReps: 3,
  shortTurns: 20,
  callTurns: 20,
  callWarmup: 10,
  warmupTurns: 80,
  warmBlocks: 12,
  warmBlockTurns: 10,
  streamDeltas: 20_000,
  manyTurns: 10,
  manyDeltas: 200,
  threads: 20,
  threadTurns: 5,
  captureDeltas: 2_000,
  framingBytes: 50 * 1024 * 1024,
  framingReps: 2,
};

/** The sizes of a smoke run (`--smoke`: 1 round at tiny sizes, < 60 s). */
export const SMOKE: Sizes = {
  importRounds: 1,
  rounds: { connect: 1, short: 1, calls: 1, warm: 1, stream: 1, many: 1, concurrent: 1, replay: 1 },
  replayReps: 1,
  shortTurns: 2,
  callTurns: 2,
  callWarmup: 1,
  warmupTurns: 2,
  warmBlocks: 2,
  warmBlockTurns: 1,
  streamDeltas: 200,
  manyTurns: 2,
  manyDeltas: 20,
  threads: 2,
  threadTurns: 2,
  captureDeltas: 200,
  framingBytes: 1024 * 1024,
  framingReps: 1,
};

/** The scenarios, in the order they run. */
export const SCENARIOS = [
  "import",
  "connect",
  "short",
  "calls",
  "warm",
  "stream",
  "many",
  "concurrent",
  "replay",
  "framing",
] as const;

/** A scenario name (`--only` takes a list of them). */
export type ScenarioName = (typeof SCENARIOS)[number];

/** The parsed flags. */
export interface Options {
  readonly smoke: boolean;
  readonly runtimes?: string[];
  readonly only?: string[];
  /** Write a V8 CPU profile of every child into this directory. */
  readonly cpuProf?: string;
  /** Load the SDK from this checkout instead (to A/B a change to src/). */
  readonly sdkRoot?: string;
  /**
   * `warm` also runs the SDK of this checkout, in the same process as the others (`--ab`): a
   * change to src/ judged against the SDK block by block.
   */
  readonly abRoot?: string;
  /**
   * Run every child with its runtime's optimizing compiler on the main thread (`--sync-jit`):
   * to tell the runtime's concurrent compiling from the code's own work.
   */
  readonly syncJit: boolean;
  /** Override the number of rounds of every end-to-end scenario. */
  readonly rounds?: number;
}

/**
 * Parses the flags (see the module doc of `bench/run.ts`).
 *
 * @throws {Error} An unknown flag or scenario name.
 */
export function parseArgs(args: string[]): Options {
  const value = (name: string) =>
    args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const list = (name: string) => value(name)?.split(",");
  const unknown = args.filter((arg) =>
    arg !== "--smoke" && arg !== "--sync-jit" &&
    !["runtimes", "only", "cpu-prof", "sdk-root", "ab", "rounds"].some((n) =>
      arg.startsWith(`--${n}=`)
    )
  );
  if (unknown.length > 0) throw new Error(`Unknown argument(s): ${unknown.join(" ")}`);
  const only = list("only");
  const bad = only?.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
  if (bad !== undefined && bad.length > 0) {
    throw new Error(`Unknown scenario(s) ${bad.join(", ")}; known: ${SCENARIOS.join(" ")}`);
  }
  const rounds = value("rounds");
  return {
    smoke: args.includes("--smoke"),
    syncJit: args.includes("--sync-jit"),
    runtimes: list("runtimes"),
    only,
    cpuProf: value("cpu-prof"),
    sdkRoot: value("sdk-root"),
    abRoot: value("ab"),
    rounds: rounds === undefined ? undefined : Math.max(1, Number(rounds)),
  };
}

/** Whether a run writes `bench/RESULTS.md`: a full run of everything, nothing overridden. */
export function writesResults(options: Options): boolean {
  const partial = options.only !== undefined || options.runtimes !== undefined ||
    options.rounds !== undefined || options.cpuProf !== undefined ||
    options.sdkRoot !== undefined || options.abRoot !== undefined || options.syncJit;
  return !options.smoke && !partial;
}
