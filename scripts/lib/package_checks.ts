/**
 * Checks of the packed npm tarball, shared by the release (`scripts/release.ts`) and the
 * consumer smoke test: `npm pack`, the file list, and the ecosystem's linters, `publint`
 * (package.json fields against the files) and `@arethetypeswrong/cli` (how TypeScript
 * resolves the types of each entry point, under each module resolution).
 *
 * @module
 */

import { join } from "node:path";
import { NPM_DIR } from "./files.ts";
import { localBin, run, type RunResult } from "./process.ts";

/** What `npm pack --json` says about the tarball. */
export interface PackedTarball {
  /** Absolute path of the `.tgz`. */
  path: string;
  filename: string;
  /** Bytes packed. */
  size: number;
  /** Bytes unpacked. */
  unpackedSize: number;
  /** The files, sorted (`package.json`, `esm/mod.js`, …). */
  files: string[];
}

/** Quiet npm: no funding, audit or update notices. */
export const NPM_ENV: Record<string, string> = {
  npm_config_yes: "true",
  npm_config_fund: "false",
  npm_config_audit: "false",
  npm_config_update_notifier: "false",
};

/**
 * Packs `npm/` as `npm publish` would.
 *
 * @param destination The folder the `.tgz` is written to.
 * @returns The tarball's path, sizes and files.
 * @throws {Error} `npm pack` failed.
 */
export async function packNpm(destination: string): Promise<PackedTarball> {
  const res = await run("npm", ["pack", "--json", "--pack-destination", destination], {
    cwd: NPM_DIR,
    env: NPM_ENV,
    echo: false,
    timeoutMs: 5 * 60_000,
  });
  if (res.code !== 0) throw new Error(`npm pack failed:\n${res.output.slice(-3000)}`);
  const [info] = JSON.parse(res.output.slice(res.output.indexOf("["))) as {
    filename: string;
    size: number;
    unpackedSize: number;
    files: { path: string }[];
  }[];
  return {
    path: join(destination, info.filename),
    filename: info.filename,
    size: info.size,
    unpackedSize: info.unpackedSize,
    files: info.files.map((file) => file.path).sort(),
  };
}

/**
 * What is wrong with the tarball's file list: a required file missing, or anything besides
 * the build, the README, the LICENSE and package.json (tests, node_modules, stray files).
 *
 * @param files The tarball's files.
 * @returns The problems, or `[]`.
 */
export function fileListProblems(files: readonly string[]): string[] {
  const problems: string[] = [];
  for (
    const required of [
      "package.json",
      "README.md",
      "LICENSE",
      "dist/mod.js",
      "esm/mod.d.ts",
      "dist/generated/mod.js",
      "dist/transport.js",
      "dist/testing.js",
    ]
  ) {
    if (!files.includes(required)) problems.push(`missing ${required}`);
  }
  for (const file of files) {
    if (/(^|\/)node_modules\//.test(file)) problems.push(`ships ${file}`);
    if (/(^|\/)tests?\//.test(file) || /_test\.(?:m?[jt]s|d\.ts)$/.test(file)) {
      problems.push(`ships test file ${file}`);
    }
    if (/^esm\/.*\.js$/.test(file)) {
      problems.push(`ships ${file} (the bundles in dist/ replace it)`);
    }
    if (
      !/^(?:dist|esm|src)\//.test(file) && !["package.json", "LICENSE", "README.md"].includes(file)
    ) {
      problems.push(`ships unexpected ${file}`);
    }
  }
  return problems;
}

/** The outcome of one linter on the tarball. */
export interface LintOutcome {
  ok: boolean;
  /** Its output (the report). */
  output: string;
}

/**
 * `publint run <tarball> --strict`: package.json's `exports`, `main`, `types`, `files` and
 * the other fields against the files the tarball holds; warnings fail too.
 *
 * @param tarball The `.tgz`.
 * @returns Whether it passed, and its report.
 */
export async function publint(tarball: string): Promise<LintOutcome> {
  const res = await run(localBin("publint"), ["run", tarball, "--strict"], {
    echo: false,
    env: { NO_COLOR: "1" },
    timeoutMs: 2 * 60_000,
  });
  return outcome(res);
}

/**
 * `attw <tarball> --profile esm-only`: every entry point's types resolve, and agree with its
 * JavaScript, under `node16` from ES modules and `bundler`. The package is ES modules only,
 * so the `node10` resolution (no `exports`) and TypeScript's `node16` CommonJS view
 * (`require()` of ES modules, which Node 20.19 and 22.12 run) are left out, as that profile
 * does.
 *
 * @param tarball The `.tgz`.
 * @returns Whether it passed, and its report.
 */
export async function attw(tarball: string): Promise<LintOutcome> {
  const res = await run(
    localBin("attw"),
    [tarball, "--profile", "esm-only", "--format", "table-flipped", "--no-emoji", "--no-color"],
    { echo: false, timeoutMs: 2 * 60_000 },
  );
  return outcome(res);
}

function outcome(res: RunResult): LintOutcome {
  return { ok: res.code === 0 && !res.timedOut, output: res.output.trim() };
}
