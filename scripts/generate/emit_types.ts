/**
 * Emits `types.ts`, one TypeScript type per definition, and `definitions.ts`, the
 * `Definitions` interface that maps every name to its type.
 *
 * Every type, member and union variant gets JSDoc: the schema's description when it has
 * one, otherwise a short one derived from what the schema knows (where the member sits,
 * optional, nullable, integer format, allowed values; what a definition is the params or
 * result of, or which definitions use it), so `deno doc --lint` finds nothing undocumented.
 *
 * @module
 */

import { EXPERIMENTAL_TAG, fileHeader, jsdoc, listText, propertyKey } from "./emit.ts";
import { compare } from "./json_schema.ts";
import type { Definition, Member, Node, Prop } from "./model.ts";

/** Names the generated modules use for themselves; a definition may not take them. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(["Definitions", "Schemas"]);

/** Picklist values listed in a generated doc before it is cut short. */
const MAX_LISTED_VALUES = 12;

/** Definitions named in a generated "Used by" sentence before it is cut short. */
const MAX_LISTED_USERS = 3;

/**
 * Emits `types.ts`.
 *
 * @param definitions The model, sorted by name.
 * @param version Codex version, for the header.
 * @param roles Doc sentences saying which methods a definition is the params or result of
 * (`methodRoles` in `registry.ts`), used when the schema does not describe it.
 * @returns The source (unformatted).
 * @throws {Error} A definition is named like one of {@link RESERVED_NAMES}.
 */
export function emitTypes(
  definitions: Definition[],
  version: string,
  roles: ReadonlyMap<string, string[]>,
): string {
  let out = fileHeader(
    version,
    "TypeScript types of every definition in the Codex app-server JSON Schema (the\n" +
      "`--experimental` superset), as on the wire. Members and types tagged `@experimental`\n" +
      "exist only when the connection was initialized with `capabilities.experimentalApi: true`.\n" +
      "Type-only: importing it loads nothing at run time.",
  );
  const users = referrers(definitions);
  for (const definition of definitions) {
    if (RESERVED_NAMES.has(definition.name)) {
      throw new Error(`Cannot emit types: a definition is named "${definition.name}"`);
    }
    out += describe(
      definition.doc,
      () => definitionSummary(definition, roles.get(definition.name), users.get(definition.name)),
      definition.experimental,
    );
    const owner = link(definition.name);
    out += definition.node.kind === "object" && definition.node.props.length > 0
      ? `export interface ${definition.name} ${objectType(definition.node.props, owner)}\n\n`
      : `export type ${definition.name} = ${tsType(definition.node, owner)};\n\n`;
  }
  return out;
}

/**
 * Emits `definitions.ts`: the `Definitions` interface, every definition's type by its name
 * (the index of `schemas`). It is not in `types.ts` because the package's root module
 * re-exports every type of `types.ts` next to its own `ServerNotification` and
 * `ServerRequest`, which would hide the protocol types of those names that `Definitions`
 * refers to.
 *
 * @param definitions The model, sorted by name.
 * @param version Codex version, for the header.
 * @returns The source (unformatted).
 */
export function emitDefinitions(definitions: Definition[], version: string): string {
  let out = fileHeader(
    version,
    "The index of every definition's type by its name, which `schemas` (`schemas.ts`)\n" +
      "follows. Type-only: importing it loads nothing at run time.",
  );
  out += `import type * as T from "./types.ts";\n\n`;
  out += jsdoc(
    "Every definition's type by its name: the index of `schemas` (in `schemas.ts`).",
  );
  out += `export interface Definitions {\n`;
  for (const { name, experimental } of definitions) {
    out += jsdoc(`The type {@link T.${name}}.`, experimental ? EXPERIMENTAL_TAG : undefined);
    out += `${name}: T.${name};\n`;
  }
  return out + "}\n";
}

/**
 * Whether a doc text has a description and not only tags: `deno doc` counts a comment
 * that is only `@default false` as missing.
 */
function hasDescription(doc: string | undefined): doc is string {
  return doc !== undefined && !doc.startsWith("@");
}

/**
 * The JSDoc of a type, member or variant: its own description, or the generated summary
 * followed by its tags; then the experimental tag.
 *
 * @param doc The schema's doc text, if any.
 * @param summary Builds the generated description (only called when needed).
 * @param experimental Whether to add {@link EXPERIMENTAL_TAG}.
 * @returns The comment.
 */
function describe(doc: string | undefined, summary: () => string, experimental: boolean): string {
  const own = hasDescription(doc) ? [doc] : [summary(), doc];
  return jsdoc(...own, experimental ? EXPERIMENTAL_TAG : undefined);
}

/** A `{@linkcode}` to a definition. */
function link(name: string): string {
  return `{@linkcode ${name}}`;
}

/** Inline code, with a longer fence when the text holds a backtick. */
function code(text: string): string {
  return text.includes("`") ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** Which definitions refer to each definition (not counting itself), by name. */
function referrers(definitions: Definition[]): Map<string, string[]> {
  const users = new Map<string, Set<string>>();
  for (const definition of definitions) {
    for (const name of refsOf(definition.node)) {
      if (name === definition.name) continue;
      const set = users.get(name) ?? new Set<string>();
      users.set(name, set);
      set.add(definition.name);
    }
  }
  return new Map([...users].map(([name, set]) => [name, [...set].sort(compare)]));
}

/** The definition names a node refers to. */
function refsOf(node: Node, into: Set<string> = new Set()): Set<string> {
  switch (node.kind) {
    case "ref":
      into.add(node.name);
      break;
    case "array":
      refsOf(node.items, into);
      break;
    case "record":
      refsOf(node.values, into);
      break;
    case "nullable":
      refsOf(node.inner, into);
      break;
    case "object":
      for (const prop of node.props) refsOf(prop.node, into);
      break;
    case "union":
      for (const option of node.options) refsOf(option.value, into);
      break;
    case "intersect":
      for (const part of node.parts) refsOf(part, into);
      break;
  }
  return into;
}

/**
 * The generated description of a definition: what methods it serves, or else which
 * definitions use it; plus what its schema says when it is not an object.
 */
function definitionSummary(
  definition: Definition,
  roles: string[] | undefined,
  users: string[] | undefined,
): string {
  const parts: string[] = [];
  if (roles !== undefined) parts.push(...roles);
  else if (users !== undefined) parts.push(`Used by ${usersText(users)}.`);
  if (definition.node.kind === "ref") parts.push(`The same as ${link(definition.node.name)}.`);
  parts.push(...facts(definition.node));
  if (parts.length === 0) parts.push(`The \`${definition.name}\` type of the app-server protocol.`);
  return parts.join(" ");
}

/** `{@linkcode A}, {@linkcode B} and 4 more`. */
function usersText(users: string[]): string {
  if (users.length <= MAX_LISTED_USERS) return listText(users.map(link));
  const rest = users.length - MAX_LISTED_USERS;
  return `${users.slice(0, MAX_LISTED_USERS).map(link).join(", ")} and ${rest} more`;
}

/** `` One of `a`, `b`. ``, cut short after {@link MAX_LISTED_VALUES} values. */
function valuesText(values: (string | number | boolean)[]): string {
  const shown = values.slice(0, MAX_LISTED_VALUES).map((value) =>
    code(typeof value === "string" ? value : JSON.stringify(value))
  );
  return values.length > MAX_LISTED_VALUES
    ? `One of ${shown.join(", ")}, … (${values.length} values).`
    : `One of ${shown.join(", ")}.`;
}

/** A sentence's first letter in lower case, to continue another sentence. */
function continued(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * What a schema node says beyond its TypeScript type, as short sentences: nullable,
 * integer format and bounds, minimum length, allowed values, discriminator.
 *
 * @param node The node.
 * @returns The sentences; empty when the type says it all.
 */
function facts(node: Node): string[] {
  switch (node.kind) {
    case "nullable":
      return ["Nullable.", ...facts(node.inner)];
    case "number": {
      const format = node.format === undefined ? "" : ` (${node.format})`;
      const min = node.minimum === undefined || (node.integer && node.minimum === 0)
        ? ""
        : `, at least ${node.minimum}`;
      if (node.integer) {
        return [`${node.minimum === 0 ? "Non-negative integer" : "Integer"}${format}${min}.`];
      }
      return format === "" && min === "" ? [] : [`Number${format}${min}.`];
    }
    case "string":
      return node.minLength === undefined
        ? []
        : [`At least ${node.minLength} character${node.minLength === 1 ? "" : "s"}.`];
    case "literal":
      return [`Always ${code(JSON.stringify(node.value))}.`];
    case "picklist":
      return [valuesText(node.values.map((m) => m.value))];
    case "unknown":
      return ["Any JSON value."];
    case "array": {
      const items = facts(node.items);
      return items.length === 0 ? [] : [`Each item: ${continued(items.join(" "))}`];
    }
    case "record": {
      const values = facts(node.values);
      return values.length === 0 ? [] : [`Each value: ${continued(values.join(" "))}`];
    }
    case "union": {
      if (node.discriminator === undefined) return [];
      const tags = node.options.map((o) => discriminatorValue(o.value, node.discriminator!));
      const known = tags.filter((tag): tag is string | number | boolean => tag !== undefined);
      return [`Tagged by ${code(node.discriminator)}: ${continued(valuesText(known))}`];
    }
    default:
      return [];
  }
}

/** The literal a variant fixes its discriminator to. */
function discriminatorValue(node: Node, key: string): string | number | boolean | undefined {
  if (node.kind !== "object") return undefined;
  const prop = node.props.find((p) => p.name === key);
  if (prop === undefined) return undefined;
  if (prop.node.kind === "literal") return prop.node.value;
  if (prop.node.kind === "picklist" && prop.node.values.length === 1) {
    return prop.node.values[0].value;
  }
  return undefined;
}

/**
 * A TypeScript type expression for a node.
 *
 * @param node The node.
 * @param owner What inline members and variants belong to, for their generated docs
 * (`{@linkcode ThreadItem}`, `` `decision` of {@linkcode X} ``).
 * @returns The type.
 */
function tsType(node: Node, owner: string): string {
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
      return members(
        node.values.map((m) => ({
          ...m,
          text: JSON.stringify(m.value),
          summary: () => `Value ${code(m.value)} of ${owner}.`,
        })),
        false,
      );
    case "array": {
      const item = tsType(node.items, owner);
      return isSimple(node.items) ? `${item}[]` : `Array<${item}>`;
    }
    case "record":
      return `{ [key: string]: ${tsType(node.values, owner)} }`;
    case "object":
      return node.props.length === 0 ? "{ [key: string]: unknown }" : objectType(node.props, owner);
    case "union":
      return members(
        node.options.map((m, i) => variant(m, i, node.discriminator, owner)),
        node.options.some((m) => m.value.kind === "object"),
      );
    case "nullable":
      return `${tsType(node.inner, owner)} | null`;
    case "intersect":
      return node.parts.map((part) => parenthesize(part, owner)).join(" & ");
  }
}

/** A union option as a member line: its type, and the doc it gets when it has none. */
function variant(
  member: Member<Node>,
  index: number,
  discriminator: string | undefined,
  owner: string,
): UnionItem {
  const value = member.value;
  if (value.kind !== "object") {
    return {
      ...member,
      text: parenthesize(value, owner),
      summary: () => `A form of ${owner}: ${formText(value)}.`,
    };
  }
  const tag = discriminator === undefined ? undefined : discriminatorValue(value, discriminator);
  const label = tag === undefined
    ? `variant ${index + 1}`
    : code(`${discriminator}: ${JSON.stringify(tag)}`);
  return {
    ...member,
    text: parenthesize(value, `${owner} (${label})`),
    summary: () => `Variant ${tag === undefined ? index + 1 : label} of ${owner}.`,
  };
}

/** A non-object union option in words: `{@linkcode Turn}`, `a string`, `` `a` or `b` ``. */
function formText(node: Node): string {
  switch (node.kind) {
    case "ref":
      return link(node.name);
    case "literal":
      return code(JSON.stringify(node.value));
    case "picklist": {
      const values = node.values.map((m) => code(m.value));
      return values.length > MAX_LISTED_VALUES
        ? `${values.slice(0, MAX_LISTED_VALUES).join(", ")}, … (${values.length} values)`
        : listText(values).replace(/ and (?=[^ ]+$)/, " or ");
    }
    case "number":
      return node.integer ? "an integer" : "a number";
    case "nullable":
      return `${formText(node.inner)}, or \`null\``;
    case "null":
      return "`null`";
    case "unknown":
      return "any value";
    case "string":
    case "boolean":
      return `a ${node.kind}`;
    case "array":
      return "an array";
    case "record":
      return "a map";
    case "object":
      return "an object";
    case "union":
      return "a union";
    case "intersect":
      return "an intersection";
    case "never":
      return "nothing";
  }
}

/** One member of a union or picklist as emitted. */
interface UnionItem {
  /** Its type text. */
  text: string;
  /** Its description from the schema, if any. */
  doc?: string;
  /** Only present in the experimental schema. */
  experimental: boolean;
  /** The generated description, for when it has none. */
  summary: () => string;
}

/** Whether `T[]` needs no parentheses around `T`. */
function isSimple(node: Node): boolean {
  return ["ref", "unknown", "never", "null", "string", "number", "boolean", "literal"].includes(
    node.kind,
  );
}

/** A type in parentheses when it is a union or nullable. */
function parenthesize(node: Node, owner: string): string {
  const text = tsType(node, owner);
  const compound = node.kind === "union" || node.kind === "nullable" ||
    (node.kind === "picklist" && node.values.length > 1);
  return compound ? `(${text})` : text;
}

/**
 * Union members: one per line, each documented, when any has a doc, is experimental, or
 * `variants` is set (unions of objects); otherwise on one line.
 */
function members(items: UnionItem[], variants: boolean): string {
  const documented = variants || items.some((item) => item.doc !== undefined || item.experimental);
  if (!documented) return items.map((item) => item.text).join(" | ");
  return "\n" +
    items.map((item) => `| ${describe(item.doc, item.summary, item.experimental)}${item.text}`)
      .join("\n");
}

/** An object type literal with one documented line per member. */
function objectType(props: Prop[], owner: string): string {
  const lines = props.map((prop) => {
    const optional = prop.required ? "" : "?";
    const doc = describe(prop.doc, () => propSummary(prop, owner), prop.experimental);
    return `${doc}${propertyKey(prop.name)}${optional}: ${
      tsType(prop.node, `${code(prop.name)} of ${owner}`)
    };`;
  });
  return `{\n${lines.join("\n")}\n}`;
}

/** `` `threadId` of {@linkcode TurnStartParams}. Optional. Integer (int64). `` */
function propSummary(prop: Prop, owner: string): string {
  return [`${code(prop.name)} of ${owner}.`, ...(prop.required ? [] : ["Optional."])]
    .concat(facts(prop.node))
    .join(" ");
}
