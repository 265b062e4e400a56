/**
 * Converts JSON Schema definitions into a small intermediate model that both emitters
 * (TypeScript types and valibot schemas) walk, and marks what only the `--experimental`
 * schema contains.
 *
 * @module
 */

import {
  compare,
  type JsonSchema,
  type JsonSchemaObject,
  refName,
  stableJson,
} from "./json_schema.ts";

/** A schema node of the intermediate model. */
export type Node =
  | { kind: "ref"; name: string }
  | { kind: "unknown" }
  | { kind: "never" }
  | { kind: "null" }
  | { kind: "string"; minLength?: number }
  | { kind: "number"; integer: boolean; minimum?: number; format?: string }
  | { kind: "boolean" }
  | { kind: "literal"; value: string | number | boolean }
  | { kind: "picklist"; values: Member<string>[] }
  | { kind: "array"; items: Node }
  | { kind: "record"; values: Node }
  | { kind: "object"; props: Prop[] }
  | { kind: "union"; options: Member<Node>[]; discriminator?: string }
  | { kind: "nullable"; inner: Node }
  | { kind: "intersect"; parts: Node[] };

/** A documented member of a union or picklist. */
export interface Member<T> {
  /** The member. */
  value: T;
  /** Its description, if any. */
  doc?: string;
  /** Only present in the experimental schema. */
  experimental: boolean;
}

/** An object member. */
export interface Prop {
  /** Wire name. */
  name: string;
  /** Its schema (may be `nullable`). */
  node: Node;
  /** Whether the member must be present. */
  required: boolean;
  /** Description plus `@default`, if any. */
  doc?: string;
  /** Only present in the experimental schema. */
  experimental: boolean;
}

/** One named definition. */
export interface Definition {
  /** The definition's name (also the TypeScript type name). */
  name: string;
  /** Its description, if any. */
  doc?: string;
  /** Only present in the experimental schema. */
  experimental: boolean;
  /** Its schema. */
  node: Node;
}

/** Keywords the converter understands; any other keyword is an error. */
const KNOWN_KEYWORDS = new Set([
  "$ref",
  "$schema",
  "title",
  "description",
  "default",
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "const",
  "oneOf",
  "anyOf",
  "allOf",
  "format",
  "minimum",
  "minLength",
]);

/** Integer formats schemars emits. */
const INTEGER_FORMATS = /^u?int(8|16|32|64|128)?$/;

/** Discriminator keys tried first, in order; others follow alphabetically. */
const PREFERRED_DISCRIMINATORS = ["type", "method", "mode", "kind"];

/**
 * Converts every definition of the experimental superset, comparing each against its
 * stable counterpart to mark experimental definitions, members and union variants.
 *
 * @param experimental Definitions from `generate-json-schema --experimental`.
 * @param stable Definitions from `generate-json-schema`.
 * @returns The model, sorted by name.
 * @throws {Error} A schema uses a construct the converter does not support.
 */
export function buildModel(
  experimental: Map<string, JsonSchemaObject>,
  stable: Map<string, JsonSchemaObject>,
): Definition[] {
  const definitions: Definition[] = [];
  for (const [name, schema] of experimental) {
    const counterpart = stable.get(name);
    const converter = new Converter(name);
    definitions.push({
      name,
      doc: docOf(schema),
      experimental: counterpart === undefined,
      node: converter.convert(schema, counterpart),
    });
  }
  return definitions;
}

/** Description plus a non-null default, as doc text. */
function docOf(schema: JsonSchemaObject): string | undefined {
  const parts: string[] = [];
  if (schema.description !== undefined && schema.description.trim() !== "") {
    parts.push(schema.description.trim());
  }
  if (schema.default !== undefined && schema.default !== null) {
    parts.push(`@default ${JSON.stringify(schema.default)}`);
  }
  return parts.length === 0 ? undefined : parts.join("\n\n");
}

/** Whether a node accepts `null` at its top. */
function isNullable(node: Node): boolean {
  return node.kind === "nullable" || node.kind === "null" || node.kind === "unknown";
}

/** Wraps in `nullable` unless the node already accepts null. */
function nullable(node: Node): Node {
  return isNullable(node) ? node : { kind: "nullable", inner: node };
}

/**
 * The literal value a discriminator member is fixed to, if any.
 *
 * @param node A member schema.
 * @returns The literal, or `undefined`.
 */
function literalOf(node: Node): string | number | boolean | undefined {
  if (node.kind === "literal") return node.value;
  if (node.kind === "picklist" && node.values.length === 1) return node.values[0].value;
  return undefined;
}

/** Converts the schemas of one definition (the name is used in error messages). */
class Converter {
  constructor(private readonly definition: string) {}

  /**
   * Converts a schema.
   *
   * @param schema The experimental schema.
   * @param stable The same position in the stable schema; `undefined` when the stable
   * schema has no such position (then nothing inside is marked again).
   */
  convert(schema: JsonSchema, stable: JsonSchema | undefined): Node {
    if (schema === true) return { kind: "unknown" };
    if (schema === false) return { kind: "never" };
    const unknownKeys = Object.keys(schema).filter((key) => !KNOWN_KEYWORDS.has(key));
    if (unknownKeys.length > 0) {
      this.fail(`unsupported keyword(s) ${unknownKeys.join(", ")}`);
    }
    const counterpart = typeof stable === "object" ? stable : undefined;
    if (schema.$ref !== undefined) return { kind: "ref", name: refName(schema.$ref) };
    if (schema.allOf !== undefined) {
      const parts = schema.allOf.map((part, i) => this.convert(part, counterpart?.allOf?.[i]));
      return parts.length === 1 ? parts[0] : { kind: "intersect", parts };
    }
    const union = schema.oneOf ?? schema.anyOf;
    if (union !== undefined) {
      return this.convertUnion(
        schema,
        union,
        counterpart?.oneOf ?? counterpart?.anyOf,
        counterpart,
      );
    }
    if (schema.const !== undefined) return this.literal(schema.const);
    if (schema.enum !== undefined) return this.convertEnum(schema, counterpart);
    const types = schema.type === undefined
      ? (schema.properties !== undefined ? ["object"] : [])
      : Array.isArray(schema.type)
      ? schema.type
      : [schema.type];
    if (types.length === 0) return { kind: "unknown" };
    const nonNull = types.filter((type) => type !== "null");
    let node: Node;
    if (nonNull.length === 0) node = { kind: "null" };
    else if (nonNull.length === 1) node = this.convertType(nonNull[0], schema, counterpart);
    else {
      node = {
        kind: "union",
        options: nonNull.map((type) => ({
          value: this.convertType(type, schema, counterpart),
          experimental: false,
        })),
      };
    }
    return types.includes("null") && nonNull.length > 0 ? nullable(node) : node;
  }

  /** One `type` name. */
  private convertType(
    type: string,
    schema: JsonSchemaObject,
    stable: JsonSchemaObject | undefined,
  ): Node {
    switch (type) {
      case "string":
        return schema.minLength === undefined
          ? { kind: "string" }
          : { kind: "string", minLength: schema.minLength };
      case "integer":
      case "number": {
        const integer = type === "integer" ||
          (schema.format !== undefined && INTEGER_FORMATS.test(schema.format));
        const node: Extract<Node, { kind: "number" }> = { kind: "number", integer };
        if (schema.minimum !== undefined) node.minimum = schema.minimum;
        if (schema.format !== undefined) node.format = schema.format;
        return node;
      }
      case "boolean":
        return { kind: "boolean" };
      case "array": {
        if (Array.isArray(schema.items)) this.fail("tuple `items` arrays are not supported");
        const stableItems = Array.isArray(stable?.items) ? undefined : stable?.items;
        return { kind: "array", items: this.convert(schema.items ?? true, stableItems) };
      }
      case "object":
        return this.convertObject(schema, stable);
      default:
        return this.fail(`unsupported type "${type}"`);
    }
  }

  /** An object: members (always loose), or a map when only `additionalProperties` is set. */
  private convertObject(schema: JsonSchemaObject, stable: JsonSchemaObject | undefined): Node {
    const extra = schema.additionalProperties;
    if (schema.properties === undefined) {
      if (extra !== undefined && typeof extra === "object") {
        const stableExtra = stable?.additionalProperties;
        return { kind: "record", values: this.convert(extra, stableExtra) };
      }
      return { kind: "object", props: [] };
    }
    if (extra !== undefined && typeof extra === "object") {
      this.fail("`additionalProperties` schemas next to `properties` are not supported");
    }
    return { kind: "object", props: this.convertProps(schema, stable) };
  }

  /** The members of an object schema, sorted by name. */
  private convertProps(schema: JsonSchemaObject, stable: JsonSchemaObject | undefined): Prop[] {
    const required = new Set(schema.required ?? []);
    const props: Prop[] = [];
    for (const [name, member] of Object.entries(schema.properties ?? {})) {
      const stableMember = stable?.properties?.[name];
      // Present in the experimental schema only: a server without experimentalApi strips it,
      // so it can never be required of a payload.
      const experimental = stable?.properties !== undefined && stableMember === undefined;
      props.push({
        name,
        node: this.convert(member, stableMember),
        required: required.has(name) && !experimental,
        doc: typeof member === "object" ? docOf(member) : undefined,
        experimental,
      });
    }
    return props.sort((a, b) => compare(a.name, b.name));
  }

  /** `enum`: a literal, or a picklist of strings. */
  private convertEnum(schema: JsonSchemaObject, stable: JsonSchemaObject | undefined): Node {
    const values = schema.enum ?? [];
    const withNull = values.includes(null) ||
      (Array.isArray(schema.type) && schema.type.includes("null"));
    const nonNull = values.filter((value) => value !== null);
    let node: Node;
    if (nonNull.length === 1) node = this.literal(nonNull[0]);
    else {
      const stableValues = stable?.enum;
      node = {
        kind: "picklist",
        values: nonNull.map((value) => {
          if (typeof value !== "string") this.fail("non-string enum values are not supported");
          return {
            value,
            experimental: stableValues !== undefined && !stableValues.includes(value),
          };
        }),
      };
    }
    return withNull ? nullable(node) : node;
  }

  /** `oneOf`/`anyOf`, possibly next to `properties` (a flattened serde enum). */
  private convertUnion(
    schema: JsonSchemaObject,
    options: JsonSchema[],
    stableOptions: JsonSchema[] | undefined,
    stable: JsonSchemaObject | undefined,
  ): Node {
    const hasNull = options.some((option) => typeof option === "object" && option.type === "null");
    const rest = options.filter((option) =>
      !(typeof option === "object" && option.type === "null")
    );
    const members: Member<Node>[] = rest.map((option) => {
      const match = stableOptions === undefined ? undefined : matchOption(option, stableOptions);
      return {
        value: this.convert(option, match),
        doc: typeof option === "object" ? docOf(option) : undefined,
        experimental: stableOptions !== undefined && match === undefined,
      };
    });
    let node: Node;
    if (schema.properties !== undefined) {
      // Members shared by every variant: merge them into each one.
      const base = this.convertProps(schema, stable);
      node = this.makeUnion(
        members.map((member) => ({ ...member, value: merge(base, member.value, this) })),
      );
    } else if (members.length === 1) {
      node = members[0].value;
    } else {
      node = this.makeUnion(members);
    }
    return hasNull ? nullable(node) : node;
  }

  /**
   * A union from members: string literals collapse into one picklist; inline unions of
   * objects are spliced in; a key fixed to a literal in every object makes a discriminator.
   */
  private makeUnion(members: Member<Node>[]): Node {
    if (members.length > 0 && members.every((m) => typeof literalOf(m.value) === "string")) {
      return {
        kind: "picklist",
        values: members.map((m) => ({
          value: literalOf(m.value) as string,
          doc: m.doc,
          experimental: m.experimental,
        })),
      };
    }
    if (members.length === 1 && members[0].value.kind !== "union") return members[0].value;
    const flat: Member<Node>[] = [];
    for (const member of members) {
      const value = member.value;
      if (value.kind === "union" && value.options.every((o) => o.value.kind === "object")) {
        for (const option of value.options) {
          flat.push({
            value: option.value,
            doc: joinDocs(member.doc, option.doc),
            experimental: member.experimental || option.experimental,
          });
        }
      } else {
        flat.push(member);
      }
    }
    const discriminator = findDiscriminator(flat.map((m) => m.value));
    return discriminator === undefined
      ? { kind: "union", options: flat }
      : { kind: "union", options: flat, discriminator };
  }

  /** `const` or a single `enum` value. */
  private literal(value: unknown): Node {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      return { kind: "literal", value };
    }
    if (value === null) return { kind: "null" };
    return this.fail(`unsupported literal ${JSON.stringify(value)}`);
  }

  /** Throws with the definition's name. */
  fail(message: string): never {
    throw new Error(`Cannot convert definition "${this.definition}": ${message}`);
  }
}

/** Merges shared members into a variant (an object, or a union of objects). */
function merge(base: Prop[], node: Node, converter: Converter): Node {
  if (node.kind === "object") {
    const own = new Set(node.props.map((p) => p.name));
    const props = [...base.filter((p) => !own.has(p.name)), ...node.props];
    return { kind: "object", props: props.sort((a, b) => compare(a.name, b.name)) };
  }
  if (node.kind === "union") {
    const options = node.options.map((o) => ({ ...o, value: merge(base, o.value, converter) }));
    const discriminator = findDiscriminator(options.map((o) => o.value));
    return discriminator === undefined
      ? { kind: "union", options }
      : { kind: "union", options, discriminator };
  }
  return converter.fail(`cannot merge shared members into a ${node.kind} variant`);
}

/**
 * A key that every option (all inline objects) requires with a literal value.
 *
 * @param options Union options.
 * @returns The key, or `undefined` when the union is not discriminated.
 */
function findDiscriminator(options: Node[]): string | undefined {
  if (options.length < 2) return undefined;
  const objects = options.filter((o): o is Extract<Node, { kind: "object" }> =>
    o.kind === "object"
  );
  if (objects.length !== options.length) return undefined;
  const candidates = objects[0].props
    .filter((p) => p.required && literalOf(p.node) !== undefined)
    .map((p) => p.name)
    .sort((a, b) => rank(a) - rank(b) || compare(a, b));
  return candidates.find((key) =>
    objects.every((o) =>
      o.props.some((p) => p.name === key && p.required && literalOf(p.node) !== undefined)
    )
  );
}

/** Position of a key among the preferred discriminators. */
function rank(key: string): number {
  const index = PREFERRED_DISCRIMINATORS.indexOf(key);
  return index === -1 ? PREFERRED_DISCRIMINATORS.length : index;
}

/**
 * The stable union option that corresponds to an experimental one: same JSON, same title,
 * or the same literal discriminator values.
 */
function matchOption(option: JsonSchema, stableOptions: JsonSchema[]): JsonSchema | undefined {
  const json = stableJson(option);
  const exact = stableOptions.find((candidate) => stableJson(candidate) === json);
  if (exact !== undefined) return exact;
  if (typeof option !== "object") return undefined;
  if (option.title !== undefined) {
    return stableOptions.find((c) => typeof c === "object" && c.title === option.title);
  }
  const signature = literalSignature(option);
  if (signature === "") return undefined;
  return stableOptions.find((c) => typeof c === "object" && literalSignature(c) === signature);
}

/** The option's required single-value enum members, as text. */
function literalSignature(schema: JsonSchemaObject): string {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {})
    .filter(([name, member]) =>
      required.has(name) && typeof member === "object" &&
      (member.const !== undefined || member.enum?.length === 1)
    )
    .map(([name, member]) =>
      `${name}=${
        JSON.stringify((member as JsonSchemaObject).const ?? (member as JsonSchemaObject).enum?.[0])
      }`
    )
    .sort(compare)
    .join(",");
}

/** Joins two optional doc texts. */
function joinDocs(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return `${a}\n\n${b}`;
}
