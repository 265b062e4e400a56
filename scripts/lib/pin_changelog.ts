/**
 * The `CHANGELOG.md` entry of a pin bump: its text, and putting it under `## Unreleased`.
 *
 * @module
 */

import type { DocsRewrite } from "./pin_docs.ts";
import { diffItems, type ProtocolDiff } from "./pin_diff.ts";

/** The heading of a bump's entry (the key a re-run of the same bump replaces). */
export function entryHeading(from: string, to: string): string {
  return `### Pinned to @openai/codex ${to} (was ${from})`;
}

/**
 * Wraps one Markdown list item at `width` columns, continuing under its text.
 *
 * @param item A line starting with `- ` or `  - `.
 * @param width The column limit.
 * @returns The wrapped lines.
 */
export function wrapItem(item: string, width = 100): string[] {
  const indent = " ".repeat(item.length - item.trimStart().length + 2);
  const words = item.trimStart().split(" ");
  const lines: string[] = [];
  let line = item.slice(0, item.length - item.trimStart().length);
  for (const word of words) {
    const candidate = line.trim() === "" ? `${line}${word}` : `${line} ${word}`;
    if (candidate.length > width && line.trim() !== "") {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = candidate;
    }
  }
  lines.push(line);
  return lines;
}

/** Wraps a paragraph at `width` columns. */
function wrapParagraph(text: string, width = 100): string[] {
  return wrapItem(`- ${text}`, width + 2).map((line) => line.slice(2));
}

/**
 * The entry: what the tool changed, then the protocol diff.
 *
 * @param diff The protocol diff.
 * @param docs What the docs rewrite did.
 * @returns Markdown, ending in a blank line.
 */
export function changelogEntry(diff: ProtocolDiff, docs: DocsRewrite): string {
  const docFiles = [...new Set(docs.changed.map((line) => line.file))];
  const intro = `Written by \`deno task pin ${diff.to}\`: the exact \`@openai/codex\` pin in ` +
    "`package.json` and `package-lock.json`, `version` in `deno.json`, `generated/` and " +
    "`scripts/generate/method_history.json` (the version that introduced each new method), " +
    `and the statements of the pinned version in ` +
    `${docFiles.length === 0 ? "no doc" : docFiles.map((f) => `\`${f}\``).join(", ")}. ` +
    "What changed in the protocol (the `--experimental` JSON Schema, which includes the " +
    "stable one):";
  const lines = [entryHeading(diff.from, diff.to), "", ...wrapParagraph(intro), ""];
  for (const item of diffItems(diff)) lines.push(...wrapItem(item));
  return `${lines.join("\n")}\n\n`;
}

/**
 * Puts an entry first under `## Unreleased` (adding that section before the first release
 * section when there is none), replacing an earlier entry with the same heading.
 *
 * @param changelog The file's text.
 * @param entry The entry, starting with its `### ` heading.
 * @returns The new text.
 */
export function insertEntry(changelog: string, entry: string): string {
  const heading = entry.slice(0, entry.indexOf("\n"));
  let text = changelog;
  const existing = text.indexOf(`${heading}\n`);
  if (existing !== -1) {
    const rest = text.slice(existing + heading.length);
    const next = rest.search(/^#{2,3} /m);
    text = text.slice(0, existing) +
      (next === -1 ? "" : rest.slice(next));
  }
  const unreleased = /^## Unreleased[^\n]*\n/m.exec(text);
  if (unreleased === null) {
    const firstSection = text.search(/^## /m);
    const at = firstSection === -1 ? text.length : firstSection;
    const before = text.slice(0, at).replace(/\n*$/, "\n\n");
    return `${before}## Unreleased\n\n${entry}${text.slice(at)}`.replace(/\n+$/, "\n");
  }
  const at = unreleased.index + unreleased[0].length;
  const after = text.slice(at).replace(/^\n+/, "");
  return `${text.slice(0, at)}\n${entry}${after}`.replace(/\n+$/, "\n");
}
