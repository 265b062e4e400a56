/**
 * Emits `types.ts`: one TypeScript type per definition, with the schema's descriptions as
 * JSDoc, plus the `Definitions` interface that maps every name to its type.
 *
 * @module
 */

import { EXPERIMENTAL_TAG, fileHeader, jsdoc, propertyKey } from "./emit.ts";
import type { Definition, Node, Prop } from "./model.ts";

/** Names the generated modules use for themselves; a definition may not take them. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(["Definitions", "Schemas"]);

/**
 * Emits `types.ts`.
 *
 * @param definitions The model, sorted by name.
 * @param version Codex version, for the header.
 * @returns The source (unformatted).
 * @throws {Error} A definition is named like one of {@link RESERVED_NAMES}.
 */
export function emitTypes(definitions: Definition[], version: string): string {
  let out = fileHeader(
    version,
    "TypeScript types of every definition in the Codex app-server JSON Schema (the\n" +
      "`--experimental` superset), as on the wire. Members and types tagged `@experimental`\n" +
      "exist only when the connection was initialized with `capabilities.experimentalApi: true`.\n" +
      "Type-only: importing it loads nothing at run time.",
  );
  for (const definition of definitions) {
    if (RESERVED_NAMES.has(definition.name)) {
      throw new Error(`Cannot emit types: a definition is named "${definition.name}"`);
    }
    out += jsdoc(definition.doc, definition.experimental ? EXPERIMENTAL_TAG : undefined);
    out += definition.node.kind === "object" && definition.node.props.length > 0
      ? `export interface ${definition.name} ${objectType(definition.node.props)}\n\n`
      : `export type ${definition.name} = ${tsType(definition.node)};\n\n`;
  }
  out += jsdoc(
    "Every definition's type by its name: the index of `schemas` (in `schemas.ts`).",
  );
  out += `export interface Definitions {\n`;
  for (const { name, experimental } of definitions) {
    out += jsdoc(`{@link ${name}}`, experimental ? EXPERIMENTAL_TAG : undefined);
    out += `${name}: ${name};\n`;
  }
  return out + "}\n";
}

/** A TypeScript type expression for a node. */
function tsType(node: Node): string {
  switch (node.kind) {
    case "ref":
      return node.name;
    case "unknown":
      return "unknown";
    case "never":
      return "never";
    case "null":
      return "null";
    case "string":
      return "string";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "literal":
      return JSON.stringify(node.value);
    case "picklist":
      return members(node.values.map((m) => ({ ...m, text: JSON.stringify(m.value) })));
    case "array": {
      const item = tsType(node.items);
      return isSimple(node.items) ? `${item}[]` : `Array<${item}>`;
    }
    case "record":
      return `{ [key: string]: ${tsType(node.values)} }`;
    case "object":
      return node.props.length === 0 ? "{ [key: string]: unknown }" : objectType(node.props);
    case "union":
      return members(node.options.map((m) => ({ ...m, text: parenthesize(m.value) })));
    case "nullable":
      return `${tsType(node.inner)} | null`;
    case "intersect":
      return node.parts.map(parenthesize).join(" & ");
  }
}

/** Whether `T[]` needs no parentheses around `T`. */
function isSimple(node: Node): boolean {
  return ["ref", "unknown", "never", "null", "string", "number", "boolean", "literal"].includes(
    node.kind,
  );
}

/** A type in parentheses when it is a union or nullable. */
function parenthesize(node: Node): string {
  const text = tsType(node);
  const compound = node.kind === "union" || node.kind === "nullable" ||
    (node.kind === "picklist" && node.values.length > 1);
  return compound ? `(${text})` : text;
}

/** Union members, one per line with their docs when any has one. */
function members(items: { text: string; doc?: string; experimental: boolean }[]): string {
  const documented = items.some((item) => item.doc !== undefined || item.experimental);
  if (!documented) return items.map((item) => item.text).join(" | ");
  return "\n" +
    items.map((item) =>
      `| ${jsdoc(item.doc, item.experimental ? EXPERIMENTAL_TAG : undefined)}${item.text}`
    ).join("\n");
}

/** An object type literal with one documented line per member. */
function objectType(props: Prop[]): string {
  const lines = props.map((prop) => {
    const optional = prop.required ? "" : "?";
    const doc = jsdoc(prop.doc, prop.experimental ? EXPERIMENTAL_TAG : undefined);
    return `${doc}${propertyKey(prop.name)}${optional}: ${tsType(prop.node)};`;
  });
  return `{\n${lines.join("\n")}\n}`;
}
