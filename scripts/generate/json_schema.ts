/**
 * Reading the JSON Schema bundle that `codex app-server generate-json-schema` writes:
 * the subset of draft-07 it uses, and a flat name → definition table.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";

/** A JSON Schema: a boolean schema (`true` accepts anything) or a schema object. */
export type JsonSchema = boolean | JsonSchemaObject;

/** The draft-07 keywords the Codex bundle uses; anything else is rejected by the converter. */
export interface JsonSchemaObject {
  /** `#/definitions/Name` or `#/definitions/v2/Name`. */
  $ref?: string;
  /** Draft marker on top-level definitions; ignored. */
  $schema?: string;
  /** Rust type name; ignored. */
  title?: string;
  /** Documentation, emitted as JSDoc. */
  description?: string;
  /** Serde default; emitted as an `@default` doc tag when not `null`. */
  default?: unknown;
  /** One type name, or several (e.g. `["string", "null"]`). */
  type?: string | string[];
  /** Object members. */
  properties?: Record<string, JsonSchema>;
  /** Names of the members that must be present. */
  required?: string[];
  /** Map values (`type: "object"` without `properties`), or `true`/`false`. */
  additionalProperties?: JsonSchema;
  /** Array element schema. */
  items?: JsonSchema | JsonSchema[];
  /** Allowed values. */
  enum?: unknown[];
  /** The single allowed value. */
  const?: unknown;
  /** Exactly one of. */
  oneOf?: JsonSchema[];
  /** Any of. */
  anyOf?: JsonSchema[];
  /** All of (the bundle uses single-element `allOf` to attach a description to a `$ref`). */
  allOf?: JsonSchema[];
  /** `int64`, `uint32`, `double`, … */
  format?: string;
  /** Inclusive lower bound (unsigned integer formats). */
  minimum?: number;
  /** Minimum string length. */
  minLength?: number;
  /** Bundle-level definitions (and the nested `v2` namespace). */
  definitions?: Record<string, JsonSchema>;
}

/** The bundle's file name inside a `generate-json-schema` output directory. */
export const BUNDLE_FILE = "codex_app_server_protocol.schemas.json";

/**
 * Reads `codex_app_server_protocol.schemas.json` from a `generate-json-schema` output
 * directory and flattens its definitions (top level plus the nested `v2` namespace) into
 * one table. The full bundle is used rather than the `.v2.` one because only it holds
 * `ServerRequest` and the v1 request types that `ClientRequest`/`ServerRequest` reference.
 *
 * @param dir The directory passed to `generate-json-schema --out`.
 * @returns Every definition by its unqualified name, sorted by name.
 * @throws {Error} A name is defined twice with different schemas, or a `$ref` points
 * nowhere.
 */
export function readDefinitions(dir: string): Map<string, JsonSchemaObject> {
  const bundle = JSON.parse(readFileSync(join(dir, BUNDLE_FILE), "utf8")) as JsonSchemaObject;
  const found = new Map<string, JsonSchemaObject>();
  const add = (name: string, schema: JsonSchema) => {
    if (typeof schema === "boolean") {
      throw new Error(`Cannot read definition "${name}": boolean definitions are not supported`);
    }
    const previous = found.get(name);
    if (
      previous !== undefined && stableJson(stripMeta(previous)) !== stableJson(stripMeta(schema))
    ) {
      throw new Error(`Cannot flatten the schema bundle: "${name}" is defined twice differently`);
    }
    if (previous === undefined) found.set(name, schema);
  };
  for (const [name, schema] of Object.entries(bundle.definitions ?? {})) {
    if (isNamespace(name)) {
      for (const [inner, innerSchema] of Object.entries((schema as JsonSchemaObject) ?? {})) {
        add(inner, innerSchema);
      }
    } else {
      add(name, schema);
    }
  }
  const sorted = new Map([...found].sort(([a], [b]) => compare(a, b)));
  for (const [name, schema] of sorted) {
    for (const ref of collectRefs(schema)) {
      if (!sorted.has(refName(ref))) {
        throw new Error(`Cannot resolve "${ref}" referenced from definition "${name}"`);
      }
    }
  }
  return sorted;
}

/** Whether a bundle `definitions` key is a nested namespace (`v2`) rather than a type. */
function isNamespace(name: string): boolean {
  return /^v\d+$/.test(name);
}

/**
 * The definition name a `$ref` points to.
 *
 * @param ref A `#/definitions/…` pointer.
 * @returns The last path segment.
 * @throws {Error} The pointer is not into `#/definitions`.
 */
export function refName(ref: string): string {
  const match = /^#\/definitions\/(?:v\d+\/)?([^/]+)$/.exec(ref);
  if (match === null) throw new Error(`Cannot resolve $ref "${ref}": not a definitions pointer`);
  return match[1];
}

/** Every `$ref` string anywhere inside a schema. */
function collectRefs(schema: unknown, into: string[] = []): string[] {
  if (Array.isArray(schema)) {
    for (const item of schema) collectRefs(item, into);
  } else if (schema !== null && typeof schema === "object") {
    for (const [key, value] of Object.entries(schema)) {
      if (key === "$ref" && typeof value === "string") into.push(value);
      else collectRefs(value, into);
    }
  }
  return into;
}

/** A copy without the keys that differ between the two copies of a shared definition. */
function stripMeta(schema: JsonSchemaObject): JsonSchemaObject {
  const { $schema: _schema, title: _title, ...rest } = schema;
  return rest;
}

/**
 * JSON text with object keys sorted, for structural comparison.
 *
 * @param value Any JSON value.
 * @returns Canonical JSON.
 */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => compare(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Locale-independent string order (code units), used everywhere output is sorted.
 *
 * @param a First string.
 * @param b Second string.
 * @returns Negative, zero or positive.
 */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
