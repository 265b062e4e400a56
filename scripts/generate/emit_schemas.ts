/**
 * Emits the valibot schemas of every definition, reachable as `schemas.<TypeName>`, each
 * built on first use and checked against its type:
 *
 * - `schemas.ts`: the checked source. Each builder is annotated to return a
 *   `v.GenericSchema` of its definition's type, so the checker proves schema and type agree.
 * - With `--js-twin`, also `schemas.js`, the same code without type annotations, which
 *   `registry.ts` and `mod.ts` then load instead: Deno loads a `.ts` module with an inline
 *   source map that embeds its whole text: importing `mod.ts` took ~16 ms more than valibot
 *   alone with `schemas.ts`, ~8-10 ms with the twin (median of in-process dynamic imports
 *   on the 2-core dev machine). And `schemas.d.ts`, the twin's types (`// @ts-self-types`), taken from
 *   `schemas.ts`, so checking anything that imports the schemas also checks the proof;
 *   `tests/generate_test.ts` builds every schema from both files and compares them.
 *
 * Shape of the code, and why (measured on the 0.169.0 schema, ~940 definitions):
 * - One `BUILDERS` table of arrow functions rather than ~940 exported consts: import time
 *   grows with module size, and the table is about a third smaller.
 * - Each schema is a `LazySchema` wrapper that runs its builder on first use, so importing
 *   builds nothing (building everything eagerly cost ~15 ms more).
 * - Objects and variants go through small typed helpers (`obj`, `variant`): valibot's own
 *   types make the checker compute every object's output type from its entries, which
 *   took most of `deno check`; the helpers check each entry against the declared member
 *   type instead.
 *
 * @module
 */

import { fileHeader, jsdoc, propertyKey } from "./emit.ts";
import type { Definition, Node, Prop } from "./model.ts";

/** The three emitted sources. */
export interface SchemaFiles {
  /** `schemas.ts`, the checked source. */
  ts: string;
  /** `schemas.js`, its run-time twin. */
  js: string;
  /** `schemas.d.ts`, the twin's types. */
  dts: string;
}

/** Which file is being written: `schemas.ts` with or without its twin, or `schemas.js`. */
type Lang = "ts" | "ts-only" | "js";

/** Shared leaf schemas, emitted only when used: [doc, TS declaration, JS declaration]. */
const LEAVES: Record<string, [string, string, string]> = {
  str: ["A string.", "const str = v.string();", "const str = v.string();"],
  bool: ["A boolean.", "const bool = v.boolean();", "const bool = v.boolean();"],
  num: ["A number (`double`).", "const num = v.number();", "const num = v.number();"],
  int: [
    "An integer (`int32`/`int64` formats).",
    "const int: v.GenericSchema<number> = v.pipe(v.number(), v.integer());",
    "const int = v.pipe(v.number(), v.integer());",
  ],
  uint: [
    "A non-negative integer (`uint*` formats).",
    "const uint: v.GenericSchema<number> = v.pipe(v.number(), v.integer(), v.minValue(0));",
    "const uint = v.pipe(v.number(), v.integer(), v.minValue(0));",
  ],
  unk: [
    "Any value (a `true` or `{}` JSON Schema).",
    "const unk = v.unknown();",
    "const unk = v.unknown();",
  ],
};

/** `obj` and `variant`, typed (see the module doc). */
const HELPERS_TS = [
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
    "`v.variant(key, options)`, typed as a schema of the union `T`: each option must be a\nschema of a member of `T`. The options are rest arguments, not an array literal: the\nchecker reduces an array literal's element types pairwise (quadratic in the 184 options\nof `ClientRequest`).",
    "@param key The discriminator, a member of every option.\n@param options Loose object schemas, one per member.\n@returns The variant schema.",
  ),
  "function variant<T>(",
  "  key: keyof T & string,",
  "  ...options: v.GenericSchema<T>[]",
  "): v.GenericSchema<T> {",
  "  return v.variant(key, options as never) as unknown as v.GenericSchema<T>;",
  "}",
  "",
].join("\n");

/** `obj` and `variant`, untyped. */
const HELPERS_JS = [
  jsdoc(
    "`v.looseObject(entries)` (typed in `schemas.ts`).",
    '@param {import("valibot").ObjectEntries} entries One schema per member.\n@returns The loose object schema.',
  ),
  "function obj(entries) {",
  "  return v.looseObject(entries);",
  "}",
  "",
  jsdoc(
    "`v.variant(key, options)` (typed in `schemas.ts`).",
    "@param {string} key The discriminator.\n@param {...any} options Loose object schemas, one per member.\n@returns The variant schema.",
  ),
  "function variant(key, ...options) {",
  "  return v.variant(key, options);",
  "}",
  "",
].join("\n");

/** The lazy wrapper; `types` adds the TypeScript annotations. */
function lazySchema(types: boolean): string {
  const t = (text: string) => (types ? text : "");
  return [
    jsdoc(
      "What `v.lazy(getter)` builds, with the build memoized and the methods on the prototype:\none small object per definition at import (`v.lazy` allocates three objects and three\nclosures each).",
    ),
    `class LazySchema${t("<T>")} {`,
    "  /** valibot schema kind. */",
    `  ${t("readonly ")}kind = "schema";`,
    "  /** Schema type, as for `v.lazy`. */",
    `  ${t("readonly ")}type = "lazy";`,
    "  /** The function this stands in for. */",
    `  ${t("readonly ")}reference = v.lazy;`,
    "  /** Expected input, as for `v.lazy`. */",
    `  ${t("readonly ")}expects = "unknown";`,
    "  /** Synchronous. */",
    `  ${t("readonly ")}async = false;`,
    "  /** The real schema, once built. */",
    `  #built${t(": v.GenericSchema<T> | undefined")};`,
    "  /** Builds the real schema. */",
    `  #build${t(": () => v.GenericSchema<T>")};`,
    "",
    jsdoc("Wraps a builder.", "@param build Builds the real schema; called once."),
    `  constructor(build${t(": () => v.GenericSchema<T>")}) {`,
    "    this.#build = build;",
    "  }",
    "",
    jsdoc("The real schema (`v.lazy`'s getter).", "@returns The schema, built on the first call."),
    `  getter()${t(": v.GenericSchema<T>")} {`,
    "    return (this.#built ??= this.#build());",
    "  }",
    "",
    jsdoc(
      "Validates with the real schema.",
      "@param dataset The input dataset.\n@param config The parse configuration.\n@returns The output dataset.",
    ),
    '  "~run"(',
    `    dataset${t(": v.UnknownDataset")},`,
    `    config${t(": v.Config<v.BaseIssue<unknown>>")},`,
    `  )${t(": v.OutputDataset<T, v.BaseIssue<unknown>>")} {`,
    '    return this.getter()["~run"](dataset, config);',
    "  }",
    "",
    "  /** The real schema's Standard Schema interface. */",
    `  get "~standard"()${t(": v.StandardProps<T, T>")} {`,
    '    return this.getter()["~standard"];',
    "  }",
    "}",
    "",
  ].join("\n");
}

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

/** The module description shared by the three files. */
const MODULE_DOC = "Valibot schemas of every definition in the Codex app-server JSON Schema, as\n" +
  "`schemas.<TypeName>`. Generated from the `--experimental` superset; objects are loose,\n" +
  "so members a newer server adds pass through.";

/**
 * Emits `schemas.ts`, `schemas.js` and `schemas.d.ts`.
 *
 * @param definitions The model, sorted by name.
 * @param version Codex version, for the headers.
 * @param jsTwin Whether the other modules load `schemas.js` (only changes a doc line).
 * @returns The three sources (unformatted).
 */
export function emitSchemas(
  definitions: Definition[],
  version: string,
  jsTwin: boolean,
): SchemaFiles {
  return {
    ts: emitTwin(definitions, version, jsTwin ? "ts" : "ts-only"),
    js: emitTwin(definitions, version, "js"),
    dts: fileHeader(
      version,
      "Types of `schemas.js` (the run-time twin of `schemas.ts`), taken from the checked\n" +
        "`schemas.ts`: type-checking anything that imports the schemas also checks it.",
    ) +
      `import type { Schemas } from "./schemas.ts";\n\nexport type { Schemas } from "./schemas.ts";\n\n` +
      `${SCHEMAS_DOC}export declare const schemas: Schemas;\n`,
  };
}

/** One twin. */
function emitTwin(definitions: Definition[], version: string, lang: Lang): string {
  const ts = lang !== "js";
  const used = new Set<string>();
  // No per-row docs: they live on the types (`Definitions` in `types.ts`), and every byte
  // here costs import time.
  const rows = definitions.map((d) =>
    `${d.name}: () => ${vSchema(d.node, ts ? `T.${d.name}` : undefined, used)},\n`
  );

  let out = lang === "ts-only" ? fileHeader(version, MODULE_DOC) : ts
    ? fileHeader(
      version,
      `${MODULE_DOC}\n\nThis is the checked source; \`schemas.js\` is the same code without types,\n` +
        "which is what the other modules load.",
    )
    : fileHeader(
      version,
      `${MODULE_DOC}\n\nRun-time twin of \`schemas.ts\` (the same code without types; its types\n` +
        "are in `schemas.d.ts`): Deno loads it without a source map, in half the time.",
    ).replace("\n\n", '\n// @ts-self-types="./schemas.d.ts"\n\n');
  out += `import * as v from "valibot";\n`;
  if (ts) {
    out += `import type * as T from "./types.ts";\n\n`;
    out += jsdoc("The valibot schema of every definition, by type name (the type of `schemas`).");
    out += "export type Schemas = {\n" +
      "  readonly [K in keyof T.Definitions]: v.GenericSchema<T.Definitions[K]>;\n};\n";
  }
  out += "\n";
  for (const [name, [doc, tsCode, jsCode]] of Object.entries(LEAVES)) {
    if (used.has(name)) out += `${jsdoc(doc)}${ts ? tsCode : jsCode}\n`;
  }
  out += `\n${ts ? HELPERS_TS : HELPERS_JS}\n${lazySchema(ts)}\n`;
  out += jsdoc(
    "The schemas under construction, filled from `BUILDERS` below; builders refer to other\ndefinitions through it (`s.Turn`), so order and recursion do not matter.",
  );
  out += ts
    ? "const s = {} as { -readonly [K in keyof Schemas]: Schemas[K] };\n\n"
    : "const s = {};\n\n";
  out += jsdoc(
    ts
      ? "How each definition's schema is built. The annotation makes the checker prove that each\nbuilder returns a schema of its definition's type."
      : "How each definition's schema is built (checked in `schemas.ts`).",
  );
  out += ts
    ? "const BUILDERS: {\n  readonly [K in keyof T.Definitions]: () => v.GenericSchema<T.Definitions[K]>;\n} = {\n"
    : "const BUILDERS = {\n";
  out += `${rows.join("")}};\n\n`;
  out += ts
    ? "for (const name of Object.keys(BUILDERS) as (keyof Schemas)[]) {\n" +
      "  (s as Record<string, unknown>)[name] = new LazySchema(\n" +
      "    BUILDERS[name] as () => v.GenericSchema<unknown>,\n  );\n}\n\n"
    : "for (const name of Object.keys(BUILDERS)) {\n" +
      "  s[name] = new LazySchema(BUILDERS[name]);\n}\n\n";
  out += SCHEMAS_DOC;
  out += ts
    ? "export const schemas: Schemas = Object.freeze(s);\n"
    : "export const schemas = Object.freeze(s);\n";
  return out;
}

/**
 * A valibot expression for a node.
 *
 * @param node The node.
 * @param type The declared type of a definition's top level (`T.ThreadItem`), given to
 * `obj`/`variant` there (TypeScript twin only); nested objects infer theirs from their
 * entries and are checked where they are used.
 * @param used Collects the shared leaves used.
 * @returns The expression.
 */
function vSchema(node: Node, type: string | undefined, used: Set<string>): string {
  const leaf = (name: string) => {
    used.add(name);
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
      return `v.array(${vSchema(node.items, undefined, used)})`;
    case "record":
      return `v.record(v.string(), ${vSchema(node.values, undefined, used)})`;
    case "object": {
      if (node.props.length === 0) return "v.looseObject({})";
      const entries = node.props.map((prop) => `${propertyKey(prop.name)}: ${member(prop, used)}`);
      return `obj${type === undefined ? "" : `<${type}>`}({${entries.join(", ")}})`;
    }
    case "union": {
      const options = node.options.map((m) => vSchema(m.value, undefined, used)).join(", ");
      if (node.discriminator === undefined) return `v.union([${options}])`;
      const key = JSON.stringify(node.discriminator);
      return `variant${type === undefined ? "" : `<${type}>`}(${key}, ${options})`;
    }
    case "nullable":
      return `v.nullable(${vSchema(node.inner, undefined, used)})`;
    case "intersect":
      return `v.intersect([${
        node.parts.map((part) => vSchema(part, undefined, used)).join(", ")
      }])`;
  }
}

/** An object member's schema: optional members accept absence, and null when nullable. */
function member(prop: Prop, used: Set<string>): string {
  if (prop.required) return vSchema(prop.node, undefined, used);
  if (prop.node.kind === "nullable") {
    return `v.nullish(${vSchema(prop.node.inner, undefined, used)})`;
  }
  return `v.optional(${vSchema(prop.node, undefined, used)})`;
}
