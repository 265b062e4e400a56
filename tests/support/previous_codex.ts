/**
 * The previous pinned Codex binary, which the dev dependency `codex-previous` installs (an
 * npm alias of `@openai/codex` at the version before the pin; `deno task pin` moves it), so
 * that the version-skew tests run a real older app-server.
 *
 * @module
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { ROOT } from "./child_program.ts";

const ALIAS = "codex-previous";

/** The version `codex-previous` installs, from `package.json` ("0.169.0"). */
export function previousCodexVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const spec: string = pkg.devDependencies?.[ALIAS] ?? "";
  const version = spec.match(/^npm:@openai\/codex@(.+)$/)?.[1];
  if (version === undefined) throw new Error(`package.json has no ${ALIAS} dev dependency`);
  return version;
}

/** The path of the previous pin's native binary; throws, naming the fix, when it is missing. */
export function previousCodexBin(): string {
  const scope = join(ROOT, "node_modules", ALIAS, "node_modules", "@openai");
  const exe = process.platform === "win32" ? "codex.exe" : "codex";
  for (const pkg of existsSync(scope) ? readdirSync(scope) : []) {
    const vendor = join(scope, pkg, "vendor");
    for (const triple of existsSync(vendor) ? readdirSync(vendor) : []) {
      const binary = join(vendor, triple, "bin", exe);
      if (existsSync(binary)) return binary;
    }
  }
  throw new Error(`the previous Codex binary is not installed under ${scope}: run \`npm install\``);
}
