/**
 * Moves the docs' statements of the pinned version to a new version, and only those.
 *
 * The rule: in `README.md`, `docs/*.md` and `examples/` (Markdown and TypeScript), the old
 * version **states the pin** where it is written as a literal value — in backticks
 * (`` `0.169.0` ``), in double quotes (`// "0.169.0"`, `` `"0.169.0"` ``), as an install
 * spec (`@openai/codex@0.169.0`), or in the name of the package's tarball
 * (`codex-app-server-0.169.0.tgz`: the package's version is the pin). A bare version in prose ("app-server 0.169.0 refuses
 * plain http(s) image URLs") reports what was observed on that version, so it is left
 * alone, and listed so a person can re-check it. `CHANGELOG.md` is history and is never
 * touched.
 *
 * @module
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listFiles, repoRelative } from "./files.ts";

/** One line the rewrite changed, or one mention it left. */
export interface DocLine {
  /** The file, relative to the repository root. */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** The line before. */
  readonly before: string;
  /** The line after (the same as `before` for a mention left alone). */
  readonly after: string;
}

/** What {@link rewriteDocs} did. */
export interface DocsRewrite {
  /** Lines that stated the pin, now stating the new one. */
  readonly changed: DocLine[];
  /** Lines that still name the old version in prose (observations), left alone. */
  readonly left: DocLine[];
  /** Files written. */
  readonly files: string[];
}

/** The files whose statements of the pin are kept in step, relative to the root. */
export function docFiles(root: string): string[] {
  const files = ["README.md"].filter((file) => existsSync(join(root, file)));
  for (const [dir, pattern] of [["docs", /^[^/]+\.md$/], ["examples", /\.(?:md|ts)$/]] as const) {
    for (const file of listFiles(join(root, dir))) {
      if (pattern.test(file)) files.push(`${dir}/${file}`);
    }
  }
  return files;
}

/** A regular expression matching `text` literally. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The patterns of a version stated as the pin: `` `V` ``, `"V"`, `@openai/codex@V`,
 * `codex-app-server-V.tgz`.
 *
 * @param version The version.
 * @returns A global regular expression.
 */
export function pinPattern(version: string): RegExp {
  const v = escape(version);
  return new RegExp(
    `\`${v}\`|"${v}"|@openai/codex@${v}(?![\\w.+-])|codex-app-server-${v}\\.tgz`,
    "g",
  );
}

/** A mention of the version in prose: not part of a longer version or a name. */
function barePattern(version: string): RegExp {
  return new RegExp(`(?<![\\w.@])${escape(version)}(?!\\.?\\d|-\\w)`);
}

/**
 * Rewrites one text: each statement of `from` becomes `to`.
 *
 * @param text The file's content.
 * @param from The old version.
 * @param to The new version.
 * @returns The new text, and the changed and left lines (numbers are 1-based).
 *
 * @example
 * ```ts ignore
 * rewriteText('say `0.169.0`; app-server 0.169.0 refuses', "0.169.0", "0.171.0").text;
 * // 'say `0.171.0`; app-server 0.169.0 refuses'
 * ```
 */
export function rewriteText(
  text: string,
  from: string,
  to: string,
): { text: string; changed: Omit<DocLine, "file">[]; left: Omit<DocLine, "file">[] } {
  const pattern = pinPattern(from);
  const bare = barePattern(from);
  const changed: Omit<DocLine, "file">[] = [];
  const left: Omit<DocLine, "file">[] = [];
  const lines = text.split("\n").map((before, index) => {
    const after = before.replace(pattern, (match) => match.replace(from, to));
    if (after !== before) changed.push({ line: index + 1, before, after });
    if (bare.test(after)) left.push({ line: index + 1, before: after, after });
    return after;
  });
  return { text: lines.join("\n"), changed, left };
}

/**
 * Rewrites every doc file under `root` (see the module doc for the rule).
 *
 * @param root The repository root.
 * @param from The old version.
 * @param to The new version.
 * @returns What changed, what was left, and the files written.
 */
export function rewriteDocs(root: string, from: string, to: string): DocsRewrite {
  const changed: DocLine[] = [];
  const left: DocLine[] = [];
  const files: string[] = [];
  for (const file of docFiles(root)) {
    const path = join(root, file);
    const text = readFileSync(path, "utf8");
    const result = rewriteText(text, from, to);
    changed.push(...result.changed.map((line) => ({ file, ...line })));
    left.push(...result.left.map((line) => ({ file, ...line })));
    if (result.text !== text) {
      writeFileSync(path, result.text);
      files.push(repoRelative(path));
    }
  }
  return { changed, left, files };
}
