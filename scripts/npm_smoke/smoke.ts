/**
 * Consumer smoke test of the npm build: pack `npm/` like `npm publish` would, install the
 * tarball into a throwaway Node project, and use it the way a user would:
 *
 * 1. the tarball holds the build and nothing else (no tests, no node_modules);
 * 2. `npm install <tarball>` works (dependencies from the registry or npm's cache);
 * 3. `consumer.mjs` runs one turn under Node, Bun and Deno, each importing the installed
 *    `codex-app-server`, on the package's own offline test kit (`codex-app-server/testing`:
 *    a scripted fake model and a throwaway CODEX_HOME), as a user's test would;
 * 4. `tsc --noEmit` accepts `consumer_types.ts` (strict, `skipLibCheck: false`) and rejects
 *    `consumer_types_bad.ts` (a wrong parameter type).
 *
 * The fixtures beside this file end in `.txt` because they import `codex-app-server`, which
 * only resolves inside the consumer project: `deno check scripts/` (in `deno task check`)
 * would otherwise try to resolve them. They are copied there without the suffix.
 *
 * Usage: `deno run -A scripts/npm_smoke/smoke.ts` after `deno task build:npm`
 * (`--keep` keeps the temp project). `deno task test:consumer` builds first.
 *
 * @module
 */

import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NPM_DIR, REPO_ROOT } from "../lib/files.ts";
import { denoBin, localBin, run, type RunResult } from "../lib/process.ts";

const FIXTURES = join(REPO_ROOT, "scripts", "npm_smoke");

/** One check of the smoke test. */
export interface SmokeCheck {
  name: string;
  ok: boolean;
  ms: number;
  /** Why it failed (or a short note). */
  detail?: string;
}

/** What {@link runConsumerSmoke} found. */
export interface SmokeResult {
  checks: SmokeCheck[];
  /** Tarball name, size and file count, from `npm pack`. */
  tarball?: { filename: string; size: number; unpackedSize: number; files: string[] };
}

/** Options of {@link runConsumerSmoke}. */
export interface SmokeOptions {
  /** Keep the temp project for inspection. */
  keep?: boolean;
  /** Per-command time limit (default 5 min; `npm install` of the Codex binary is large). */
  timeoutMs?: number;
}

function log(message: string): void {
  console.log(`[consumer] ${message}`);
}

/**
 * Packs `npm/`, installs it into a temp project and runs the consumer checks. Needs
 * {@link buildNpm} to have run.
 *
 * @param options Keep the temp project; time limit per command.
 * @returns Every check with its outcome, and the tarball's facts.
 */
export async function runConsumerSmoke(options: SmokeOptions = {}): Promise<SmokeResult> {
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const checks: SmokeCheck[] = [];
  const result: SmokeResult = { checks };
  const work = mkdtempSync(join(tmpdir(), "codex-app-server-smoke-"));
  const project = join(work, "consumer");
  const npmEnv = {
    npm_config_yes: "true",
    npm_config_fund: "false",
    npm_config_audit: "false",
    npm_config_update_notifier: "false",
  };

  async function step(
    name: string,
    body: () => Promise<string | undefined | void>,
  ): Promise<boolean> {
    const started = performance.now();
    log(`${name} ...`);
    try {
      const note = await body();
      const ms = performance.now() - started;
      checks.push({ name, ok: true, ms, detail: note ?? undefined });
      log(`ok   ${name} (${(ms / 1000).toFixed(1)} s)${note ? `: ${note}` : ""}`);
      return true;
    } catch (error) {
      const ms = performance.now() - started;
      const detail = error instanceof Error ? error.message : String(error);
      checks.push({ name, ok: false, ms, detail });
      log(`FAIL ${name} (${(ms / 1000).toFixed(1)} s): ${detail}`);
      return false;
    }
  }

  function expectSuccess(what: string, res: RunResult): RunResult {
    if (res.code !== 0) {
      throw new Error(
        `${what} ${res.timedOut ? "timed out" : `exited with ${res.code ?? res.signal}`}` +
          `\n${res.output.slice(-3000)}`,
      );
    }
    return res;
  }

  try {
    if (!existsSync(join(NPM_DIR, "package.json"))) {
      throw new Error("npm/ is not built: run `deno task build:npm` first");
    }
    const pkg = JSON.parse(readFileSync(join(NPM_DIR, "package.json"), "utf8")) as {
      name: string;
      version: string;
    };

    // 1. npm pack
    let tarball = "";
    const packed = await step("npm pack: the tarball holds the build only", async () => {
      const res = expectSuccess(
        "npm pack",
        await run("npm", ["pack", "--json", "--pack-destination", work], {
          cwd: NPM_DIR,
          env: npmEnv,
          echo: false,
          timeoutMs,
        }),
      );
      const json = JSON.parse(res.output.slice(res.output.indexOf("["))) as {
        filename: string;
        size: number;
        unpackedSize: number;
        files: { path: string }[];
      }[];
      const info = json[0];
      const files = info.files.map((f) => f.path).sort();
      result.tarball = {
        filename: info.filename,
        size: info.size,
        unpackedSize: info.unpackedSize,
        files,
      };
      tarball = join(work, info.filename);
      const problems: string[] = [];
      for (
        const required of [
          "package.json",
          "LICENSE",
          "esm/mod.js",
          "esm/mod.d.ts",
          "esm/generated/mod.js",
        ]
      ) {
        if (!files.includes(required)) problems.push(`missing ${required}`);
      }
      for (const file of files) {
        if (/(^|\/)node_modules\//.test(file)) problems.push(`ships ${file}`);
        if (/(^|\/)tests?\//.test(file) || /_test\.(?:m?[jt]s|d\.ts)$/.test(file)) {
          problems.push(`ships test file ${file}`);
        }
        if (
          !/^(?:esm|src)\//.test(file) && !["package.json", "LICENSE", "README.md"].includes(file)
        ) {
          problems.push(`ships unexpected ${file}`);
        }
      }
      if (problems.length > 0) throw new Error(problems.join("; "));
      return `${info.filename}, ${files.length} files, ${
        (info.size / 1024).toFixed(0)
      } KiB packed, ` +
        `${(info.unpackedSize / 1024).toFixed(0)} KiB unpacked`;
    });
    if (!packed) return result;

    // 2. npm install into a fresh project, and the fixtures beside it.
    const installed = await step("npm install <tarball> in a fresh project", async () => {
      mkdirSync(project, { recursive: true });
      writeFileSync(
        join(project, "package.json"),
        JSON.stringify({ name: "smoke-consumer", private: true, type: "module" }, null, 2) + "\n",
      );
      const typesNode = JSON.parse(
        readFileSync(join(REPO_ROOT, "node_modules", "@types", "node", "package.json"), "utf8"),
      ).version as string;
      expectSuccess(
        "npm install",
        await run(
          "npm",
          [
            "install",
            "--prefer-offline",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            tarball,
            `@types/node@${typesNode}`,
          ],
          { cwd: project, env: npmEnv, prefix: "[npm] ", timeoutMs },
        ),
      );
      const installedPkg = JSON.parse(
        readFileSync(join(project, "node_modules", pkg.name, "package.json"), "utf8"),
      ) as { version: string };
      if (installedPkg.version !== pkg.version) {
        throw new Error(`installed ${installedPkg.version}`);
      }
      copyFileSync(join(FIXTURES, "consumer.mjs.txt"), join(project, "consumer.mjs"));
      copyFileSync(join(FIXTURES, "consumer_types.ts.txt"), join(project, "consumer_types.ts"));
      copyFileSync(
        join(FIXTURES, "consumer_types_bad.ts.txt"),
        join(project, "consumer_types_bad.ts"),
      );
      const tsconfig = (files: string[]) =>
        JSON.stringify(
          {
            compilerOptions: {
              target: "ES2022",
              module: "NodeNext",
              moduleResolution: "NodeNext",
              lib: ["ES2022", "ESNext.Disposable"],
              types: ["node"],
              strict: true,
              skipLibCheck: false,
              noEmit: true,
            },
            files,
          },
          null,
          2,
        ) + "\n";
      writeFileSync(join(project, "tsconfig.json"), tsconfig(["consumer_types.ts"]));
      writeFileSync(join(project, "tsconfig.bad.json"), tsconfig(["consumer_types_bad.ts"]));
      return `${pkg.name}@${pkg.version} in ${project}`;
    });
    if (!installed) return result;

    // 3. One turn per runtime, importing the installed package.
    const env = { SMOKE_CODEX_VERSION: pkg.version };
    const turn = async (what: string, command: string, args: string[]) => {
      const res = expectSuccess(
        what,
        await run(command, args, { cwd: project, env, prefix: `[${what}] `, timeoutMs: 120_000 }),
      );
      const line = res.output.split("\n").reverse().find((l) => l.startsWith("{"));
      const report = line ? JSON.parse(line) as { ok: boolean; finalResponse?: string } : undefined;
      if (!report?.ok) throw new Error(`no success report in the output`);
      return `finalResponse ${JSON.stringify(report.finalResponse)}`;
    };
    await step(
      "node: import codex-app-server, run one turn",
      () => turn("node", "node", ["consumer.mjs"]),
    );
    await step(
      "bun: import codex-app-server, run one turn",
      () => turn("bun", localBin("bun"), ["consumer.mjs"]),
    );
    await step(
      "deno: import codex-app-server (node_modules), run one turn",
      () => turn("deno", denoBin(), ["run", "-A", "--node-modules-dir=manual", "consumer.mjs"]),
    );

    // 4. Types.
    await step("tsc: the package's types check in a strict consumer", async () => {
      expectSuccess(
        "tsc --noEmit",
        await run(localBin("tsc"), ["-p", "tsconfig.json", "--pretty", "false"], {
          cwd: project,
          prefix: "[tsc] ",
          timeoutMs,
        }),
      );
    });
    await step("deno check: the package's types, through node_modules", async () => {
      expectSuccess(
        "deno check",
        await run(denoBin(), ["check", "--node-modules-dir=manual", "consumer_types.ts"], {
          cwd: project,
          prefix: "[deno] ",
          timeoutMs,
        }),
      );
    });
    await step("tsc: a wrong parameter type is an error", async () => {
      const res = await run(localBin("tsc"), ["-p", "tsconfig.bad.json", "--pretty", "false"], {
        cwd: project,
        echo: false,
        timeoutMs,
      });
      if (res.code === 0) throw new Error("tsc accepted Codex.start({ cwd: 42 })");
      const errors = res.output.split("\n").filter((l) => /error TS\d+/.test(l));
      const expected = errors.filter((l) =>
        /consumer_types_bad\.ts\(4,\d+\): error TS(2322|2345|2769)/.test(l)
      );
      if (expected.length === 0 || expected.length !== errors.length) {
        throw new Error(`unexpected diagnostics:\n${res.output.slice(-2000)}`);
      }
      return expected[0].replace(/^.*?error /, "");
    });
    return result;
  } finally {
    if (options.keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { checks, tarball } = await runConsumerSmoke({ keep: Deno.args.includes("--keep") });
  if (tarball) {
    log(`tarball ${tarball.filename}: ${tarball.files.length} files, ${tarball.size} bytes`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  console.log(`${checks.length - failed} passed, ${failed} failed`);
  Deno.exit(failed === 0 && checks.length > 0 ? 0 : 1);
}
