/**
 * The sources as a Deno project meets them without our `deno.json` (imported from a URL, a
 * local path, or JSR): every npm import is an `npm:name@version` specifier at the version
 * `package.json` pins, and a program in a folder with no configuration runs a turn.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { ROOT } from "./support/child_program.ts";

const T = { timeout: 120_000 };

/** The modules Deno loads from the sources: the entry points, src/ and generated/. */
function sourceModules(dir = ""): string[] {
  if (dir === "") {
    return [
      "mod.ts",
      "transport.ts",
      "testing.ts",
      ...sourceModules("src"),
      ...sourceModules("generated"),
    ];
  }
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceModules(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Import specifiers in code (not in comments, where doc examples import freely). */
const SPECIFIER =
  /(?:^|[^\w.])(?:import|export)\b[^"';]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

test("The sources import npm packages as npm:name@version, at package.json's pins", T, () => {
  const pins = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).dependencies as Record<
    string,
    string
  >;
  const problems: string[] = [];
  let npmImports = 0;
  for (const path of sourceModules()) {
    const code = readFileSync(join(ROOT, path), "utf8").replace(/^\s*\*.*$|\/\/.*$/gm, "");
    for (const match of code.matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (specifier.startsWith(".") || specifier.startsWith("node:")) continue;
      const npm = /^npm:((?:@[^/@]+\/)?[^/@]+)@([^/]+)(\/.*)?$/.exec(specifier);
      if (npm === null) {
        problems.push(`${path}: "${specifier}" resolves only through an import map`);
      } else if (pins[npm[1]] !== npm[2]) {
        problems.push(`${path}: "${specifier}", but package.json pins ${npm[1]}@${pins[npm[1]]}`);
      } else npmImports++;
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(npmImports >= 4, `only ${npmImports} npm imports found`);
});

test(
  "Deno runs the sources with no deno.json: mod.ts by path, --no-config, one turn offline",
  T,
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "deno-no-config-"));
    try {
      const url = (file: string) => pathToFileURL(join(ROOT, file)).href;
      writeFileSync(
        join(dir, "main.ts"),
        [
          `import { Codex, type TurnResult } from "${url("mod.ts")}";`,
          `import { reply, startTestCodex } from "${url("testing.ts")}";`,
          `await using t = await startTestCodex({ script: [reply.text("Hi from the fake model.")] });`,
          `const thread = await t.codex.threadStart();`,
          `const result: TurnResult = await thread.run("Say hi.");`,
          `console.log(JSON.stringify({ codex: typeof Codex, finalResponse: result.finalResponse }));`,
          "",
        ].join("\n"),
      );
      const deno = join(ROOT, "node_modules", ".bin", "deno");
      // `deno check` first: the types resolve without an import map too.
      for (
        const args of [["check", "--no-config", "main.ts"], ["run", "-A", "--no-config", "main.ts"]]
      ) {
        const { code, stdout, stderr } = await new Promise<
          { code: number | null; stdout: string; stderr: string }
        >((resolve) =>
          execFile(deno, args, {
            cwd: dir,
            env: { ...process.env, NO_COLOR: "1" },
            timeout: 100_000,
          }, (
            error,
            stdout,
            stderr,
          ) => resolve({ code: error ? (error.code as number | null) ?? 1 : 0, stdout, stderr }))
        );
        assert.equal(code, 0, `deno ${args.join(" ")} failed:\n${stdout}\n${stderr}`);
        if (args[0] === "run") {
          const line = stdout.trim().split("\n").at(-1)!;
          assert.deepEqual(JSON.parse(line), {
            codex: "function",
            finalResponse: "Hi from the fake model.",
          });
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
