/**
 * What a bench run collects as it goes: the rows (printed as they come), notes, failed
 * scenarios, the time each scenario took, and the framing results for `bench/RESULTS.md`.
 *
 * @module
 */

import type { FramingResult } from "./framing.ts";
import { loadAverage } from "./machine.ts";
import { printRow, type Row, summarizeGoals } from "./rows.ts";
import type { RuntimeName } from "./runtimes.ts";

/** The score of one bench run. */
export class Scoreboard {
  /** Every row, in the order printed. */
  readonly rows: Row[] = [];
  /** Notes for `bench/RESULTS.md` (already printed). */
  readonly notes: string[] = [];
  /** `label: message` of every failed scenario. */
  readonly failures: string[] = [];
  /** `label N s (load L)` of every scenario that passed. */
  readonly timings: string[] = [];
  /** Each runtime's framing result (for the per-type table). */
  readonly framing: Map<RuntimeName, FramingResult> = new Map();

  /** Prints a row and keeps it. */
  readonly emit = (row: Row): void => {
    this.rows.push(row);
    printRow(row);
  };

  /** Prints a note and keeps it. */
  readonly say = (text: string): void => {
    console.log(text);
    this.notes.push(text);
  };

  /** Runs one scenario (or step), timing it; a failure is printed and kept, not thrown. */
  async attempt(label: string, body: () => Promise<void>): Promise<void> {
    const t0 = performance.now();
    try {
      await body();
      const load = (await loadAverage()).split(" ")[0];
      this.timings.push(
        `${label} ${((performance.now() - t0) / 1000).toFixed(1)} s (load ${load})`,
      );
    } catch (error) {
      const message = `${label}: ${error instanceof Error ? error.message : error}`;
      this.failures.push(message);
      console.error(`FAILED ${message}`);
    }
  }

  /**
   * Prints the end of the run: duration and load, time per scenario, goals, failures.
   *
   * @returns The `GOAL …` lines.
   */
  printSummary(elapsed: number, loadAfter: string): string[] {
    console.log(`\ndone in ${elapsed.toFixed(1)} s; load ${loadAfter}`);
    console.log(`time per scenario: ${this.timings.join(", ")}`);
    const goals = summarizeGoals(this.rows);
    for (const line of goals) console.log(line);
    if (this.failures.length > 0) {
      console.log(`\n${this.failures.length} scenario(s) failed:`);
      for (const failure of this.failures) console.log(`- ${failure.split("\n")[0]}`);
    }
    return goals;
  }
}
