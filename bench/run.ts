/**
 * What the SDK adds on top of the app-server, measured against a raw JSON-RPC loop
 * (`bench/raw_client.ts`), side by side, on Deno, Bun and Node (the npm build).
 *
 * ```sh
 * npx deno run -A bench/run.ts           # full run (< 5 min), writes bench/RESULTS.md
 * npx deno run -A bench/run.ts --smoke   # 1 round at tiny sizes (< 60 s), writes nothing
 * ```
 *
 * Flags for working on one thing (such runs write nothing): `--runtimes=deno,bun`,
 * `--only=stream,framing` (scenario names: import connect short stream many concurrent
 * replay framing), `--rounds=N` (rounds of every end-to-end scenario), `--cpu-prof=DIR`
 * (a V8 CPU profile of every child; summarize with `bench/profile_summary.ts`),
 * `--sdk-root=DIR` (load the SDK from another checkout with the same layout, `npm/`
 * included, to A/B a change to `src/`).
 *
 * Every measurement runs in a fresh child process (`bench/child.ts`; Node runs a bundle of
 * it); this process runs the fake Responses server and keeps the score, so neither its CPU
 * nor the fake model's is in the child's `process.cpuUsage()`. Each end-to-end scenario
 * alternates ours and raw (ABAB…), each run with a fresh temporary CODEX_HOME.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createCodexHome } from "../tests/support/codex_home.ts";
import { type FakeResponses, startFakeResponses } from "../tests/support/fake_responses.ts";
import type { ChildConfig, ChildResult, Scenario } from "./child.ts";
import type { FramingResult } from "./framing.ts";
import { spawnRaw } from "./raw_client.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const CODEX_BIN = join(
  ROOT,
  "node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex",
);

type RuntimeName = "deno" | "bun" | "node";

interface Runtime {
  readonly name: RuntimeName;
  readonly version: string;
  /** The executable. */
  readonly exe: string;
  /** Arguments before the profiler flags (`run -A` for Deno). */
  readonly flags: string[];
  /** The child script. */
  readonly script: string;
  readonly urls: ChildConfig["urls"];
}

interface Sizes {
  readonly importRounds: number;
  readonly rounds: Record<Exclude<Scenario, "import" | "framing">, number>;
  readonly replayReps: number;
  readonly shortTurns: number;
  readonly streamDeltas: number;
  readonly manyTurns: number;
  readonly manyDeltas: number;
  readonly threads: number;
  readonly threadTurns: number;
  readonly captureDeltas: number;
  readonly framingBytes: number;
  readonly framingReps: number;
}

const FULL: Sizes = {
  importRounds: 10,
  rounds: { connect: 8, short: 3, stream: 4, many: 3, concurrent: 1, replay: 2 },
  replayReps: 3,
  shortTurns: 20,
  streamDeltas: 20_000,
  manyTurns: 10,
  manyDeltas: 200,
  threads: 20,
  threadTurns: 5,
  captureDeltas: 2_000,
  framingBytes: 50 * 1024 * 1024,
  framingReps: 2,
};

const SMOKE: Sizes = {
  importRounds: 1,
  rounds: { connect: 1, short: 1, stream: 1, many: 1, concurrent: 1, replay: 1 },
  replayReps: 1,
  shortTurns: 2,
  streamDeltas: 200,
  manyTurns: 2,
  manyDeltas: 20,
  threads: 2,
  threadTurns: 2,
  captureDeltas: 200,
  framingBytes: 1024 * 1024,
  framingReps: 1,
};

const SCENARIOS = [
  "import",
  "connect",
  "short",
  "stream",
  "many",
  "concurrent",
  "replay",
  "framing",
] as const;

/** One printed row. */
interface Row {
  readonly scenario: string;
  readonly runtime: RuntimeName;
  readonly ours: string;
  readonly raw: string;
  readonly ratio: string;
  readonly goal?: { readonly text: string; readonly pass: boolean };
}

interface Options {
  readonly smoke: boolean;
  readonly runtimes?: string[];
  readonly only?: string[];
  /** Write a V8 CPU profile of every child into this directory. */
  readonly cpuProf?: string;
  /** Load the SDK from this checkout instead (to A/B a change to src/). */
  readonly sdkRoot?: string;
  /** Override the number of rounds of every end-to-end scenario. */
  readonly rounds?: number;
}

function parseArgs(args: string[]): Options {
  const value = (name: string) =>
    args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const list = (name: string) => value(name)?.split(",");
  const unknown = args.filter((arg) =>
    arg !== "--smoke" &&
    !["runtimes", "only", "cpu-prof", "sdk-root", "rounds"].some((n) => arg.startsWith(`--${n}=`))
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
    runtimes: list("runtimes"),
    only,
    cpuProf: value("cpu-prof"),
    sdkRoot: value("sdk-root"),
    rounds: rounds === undefined ? undefined : Math.max(1, Number(rounds)),
  };
}

// ---------------------------------------------------------------------------------------
// Processes.

async function output(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await new Deno.Command(command, { args, cwd: ROOT }).output();
    return new TextDecoder().decode(stdout.length > 0 ? stdout : stderr).trim();
  } catch (error) {
    return `unavailable (${error instanceof Error ? error.message : error})`;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Modification time of the newest `.ts` file under `mod.ts`, `src/` and `generated/`. */
async function newestSource(root: string): Promise<number> {
  let newest = (await Deno.stat(join(root, "mod.ts"))).mtime?.getTime() ?? 0;
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith(".ts")) {
        newest = Math.max(newest, (await Deno.stat(path)).mtime?.getTime() ?? 0);
      }
    }
  };
  for (const dir of ["src", "generated"]) await walk(join(root, dir)).catch(() => {});
  return newest;
}

async function loadAverage(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
}

interface ChildRun {
  readonly result: ChildResult;
  /** Spawn to exit, ms (as this process sees it). */
  readonly wallMs: number;
}

let profileDir: string | undefined;
let profileCount = 0;

/** Runs one child to completion; throws with its stderr tail when it fails. */
async function runChild(
  runtime: Runtime,
  config: ChildConfig,
  timeoutMs: number,
): Promise<ChildRun> {
  const profile = profileDir === undefined ? [] : [
    "--cpu-prof",
    `--cpu-prof-dir=${profileDir}`,
    `--cpu-prof-name=${runtime.name}-${config.scenario}-${config.impl}-${++profileCount}.cpuprofile`,
  ];
  const t0 = performance.now();
  const child = new Deno.Command(runtime.exe, {
    args: [...runtime.flags, ...profile, runtime.script, JSON.stringify(config)],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const { code, stdout, stderr } = await child.output();
  const wallMs = performance.now() - t0;
  clearTimeout(timer);
  const line = new TextDecoder().decode(stdout).split("\n").find((l) => l.startsWith("RESULT "));
  if (code !== 0 || line === undefined) {
    const tail = new TextDecoder().decode(stderr).slice(-2000);
    throw new Error(
      `${runtime.name} ${config.scenario}/${config.impl} failed (exit ${code}):\n${tail}`,
    );
  }
  return { result: JSON.parse(line.slice("RESULT ".length)) as ChildResult, wallMs };
}

/**
 * Copies `npm/package.json` and `npm/esm/` to `dest`, next to a `node_modules` link to the
 * repository's (for valibot and the codex binary). Returns why it failed, if it did.
 */
async function snapshotNpm(npm: string, dest: string): Promise<string | undefined> {
  try {
    await Deno.mkdir(dest, { recursive: true });
    await Deno.copyFile(join(npm, "package.json"), join(dest, "package.json"));
    await copyTree(join(npm, "esm"), join(dest, "esm"));
    await Deno.symlink(join(ROOT, "node_modules"), join(dirname(dest), "node_modules"));
    return undefined;
  } catch (error) {
    return `could not copy the npm build: ${error instanceof Error ? error.message : error}`;
  }
}

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyTree(join(from, entry.name), join(to, entry.name));
    else if (entry.name.endsWith(".js")) {
      await Deno.copyFile(join(from, entry.name), join(to, entry.name));
    }
  }
}

/** Bundles bench/child.ts for Node (which cannot run TypeScript). */
async function bundleForNode(out: string): Promise<string | undefined> {
  const built = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--no-lock", "--quiet", "--platform", "deno", "-o", out, "bench/child.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (built.success) return undefined;
  return `could not bundle bench/child.ts for Node: ${
    new TextDecoder().decode(built.stderr).trim().split("\n").pop()
  }`;
}

// ---------------------------------------------------------------------------------------
// Statistics and formatting.

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return "-";
  return Math.abs(value) >= 1000 ? Math.round(value).toString() : value.toFixed(digits);
}

const ratio = (ours: number, raw: number) => `${(ours / raw).toFixed(2)}×`;
const mb = (bytes: number) => bytes / (1024 * 1024);

function timeRow(
  scenario: string,
  runtime: RuntimeName,
  ours: number[],
  raw: number[],
  goal?: (o: number, r: number) => { text: string; pass: boolean },
  digits = 1,
): Row {
  const o = median(ours);
  const r = median(raw);
  const [os, rs] = [fmt(o, digits), fmt(r, digits)];
  return { scenario, runtime, ours: os, raw: rs, ratio: ratio(o, r), goal: goal?.(o, r) };
}

/** Every turn's duration over all runs (their median is robust to one slow turn or run). */
function turnTimes(runs: { result: ChildResult }[]): number[] {
  return runs.flatMap((r) => (r.result.extra as { turnMs?: number[] } | undefined)?.turnMs ?? []);
}

function printRow(row: Row): void {
  const goal = row.goal ? `  ${row.goal.pass ? "pass" : "MISS"} (${row.goal.text})` : "";
  console.log(
    `${row.scenario.padEnd(27)} ${row.runtime.padEnd(5)} ${row.ours.padStart(9)} ` +
      `${row.raw.padStart(9)} ${row.ratio.padStart(9)}${goal}`,
  );
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const options = parseArgs(Deno.args);
  const sizes = options.smoke ? SMOKE : FULL;
  profileDir = options.cpuProf;
  const started = performance.now();
  const loadBefore = await loadAverage();
  const tmp = await Deno.makeTempDir({ prefix: "codex-bench-" });
  const notes: string[] = [];
  const say = (text: string) => {
    console.log(text);
    notes.push(text);
  };

  // The runtimes, and the module URLs each child loads.
  const emptyUrl = pathToFileURL(join(tmp, "empty.mjs")).href;
  await Deno.writeTextFile(join(tmp, "empty.mjs"), "export {};\n");
  const sdkRoot = options.sdkRoot ?? ROOT;
  const url = (path: string) => pathToFileURL(join(sdkRoot, path)).href;
  const valibot = pathToFileURL(join(ROOT, "node_modules/valibot/dist/index.mjs")).href;
  const srcUrls = {
    sdk: url("mod.ts"),
    empty: emptyUrl,
    decode: url("src/framing/jsonl_decode.ts"),
    generated: url("generated/mod.ts"),
    valibot,
  };
  const deno = Deno.execPath();
  const bun = join(ROOT, "node_modules/bun/bin/bun.exe");
  const wanted = (name: string) => options.runtimes?.includes(name) ?? true;
  const runtimes: Runtime[] = [];
  if (wanted("deno")) {
    runtimes.push({
      name: "deno",
      version: (await output(deno, ["--version"])).split("\n")[0],
      exe: deno,
      flags: ["run", "-A", "--no-lock", "--quiet"],
      script: join(ROOT, "bench/child.ts"),
      urls: srcUrls,
    });
  }
  if (wanted("bun")) {
    runtimes.push({
      name: "bun",
      version: `bun ${await output(bun, ["--version"])}`,
      exe: bun,
      flags: [],
      script: join(ROOT, "bench/child.ts"),
      urls: srcUrls,
    });
  }
  if (wanted("node")) {
    // A snapshot of the npm build, so a rebuild of npm/ during the run cannot break it.
    const npmDir = join(tmp, "npm");
    const npmMod = join(npmDir, "esm/mod.js");
    const bundle = join(tmp, "node/child.mjs");
    let failure: string | null | undefined = null;
    if (await exists(join(sdkRoot, "npm/esm/mod.js"))) {
      const built = (await Deno.stat(join(sdkRoot, "npm/esm/mod.js"))).mtime?.getTime() ?? 0;
      if (await newestSource(sdkRoot) > built) {
        say("note: the npm build is older than src/: the Node column measures the old code.");
      }
      failure = await snapshotNpm(join(sdkRoot, "npm"), npmDir) ?? await bundleForNode(bundle);
    }
    if (failure === null) {
      say(
        "note: no npm build (npm/esm/mod.js): skipping the Node column " +
          "(build it with `npx deno run -A scripts/build_npm.ts`).",
      );
    } else if (failure !== undefined) {
      say(`note: ${failure.split("\n")[0]}: skipping the Node column.`);
    } else {
      const decode = join(npmDir, "esm/src/framing/jsonl_decode.js");
      runtimes.push({
        name: "node",
        version: `node ${await output("node", ["--version"])}`,
        exe: "node",
        flags: [],
        script: bundle,
        urls: {
          sdk: pathToFileURL(npmMod).href,
          empty: emptyUrl,
          decode: (await exists(decode)) ? pathToFileURL(decode).href : "",
          generated: pathToFileURL(join(npmDir, "esm/generated/mod.js")).href,
          valibot,
        },
      });
    }
  }
  const run = (scenario: string) => options.only?.includes(scenario) ?? true;

  const fake: FakeResponses = await startFakeResponses();
  const rows: Row[] = [];
  const failures: string[] = [];
  const timings: string[] = [];
  const framingResults = new Map<RuntimeName, FramingResult>();
  const emit = (row: Row) => {
    rows.push(row);
    printRow(row);
  };

  const baseConfig = (runtime: Runtime, scenario: Scenario, impl: "ours" | "raw") => ({
    scenario,
    impl,
    urls: runtime.urls,
    codexBin: CODEX_BIN,
    homeEnv: {},
    cwd: ROOT,
    turns: 1,
    threads: 1,
    deltas: 0,
    reps: 1,
    captureFile: "",
    framingBytes: 0,
    framingReps: 0,
  } satisfies ChildConfig);

  /** Runs ours and raw alternately (ABAB…), each with a fresh CODEX_HOME for `model`. */
  async function pairs(
    runtime: Runtime,
    scenario: Scenario,
    model: string,
    rounds: number,
    extra: Partial<ChildConfig>,
    timeoutMs = 120_000,
  ): Promise<{ ours: ChildRun[]; raw: ChildRun[] }> {
    const runs = { ours: [] as ChildRun[], raw: [] as ChildRun[] };
    for (let round = 0; round < (options.rounds ?? rounds); round++) {
      for (const impl of ["ours", "raw"] as const) {
        await using home = await createCodexHome(fake.url, { model });
        const config: ChildConfig = {
          ...baseConfig(runtime, scenario, impl),
          ...extra,
          homeEnv: home.env,
          cwd: home.path,
        };
        runs[impl].push(await runChild(runtime, config, timeoutMs));
      }
    }
    return runs;
  }

  async function attempt(label: string, body: () => Promise<void>): Promise<void> {
    const t0 = performance.now();
    try {
      await body();
      const load = (await loadAverage()).split(" ")[0];
      timings.push(`${label} ${((performance.now() - t0) / 1000).toFixed(1)} s (load ${load})`);
    } catch (error) {
      const message = `${label}: ${error instanceof Error ? error.message : error}`;
      failures.push(message);
      console.error(`FAILED ${message}`);
    }
  }

  console.log(
    `codex-app-server bench${options.smoke ? " (smoke)" : ""}: ` +
      `${runtimes.map((r) => r.version).join(", ")}; load ${loadBefore}`,
  );
  if (Number(loadBefore.split(" ")[0]) >= 1) {
    say(`note: the machine is busy (load ${loadBefore}): numbers are noisy.`);
  }
  console.log(
    `${"scenario".padEnd(27)} ${"rt".padEnd(5)} ${"ours".padStart(9)} ${"raw".padStart(9)} ${
      "ratio".padStart(9)
    }`,
  );

  // Warm-up: one untimed import per runtime (Deno's transpile cache, the page cache).
  for (const runtime of runtimes) {
    await attempt(`${runtime.name} warm-up`, async () => {
      await runChild(runtime, baseConfig(runtime, "import", "ours"), 60_000);
    });
  }

  // Real app-server traffic for the replay and framing benches (raw loop, this process).
  const captureFile = join(tmp, "capture.jsonl");
  if (run("framing") || run("replay")) {
    await attempt("capture", async () => {
      await using home = await createCodexHome(fake.url, {
        model: `deltas-${sizes.captureDeltas}`,
      });
      const lines: string[] = [];
      const raw = await spawnRaw({
        command: CODEX_BIN,
        args: ["app-server", "--listen", "stdio://"],
        env: { ...Deno.env.toObject(), ...home.env },
        cwd: home.path,
        onLine: (line) => lines.push(line),
      });
      let completed!: () => void;
      const done = new Promise<void>((resolve) => (completed = resolve));
      raw.onNotification = (method) => {
        if (method === "turn/completed") completed();
      };
      await raw.request("initialize", {
        clientInfo: { name: "bench", title: "bench", version: "0" },
        capabilities: { experimentalApi: true },
      });
      raw.notify("initialized");
      const { thread } = await raw.request("thread/start", {}) as { thread: { id: string } };
      await raw.request("turn/start", {
        threadId: thread.id,
        input: [{ type: "text", text: "capture" }],
      });
      await done;
      await raw.close();
      await Deno.writeTextFile(captureFile, lines.join("\n") + "\n");
    });
  }
  const captured = await exists(captureFile);

  const streamLabel = sizes.streamDeltas >= 1000
    ? `${sizes.streamDeltas / 1000}k`
    : `${sizes.streamDeltas}`;

  /** Each scenario, for one runtime. */
  const scenarios: Record<(typeof SCENARIOS)[number], (runtime: Runtime) => Promise<void>> = {
    async import(runtime) {
      const runs = { ours: [] as ChildRun[], raw: [] as ChildRun[] };
      for (let i = 0; i < sizes.importRounds; i++) {
        for (const impl of ["ours", "raw"] as const) {
          runs[impl].push(await runChild(runtime, baseConfig(runtime, "import", impl), 60_000));
        }
      }
      emit(timeRow(
        "import (ms)",
        runtime.name,
        runs.ours.map((r) => r.result.ms),
        runs.raw.map((r) => r.result.ms),
        (o) => ({ text: "≤ 50 ms", pass: o <= 50 }),
      ));
      emit(timeRow(
        "process start+import (ms)",
        runtime.name,
        runs.ours.map((r) => r.wallMs),
        runs.raw.map((r) => r.wallMs),
      ));
    },

    async connect(runtime) {
      const { ours, raw } = await pairs(runtime, "connect", "plain", sizes.rounds.connect, {});
      emit(timeRow(
        "connect (ms)",
        runtime.name,
        ours.map((r) => r.result.ms),
        raw.map((r) => r.result.ms),
        (o, r) => ({ text: "≤ raw + 5 ms", pass: o <= r + 5 }),
      ));
      emit(timeRow(
        "connect CPU (ms)",
        runtime.name,
        ours.map((r) => r.result.cpuUs / 1000),
        raw.map((r) => r.result.cpuUs / 1000),
      ));
    },

    async short(runtime) {
      const { ours, raw } = await pairs(runtime, "short", "plain", sizes.rounds.short, {
        turns: sizes.shortTurns,
      });
      emit(timeRow(
        `short ${sizes.shortTurns} turns (ms)`,
        runtime.name,
        ours.map((r) => r.result.ms),
        raw.map((r) => r.result.ms),
        (o, r) => ({ text: "≤ 1.05× raw", pass: o <= 1.05 * r }),
      ));
      emit(timeRow(
        "short turn median (ms)",
        runtime.name,
        turnTimes(ours),
        turnTimes(raw),
      ));
      emit(timeRow(
        `short CPU (ms)`,
        runtime.name,
        ours.map((r) => r.result.cpuUs / 1000),
        raw.map((r) => r.result.cpuUs / 1000),
      ));
    },

    async stream(runtime) {
      const { ours, raw } = await pairs(
        runtime,
        "stream",
        `deltas-${sizes.streamDeltas}`,
        sizes.rounds.stream,
        { turns: 1 },
      );
      const rt = runtime.name;
      emit(timeRow(
        `stream ${streamLabel} wall (ms)`,
        rt,
        ours.map((r) => r.result.ms),
        raw.map((r) => r.result.ms),
        (o, r) => ({ text: "≤ 1.10× raw", pass: o <= 1.1 * r }),
      ));
      emit(timeRow(
        `stream ${streamLabel} CPU (ms)`,
        rt,
        ours.map((r) => r.result.cpuUs / 1000),
        raw.map((r) => r.result.cpuUs / 1000),
      ));
      // Median of the paired differences (round i's ours − round i's raw): robust to a drift
      // in the machine's load across rounds.
      const events = median(ours.map((r) => r.result.events));
      const perEvent = median(ours.map((r, i) => r.result.cpuUs - raw[i].result.cpuUs)) / events;
      emit({
        scenario: "stream SDK CPU/event (µs)",
        runtime: rt,
        ours: perEvent.toFixed(2),
        raw: "-",
        ratio: `${fmt(events, 0)} ev`,
        goal: { text: "≤ 2 µs", pass: perEvent <= 2 },
      });
      emit(timeRow(
        "stream peak RSS (MB)",
        rt,
        ours.map((r) => mb(r.result.peakRss)),
        raw.map((r) => mb(r.result.peakRss)),
      ));
      emit(timeRow(
        "stream peak heap (MB)",
        rt,
        ours.map((r) => mb(r.result.peakHeap)),
        raw.map((r) => mb(r.result.peakHeap)),
      ));
    },

    async many(runtime) {
      const { ours, raw } = await pairs(
        runtime,
        "many",
        `deltas-${sizes.manyDeltas}`,
        sizes.rounds.many,
        { turns: sizes.manyTurns },
      );
      emit(timeRow(
        `many ${sizes.manyTurns}×${sizes.manyDeltas} (ms)`,
        runtime.name,
        ours.map((r) => r.result.ms),
        raw.map((r) => r.result.ms),
        (o, r) => ({ text: "≤ 1.05× raw", pass: o <= 1.05 * r }),
      ));
      emit(timeRow(
        "many turn median (ms)",
        runtime.name,
        turnTimes(ours),
        turnTimes(raw),
      ));
      emit(timeRow(
        "many CPU (ms)",
        runtime.name,
        ours.map((r) => r.result.cpuUs / 1000),
        raw.map((r) => r.result.cpuUs / 1000),
      ));
    },

    async concurrent(runtime) {
      const { ours, raw } = await pairs(runtime, "concurrent", "plain", sizes.rounds.concurrent, {
        threads: sizes.threads,
        turns: sizes.threadTurns,
      });
      emit(timeRow(
        `concurrent ${sizes.threads}×${sizes.threadTurns} (ms)`,
        runtime.name,
        ours.map((r) => r.result.ms),
        raw.map((r) => r.result.ms),
      ));
      emit(timeRow(
        "concurrent CPU (ms)",
        runtime.name,
        ours.map((r) => r.result.cpuUs / 1000),
        raw.map((r) => r.result.cpuUs / 1000),
      ));
    },

    async replay(runtime) {
      if (!captured) throw new Error("no capture (see the capture failure above)");
      const { ours, raw } = await pairs(runtime, "replay", "plain", sizes.rounds.replay, {
        captureFile,
        deltas: sizes.streamDeltas,
        reps: sizes.replayReps,
        turns: sizes.shortTurns,
      });
      const oursUs = median(ours.map((r) => r.result.cpuUs / r.result.events));
      const rawUs = median(raw.map((r) => r.result.cpuUs / r.result.events));
      emit({
        scenario: "replay CPU/event (µs)",
        runtime: runtime.name,
        ours: oursUs.toFixed(2),
        raw: rawUs.toFixed(2),
        ratio: ratio(oursUs, rawUs),
      });
      type Short = { short: { ms: number; cpuUs: number } };
      const perTurn = (runs: ChildRun[], key: "ms" | "cpuUs") =>
        runs.map((r) => (r.result.extra as Short).short[key] / sizes.shortTurns);
      emit(timeRow(
        "replay short turn (ms)",
        runtime.name,
        perTurn(ours, "ms"),
        perTurn(raw, "ms"),
        undefined,
        2,
      ));
      emit(timeRow(
        "replay short turn CPU (ms)",
        runtime.name,
        perTurn(ours, "cpuUs").map((us) => us / 1000),
        perTurn(raw, "cpuUs").map((us) => us / 1000),
        undefined,
        2,
      ));
      emit({
        scenario: "replay SDK CPU/event (µs)",
        runtime: runtime.name,
        ours: (oursUs - rawUs).toFixed(2),
        raw: "-",
        ratio: `${fmt(median(ours.map((r) => r.result.events)), 0)} ev`,
      });
    },

    async framing(runtime) {
      if (!captured) throw new Error("no capture (see the capture failure above)");
      if (runtime.urls.decode === "") {
        say(`note: ${runtime.name}: the npm build has no jsonl_decode.js: framing skipped.`);
        return;
      }
      const config: ChildConfig = {
        ...baseConfig(runtime, "framing", "ours"),
        captureFile,
        framingBytes: sizes.framingBytes,
        framingReps: sizes.framingReps,
      };
      const framing = (await runChild(runtime, config, 180_000)).result.extra as FramingResult;
      framingResults.set(runtime.name, framing);
      const mbps = (ms: number) => mb(framing.bytes) / (ms / 1000);
      const o = framing.ours.ms;
      const r = framing.floor.ms;
      emit({
        scenario: `framing ${fmt(mb(framing.bytes), 0)} MB (MB/s)`,
        runtime: runtime.name,
        ours: fmt(mbps(o)),
        raw: fmt(mbps(r)),
        ratio: ratio(o, r),
        goal: { text: "≤ 1.5× floor", pass: o <= 1.5 * r },
      });
      const ov = framing.oursValidated.ms;
      const rv = framing.floorValidated.ms;
      emit({
        scenario: "framing+validate (MB/s)",
        runtime: runtime.name,
        ours: fmt(mbps(ov)),
        raw: fmt(mbps(rv)),
        ratio: ratio(ov, rv),
      });
    },
  };

  for (const scenario of SCENARIOS) {
    if (!run(scenario)) continue;
    for (const runtime of runtimes) {
      await attempt(`${runtime.name} ${scenario}`, () => scenarios[scenario](runtime));
    }
  }

  await fake.close();
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  const elapsed = (performance.now() - started) / 1000;
  const loadAfter = await loadAverage();
  console.log(`\ndone in ${elapsed.toFixed(1)} s; load ${loadAfter}`);
  console.log(`time per scenario: ${timings.join(", ")}`);

  const goals = summarizeGoals(rows);
  for (const line of goals) console.log(line);
  if (failures.length > 0) {
    console.log(`\n${failures.length} scenario(s) failed:`);
    for (const failure of failures) console.log(`- ${failure.split("\n")[0]}`);
  }

  const partial = options.only !== undefined || options.runtimes !== undefined ||
    options.rounds !== undefined || options.cpuProf !== undefined ||
    options.sdkRoot !== undefined;
  if (!options.smoke && !partial) {
    await writeResults({
      runtimes,
      rows,
      goals,
      notes,
      framing: framingResults,
      loadBefore,
      loadAfter,
      elapsed,
      sizes,
      failures,
      timings,
    });
    console.log("wrote bench/RESULTS.md");
  }
  return failures.length > 0 ? 1 : 0;
}

function summarizeGoals(rows: Row[]): string[] {
  const byGoal = new Map<string, Row[]>();
  for (const row of rows) {
    if (row.goal === undefined) continue;
    const key = `${row.scenario.replace(/ \([^)]*\)$/, "")}: ${row.goal.text}`;
    if (!byGoal.has(key)) byGoal.set(key, []);
    byGoal.get(key)!.push(row);
  }
  return [...byGoal].map(([key, list]) =>
    `GOAL ${key} — ${
      list.map((row) => `${row.runtime} ${row.goal!.pass ? "pass" : "MISS"} (${row.ours})`)
        .join(", ")
    }`
  );
}

async function writeResults(report: {
  runtimes: Runtime[];
  rows: Row[];
  goals: string[];
  notes: string[];
  framing: Map<RuntimeName, FramingResult>;
  loadBefore: string;
  loadAfter: string;
  elapsed: number;
  sizes: Sizes;
  failures: string[];
  timings: string[];
}): Promise<void> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo");
  const cpu = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? "unknown";
  const cores = cpuinfo.split("\n").filter((line) => line.startsWith("processor")).length;
  const codex = await output(CODEX_BIN, ["--version"]);
  const busy = Number(report.loadBefore.split(" ")[0]) >= 1;
  const s = report.sizes;
  const lines = [
    "# Benchmark results",
    "",
    "Written by `npx deno run -A bench/run.ts` (how it measures: the module doc of",
    "`bench/run.ts`). Do not edit by hand.",
    "",
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpu} (${cores} cores)`,
    `- Runtimes: ${report.runtimes.map((r) => r.version).join("; ")}`,
    `- App-server: ${codex}`,
    `- Load average before / after: ${report.loadBefore} / ${report.loadAfter}` +
    (busy ? " (a busy machine: noisy numbers)" : " (a quiet machine)"),
    `- Duration: ${report.elapsed.toFixed(0)} s`,
    "",
    "Medians. `ratio` is ours ÷ raw as a cost (time, CPU, memory); on MB/s rows it is the",
    "floor's throughput ÷ ours. CPU is the measured process's own (`process.cpuUsage()`):",
    "the fake model runs in the bench's parent, the app-server in its own process.",
    "`raw` is `bench/raw_client.ts` (for import: an empty module; for framing: a",
    "`TextDecoder` + `indexOf` + `JSON.parse` loop).",
    "",
    `Sizes: import ×${s.importRounds}; connect ×${s.rounds.connect}; short: ${s.shortTurns} ` +
    `turns ×${s.rounds.short}; stream: 1 turn of ${s.streamDeltas} deltas ×${s.rounds.stream}; ` +
    `many: ${s.manyTurns} turns × ${s.manyDeltas} deltas ×${s.rounds.many}; concurrent: ` +
    `${s.threads} threads × ${s.threadTurns} turns ×${s.rounds.concurrent}; replay: ` +
    `${s.streamDeltas} deltas ×${s.rounds.replay}×${s.replayReps}; framing: ` +
    `${fmt(mb(s.framingBytes), 0)} MB ×${s.framingReps} (runs per side).`,
    "",
    "| scenario | runtime | ours | raw | ratio | goal |",
    "| --- | --- | ---: | ---: | ---: | --- |",
    ...report.rows.map((row) =>
      `| ${row.scenario} | ${row.runtime} | ${row.ours} | ${row.raw} | ${row.ratio} | ${
        row.goal ? `${row.goal.pass ? "pass" : "**miss**"} (${row.goal.text})` : ""
      } |`
    ),
    "",
    "## Goals",
    "",
    ...report.goals.map((line) => `- ${line.replace(/^GOAL /, "")}`),
    "",
  ];
  if (report.framing.size > 0) {
    const names = [...report.framing.keys()];
    const first = report.framing.get(names[0])!;
    lines.push(
      "## Framing: CPU per message by type (µs)",
      "",
      `Captured from a real \`deltas-${s.captureDeltas}\` turn. parse = \`JSON.parse\` of the` +
        " line; validate = valibot `safeParse` of the params against",
      '`serverNotificationSchema(method)`, what `validation: "strict"` does to every',
      'notification (the default `"report"` validates only `turn/completed`,',
      "`item/completed` and `thread/tokenUsage/updated`).",
      "",
      `| type | count | bytes | ${names.map((n) => `${n} parse | ${n} validate`).join(" | ")} |`,
      `| --- | ---: | ---: | ${names.map(() => "---: | ---:").join(" | ")} |`,
    );
    for (const type of first.types) {
      const cells = names.map((name) => {
        const cost = report.framing.get(name)!.types.find((t) => t.method === type.method);
        return cost === undefined
          ? "- | -"
          : `${fmt(cost.parseUs, 2)} | ${fmt(cost.validateUs, 2)}`;
      });
      lines.push(
        `| ${type.method} | ${type.count} | ${fmt(type.bytes, 0)} | ${cells.join(" | ")} |`,
      );
    }
    lines.push("");
  }
  lines.push(
    "## Notes",
    "",
    ...report.notes.map((n) => `- ${n}`),
    ...report.failures.map((f) => `- FAILED ${f.split("\n")[0]}`),
    "- Time per scenario, with the 1-minute load average at its end (other work on the " +
      `machine inflates wall times): ${report.timings.join(", ")}.`,
    "",
  );
  await Deno.writeTextFile(join(ROOT, "bench/RESULTS.md"), lines.join("\n"));
}

if (import.meta.main) Deno.exit(await main());
