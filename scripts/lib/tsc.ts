/**
 * Compiling with `tsc`: the compiler options the npm package and the Node test build share,
 * and a run of `tsc -p` that reports type errors but still emits past them.
 *
 * @module
 */

import { dirname, relative, resolve, sep } from "node:path";
import { isTypeScriptSource, REPO_ROOT } from "./files.ts";
import { localBin, run, runOrThrow } from "./process.ts";

/** Shared compiler options for the package and the Node test build. */
export const COMPILER_OPTIONS = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  lib: ["ES2022", "ESNext.Disposable"],
  types: ["node"],
  strict: true,
  skipLibCheck: true,
  isolatedModules: true,
  rewriteRelativeImportExtensions: true,
  sourceMap: true,
  newLine: "lf",
  // Never emit a broken program (e.g. a file outside rootDir would be written outside the
  // output directory); type errors alone are reported, then emitted past (see `tsc`).
  noEmitOnError: true,
} as const;

/** The `.js` file tsc emits for a TypeScript module (`a/b.ts` → `a/b.js`, `.mts` → `.mjs`). */
export function jsFileOf(file: string): string {
  return file.replace(/\.(m?)tsx?$/, ".$1js");
}

/**
 * Runs `tsc -p config`, echoing its output. When it reports type errors only, emits again
 * without type-checking, so the tests can still run; the errors are returned.
 *
 * @returns The type errors (empty when it passed).
 * @throws {Error} tsc failed otherwise (a config or program error, a crash).
 */
export async function tsc(config: string): Promise<string[]> {
  await refuseStrays(config);
  const result = await run(localBin("tsc"), ["-p", config, "--pretty", "false"], {
    prefix: "[tsc] ",
  });
  if (result.code === 0) return [];
  const errors = result.output.split("\n").filter((line) => /\berror TS\d+:/.test(line));
  if (errors.length === 0 || /error TS(?:5\d{3}|6\d{3}):/.test(errors.join("\n"))) {
    throw new Error(`tsc -p ${relative(REPO_ROOT, config)} failed (see its output above)`);
  }
  console.log(`[tsc] ${errors.length} type error(s); emitting without type-checking`);
  await runOrThrow(localBin("tsc"), ["-p", config, "--pretty", "false", "--noCheck"], {
    prefix: "[tsc] ",
  });
  return errors;
}

/**
 * tsc writes a source file outside rootDir outside the output directory, and with
 * `noCheck` it does not even report it: refuse such a program before emitting anything.
 */
async function refuseStrays(config: string): Promise<void> {
  const listed = await run(localBin("tsc"), ["-p", config, "--listFilesOnly"], { echo: false });
  const root = dirname(config);
  const strays = listed.output.split("\n").map((line) => line.trim())
    .filter(isTypeScriptSource)
    .filter((file) => !resolve(file).startsWith(root + sep));
  if (listed.code !== 0 || strays.length > 0) {
    throw new Error(
      `tsc -p ${relative(REPO_ROOT, config)} would compile files outside ${
        relative(REPO_ROOT, root)
      }/: ` +
        (strays.length > 0 ? strays.join(", ") : listed.output.slice(-2000)),
    );
  }
}
