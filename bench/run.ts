/**
 * What the SDK adds on top of the app-server, measured against a raw JSON-RPC loop
 * (`bench/raw_client.ts`), side by side, on Deno, Bun and Node (the npm build).
 *
 * ```sh
 * npx deno run -A bench/run.ts           # full run (7–8 min), writes bench/RESULTS.md
 * npx deno run -A bench/run.ts --smoke   # 1 round at tiny sizes (< 60 s), writes nothing
 * ```
 *
 * Flags for working on one thing (such runs write nothing): `--runtimes=deno,bun`,
 * `--only=stream,framing` (scenario names: import connect short calls warm stream many
 * concurrent replay framing), `--rounds=N` (rounds of every end-to-end scenario),
 * `--cpu-prof=DIR` (a V8 CPU profile of every child; summarize with
 * `bench/profile_summary.ts`),
 * `--sdk-root=DIR` (load the SDK from another checkout with the same layout, `npm/`
 * included, to A/B a change to `src/`), `--ab=DIR` (`warm` also runs the SDK of another
 * checkout with the same layout, in the same process as the others: a change to `src/` judged
 * block by block against the SDK, its rows `--ab SDK`), `--sync-jit` (every child runs its runtime's
 * optimizing compiler on its main thread: what the concurrent compiler costs shows as the
 * difference from a normal run).
 *
 * Every measurement runs in a fresh child process (`bench/child.ts`; Node runs a bundle of
 * it); this process runs the fake model (the testing kit's `FakeModel`) and keeps the
 * score, so neither its CPU nor the fake model's is in the child's `process.cpuUsage()`.
 * Each end-to-end scenario alternates ours and raw (ABAB…), each run with a fresh temporary
 * CODEX_HOME; `short` also runs, each in a fresh process too, the raw loop's work on the
 * SDK's transport alone and on its `JsonRpcConnection` (`bench/layer_clients.ts`) and the
 * whole SDK with `validation: "off"`.
 * `warm` runs its clients together in one process instead, each with its own app-server and
 * CODEX_HOME, in blocks of turns taken in turn, and rates each block against the raw loop's
 * of the same round: the SDK, the raw loop, the raw loop's work on the SDK's transport alone
 * and on its `JsonRpcConnection` (`bench/layer_clients.ts`), and the SDK with
 * `validation: "off"` (what those layers, and the checks of what arrives, cost live).
 * `calls` counts, rather than times, the JavaScript function calls of a short turn (V8's
 * precise coverage).
 *
 * @module
 */

import { join } from "node:path";
import { FakeModel } from "../testing.ts";
import { captureTraffic } from "./capture.ts";
import { childRunner, type RunChild } from "./children.ts";
import { exists, loadAverage, ROOT } from "./machine.ts";
import { FULL, type Options, parseArgs, SCENARIOS, SMOKE, writesResults } from "./options.ts";
import { writeResults } from "./results_md.ts";
import { printHeader } from "./rows.ts";
import { findRuntimes, type Runtime } from "./runtimes.ts";
import { baseConfig, benchScript, SCENARIO_RUNS, type ScenarioContext } from "./scenarios.ts";
import { Scoreboard } from "./scoreboard.ts";

/** Runs the bench; returns the exit code (1 when a scenario failed). */
async function main(): Promise<number> {
  const options = parseArgs(Deno.args);
  const sizes = options.smoke ? SMOKE : FULL;
  const started = performance.now();
  const loadBefore = await loadAverage();
  const tmp = await Deno.makeTempDir({ prefix: "codex-bench-" });
  const board = new Scoreboard();
  const runtimes = await findRuntimes({
    tmp,
    sdkRoot: options.sdkRoot ?? ROOT,
    abRoot: options.abRoot,
    wanted: options.runtimes,
    say: board.say,
  });
  const selected = (scenario: string) => options.only?.includes(scenario) ?? true;
  const fake = await FakeModel.start({ script: benchScript() });
  printIntro(options, runtimes, loadBefore, board);
  const runChild = childRunner(options.cpuProf, options.syncJit);
  await warmUp(runtimes, runChild, board);

  // Real app-server traffic for the replay and framing benches (raw loop, this process).
  const captureFile = join(tmp, "capture.jsonl");
  if (selected("framing") || selected("replay")) {
    await board.attempt(
      "capture",
      () => captureTraffic(fake.url, sizes.captureDeltas, captureFile),
    );
  }
  const context: ScenarioContext = {
    sizes,
    rounds: options.rounds,
    fakeUrl: fake.url,
    runChild,
    captureFile: (await exists(captureFile)) ? captureFile : undefined,
    board,
  };
  for (const scenario of SCENARIOS.filter(selected)) {
    for (const runtime of runtimes) {
      await board.attempt(
        `${runtime.name} ${scenario}`,
        () => SCENARIO_RUNS[scenario](context, runtime),
      );
    }
  }

  await fake.close();
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  const elapsed = (performance.now() - started) / 1000;
  const loadAfter = await loadAverage();
  const goals = board.printSummary(elapsed, loadAfter);
  if (writesResults(options)) {
    await writeResults({ runtimes, board, goals, loadBefore, loadAfter, elapsed, sizes });
    console.log("wrote bench/RESULTS.md");
  }
  return board.failures.length > 0 ? 1 : 0;
}

/** Prints what runs where, a note when the machine is busy, and the table's header. */
function printIntro(
  options: Options,
  runtimes: Runtime[],
  loadBefore: string,
  board: Scoreboard,
): void {
  console.log(
    `codex-app-server bench${options.smoke ? " (smoke)" : ""}: ` +
      `${runtimes.map((r) => r.version).join(", ")}; load ${loadBefore}`,
  );
  if (Number(loadBefore.split(" ")[0]) >= 1) {
    board.say(`note: the machine is busy (load ${loadBefore}): numbers are noisy.`);
  }
  printHeader();
}

/** One untimed import per runtime (Deno's transpile cache, the page cache). */
async function warmUp(runtimes: Runtime[], runChild: RunChild, board: Scoreboard): Promise<void> {
  for (const runtime of runtimes) {
    await board.attempt(`${runtime.name} warm-up`, async () => {
      await runChild(runtime, baseConfig(runtime, "import", "ours"), 60_000);
    });
  }
}

if (import.meta.main) Deno.exit(await main());
