/**
 * The maintainers' release path, in one command: builds the npm package, packs it, checks
 * the tarball the way the ecosystem does, and dry-runs the JSR publish. It publishes
 * nothing: it ends by printing the two commands that would.
 *
 * 1. `buildNpm()`: `npm/` from the sources, with the package's own README
 *    (`docs/package-readme.md`), `exports`, `engines` and `repository`.
 * 2. `npm pack` into `dist/`, and its file list: the build, README, LICENSE, package.json,
 *    nothing else.
 * 3. `publint --strict` and `attw --profile esm-only` on the tarball.
 * 4. `deno publish --dry-run` for JSR (it needs no network: JSR is not contacted).
 * 5. Sizes: the tarball, and the native Codex binary the install brings.
 *
 * Usage: `npx deno task release` (or `npm run release`). Exits non-zero when a check fails.
 *
 * @module
 */

import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { buildNpm } from "./build_npm.ts";
import { REPO_ROOT } from "./lib/files.ts";
import { attw, fileListProblems, packNpm, publint } from "./lib/package_checks.ts";
import { denoBin, run } from "./lib/process.ts";

/** Where the tarball is written. */
export const DIST_DIR: string = join(REPO_ROOT, "dist");

/** One check of the release, and what it found. */
interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

function log(message: string): void {
  console.log(`[release] ${message}`);
}

/** Bytes under `path`, recursively (files only, symlinks not followed). */
function diskSize(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return 0;
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + diskSize(join(path, name)), 0);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * The installed platform packages of `@openai/codex` (the native binary), with their size.
 *
 * @returns `[name, bytes]` for each one in `node_modules/@openai/`.
 */
export function codexPlatformPackages(): [string, number][] {
  const scope = join(REPO_ROOT, "node_modules", "@openai");
  let names: string[] = [];
  try {
    names = readdirSync(scope).filter((name) => name.startsWith("codex-"));
  } catch {
    return [];
  }
  return names.map((name) => [`@openai/${name}`, diskSize(join(scope, name))]);
}

/**
 * Builds, packs and checks the release.
 *
 * @returns The process exit code: 0 when every check passed.
 */
export async function release(): Promise<number> {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? `: ${detail.split("\n")[0]}` : ""}`);
    if (!ok && detail.includes("\n")) console.log(detail);
  };

  const build = await buildNpm();
  check(
    "build: tsc reports no type error",
    build.typeErrors.length === 0,
    build.typeErrors[0] ?? "",
  );
  const pkg = build.packageJson as {
    name: string;
    version: string;
    engines?: { node?: string };
    repository?: unknown;
  };

  rmSync(DIST_DIR, { recursive: true, force: true });
  mkdirSync(DIST_DIR, { recursive: true });
  const tarball = await packNpm(DIST_DIR);
  const problems = fileListProblems(tarball.files);
  check(
    "npm pack: the tarball holds the build, README, LICENSE and package.json only",
    problems.length === 0,
    problems.length === 0
      ? `${tarball.files.length} files, ${mib(tarball.size)} packed, ${
        mib(tarball.unpackedSize)
      } unpacked`
      : problems.join("\n"),
  );
  const readme = readFileSync(join(REPO_ROOT, "npm", "README.md"), "utf8");
  check(
    "README: the package's own, not the repository's",
    !/^## Two commands/m.test(readme) && /^## Install/m.test(readme),
    "",
  );

  const linted = await publint(tarball.path);
  check("publint --strict", linted.ok, linted.ok ? "no problems" : linted.output);
  const typed = await attw(tarball.path);
  check("attw --profile esm-only", typed.ok, typed.ok ? "no problems" : typed.output);
  if (typed.ok) console.log(typed.output.replace(/^/gm, "  "));

  const jsr = await run(denoBin(), ["publish", "--dry-run", "--allow-dirty"], {
    echo: false,
    env: { NO_COLOR: "1" },
    timeoutMs: 5 * 60_000,
  });
  const denoJson = JSON.parse(readFileSync(join(REPO_ROOT, "deno.json"), "utf8")) as {
    name: string;
    version: string;
  };
  check(
    `deno publish --dry-run (JSR ${denoJson.name}@${denoJson.version})`,
    jsr.code === 0 && /Dry run complete/.test(jsr.output),
    jsr.code === 0
      ? `${(jsr.output.match(/^\s+file:/gm) ?? []).length} files; JSR itself was not contacted`
      : jsr.output.slice(-3000),
  );

  console.log("");
  log(`package   ${pkg.name}@${pkg.version}, engines node ${pkg.engines?.node ?? "(none)"}`);
  log(`tarball   ${tarball.path}`);
  log(`          ${mib(tarball.size)} packed, ${mib(tarball.unpackedSize)} unpacked`);
  for (const [name, bytes] of codexPlatformPackages()) {
    log(`codex     ${name}: ${mib(bytes)} installed (the native binary every install brings)`);
  }
  for (const warning of build.warnings) log(`warning   ${warning}`);
  const failed = checks.filter((c) => !c.ok);
  if (failed.length > 0) {
    log(`${failed.length} check(s) failed: ${failed.map((c) => c.name).join("; ")}`);
    return 1;
  }
  console.log("");
  log("every check passed. To try the tarball in a project of your own:");
  log(`  npm install ${tarball.path}`);
  log("To publish (maintainers, with registry credentials):");
  log(`  npm publish ${tarball.path}`);
  log("  npx deno publish");
  return 0;
}

if (import.meta.main) Deno.exit(await release());
