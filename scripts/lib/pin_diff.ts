/**
 * The protocol diff between two Codex versions, from their JSON Schema bundles: methods
 * added and removed (client requests and notifications, server notifications and
 * requests), methods that became stable or experimental-only, and definitions added,
 * removed and changed (with what changed in each: members, variants, values, or only
 * descriptions).
 *
 * @module
 */

import {
  compare,
  type JsonSchema,
  type JsonSchemaObject,
  stableJson,
} from "../generate/json_schema.ts";
import { type MethodChanges, methodChanges, type MethodLists } from "../generate/history.ts";
import { methodsOf } from "../generate/registry.ts";

/** One version's schema: both flavours, flattened (see `readDefinitions`). */
export interface SchemaBundle {
  /** `generate-json-schema` (the stable surface). */
  readonly stable: Map<string, JsonSchemaObject>;
  /** `generate-json-schema --experimental` (the superset). */
  readonly experimental: Map<string, JsonSchemaObject>;
}

/** A definition present in both versions but different. */
export interface ChangedDefinition {
  /** Its name. */
  readonly name: string;
  /** What changed, as short items (`+member`, `-Variant`, `~member`, "descriptions only"). */
  readonly details: string[];
}

/** What changed between two versions. */
export interface ProtocolDiff {
  /** The old version. */
  readonly from: string;
  /** The new version. */
  readonly to: string;
  /** Methods added and removed, by kind (experimental schema). */
  readonly methods: MethodChanges;
  /** Methods of both versions that moved into the stable schema. */
  readonly nowStable: string[];
  /** Methods of both versions that moved out of the stable schema. */
  readonly nowExperimental: string[];
  /** Definitions only the new version has. */
  readonly definitionsAdded: string[];
  /** Definitions only the old version has. */
  readonly definitionsRemoved: string[];
  /** Definitions both have, with different schemas. */
  readonly definitionsChanged: ChangedDefinition[];
}

/** The root unions, by method kind. */
const ROOTS = {
  clientRequests: "ClientRequest",
  clientNotifications: "ClientNotification",
  serverNotifications: "ServerNotification",
  serverRequests: "ServerRequest",
} as const;

/**
 * The method lists of one flavour of a schema.
 *
 * @param definitions Flattened definitions.
 * @returns Method names by kind.
 */
export function schemaMethods(definitions: Map<string, JsonSchemaObject>): MethodLists {
  return {
    clientRequests: methodsOf(definitions, ROOTS.clientRequests),
    clientNotifications: methodsOf(definitions, ROOTS.clientNotifications),
    serverNotifications: methodsOf(definitions, ROOTS.serverNotifications),
    serverRequests: methodsOf(definitions, ROOTS.serverRequests),
  };
}

/**
 * Compares two versions' schemas.
 *
 * @param before The old version's schemas.
 * @param after The new version's schemas.
 * @param from The old version.
 * @param to The new version.
 * @returns The diff; every list sorted.
 */
export function protocolDiff(
  before: SchemaBundle,
  after: SchemaBundle,
  from: string,
  to: string,
): ProtocolDiff {
  const [oldAll, newAll] = [schemaMethods(before.experimental), schemaMethods(after.experimental)];
  const [oldStable, newStable] = [schemaMethods(before.stable), schemaMethods(after.stable)];
  const nowStable: string[] = [];
  const nowExperimental: string[] = [];
  for (const kind of Object.keys(ROOTS) as (keyof typeof ROOTS)[]) {
    const both = newAll[kind].filter((m) => oldAll[kind].includes(m));
    for (const method of both) {
      const [was, is] = [oldStable[kind].includes(method), newStable[kind].includes(method)];
      if (!was && is) nowStable.push(method);
      if (was && !is) nowExperimental.push(method);
    }
  }
  const [oldDefs, newDefs] = [before.experimental, after.experimental];
  const changed: ChangedDefinition[] = [];
  for (const [name, schema] of newDefs) {
    const previous = oldDefs.get(name);
    if (previous === undefined) continue;
    const details = definitionChanges(previous, schema);
    if (details.length > 0) changed.push({ name, details });
  }
  return {
    from,
    to,
    methods: methodChanges(oldAll, newAll),
    nowStable: nowStable.sort(compare),
    nowExperimental: nowExperimental.sort(compare),
    definitionsAdded: [...newDefs.keys()].filter((n) => !oldDefs.has(n)).sort(compare),
    definitionsRemoved: [...oldDefs.keys()].filter((n) => !newDefs.has(n)).sort(compare),
    definitionsChanged: changed.sort((a, b) => compare(a.name, b.name)),
  };
}

/** Canonical text of a schema, without the keys that do not change its meaning. */
function canonical(schema: unknown, withDocs: boolean): string {
  return stableJson(strip(schema, withDocs));
}

/** A copy without `$schema`/`title` (and, unless `withDocs`, descriptions). */
function strip(schema: unknown, withDocs: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((item) => strip(item, withDocs));
  if (schema === null || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$schema" || key === "title") continue;
    if (!withDocs && key === "description") continue;
    // Under `properties`, keys are member names, never keywords: keep them all.
    out[key] = key === "properties" && value !== null && typeof value === "object"
      ? Object.fromEntries(
        Object.entries(value).map(([member, inner]) => [member, strip(inner, withDocs)]),
      )
      : strip(value, withDocs);
  }
  return out;
}

/**
 * What changed in one definition, as short items; empty when nothing did.
 *
 * @param before The old schema.
 * @param after The new schema.
 * @returns Items such as `+member`, `-member`, `~member`, `member now required`,
 * `+Variant`, `+"value"`, or `descriptions only`.
 */
export function definitionChanges(before: JsonSchemaObject, after: JsonSchemaObject): string[] {
  if (canonical(before, true) === canonical(after, true)) return [];
  if (canonical(before, false) === canonical(after, false)) return ["descriptions only"];
  const details: string[] = [];
  const [oldProps, newProps] = [before.properties, after.properties];
  if (oldProps !== undefined && newProps !== undefined) {
    const [oldRequired, newRequired] = [new Set(before.required), new Set(after.required)];
    for (const name of Object.keys(newProps).sort(compare)) {
      if (!(name in oldProps)) {
        details.push(`+\`${name}\`${newRequired.has(name) ? " (required)" : ""}`);
      } else if (canonical(oldProps[name], false) !== canonical(newProps[name], false)) {
        details.push(`~\`${name}\``);
      }
      if (name in oldProps && newRequired.has(name) && !oldRequired.has(name)) {
        details.push(`\`${name}\` now required`);
      }
      if (name in oldProps && !newRequired.has(name) && oldRequired.has(name)) {
        details.push(`\`${name}\` now optional`);
      }
    }
    for (const name of Object.keys(oldProps).sort(compare)) {
      if (!(name in newProps)) details.push(`-\`${name}\``);
    }
  }
  const [oldVariants, newVariants] = [variantsOf(before), variantsOf(after)];
  if (oldVariants !== undefined && newVariants !== undefined) {
    for (const [label, schema] of newVariants) {
      const previous = oldVariants.get(label);
      if (previous === undefined) details.push(`+${label}`);
      else if (canonical(previous, false) !== canonical(schema, false)) details.push(`~${label}`);
    }
    for (const label of oldVariants.keys()) {
      if (!newVariants.has(label)) details.push(`-${label}`);
    }
  }
  if (before.enum !== undefined && after.enum !== undefined) {
    const [oldValues, newValues] = [before.enum.map(stableJson), after.enum.map(stableJson)];
    for (const value of newValues) if (!oldValues.includes(value)) details.push(`+${value}`);
    for (const value of oldValues) if (!newValues.includes(value)) details.push(`-${value}`);
  }
  const [oldShape, newShape] = [shapeOf(before), shapeOf(after)];
  if (oldShape.kind !== newShape.kind) {
    details.push(`was ${oldShape.kind}, now ${newShape.text}`);
  } else if (details.length === 0) {
    const rest = (schema: JsonSchemaObject) => {
      const { properties: _p, required: _r, oneOf: _o, anyOf: _a, enum: _e, ...others } = schema;
      return canonical(others, false);
    };
    details.push(rest(before) === rest(after) ? "member types" : "schema");
  } else {
    const { properties: _p, required: _r, oneOf: _o, anyOf: _a, enum: _e, ...others } = after;
    const { properties: _q, required: _s, oneOf: _t, anyOf: _u, enum: _v, ...previous } = before;
    if (canonical(others, false) !== canonical(previous, false)) details.push("schema");
  }
  return details;
}

/** "a string", "an integer". */
function article(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;
}

/** What kind of schema a definition is ("a union", "an object", …), and how to say it. */
function shapeOf(schema: JsonSchemaObject): { kind: string; text: string } {
  const variants = variantsOf(schema);
  if (variants !== undefined) {
    return { kind: "a union", text: `a union of ${[...variants.keys()].join(", ")}` };
  }
  const kind = schema.properties !== undefined
    ? "an object"
    : schema.enum !== undefined
    ? "an enumeration"
    : article([schema.type ?? "schema"].flat().join(" or "));
  return { kind, text: kind };
}

/** A union's variants by a readable label (method, type tag, `$ref`, title, value). */
function variantsOf(schema: JsonSchemaObject): Map<string, JsonSchema> | undefined {
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants === undefined) return undefined;
  const labelled = new Map<string, JsonSchema>();
  variants.forEach((variant, index) => {
    let label = `variant ${index}`;
    if (typeof variant === "object") {
      const tag = ["method", "type", "mode", "kind"]
        .map((key) => variant.properties?.[key])
        .map((prop) =>
          typeof prop === "object"
            ? prop.const ?? (prop.enum?.length === 1 ? prop.enum[0] : undefined)
            : undefined
        )
        .find((value) => value !== undefined);
      if (tag !== undefined) label = `\`${String(tag)}\``;
      else if (variant.$ref !== undefined) label = `\`${variant.$ref.split("/").pop()}\``;
      else if (variant.enum !== undefined && variant.enum.length > 1) {
        // A string enum among the variants: each value is a variant of its own.
        for (const value of variant.enum) labelled.set(stableJson(value), { const: value });
        return;
      } else if (variant.enum !== undefined) label = stableJson(variant.enum[0]);
      else if (variant.const !== undefined) label = stableJson(variant.const);
      else if (variant.title !== undefined) label = `\`${variant.title}\``;
      else if (typeof variant.type === "string") label = variant.type;
    }
    while (labelled.has(label)) label += "'";
    labelled.set(label, variant);
  });
  return labelled;
}

/** Kind names as the summary writes them. */
const KIND_TITLES = {
  clientRequests: "Client requests",
  clientNotifications: "Client notifications",
  serverNotifications: "Server notifications",
  serverRequests: "Server requests",
} as const;

/** `a`, `b` and `c` in backticks, or "none". */
function codeList(items: readonly string[]): string {
  if (items.length === 0) return "none";
  const quoted = items.map((item) => `\`${item}\``);
  return quoted.length === 1
    ? quoted[0]
    : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

/**
 * The diff as Markdown list items (for the CHANGELOG and the console), one per line before
 * wrapping; kinds with no change are left out.
 *
 * @param diff The diff.
 * @returns The items, each starting with `- ` (changed definitions as nested `  - ` items).
 */
export function diffItems(diff: ProtocolDiff): string[] {
  const items: string[] = [];
  for (const kind of Object.keys(KIND_TITLES) as (keyof typeof KIND_TITLES)[]) {
    const { added, removed } = diff.methods[kind];
    if (added.length === 0 && removed.length === 0) continue;
    const parts = [
      ...(added.length > 0 ? [`added ${codeList(added)}`] : []),
      ...(removed.length > 0 ? [`removed ${codeList(removed)}`] : []),
    ];
    items.push(`- ${KIND_TITLES[kind]}: ${parts.join("; ")}.`);
  }
  if (diff.nowStable.length > 0) {
    items.push(`- Now stable (no longer need \`experimentalApi\`): ${codeList(diff.nowStable)}.`);
  }
  if (diff.nowExperimental.length > 0) {
    items.push(`- Now experimental-only: ${codeList(diff.nowExperimental)}.`);
  }
  const { definitionsAdded: added, definitionsRemoved: removed, definitionsChanged: changed } =
    diff;
  items.push(
    `- Definitions: ${added.length} added${added.length > 0 ? ` (${codeList(added)})` : ""}, ` +
      `${removed.length} removed${removed.length > 0 ? ` (${codeList(removed)})` : ""}, ` +
      `${changed.length} changed${changed.length > 0 ? ":" : "."}`,
  );
  for (const { name, details } of changed) items.push(`  - \`${name}\`: ${details.join(", ")}`);
  return items;
}

/**
 * A one-paragraph count of the diff, for the console.
 *
 * @param diff The diff.
 * @returns E.g. "client requests +5 -0, server notifications +1 -0, … definitions +12 -3 ~50".
 */
export function diffCounts(diff: ProtocolDiff): string {
  const methods = (Object.keys(KIND_TITLES) as (keyof typeof KIND_TITLES)[]).map((kind) =>
    `${KIND_TITLES[kind].toLowerCase()} +${diff.methods[kind].added.length} -${
      diff.methods[kind].removed.length
    }`
  );
  return `${
    methods.join(", ")
  }; definitions +${diff.definitionsAdded.length} -${diff.definitionsRemoved.length} ~${diff.definitionsChanged.length}`;
}
