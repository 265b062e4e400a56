/**
 * How the sources' import specifiers are written for npm and Node: `npm:` and import-map
 * specifiers become bare package names, `.ts` specifiers in emitted declarations become
 * `.js`; the rewriting works line by line on code outside comments.
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { listFiles } from "./files.ts";
import type { GraphDependency, GraphModule } from "./module_graph.ts";

/** A module specifier in an import or export (static, dynamic, type-level), per line. */
const IMPORT_SPECIFIER =
  /(\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+|\bexport\s*\*\s*from\s*)(["'])([^"'\n]+)\2/g;

/** An import/export specifier of a relative `.ts` module, outside comments (per line). */
const TS_SPECIFIER =
  /(\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+|\brequire\s*\(\s*)(["'])(\.{1,2}\/[^"'\n]*?)\.(m?)ts(x?)\2/g;

/** Lines of code (not comment lines) of a file, with a callback to replace each. */
function mapCodeLines(text: string, map: (line: string) => string): string {
  let inBlock = false;
  return text.split("\n").map((line) => {
    const trimmed = line.trimStart();
    if (inBlock) {
      if (trimmed.includes("*/")) inBlock = false;
      return line;
    }
    if (trimmed.startsWith("/*")) {
      inBlock = !trimmed.includes("*/", 2);
      return line;
    }
    if (trimmed.startsWith("//") || trimmed.startsWith("*")) return line;
    return map(line);
  }).join("\n");
}

/**
 * Replaces the specifiers `module` imports with what `rewrite` returns for them
 * (`undefined` keeps one), wherever they are written in an import or export outside a
 * comment (`deno info` lists each specifier once, with one position).
 *
 * @throws {Error} A dependency did not resolve, or a specifier to replace is not found.
 */
export function rewriteSpecifiers(
  text: string,
  module: GraphModule,
  rewrite: (dep: GraphDependency) => string | undefined,
): string {
  const replacements = new Map<string, string>();
  for (const dep of module.dependencies) {
    if (dep.error !== undefined) {
      throw new Error(`Cannot resolve "${dep.specifier}" in ${module.path}: ${dep.error}`);
    }
    if (replacements.has(dep.specifier)) continue;
    const replacement = rewrite(dep);
    if (replacement !== undefined && replacement !== dep.specifier) {
      replacements.set(dep.specifier, replacement);
    }
  }
  if (replacements.size === 0) return text;
  const found = new Set<string>();
  const rewritten = mapCodeLines(
    text,
    (line) =>
      line.replace(IMPORT_SPECIFIER, (match, lead: string, quote: string, specifier: string) => {
        const replacement = replacements.get(specifier);
        if (replacement === undefined) return match;
        found.add(specifier);
        return `${lead}${quote}${replacement}${quote}`;
      }),
  );
  for (const specifier of replacements.keys()) {
    if (!found.has(specifier)) {
      throw new Error(`Cannot find the import of "${specifier}" in ${module.path} to rewrite it`);
    }
  }
  return rewritten;
}

/** The npm package name in a path below some `node_modules/`. */
export function packageOfPath(path: string): string | undefined {
  const normalized = path.split(sep).join("/");
  const at = normalized.lastIndexOf("/node_modules/");
  if (at < 0) return undefined;
  const match = /^((?:@[^/]+\/)?[^/]+)/.exec(normalized.slice(at + "/node_modules/".length));
  return match?.[1];
}

/** `npm:pkg@1.2.3/sub` → `pkg/sub` (and `npm:/pkg@…` the same). */
export function bareFromNpmSpecifier(specifier: string): string {
  const body = specifier.replace(/^npm:\/?/, "");
  const match = /^((?:@[^/]+\/)?[^@/]+)(?:@[^/]*)?(\/.*)?$/.exec(body);
  if (match === null) throw new Error(`Cannot map npm specifier "${specifier}"`);
  return match[1] + (match[2] ?? "");
}

/** The package a bare specifier names: `pkg/sub` → `pkg`, `@scope/pkg/sub` → `@scope/pkg`. */
export function packageOfSpecifier(bare: string): string {
  const parts = bare.split("/");
  return bare.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/**
 * What a non-relative specifier means for npm: the import map target when `deno.json` maps
 * it, else the specifier itself.
 */
function effectiveSpecifier(specifier: string, importMap: Record<string, string>): string {
  if (importMap[specifier] !== undefined) return importMap[specifier];
  for (const [key, value] of Object.entries(importMap)) {
    if (key.endsWith("/") && specifier.startsWith(key)) return value + specifier.slice(key.length);
  }
  return specifier;
}

/**
 * How a staged module's dependency is written for Node: `node:` as is, an npm package by
 * its bare name (added to `usedPackages`), a local module as `localTarget` says
 * (`undefined` keeps the specifier as written).
 *
 * @throws {Error} The dependency cannot be shipped (a remote URL, a package under another
 * name).
 */
export function npmSpecifier(
  dep: GraphDependency,
  importer: string,
  importMap: Record<string, string>,
  usedPackages: Set<string>,
  localTarget: (path: string) => string | undefined,
): string | undefined {
  const resolved = dep.resolved!;
  if (resolved.startsWith("node:")) return resolved;
  if (resolved.startsWith("npm:")) {
    const bare = bareFromNpmSpecifier(resolved);
    usedPackages.add(packageOfSpecifier(bare));
    return bare;
  }
  if (!resolved.startsWith("file:")) {
    throw new Error(
      `Cannot build for npm: "${dep.specifier}" in ${importer} resolves to ${resolved}; only ` +
        `relative, node: and npm imports can be shipped`,
    );
  }
  const path = fileURLToPath(resolved);
  const typesPackage = packageOfPath(path);
  if (typesPackage !== undefined) {
    // Types of an untyped package come from DefinitelyTyped: `ws` → `@types/ws`.
    const pkg = typesPackage.startsWith("@types/")
      ? typesPackage.slice("@types/".length).replace(/^(.+)__(.+)$/, "@$1/$2")
      : typesPackage;
    const effective = effectiveSpecifier(dep.specifier, importMap);
    const bare = effective.startsWith("npm:") ? bareFromNpmSpecifier(effective) : effective;
    if (packageOfSpecifier(bare) !== pkg) {
      throw new Error(
        `Cannot build for npm: "${dep.specifier}" in ${importer} resolves into package ` +
          `"${pkg}" under another name`,
      );
    }
    usedPackages.add(pkg);
    return bare;
  }
  return localTarget(path);
}

/** A specifier written relative to its importer (`./…`, `../…`). */
export function isRelative(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../");
}

/** `path` relative to `from`, with `/` separators and a leading `./` or `../`. */
export function relativeSpecifier(from: string, to: string): string {
  const rel = relative(from, to).split(sep).join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/**
 * tsc keeps `.ts` specifiers in declaration files; point them at the emitted `.js` (the
 * same length, so the declaration maps stay right).
 *
 * @param esm The output directory whose `.d.ts` files are rewritten in place.
 */
export function rewriteDeclarationSpecifiers(esm: string): void {
  for (const rel of listFiles(esm)) {
    if (!rel.endsWith(".d.ts")) continue;
    const path = join(esm, rel);
    const text = readFileSync(path, "utf8");
    const rewritten = mapCodeLines(
      text,
      (line) =>
        line.replace(
          TS_SPECIFIER,
          (_m, lead, q, base, m, x) => `${lead}${q}${base}.${m}js${x}${q}`,
        ),
    );
    if (rewritten !== text) writeFileSync(path, rewritten);
  }
}

/** The relative `.ts` specifiers `text` still imports outside comments (`./a.ts`, …). */
export function tsSpecifiers(text: string): string[] {
  const found: string[] = [];
  mapCodeLines(text, (line) => {
    for (const match of line.matchAll(TS_SPECIFIER)) {
      found.push(`${match[3]}.${match[4]}ts${match[5]}`);
    }
    return line;
  });
  return found;
}
