/**
 * Emits `schemas.ts`: the valibot schema of every definition, reachable as
 * `schemas.<TypeName>`, each built on first use. Each builder is annotated to return a
 * `v.GenericSchema` of its definition's type, so the checker proves schema and type agree.
 *
 * Shape of the code, and why (measured on the 0.169.0 schema, ~940 definitions):
 * - One `BUILDERS` table of arrow functions rather than ~940 exported consts: import time
 *   grows with module size, and the table is about a third smaller.
 * - Each schema is a `LazySchema` wrapper that runs its builder on first use, so importing
 *   builds nothing (building everything eagerly cost ~15 ms more).
 * - A wrapper of a shared leaf is shared in turn (`v.nullish(str)` is `nullishStr`, one
 *   object for its ~600 uses): a schema built on first use makes fewer valibot calls, and
 *   the check compiles each shared wrapper once.
 * - Objects and variants go through small typed helpers (`obj`, `variant`): valibot's own
 *   types make the checker compute every object's output type from its entries, which
 *   took most of `deno check`; the helpers check each entry against the declared member
 *   type instead.
 *
 * @module
 */

import { fileHeader, jsdoc, propertyKey, VALIBOT_IMPORT } from "./emit.ts";
import type { Definition, Node, Prop } from "./model.ts";

/** Shared leaf schemas, emitted only when used: [doc, declaration]. */
const LEAVES: Record<string, [string, string]> = {
  str: ["A string.", "const str = v.string();"],
  bool: ["A boolean.", "const bool = v.boolean();"],
  num: ["A number (`double`).", "const num = v.number();"],
  int: [
    "An integer (`int32`/`int64` formats).",
    "const int: v.GenericSchema<number> = v.pipe(v.number(), v.integer());",
  ],
  uint: [
    "A non-negative integer (`uint*` formats).",
    "const uint: v.GenericSchema<number> = v.pipe(v.number(), v.integer(), v.minValue(0));",
  ],
  unk: ["Any value (a `true` or `{}` JSON Schema).", "const unk = v.unknown();"],
};

/** `obj` and `variant`, typed (see the module doc). */
const HELPERS = [
  jsdoc(
    "The schema of each member of `T`, as the checker sees it: every key, with optional keys\naccepting `undefined`.",
  ),
  "type Entries<T> = { [K in keyof T]-?: v.GenericSchema<T[K]> };",
  "",
  jsdoc(
    "`v.looseObject(entries)`, typed as a schema of `T` (given, or inferred from the entries):\neach entry is checked against its member of `T`. Loose: unknown members pass.",
    "@param entries One schema per member of `T`.\n@returns The loose object schema.",
  ),
  "function obj<T>(entries: Entries<T>): v.GenericSchema<T> {",
  "  return v.looseObject(entries as v.ObjectEntries) as unknown as v.GenericSchema<T>;",
  "}",
  "",
  jsdoc(
    "`v.variant(key, options)`, typed as a schema of the union `T`: each option must be a\nschema of a member of `T`. The options are rest arguments, not an array literal: the\nchecker reduces an array literal's element types pairwise (quadratic in the 184 options\nof `ClientRequest`).\n\nAn input whose discriminator names an option goes straight to that option, found in a\n`Map`: valibot tries the options in order and records an issue for each one passed over\n(an `item/completed` for a command ran six). Anything else (no such option, a literal\nthat two options hold, a variant whose options are not all objects with a string literal\nat `key`) runs valibot's own, so the output and the issues are valibot's either way.",
    "@param key The discriminator, a member of every option.\n@param options Loose object schemas, one per member.\n@returns The variant schema.",
  ),
  "function variant<T>(",
  "  key: keyof T & string,",
  "  ...options: v.GenericSchema<T>[]",
  "): v.GenericSchema<T> {",
  "  const schema = v.variant(key, options as never) as unknown as Runnable;",
  "  const byValue = optionsByValue(key, options as unknown as Runnable[]);",
  "  if (byValue === null) return schema as unknown as v.GenericSchema<T>;",
  '  const tryInOrder = schema["~run"];',
  '  schema["~run"] = (dataset, config) => {',
  "    const input = dataset.value;",
  '    if (typeof input === "object" && input !== null) {',
  "      const option = byValue.get((input as Record<string, unknown>)[key]);",
  '      if (option) return option["~run"]({ value: input }, config);',
  "    }",
  "    return tryInOrder.call(schema, dataset, config);",
  "  };",
  "  return schema as unknown as v.GenericSchema<T>;",
  "}",
  "",
  jsdoc("A schema as `variant` sees its options: its `~run`, and what identifies an option."),
  "type Runnable = {",
  "  type: string;",
  "  entries?: Record<string, { type: string; literal?: unknown }>;",
  '  "~run"(dataset: v.UnknownDataset, config: v.Config<v.BaseIssue<unknown>>): v.UnknownDataset;',
  "};",
  "",
  jsdoc(
    "The options of a variant by the string literal each holds at `key` (`null` for a literal\nthat two options hold); `null` when an option is not an object with such a literal.",
    "@param key The discriminator.\n@param options The variant's options.\n@returns The map, or `null`.",
  ),
  "function optionsByValue(",
  "  key: string,",
  "  options: Runnable[],",
  "): Map<unknown, Runnable | null> | null {",
  "  const byValue = new Map<unknown, Runnable | null>();",
  "  for (const option of options) {",
  "    const discriminator = option.entries?.[key];",
  '    if (option.type !== "loose_object" || discriminator?.type !== "literal") return null;',
  "    const value = discriminator.literal;",
  '    if (typeof value !== "string") return null;',
  "    byValue.set(value, byValue.has(value) ? null : option);",
  "  }",
  "  return byValue;",
  "}",
  "",
].join("\n");

/** The lazy wrapper. */
const LAZY_SCHEMA = [
  jsdoc(
    "What `v.lazy(getter)` builds, with the build memoized and the methods on the prototype:\none small object per definition at import (`v.lazy` allocates three objects and three\nclosures each).",
  ),
  "class LazySchema<T> {",
  "  /** valibot schema kind. */",
  '  readonly kind = "schema";',
  "  /** Schema type, as for `v.lazy`. */",
  '  readonly type = "lazy";',
  "  /** The function this stands in for. */",
  "  readonly reference = v.lazy;",
  "  /** Expected input, as for `v.lazy`. */",
  '  readonly expects = "unknown";',
  "  /** Synchronous. */",
  "  readonly async = false;",
  "  /** The real schema, once built. */",
  "  #built: v.GenericSchema<T> | undefined;",
  "  /** Builds the real schema. */",
  "  #build: () => v.GenericSchema<T>;",
  "",
  jsdoc("Wraps a builder.", "@param build Builds the real schema; called once."),
  "  constructor(build: () => v.GenericSchema<T>) {",
  "    this.#build = build;",
  "  }",
  "",
  jsdoc("The real schema (`v.lazy`'s getter).", "@returns The schema, built on the first call."),
  "  getter(): v.GenericSchema<T> {",
  "    return (this.#built ??= this.#build());",
  "  }",
  "",
  jsdoc(
    "Validates with the real schema.",
    "@param dataset The input dataset.\n@param config The parse configuration.\n@returns The output dataset.",
  ),
  '  "~run"(',
  "    dataset: v.UnknownDataset,",
  "    config: v.Config<v.BaseIssue<unknown>>,",
  "  ): v.OutputDataset<T, v.BaseIssue<unknown>> {",
  '    return this.getter()["~run"](dataset, config);',
  "  }",
  "",
  "  /** The real schema's Standard Schema interface. */",
  '  get "~standard"(): v.StandardProps<T, T> {',
  '    return this.getter()["~standard"];',
  "  }",
  "}",
  "",
].join("\n");

/** The doc of the exported `schemas`. */
const SCHEMAS_DOC = jsdoc(
  "The valibot schema of every protocol definition, by type name: `schemas.ThreadItem`\n" +
    "validates a `ThreadItem`. Each schema is built on its first use.",
  "@example\n```ts\n" +
    'import * as v from "valibot";\n' +
    'import { schemas } from "./mod.ts";\n\n' +
    'const status = v.parse(schemas.ThreadStatus, { type: "idle" });\n' +
    "console.log(status.type);\n```",
);

/**
 * Emits `schemas.ts`.
 *
 * @param definitions The model, sorted by name.
 * @param version Codex version, for the header.
 * @returns The source (unformatted).
 */
export function emitSchemas(definitions: Definition[], version: string): string {
  const used = new Set<string>();
  const wrappers = new Map<string, string>();
  // No per-row docs: they live on the types (`Definitions` in `definitions.ts`), and every
  // byte here costs import time.
  const rows = definitions.map((d) =>
    `${d.name}: () => ${vSchema(d.node, `T.${d.name}`, { used, wrappers })},\n`
  );

  let out = fileHeader(
    version,
    "Valibot schemas of every definition in the Codex app-server JSON Schema, as\n" +
      "`schemas.<TypeName>`. Generated from the `--experimental` superset; objects are loose,\n" +
      "so members a newer server adds pass through.",
  );
  out += VALIBOT_IMPORT;
  out += `import type { Definitions } from "./definitions.ts";\n`;
  out += `import type * as T from "./types.ts";\n\n`;
  out += jsdoc("The valibot schema of every definition, by type name (the type of `schemas`).");
  out += "export type Schemas = {\n" +
    "  readonly [K in keyof Definitions]: v.GenericSchema<Definitions[K]>;\n};\n\n";
  for (const [name, [doc, code]] of Object.entries(LEAVES)) {
    if (used.has(name)) out += `${jsdoc(doc)}${code}\n`;
  }
  for (const [name, expression] of wrappers) {
    out += `${jsdoc(`\`${expression}\`, shared.`)}const ${name} = ${expression};\n`;
  }
  out += `\n${HELPERS}\n${LAZY_SCHEMA}\n`;
  out += jsdoc(
    "The schemas under construction, filled from `BUILDERS` below; builders refer to other\ndefinitions through it (`s.Turn`), so order and recursion do not matter.",
  );
  out += "const s = {} as { -readonly [K in keyof Schemas]: Schemas[K] };\n\n";
  out += jsdoc(
    "How each definition's schema is built. The annotation makes the checker prove that each\nbuilder returns a schema of its definition's type.",
  );
  out +=
    "const BUILDERS: {\n  readonly [K in keyof Definitions]: () => v.GenericSchema<Definitions[K]>;\n} = {\n";
  out += `${rows.join("")}};\n\n`;
  out += "for (const name of Object.keys(BUILDERS) as (keyof Schemas)[]) {\n" +
    "  (s as Record<string, unknown>)[name] = new LazySchema(\n" +
    "    BUILDERS[name] as () => v.GenericSchema<unknown>,\n  );\n}\n\n";
  out += SCHEMAS_DOC;
  out += "export const schemas: Schemas = Object.freeze(s);\n";
  return out;
}

/**
 * A valibot expression for a node.
 *
 * @param node The node.
 * @param type The declared type of a definition's top level (`T.ThreadItem`), given to
 * `obj`/`variant` there; nested objects infer theirs from their entries and are checked
 * where they are used.
 * @param shared Collects the shared leaves and wrappers used.
 * @returns The expression.
 */
function vSchema(node: Node, type: string | undefined, shared: Shared): string {
  const leaf = (name: string) => {
    shared.used.add(name);
    return name;
  };
  switch (node.kind) {
    case "ref":
      return `s.${node.name}`;
    case "unknown":
      return leaf("unk");
    case "never":
      return "v.never()";
    case "null":
      return "v.null()";
    case "string":
      return node.minLength === undefined
        ? leaf("str")
        : `v.pipe(v.string(), v.minLength(${node.minLength}))`;
    case "number":
      if (node.integer && node.minimum === undefined) return leaf("int");
      if (node.integer && node.minimum === 0) return leaf("uint");
      if (!node.integer && node.minimum === undefined) return leaf("num");
      return `v.pipe(v.number(), ${
        node.integer ? "v.integer(), " : ""
      }v.minValue(${node.minimum}))`;
    case "boolean":
      return leaf("bool");
    case "literal":
      return `v.literal(${JSON.stringify(node.value)})`;
    case "picklist":
      return `v.picklist([${node.values.map((m) => JSON.stringify(m.value)).join(", ")}])`;
    case "array":
      return wrap("array", vSchema(node.items, undefined, shared), shared);
    case "record":
      return `v.record(v.string(), ${vSchema(node.values, undefined, shared)})`;
    case "object": {
      if (node.props.length === 0) return "v.looseObject({})";
      const entries = node.props.map((prop) =>
        `${propertyKey(prop.name)}: ${member(prop, shared)}`
      );
      return `obj${type === undefined ? "" : `<${type}>`}({${entries.join(", ")}})`;
    }
    case "union": {
      const options = node.options.map((m) => vSchema(m.value, undefined, shared)).join(", ");
      if (node.discriminator === undefined) return `v.union([${options}])`;
      const key = JSON.stringify(node.discriminator);
      return `variant${type === undefined ? "" : `<${type}>`}(${key}, ${options})`;
    }
    case "nullable":
      return wrap("nullable", vSchema(node.inner, undefined, shared), shared);
    case "intersect":
      return `v.intersect([${
        node.parts.map((part) => vSchema(part, undefined, shared)).join(", ")
      }])`;
  }
}

/** An object member's schema: optional members accept absence, and null when nullable. */
function member(prop: Prop, shared: Shared): string {
  if (prop.required) return vSchema(prop.node, undefined, shared);
  if (prop.node.kind === "nullable") {
    return wrap("nullish", vSchema(prop.node.inner, undefined, shared), shared);
  }
  return wrap("optional", vSchema(prop.node, undefined, shared), shared);
}

/** What the emitted rows use: shared leaves by name, shared wrappers by name and expression. */
interface Shared {
  /** The leaves used (`str`). */
  readonly used: Set<string>;
  /** The wrappers shared, in order of first use: name → expression (`nullishStr`). */
  readonly wrappers: Map<string, string>;
}

/**
 * A valibot wrapper around an expression; around a shared leaf or wrapper, a shared one
 * (`v.nullish(str)` is `nullishStr`, declared once).
 *
 * @param wrapper The valibot function.
 * @param inner The wrapped expression.
 * @param shared Collects the wrappers shared.
 * @returns The expression, or the shared wrapper's name.
 */
function wrap(
  wrapper: "array" | "nullable" | "nullish" | "optional",
  inner: string,
  shared: Shared,
): string {
  const expression = `v.${wrapper}(${inner})`;
  if (!(inner in LEAVES) && !shared.wrappers.has(inner)) return expression;
  const name = `${wrapper}${inner[0].toUpperCase()}${inner.slice(1)}`;
  shared.wrappers.set(name, expression);
  return name;
}
