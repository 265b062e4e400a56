/**
 * Runs the one test suite (`tests/*_test.ts`) on Deno, Bun and Node, then the npm consumer
 * smoke test, and reports:
 *
 * - `lock`: `package-lock.json` is what `npm install` writes (complete for every platform;
 *   see scripts/lib/lock_check.ts), so `npm ci` works on a fresh clone;
 * - `deno`: `deno test -A --parallel tests/` on the sources;
 * - `bun`: `bun test --parallel=N tests/` on the sources;
 * - `node`: builds `npm/` and compiles the same test files against it into `.node-tests/`
 *   (a mirror of the repository root; see scripts/lib/node_tests.ts), then runs
 *   `node --test --test-concurrency=N` on them from there, with the machine's Node and
 *   again with Node 24 (`node_modules/node24`, where npm installed it: Linux x64);
 * - `consumer`: packs `npm/`, lints the tarball (publint, attw), installs it into fresh
 *   Node, Bun and Deno projects and runs the README's quick start (both forms), the offline
 *   recipe and `require()` there, on the machine's Node and Node 22, and checks the types
 *   with tsc (see scripts/npm_smoke/smoke.ts).
 *
 * Each runtime runs N test files at once, one per core (`os.availableParallelism()`; Deno's
 * `--parallel` counts the same): much of a test's time is spent waiting (on an app-server's
 * start and exit, on deadlines and stalls), so one file at a time leaves a core idle.
 *
 * Each runtime's results come from its JUnit report. The run fails when a test fails, a
 * runtime exits non-zero or times out (its test process must exit by itself), a suite leaves
 * a `codex app-server` running (checked by pid in `/proc` before and after each suite), the
 * npm build has a type error, or the runtimes did not run the same tests (same count and
 * names; skipped tests do not count as run). The last line is `N passed, M failed`: N counts
 * passed tests and smoke checks, M failed ones plus every other problem listed above it.
 *
 * Usage: `deno run -A scripts/test_all.ts [lock] [deno] [bun] [node] [consumer]` (default:
 * all).
 * `TEST_ALL_TIMEOUT_MIN` limits each runtime's run (default 20). Never reads stdin.
 *
 * @module
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, relative } from "node:path";
import process from "node:process";
import { buildNpm } from "./build_npm.ts";
import { REPO_ROOT } from "./lib/files.ts";
import { appServerPids, leftoverAppServers } from "./lib/app_servers.ts";
import { buildNodeTests } from "./lib/node_tests.ts";
import { lockProblems } from "./lib/lock_check.ts";
import { bundledNode, systemNode } from "./lib/nodes.ts";
import { denoBin, killChildren, localBin, run, type RunResult } from "./lib/process.ts";
import { runConsumerSmoke } from "./npm_smoke/smoke.ts";

/** How many test files each runtime runs at once. */
const WORKERS = Math.max(1, availableParallelism());

const STEPS = ["lock", "deno", "bun", "node", "consumer"] as const;
type Step = typeof STEPS[number];
type Runtime = "deno" | "bun" | "node" | "node24";

/** One runtime's run of the suite. */
interface SuiteResult {
  runtime: Runtime;
  passed: number;
  failed: number;
  skipped: number;
  /** Names of the tests that ran (passed or failed). */
  ran: string[];
  /** Names of the failed tests. */
  failures: string[];
  ms: number;
  /** Why the run is broken beyond failed tests (exit code, timeout, no report). */
  problems: string[];
}

/** One test case of a JUnit report. */
interface JunitCase {
  name: string;
  status: "passed" | "failed" | "skipped";
}

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (_m, entity: string) => {
    const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
    if (entity[0] !== "#") return named[entity.toLowerCase()];
    return String.fromCodePoint(
      entity[1].toLowerCase() === "x"
        ? parseInt(entity.slice(2), 16)
        : parseInt(entity.slice(1), 10),
    );
  });
}

/** The test cases of a JUnit XML report (Deno's, Bun's and Node's dialects). */
export function parseJunit(xml: string): JunitCase[] {
  const cases: JunitCase[] = [];
  const testcase = /<testcase\b((?:[^>"']|"[^"]*"|'[^']*')*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const match of xml.matchAll(testcase)) {
    const name = /\bname=(?:"([^"]*)"|'([^']*)')/.exec(match[1]);
    const body = match[3] ?? "";
    cases.push({
      // Node 20's reporter escapes a quote twice (`&amp;quot;`): decode what is left.
      name: decodeXml(name?.[1] ?? name?.[2] ?? "(unnamed)").replaceAll("&quot;", '"'),
      status: /<(?:failure|error)\b/.test(body)
        ? "failed"
        : /<skipped\b/.test(body)
        ? "skipped"
        : "passed",
    });
  }
  return cases;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function banner(text: string): void {
  console.log(`\n${"=".repeat(8)} ${text} ${"=".repeat(Math.max(8, 80 - text.length))}`);
}

/** Runs one runtime's test command and reads its JUnit report. */
async function runSuite(
  runtime: Runtime,
  command: string,
  args: string[],
  junitPath: string,
  timeoutMs: number,
  cwd = REPO_ROOT,
): Promise<SuiteResult> {
  const shown = relative(REPO_ROOT, command).startsWith("..")
    ? command
    : relative(REPO_ROOT, command);
  banner(`${runtime}: ${[shown, ...args].join(" ")}`.slice(0, 160));
  const before = appServerPids();
  const res: RunResult = await run(command, args, { cwd, timeoutMs, env: { FORCE_COLOR: "0" } });
  const left = before === undefined ? [] : await leftoverAppServers(before);
  const result: SuiteResult = {
    runtime,
    passed: 0,
    failed: 0,
    skipped: 0,
    ran: [],
    failures: [],
    ms: res.ms,
    problems: [],
  };
  let xml: string | undefined;
  try {
    xml = readFileSync(junitPath, "utf8");
  } catch {
    result.problems.push(`${runtime}: wrote no JUnit report`);
  }
  if (xml !== undefined) {
    for (const testCase of parseJunit(xml)) {
      if (testCase.status === "skipped") {
        result.skipped++;
        continue;
      }
      result.ran.push(testCase.name);
      if (testCase.status === "passed") result.passed++;
      else {
        result.failed++;
        result.failures.push(testCase.name);
      }
    }
  }
  if (res.timedOut) result.problems.push(`${runtime}: timed out after ${seconds(timeoutMs)}`);
  else if (res.code !== 0 && result.failed === 0) {
    result.problems.push(`${runtime}: exited with ${res.code ?? res.signal} but no test failed`);
  }
  if (result.ran.length === 0 && result.problems.length === 0) {
    result.problems.push(`${runtime}: ran no test`);
  }
  if (left.length > 0) {
    result.problems.push(
      `${runtime}: ${left.length} codex app-server(s) left running after the suite ` +
        `(pids ${left.join(", ")}; killed)`,
    );
    for (const pid of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // It exited meanwhile.
      }
    }
  }
  const leftNote = before === undefined
    ? "app-servers not checked (no /proc)"
    : `${left.length} app-server(s) left`;
  console.log(
    `[test_all] ${runtime}: ${result.passed} passed, ${result.failed} failed, ` +
      `${result.skipped} skipped in ${seconds(res.ms)}; ${leftNote}`,
  );
  return result;
}

/** Problems when the runtimes did not run the same tests. */
function parityProblems(suites: SuiteResult[]): string[] {
  if (suites.length < 2) return [];
  const problems: string[] = [];
  const counts = (names: string[]) => {
    const map = new Map<string, number>();
    for (const name of names) map.set(name, (map.get(name) ?? 0) + 1);
    return map;
  };
  const most = Math.max(...suites.map((s) => s.ran.length));
  const tallies = suites.map((s) => counts(s.ran));
  const all = new Set(suites.flatMap((s) => s.ran));
  for (const [index, suite] of suites.entries()) {
    const missing: string[] = [];
    for (const name of all) {
      const elsewhere = Math.max(...tallies.map((tally) => tally.get(name) ?? 0));
      if ((tallies[index].get(name) ?? 0) < elsewhere) missing.push(name);
    }
    if (suite.ran.length < most || missing.length > 0) {
      problems.push(
        `${suite.runtime} ran ${suite.ran.length} tests, another runtime ${most}` +
          (missing.length > 0
            ? `; not run on ${suite.runtime}: ` +
              missing.slice(0, 10).map((n) => JSON.stringify(n)).join(", ") +
              (missing.length > 10 ? ` and ${missing.length - 10} more` : "")
            : ""),
      );
    }
  }
  return problems;
}

async function version(command: string, args: string[]): Promise<string> {
  const res = await run(command, args, { echo: false, timeoutMs: 30_000 });
  return res.code === 0
    ? res.output.trim().split("\n")[0]
    : `unavailable (${res.output.trim().slice(0, 200)})`;
}

/**
 * Runs the selected steps and prints the summary.
 *
 * @param steps Which steps to run (all by default).
 * @returns The process exit code: 0 when everything passed.
 */
export async function testAll(steps: readonly Step[] = STEPS): Promise<number> {
  const started = performance.now();
  const timeoutMs = Number(process.env.TEST_ALL_TIMEOUT_MIN ?? 20) * 60_000;
  const reports = mkdtempSync(join(tmpdir(), "test-all-"));
  const suites: SuiteResult[] = [];
  const problems: string[] = [];
  const timings: [string, number][] = [];
  const smokeChecks: { name: string; ok: boolean; detail?: string }[] = [];
  const want = (step: Step) => steps.includes(step);

  const node = systemNode();
  const node22 = bundledNode(22);
  const node24 = bundledNode(24);
  const nodeVersion = await version(node, ["--version"]);
  const bundled = async (bin: string | undefined) =>
    bin === undefined ? "not installed" : await version(bin, ["--version"]);
  console.log(
    `[test_all] deno ${Deno.version.deno} (TypeScript ${Deno.version.typescript}), ` +
      `bun ${await version(localBin("bun"), ["--version"])}, node ${nodeVersion} (${node}), ` +
      `node22 ${await bundled(node22)}, node24 ${await bundled(node24)}, ` +
      `tsc ${await version(localBin("tsc"), ["--version"])}; steps: ${steps.join(", ")}`,
  );
  const nodeMajor = Number(/^v(\d+)\./.exec(nodeVersion)?.[1]);
  if ((want("node") || want("consumer")) && !(nodeMajor >= 20)) {
    problems.push(`node: ${nodeVersion} is not Node 20 or later`);
  }

  try {
    if (want("lock")) {
      banner("lock: package-lock.json is what npm install writes");
      const t0 = performance.now();
      const found = await lockProblems();
      const name = "lock: npm install leaves package-lock.json unchanged (npm ci works)";
      smokeChecks.push({ name, ok: found.length === 0, detail: found.join("; ") });
      console.log(`[test_all] ${found.length === 0 ? "ok" : "FAIL"} ${name}`);
      for (const problem of found) console.log(`  ${problem}`);
      timings.push(["lock", performance.now() - t0]);
    }
    if (want("deno")) {
      const junit = join(reports, "deno.xml");
      const suite = await runSuite(
        "deno",
        denoBin(),
        ["test", "-A", "--parallel", `--junit-path=${junit}`, "tests/"],
        junit,
        timeoutMs,
      );
      suites.push(suite);
      timings.push(["deno test", suite.ms]);
    }
    if (want("bun")) {
      const junit = join(reports, "bun.xml");
      const suite = await runSuite(
        "bun",
        localBin("bun"),
        [
          "test",
          `--parallel=${WORKERS}`,
          "--reporter=junit",
          `--reporter-outfile=${junit}`,
          "tests/",
        ],
        junit,
        timeoutMs,
      );
      suites.push(suite);
      timings.push(["bun test", suite.ms]);
    }

    let built = false;
    if (want("node") || want("consumer")) {
      banner("build:npm");
      const t0 = performance.now();
      try {
        const build = await buildNpm();
        built = true;
        for (const error of build.typeErrors) problems.push(`build:npm type error: ${error}`);
      } catch (error) {
        problems.push(`build:npm failed: ${error instanceof Error ? error.message : error}`);
      }
      timings.push(["build:npm", performance.now() - t0]);
    }

    if (want("node")) {
      let tests: Awaited<ReturnType<typeof buildNodeTests>> | undefined;
      if (built) {
        const t0 = performance.now();
        try {
          tests = await buildNodeTests();
        } catch (error) {
          problems.push(
            `node tests: build failed: ${error instanceof Error ? error.message : error}`,
          );
        }
        timings.push(["build node tests", performance.now() - t0]);
      }
      if (tests !== undefined && tests.testFiles.length > 0) {
        const runtimes: [Runtime, string | undefined][] = [["node", node], ["node24", node24]];
        for (const [runtime, bin] of runtimes) {
          if (bin === undefined) {
            console.log(`[test_all] ${runtime}: not installed here (npm installs it on Linux x64)`);
            continue;
          }
          const junit = join(reports, `${runtime}.xml`);
          const suite = await runSuite(
            runtime,
            bin,
            [
              "--enable-source-maps",
              "--test",
              `--test-concurrency=${WORKERS}`,
              "--test-reporter=spec",
              "--test-reporter-destination=stdout",
              "--test-reporter=junit",
              `--test-reporter-destination=${junit}`,
              ...tests.testFiles.map((file) => relative(tests!.dir, file)),
            ],
            junit,
            timeoutMs,
            tests.dir,
          );
          suites.push(suite);
          timings.push([`${runtime} --test`, suite.ms]);
        }
      } else {
        problems.push("node: the suite did not run (no build or no compiled test files)");
      }
    }

    if (want("consumer")) {
      banner("consumer smoke test");
      const t0 = performance.now();
      if (built) {
        const smoke = await runConsumerSmoke({ nodes: { node, node22, node24 } });
        smokeChecks.push(...smoke.checks);
        if (smoke.checks.length === 0) problems.push("consumer: no check ran");
        if (smoke.tarball) {
          console.log(
            `[test_all] tarball ${smoke.tarball.filename}: ${smoke.tarball.files.length} files, ` +
              `${smoke.tarball.size} bytes packed, ${smoke.tarball.unpackedSize} unpacked`,
          );
        }
      } else {
        problems.push("consumer: did not run (no build)");
      }
      timings.push(["consumer smoke", performance.now() - t0]);
    }
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }

  for (const suite of suites) problems.push(...suite.problems);
  problems.push(...parityProblems(suites));

  // Summary.
  banner("summary");
  const pad = (text: string | number, width: number) => String(text).padStart(width);
  console.log(
    `${"".padEnd(10)}${pad("passed", 8)}${pad("failed", 8)}${pad("skipped", 9)}${pad("ran", 6)}${
      pad("time", 10)
    }`,
  );
  for (const suite of suites) {
    console.log(
      `${suite.runtime.padEnd(10)}${pad(suite.passed, 8)}${pad(suite.failed, 8)}${
        pad(suite.skipped, 9)
      }` +
        `${pad(suite.ran.length, 6)}${pad(seconds(suite.ms), 10)}`,
    );
  }
  if (smokeChecks.length > 0) {
    const ok = smokeChecks.filter((c) => c.ok).length;
    console.log(
      `${"checks".padEnd(10)}${pad(ok, 8)}${pad(smokeChecks.length - ok, 8)}${pad(0, 9)}${
        pad(smokeChecks.length, 6)
      }`,
    );
  }
  console.log("\nTimings:");
  for (const [name, ms] of timings) console.log(`  ${name.padEnd(20)} ${pad(seconds(ms), 9)}`);
  console.log(`  ${"total".padEnd(20)} ${pad(seconds(performance.now() - started), 9)}`);

  const failedTests = suites.flatMap((s) => s.failures.map((name) => `${s.runtime}: ${name}`));
  const failedChecks = smokeChecks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail ?? ""}`);
  if (failedTests.length + failedChecks.length > 0) {
    console.log("\nFailed:");
    for (const line of [...failedTests, ...failedChecks]) console.log(`  ${line.split("\n")[0]}`);
  }
  if (problems.length > 0) {
    console.log("\nProblems:");
    for (const problem of problems) console.log(`  ${problem.split("\n")[0]}`);
  }
  if (suites.length > 1 && parityProblems(suites).length === 0) {
    console.log(`\nAll ${suites.length} runtimes ran the same ${suites[0].ran.length} tests.`);
  }

  const passed = suites.reduce((n, s) => n + s.passed, 0) + smokeChecks.filter((c) => c.ok).length;
  const failed = suites.reduce((n, s) => n + s.failed, 0) +
    smokeChecks.filter((c) => !c.ok).length +
    problems.length;
  console.log(`\n${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

if (import.meta.main) {
  const unknown = Deno.args.filter((arg) => !(STEPS as readonly string[]).includes(arg));
  if (unknown.length > 0) {
    console.error(`Unknown step(s): ${unknown.join(", ")}. Steps: ${STEPS.join(", ")}`);
    Deno.exit(2);
  }
  const steps = Deno.args.length > 0 ? STEPS.filter((s) => Deno.args.includes(s)) : STEPS;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      console.error(`\n[test_all] ${signal}: stopping the test runs`);
      killChildren("SIGTERM");
      setTimeout(() => {
        killChildren("SIGKILL");
        Deno.exit(130);
      }, 2000);
    });
  }
  Deno.exit(await testAll(steps));
}
