/**
 * Writes `bench/RESULTS.md` after a full run: the machine, the sizes, every row, the goals,
 * the framing cost per message type, the profiles behind the goals (`bench/PROFILES.md`),
 * and the notes.
 *
 * @module
 */

import { join } from "node:path";
import type { FramingResult } from "./framing.ts";
import { CODEX_BIN, commandOutput, cpuDescription, ROOT } from "./machine.ts";
import type { Sizes } from "./options.ts";
import { fmt, mb, type Row } from "./rows.ts";
import type { Runtime, RuntimeName } from "./runtimes.ts";
import type { Scoreboard } from "./scoreboard.ts";

/** A finished run, as `bench/RESULTS.md` reports it. */
export interface RunReport {
  readonly runtimes: Runtime[];
  readonly board: Scoreboard;
  /** The `GOAL …` lines. */
  readonly goals: string[];
  readonly loadBefore: string;
  readonly loadAfter: string;
  /** Duration of the run, s. */
  readonly elapsed: number;
  readonly sizes: Sizes;
}

/** Writes `bench/RESULTS.md` (replacing it). */
export async function writeResults(report: RunReport): Promise<void> {
  const { board } = report;
  const lines = [
    ...await headerLines(report),
    ...rowsTable(board.rows),
    "## Goals",
    "",
    ...report.goals.map((line) => `- ${line.replace(/^GOAL /, "")}`),
    "",
    ...framingTable(board.framing, report.sizes.captureDeltas),
    ...await profileNotes(),
    "## Notes",
    "",
    ...board.notes.map((n) => `- ${n}`),
    ...board.failures.map((f) => `- FAILED ${f.split("\n")[0]}`),
    "- Time per scenario, with the 1-minute load average at its end (other work on the " +
    `machine inflates wall times): ${board.timings.join(", ")}.`,
    "",
  ];
  await Deno.writeTextFile(join(ROOT, "bench/RESULTS.md"), lines.join("\n"));
}

/**
 * `bench/PROFILES.md`, the profiles behind the goals (where the time of a miss goes), written
 * by hand from `--cpu-prof` runs; nothing when there is none.
 */
async function profileNotes(): Promise<string[]> {
  const text = await Deno.readTextFile(join(ROOT, "bench/PROFILES.md")).catch(() => "");
  return text === "" ? [] : [text.trim().replace(/^# /, "## "), ""];
}

/** The title, the machine, how to read the table, and the sizes. */
async function headerLines(report: RunReport): Promise<string[]> {
  const cpu = await cpuDescription();
  const codex = await commandOutput(CODEX_BIN, ["--version"]);
  const busy = Number(report.loadBefore.split(" ")[0]) >= 1;
  return [
    "# Benchmark results",
    "",
    "Written by `npx deno run -A bench/run.ts` (how it measures: the module doc of",
    "`bench/run.ts`). Do not edit by hand.",
    "",
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpu}`,
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
    "`TextDecoder` + `indexOf` + `JSON.parse` loop). The `main thread` rows are the thread",
    "that runs JavaScript (`/proc/self/task/<pid>/schedstat`), `other threads` the rest of",
    "the process (JIT compilers, garbage collector, I/O); `JIT compiler threads` are Bun's",
    "JavaScriptCore `JITWorker` threads (V8 does not name its compiler's apart). The",
    "`calls per turn` row is a count, not a time: the JavaScript function calls of a short",
    "turn, by V8's precise coverage (Node, Deno), the client's and the bench harness's.",
    "The `after N` rows come from one process per run holding every client (each with its",
    "own app-server and copy of the SDK's code), which take turns running blocks of short",
    "turns, each after one turn not measured: their `ours` and `raw` are the medians of the",
    "blocks, their `ratio` the median of each block's ratio to the raw loop's block of the",
    "same round, and their goals are met by that ratio.",
    "",
    sizesLine(report.sizes),
    "",
  ];
}

/** One line saying how much work each scenario did. */
function sizesLine(s: Sizes): string {
  return `Sizes: import ×${s.importRounds}; connect ×${s.rounds.connect}; short: ${s.shortTurns} ` +
    `turns ×${s.rounds.short}; calls: ${s.callTurns} turns after ${s.callWarmup} ` +
    `×${s.rounds.calls}; warm: 5 clients in one process, ${s.warmupTurns} turns each, then ` +
    `${s.warmBlocks} rounds of 1 + ${s.warmBlockTurns} measured turns each ×${s.rounds.warm}; ` +
    `stream: 1 turn of ${s.streamDeltas} deltas ×${s.rounds.stream}; ` +
    `many: ${s.manyTurns} turns × ${s.manyDeltas} deltas ×${s.rounds.many}; concurrent: ` +
    `${s.threads} threads × ${s.threadTurns} turns ×${s.rounds.concurrent}; replay: ` +
    `${s.streamDeltas} deltas ×${s.rounds.replay}×${s.replayReps}; framing: ` +
    `${fmt(mb(s.framingBytes), 0)} MB ×${s.framingReps} (runs per side).`;
}

/** Every row as a Markdown table. */
function rowsTable(rows: Row[]): string[] {
  return [
    "| scenario | runtime | ours | raw | ratio | goal |",
    "| --- | --- | ---: | ---: | ---: | --- |",
    ...rows.map((row) =>
      `| ${row.scenario} | ${row.runtime} | ${row.ours} | ${row.raw} | ${row.ratio} | ${
        row.goal ? `${row.goal.pass ? "pass" : "**miss**"} (${row.goal.text})` : ""
      } |`
    ),
    "",
  ];
}

/** The framing cost per message type and runtime (nothing when framing did not run). */
function framingTable(framing: Map<RuntimeName, FramingResult>, captureDeltas: number): string[] {
  if (framing.size === 0) return [];
  const names = [...framing.keys()];
  const first = framing.get(names[0])!;
  const lines = [
    "## Framing: CPU per message by type (µs)",
    "",
    `Captured from a real \`deltas-${captureDeltas}\` turn. parse = \`JSON.parse\` of the` +
    " line; validate = valibot `safeParse` of the params against",
    "`serverNotificationSchema(method)`; check = the SDK's own check of the same params",
    "(`conforms`), which validation runs first, asking valibot for the issues only when it",
    'fails. `validation: "strict"` checks every notification (the default `"report"` only',
    "`turn/completed`, `item/completed` and `thread/tokenUsage/updated`).",
    "",
    `| type | count | bytes | ${
      names.map((n) => `${n} parse | ${n} validate | ${n} check`).join(" | ")
    } |`,
    `| --- | ---: | ---: | ${names.map(() => "---: | ---: | ---:").join(" | ")} |`,
  ];
  for (const type of first.types) {
    const cells = names.map((name) => {
      const cost = framing.get(name)!.types.find((t) => t.method === type.method);
      if (cost === undefined) return "- | - | -";
      return [cost.parseUs, cost.validateUs, cost.checkUs].map((us) => fmt(us, 2))
        .join(" | ");
    });
    lines.push(
      `| ${type.method} | ${type.count} | ${fmt(type.bytes, 0)} | ${cells.join(" | ")} |`,
    );
  }
  lines.push("");
  return lines;
}
