/**
 * `notebooks/walkthrough.ipynb` cannot rot: its code cells are extracted in order into one
 * module, each cell's final expression printed as the notebook would display it, and the
 * module is run with Deno and the repository's `deno.json`, as the Jupyter kernel would run
 * them (`deno jupyter` evaluates the cells in order in one context, without type-checking).
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { ROOT } from "./support/child_program.ts";

const T = { timeout: 180_000 };

/** The part of an `.ipynb` file read here. */
interface Notebook {
  nbformat: number;
  metadata: { kernelspec?: { name?: string; language?: string } };
  cells: { cell_type: string; source: string | string[] }[];
}

/** Statements that display nothing; a final line starting otherwise is an expression. */
const STATEMENT = /^(?:const|let|var|import|export|for|while|if|function|class|type|interface)\b/;

/**
 * A cell as module code: its final top-level expression, if any, printed as
 * `[cell N] <JSON>`, as the notebook displays a cell's last value.
 */
export function cellToModule(source: string, index: number): string {
  const lines = source.replace(/\s+$/, "").split("\n");
  let start = lines.length - 1;
  while (start > 0 && !/^[^\s})\]]/.test(lines[start])) start--;
  if (STATEMENT.test(lines[start]) || lines[start].startsWith("//")) return source;
  const expression = lines.slice(start).join("\n").replace(/;\s*$/, "");
  return [
    ...lines.slice(0, start),
    `{ const value = ${expression};`,
    `  console.log(${JSON.stringify(`[cell ${index}]`)}, ` +
    `typeof value === "string" ? value : JSON.stringify(value)); }`,
  ].join("\n");
}

test("The walkthrough notebook's code cells run in order with Deno", T, async () => {
  const notebook = JSON.parse(
    readFileSync(join(ROOT, "notebooks", "walkthrough.ipynb"), "utf8"),
  ) as Notebook;
  assert.equal(notebook.nbformat, 4);
  assert.equal(notebook.metadata.kernelspec?.name, "deno", "written for Deno's Jupyter kernel");
  const cells = notebook.cells
    .filter((cell) => cell.cell_type === "code")
    .map((cell) => Array.isArray(cell.source) ? cell.source.join("") : cell.source);
  assert.ok(cells.length >= 8, `${cells.length} code cells`);
  const dir = mkdtempSync(join(tmpdir(), "notebook-"));
  try {
    const module = join(dir, "walkthrough.ts");
    writeFileSync(module, cells.map(cellToModule).join("\n\n") + "\n");
    const deno = join(ROOT, "node_modules", ".bin", "deno");
    const { code, stdout, stderr } = await new Promise<
      { code: number | null; stdout: string; stderr: string }
    >((resolve) =>
      execFile(
        deno,
        ["run", "-A", "--config", join(ROOT, "deno.json"), module],
        { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, timeout: 150_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? (error.code as number | null) ?? 1 : 0, stdout, stderr }),
      )
    );
    assert.equal(code, 0, `the notebook's cells failed:\n${stdout}\n${stderr}`);
    const shown = new Map(
      stdout.split("\n").flatMap((line) => {
        const match = /^\[cell (\d+)\] (.*)$/.exec(line);
        return match === null ? [] : [[Number(match[1]), match[2]] as const];
      }),
    );
    const all = [...shown.values()];
    assert.ok(all.includes("Hello! I am the fake model."), stdout);
    assert.ok(all.includes("Rivers carry the text."), stdout);
    assert.ok(
      all.includes(
        '[{"command":"completed","requests":["answered"]},' +
          '{"command":"declined","requests":["answered"]}]',
      ),
      stdout,
    );
    assert.ok(
      all.includes('{"pass":true,"reasons":["tests are green","no new warnings"]}'),
      stdout,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
