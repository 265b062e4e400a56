/**
 * Consumer smoke test of the npm build, the way a user meets it: pack `npm/` like
 * `npm publish` would, lint the tarball, install it into **fresh** Node, Bun and Deno
 * projects, and run there what the package's README tells a newcomer to paste:
 *
 * 1. the tarball holds the build and nothing else; `publint` and `attw` find no problem;
 * 2. the package README's quick start (both forms) and offline recipe are the repository
 *    README's;
 * 3. a Node project (`npm install <tarball>`): `consumer.mjs` (one turn against the fake
 *    Responses server), the quick start's `try … finally` form, the offline recipe and
 *    `require()`, on the machine's Node and on Node 22; the `await using` form on Node 24,
 *    and as a syntax error on Node 20 (as the README says); `tsc --noEmit` accepts
 *    `consumer_types.ts` (strict, `skipLibCheck: false`) and rejects
 *    `consumer_types_bad.ts`;
 * 4. a Bun project (`bun add <tarball>`): both quick start forms, the recipe, `require()`,
 *    `consumer.mjs`;
 * 5. a Deno project (`npm install <tarball>` with `"nodeModulesDir": "manual"`, as the
 *    README says): both quick start forms, the recipe, `consumer.mjs`, and `deno check` of
 *    `consumer_types.ts`.
 *
 * The quick start reads the user's Codex configuration: here `CODEX_HOME` is a throwaway
 * home whose `config.toml` points at the test suite's fake Responses server. The recipe
 * brings its own provider (`FakeModel` from `codex-app-server/testing`), through `config`
 * alone.
 *
 * The fixtures beside this file end in `.txt` because they import `codex-app-server`, which
 * only resolves inside a consumer project: `deno check scripts/` (in `deno task check`)
 * would otherwise try to resolve them. They are copied there without the suffix.
 *
 * Usage: `deno run -A scripts/npm_smoke/smoke.ts` after `deno task build:npm`
 * (`--keep` keeps the temp projects). `deno task test:consumer` builds first.
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
import { systemNode } from "../lib/nodes.ts";
import {
  attw,
  fileListProblems,
  NPM_ENV,
  type PackedTarball,
  packNpm,
  publint,
} from "../lib/package_checks.ts";
import { denoBin, localBin, run, type RunResult } from "../lib/process.ts";
import { codexHome, FakeModel, SCENARIO_TEXTS, scenarios } from "../../testing.ts";

const FIXTURES = join(REPO_ROOT, "scripts", "npm_smoke");
/** What the quick start prints: the answer of the fake model this runner serves. */
const PLAIN_TEXT = SCENARIO_TEXTS.plain;
/** What the fake model in `codex-app-server/testing` says by default (`DEFAULT_TEXT`). */
const FAKE_MODEL_TEXT = "Hello from the fake model.";

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

/** The Node binaries to run the consumers with. */
export interface SmokeNodes {
  /** The machine's Node (20 here). */
  node: string;
  /** Node 22, when installed (`node_modules/node22`). */
  node22?: string;
  /** Node 24, when installed (`node_modules/node24`): runs the `await using` form. */
  node24?: string;
}

/** Options of {@link runConsumerSmoke}. */
export interface SmokeOptions {
  /** Keep the temp projects for inspection. */
  keep?: boolean;
  /** Per-command time limit (default 5 min; `npm install` of the Codex binary is large). */
  timeoutMs?: number;
  /** Which Nodes run the consumers. Default: the machine's only. */
  nodes?: SmokeNodes;
}

/** The README snippets a newcomer pastes, by file name in a consumer project. */
interface Snippets {
  "quickstart_await_using.mjs": string;
  "quickstart_try_finally.mjs": string;
  "offline_recipe.mjs": string;
}

function log(message: string): void {
  console.log(`[consumer] ${message}`);
}

/**
 * The code blocks of a Markdown section: those between `## heading` and the next `## `.
 *
 * @returns `[language, code]` for each fenced block, in order.
 */
export function sectionBlocks(markdown: string, heading: string): [string, string][] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section "## ${heading}"`);
  const rest = markdown.slice(start + heading.length + 5);
  const end = rest.search(/\n## /);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/^```(\w+)[^\n]*\n([\s\S]*?)^```$/gm)].map((m) => [m[1], m[2]]);
}

/** The quick start's two forms and the offline recipe, from a README. */
function snippetsOf(readme: string): Snippets {
  const quick = sectionBlocks(readme, "Quick start");
  const awaitUsing = quick.find(([lang, code]) => lang === "ts" && /await using/.test(code));
  const tryFinally = quick.find(([lang, code]) => lang === "js" && /finally/.test(code));
  const recipe = sectionBlocks(readme, "Try it without an OpenAI account").find(([lang]) =>
    lang === "js"
  );
  if (awaitUsing === undefined || tryFinally === undefined) {
    throw new Error("the Quick start lacks its `await using` (ts) or `try … finally` (js) form");
  }
  if (recipe === undefined) throw new Error("the offline recipe has no js block");
  return {
    "quickstart_await_using.mjs": awaitUsing[1],
    "quickstart_try_finally.mjs": tryFinally[1],
    "offline_recipe.mjs": recipe[1],
  };
}

/** `require()` of the package from CommonJS (Node 20.19+, 22.12+, Bun). */
const REQUIRE_CJS = `const { Codex, CodexError } = require("codex-app-server");
const { CODEX_VERSION } = require("codex-app-server/protocol");
const { FakeModel } = require("codex-app-server/testing");
if (typeof Codex !== "function" || typeof CodexError !== "function") throw new Error("exports");
if (typeof FakeModel !== "function") throw new Error("testing exports");
console.log(JSON.stringify({ ok: true, required: CODEX_VERSION }));
`;

/**
 * Packs `npm/`, installs it into temp projects and runs the consumer checks. Needs
 * `buildNpm` to have run.
 *
 * @param options Keep the temp projects; time limit per command; the Nodes.
 * @returns Every check with its outcome, and the tarball's facts.
 */
export async function runConsumerSmoke(options: SmokeOptions = {}): Promise<SmokeResult> {
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const nodes = options.nodes ?? { node: systemNode() };
  const checks: SmokeCheck[] = [];
  const result: SmokeResult = { checks };
  const work = mkdtempSync(join(tmpdir(), "codex-app-server-smoke-"));
  // The quick start reads the user's CODEX_HOME: a throwaway one, on the kit's fake model.
  const fake = await FakeModel.start({ script: scenarios.byModel() });
  const fakeHome = await codexHome({ model: fake });
  const home = fakeHome.path;

  async function step(
    name: string,
    body: () => Promise<string | undefined | void>,
  ): Promise<boolean> {
    const started = performance.now();
    const label = `consumer: ${name}`;
    log(`${name} ...`);
    try {
      const note = await body();
      const ms = performance.now() - started;
      checks.push({ name: label, ok: true, ms, detail: note ?? undefined });
      log(`ok   ${name} (${(ms / 1000).toFixed(1)} s)${note ? `: ${note}` : ""}`);
      return true;
    } catch (error) {
      const ms = performance.now() - started;
      const detail = error instanceof Error ? error.message : String(error);
      checks.push({ name: label, ok: false, ms, detail });
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

  /** Runs a program in a project; it must exit 0 and print `expected`. */
  async function runs(
    project: string,
    label: string,
    command: string,
    args: string[],
    expected: string | RegExp,
  ): Promise<string> {
    const res = expectSuccess(
      label,
      await run(command, args, {
        cwd: project,
        env: {
          SMOKE_CODEX_VERSION: pkg.version,
          CODEX_HOME: home,
          CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG: "1",
          RUST_LOG: "warn",
          NO_COLOR: "1",
        },
        prefix: `[${label}] `,
        timeoutMs: 120_000,
      }),
    );
    const found = typeof expected === "string"
      ? res.output.includes(expected)
      : expected.test(res.output);
    if (!found) throw new Error(`its output lacks ${expected}:\n${res.output.slice(-2000)}`);
    const line = res.output.split("\n").reverse().find((l) => l.includes(String(expected)));
    return line?.trim().slice(0, 120) ?? "";
  }

  /** Copies the fixtures and the snippets into a project. */
  function furnish(project: string, snippets: Snippets): void {
    copyFileSync(join(FIXTURES, "consumer.mjs.txt"), join(project, "consumer.mjs"));
    copyFileSync(join(FIXTURES, "consumer_types.ts.txt"), join(project, "consumer_types.ts"));
    copyFileSync(
      join(FIXTURES, "consumer_types_bad.ts.txt"),
      join(project, "consumer_types_bad.ts"),
    );
    for (const [file, code] of Object.entries(snippets)) writeFileSync(join(project, file), code);
    writeFileSync(join(project, "require.cjs"), REQUIRE_CJS);
  }

  function freshProject(name: string, extra: Record<string, unknown> = {}): string {
    const project = join(work, name);
    mkdirSync(project, { recursive: true });
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name, private: true, type: "module", ...extra }, null, 2) + "\n",
    );
    return project;
  }

  let pkg = { name: "", version: "" };
  try {
    if (!existsSync(join(NPM_DIR, "package.json"))) {
      throw new Error("npm/ is not built: run `deno task build:npm` first");
    }
    pkg = JSON.parse(readFileSync(join(NPM_DIR, "package.json"), "utf8"));

    // 1. The tarball: its files, and the ecosystem's linters.
    let tarball: PackedTarball | undefined;
    const packed = await step("npm pack: the tarball holds the build only", async () => {
      tarball = await packNpm(work);
      result.tarball = { ...tarball };
      const problems = fileListProblems(tarball.files);
      if (problems.length > 0) throw new Error(problems.join("; "));
      return `${tarball.filename}, ${tarball.files.length} files, ${
        (tarball.size / 1024).toFixed(0)
      } KiB packed, ${(tarball.unpackedSize / 1024).toFixed(0)} KiB unpacked`;
    });
    if (!packed || tarball === undefined) return result;
    const tgz = tarball.path;
    await step("publint --strict: no problems", async () => {
      const linted = await publint(tgz);
      if (!linted.ok) throw new Error(linted.output);
    });
    await step("attw --profile esm-only: every entry point's types resolve", async () => {
      const typed = await attw(tgz);
      if (!typed.ok) throw new Error(typed.output);
    });

    // 2. The README snippets.
    let snippets: Snippets | undefined;
    await step("README: the package's quick start and recipe are the repository's", () => {
      snippets = snippetsOf(readFileSync(join(NPM_DIR, "README.md"), "utf8"));
      const repo = snippetsOf(readFileSync(join(REPO_ROOT, "README.md"), "utf8"));
      for (const file of Object.keys(repo) as (keyof Snippets)[]) {
        if (snippets[file] !== repo[file]) {
          throw new Error(`${file}: the package README and README.md differ`);
        }
      }
      return Promise.resolve();
    });
    if (snippets === undefined) return result;
    const pasted = snippets;

    // 3. A Node project.
    const nodeProject = freshProject("node-project");
    const installed = await step("node project: npm install <tarball>", async () => {
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
            tgz,
            `@types/node@${typesNode}`,
          ],
          { cwd: nodeProject, env: NPM_ENV, prefix: "[npm] ", timeoutMs },
        ),
      );
      const installedPkg = JSON.parse(
        readFileSync(join(nodeProject, "node_modules", pkg.name, "package.json"), "utf8"),
      ) as { version: string };
      if (installedPkg.version !== pkg.version) {
        throw new Error(`installed ${installedPkg.version}`);
      }
      furnish(nodeProject, pasted);
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
      writeFileSync(join(nodeProject, "tsconfig.json"), tsconfig(["consumer_types.ts"]));
      writeFileSync(join(nodeProject, "tsconfig.bad.json"), tsconfig(["consumer_types_bad.ts"]));
      return `${pkg.name}@${pkg.version} in ${nodeProject}`;
    });
    if (installed) {
      const version = async (bin: string) =>
        (await run(bin, ["--version"], { echo: false })).output.trim();
      for (const [label, bin] of [["node", nodes.node], ["node22", nodes.node22]] as const) {
        if (bin === undefined) {
          log(`${label}: not installed here (npm installs it on Linux x64); skipped`);
          continue;
        }
        const v = await version(bin);
        await step(
          `${label} ${v}: consumer.mjs runs one turn`,
          () => runs(nodeProject, label, bin, ["consumer.mjs"], '"ok":true'),
        );
        await step(
          `${label} ${v}: the quick start, try … finally form`,
          () => runs(nodeProject, label, bin, ["quickstart_try_finally.mjs"], PLAIN_TEXT),
        );
        await step(
          `${label} ${v}: the offline recipe`,
          () => runs(nodeProject, label, bin, ["offline_recipe.mjs"], FAKE_MODEL_TEXT),
        );
        await step(
          `${label} ${v}: require("codex-app-server") from CommonJS`,
          () => runs(nodeProject, label, bin, ["require.cjs"], '"required"'),
        );
        if (Number(/^v(\d+)/.exec(v)?.[1]) < 24) {
          await step(
            `${label} ${v}: the await using form is a syntax error, as the README says`,
            async () => {
              const res = await run(bin, ["quickstart_await_using.mjs"], {
                cwd: nodeProject,
                echo: false,
                timeoutMs: 60_000,
              });
              if (res.code === 0 || !/SyntaxError/.test(res.output)) {
                throw new Error(`expected a SyntaxError, got exit ${res.code}:\n${res.output}`);
              }
              return res.output.split("\n").find((l) => /SyntaxError/.test(l))?.trim();
            },
          );
        }
      }
      const node24 = nodes.node24;
      if (node24 !== undefined) {
        const v = await version(node24);
        await step(
          `node24 ${v}: the quick start, await using form`,
          () => runs(nodeProject, "node24", node24, ["quickstart_await_using.mjs"], PLAIN_TEXT),
        );
      }
      await step("tsc: the package's types check in a strict consumer", async () => {
        expectSuccess(
          "tsc --noEmit",
          await run(localBin("tsc"), ["-p", "tsconfig.json", "--pretty", "false"], {
            cwd: nodeProject,
            prefix: "[tsc] ",
            timeoutMs,
          }),
        );
      });
      await step("tsc: a wrong parameter type is an error", async () => {
        const res = await run(localBin("tsc"), ["-p", "tsconfig.bad.json", "--pretty", "false"], {
          cwd: nodeProject,
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
    }

    // 4. A Bun project.
    const bunProject = freshProject("bun-project");
    const bun = localBin("bun");
    if (
      await step("bun project: bun add <tarball>", async () => {
        expectSuccess(
          "bun add",
          await run(bun, ["add", tgz], { cwd: bunProject, prefix: "[bun] ", timeoutMs }),
        );
        furnish(bunProject, pasted);
      })
    ) {
      for (
        const [what, file, expected] of [
          ["the quick start, await using form", "quickstart_await_using.mjs", PLAIN_TEXT],
          ["the quick start, try … finally form", "quickstart_try_finally.mjs", PLAIN_TEXT],
          ["the offline recipe", "offline_recipe.mjs", FAKE_MODEL_TEXT],
          ["consumer.mjs runs one turn", "consumer.mjs", '"ok":true'],
          ['require("codex-app-server") from CommonJS', "require.cjs", '"required"'],
        ] as const
      ) {
        await step(`bun: ${what}`, () => runs(bunProject, "bun", bun, [file], expected));
      }
    }

    // 5. A Deno project, set up as the README says.
    const denoProject = freshProject("deno-project");
    writeFileSync(
      join(denoProject, "deno.json"),
      JSON.stringify({ nodeModulesDir: "manual" }, null, 2) + "\n",
    );
    if (
      await step('deno project: npm install <tarball>, "nodeModulesDir": "manual"', async () => {
        expectSuccess(
          "npm install",
          await run(
            "npm",
            ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tgz],
            { cwd: denoProject, env: NPM_ENV, prefix: "[npm] ", timeoutMs },
          ),
        );
        furnish(denoProject, pasted);
      })
    ) {
      const deno = denoBin();
      for (
        const [what, file, expected] of [
          ["the quick start, await using form", "quickstart_await_using.mjs", PLAIN_TEXT],
          ["the quick start, try … finally form", "quickstart_try_finally.mjs", PLAIN_TEXT],
          ["the offline recipe", "offline_recipe.mjs", FAKE_MODEL_TEXT],
          ["consumer.mjs runs one turn", "consumer.mjs", '"ok":true'],
        ] as const
      ) {
        await step(
          `deno: ${what}`,
          () => runs(denoProject, "deno", deno, ["run", "-A", file], expected),
        );
      }
      await step("deno check: the package's types, through node_modules", async () => {
        expectSuccess(
          "deno check",
          await run(deno, ["check", "consumer_types.ts"], {
            cwd: denoProject,
            prefix: "[deno] ",
            timeoutMs,
          }),
        );
      });
    }
    return result;
  } finally {
    await fake.close();
    await fakeHome.remove();
    if (options.keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { bundledNode } = await import("../lib/nodes.ts");
  const { checks, tarball } = await runConsumerSmoke({
    keep: Deno.args.includes("--keep"),
    nodes: { node: systemNode(), node22: bundledNode(22), node24: bundledNode(24) },
  });
  if (tarball) {
    log(`tarball ${tarball.filename}: ${tarball.files.length} files, ${tarball.size} bytes`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  console.log(`${checks.length - failed} passed, ${failed} failed`);
  Deno.exit(failed === 0 && checks.length > 0 ? 0 : 1);
}
