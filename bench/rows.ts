/**
 * The rows a bench run prints and writes: medians and ratios of ours against raw, their
 * formatting, the terminal table, and the summary of the goals.
 *
 * @module
 */

import type { RuntimeName } from "./runtimes.ts";

/** One printed row. */
export interface Row {
  readonly scenario: string;
  readonly runtime: RuntimeName;
  readonly ours: string;
  readonly raw: string;
  readonly ratio: string;
  readonly goal?: { readonly text: string; readonly pass: boolean };
}

/** A row's goal, from the medians of ours and raw. */
export type Goal = (ours: number, raw: number) => { text: string; pass: boolean };

/** The median of `values`. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A number for a cell: `digits` decimals below 1000, an integer from there, `-` if not finite. */
export function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return "-";
  return Math.abs(value) >= 1000 ? Math.round(value).toString() : value.toFixed(digits);
}

/** The `ratio` cell: ours ÷ raw (`1.23×`); `-` when raw is not above zero. */
export function ratio(ours: number, raw: number): string {
  return raw > 0 ? `${(ours / raw).toFixed(2)}×` : "-";
}

/** Bytes in MiB. */
export function mb(bytes: number): number {
  return bytes / (1024 * 1024);
}

/** A row of the medians of ours and raw, their ratio, and the goal if there is one. */
export function timeRow(
  scenario: string,
  runtime: RuntimeName,
  ours: number[],
  raw: number[],
  goal?: Goal,
  digits = 1,
): Row {
  const o = median(ours);
  const r = median(raw);
  const [os, rs] = [fmt(o, digits), fmt(r, digits)];
  return { scenario, runtime, ours: os, raw: rs, ratio: ratio(o, r), goal: goal?.(o, r) };
}

/**
 * A row of measurements taken in pairs (`ours[i]` beside `raw[i]`, in one process and one
 * round): the medians of each, and the median of the pairs' ratios, which the machine's
 * drift from one pair to the next does not move; `factor` is the goal "that ratio at most
 * `factor`".
 */
export function pairedRow(
  scenario: string,
  runtime: RuntimeName,
  ours: number[],
  raw: number[],
  factor?: number,
): Row {
  const ratios = ours.flatMap((o, i) => (raw[i] > 0 ? [o / raw[i]] : []));
  const q = ratios.length > 0 ? median(ratios) : NaN;
  return {
    scenario,
    runtime,
    ours: fmt(median(ours)),
    raw: fmt(median(raw)),
    ratio: Number.isFinite(q) ? `${q.toFixed(2)}×` : "-",
    goal: factor === undefined
      ? undefined
      : { text: `≤ ${factor.toFixed(2)}× raw`, pass: q <= factor },
  };
}

/** The terminal table's columns, padded. */
function columns(
  scenario: string,
  runtime: string,
  ours: string,
  raw: string,
  ratio: string,
): string {
  return `${scenario.padEnd(27)} ${runtime.padEnd(5)} ${ours.padStart(9)} ` +
    `${raw.padStart(9)} ${ratio.padStart(9)}`;
}

/** Prints the terminal table's header. */
export function printHeader(): void {
  console.log(columns("scenario", "rt", "ours", "raw", "ratio"));
}

/** Prints one row of the terminal table. */
export function printRow(row: Row): void {
  const goal = row.goal ? `  ${row.goal.pass ? "pass" : "MISS"} (${row.goal.text})` : "";
  console.log(columns(row.scenario, row.runtime, row.ours, row.raw, row.ratio) + goal);
}

/** One `GOAL …` line per goal: each runtime's pass or miss, with its median. */
export function summarizeGoals(rows: Row[]): string[] {
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
