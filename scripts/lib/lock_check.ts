/**
 * Whether `package-lock.json` is complete: what `npm install` would write, resolved afresh
 * from `package.json` and the committed lock (`npm install --package-lock-only` in a copy, so
 * the working tree and `node_modules` are never touched), must be the committed lock byte for
 * byte. A lock that lacks another platform's optional package (`@deno/darwin-arm64`, …) or a
 * new dependency is rewritten by `npm install`, and `npm ci` refuses it.
 *
 * @module
 */

import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./files.ts";
import { run } from "./process.ts";
import { NPM_ENV } from "./package_checks.ts";

/** The package entries of a lock file (`node_modules/…` → entry). */
function packagesOf(text: string): Record<string, unknown> {
  return (JSON.parse(text) as { packages?: Record<string, unknown> }).packages ?? {};
}

/**
 * Resolves the lock afresh in a temp copy of `package.json`, `package-lock.json` and
 * `.npmrc`, and compares.
 *
 * @returns What `npm install` would change (packages added, removed, changed), or `[]`.
 */
export async function lockProblems(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "lock-check-"));
  try {
    for (const file of ["package.json", "package-lock.json", ".npmrc"]) {
      if (existsSync(join(REPO_ROOT, file))) copyFileSync(join(REPO_ROOT, file), join(dir, file));
    }
    const committed = readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8");
    const res = await run(
      "npm",
      ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"],
      { cwd: dir, env: NPM_ENV, echo: false, timeoutMs: 5 * 60_000 },
    );
    if (res.code !== 0) {
      return [`npm install --package-lock-only failed: ${res.output.trim().slice(-1000)}`];
    }
    const resolved = readFileSync(join(dir, "package-lock.json"), "utf8");
    if (resolved === committed) return [];
    const before = packagesOf(committed);
    const after = packagesOf(resolved);
    const problems: string[] = [];
    for (const key of Object.keys(after)) {
      if (!(key in before)) problems.push(`npm install adds ${key || "(root)"}`);
      else if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
        problems.push(`npm install changes ${key || "(root)"}`);
      }
    }
    for (const key of Object.keys(before)) {
      if (!(key in after)) problems.push(`npm install removes ${key}`);
    }
    if (problems.length === 0) problems.push("npm install rewrites it (formatting or metadata)");
    return problems.map((problem) =>
      `package-lock.json is not what npm install writes: ${problem}; run ` +
      "`npm install --package-lock-only` and commit it"
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
