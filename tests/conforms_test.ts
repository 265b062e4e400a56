/**
 * The validation fast paths answer as the slow ones do. `conforms` gives valibot's verdict:
 * for every generated schema, on values drawn from the schema and on those values with one
 * part replaced or removed, `conforms` and `v.is` agree; and for the schema kinds it leaves
 * to valibot (defaults, transformations, nested variants, input-dependent lazy schemas).
 * `conformsExactly` is `true` exactly when the value passes and `unknownKeys` finds nothing,
 * for the params of every client request with a key added, replaced or removed anywhere.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as v from "valibot";
import { schemas } from "../generated/mod.ts";
import { CLIENT_REQUEST_METHODS } from "../generated/methods.ts";
import { clientRequestSchemas } from "../generated/registry.ts";
import { conforms, conformsExactly } from "../src/client/conforms.ts";
import { unknownKeys } from "../src/client/unknown_keys.ts";

/** The members of a valibot schema that the arbitraries read. */
interface Node {
  readonly type: string;
  readonly entries?: Record<string, Node>;
  readonly wrapped?: Node;
  readonly item?: Node;
  readonly value?: Node;
  readonly options?: readonly unknown[];
  readonly literal?: unknown;
  readonly pipe?: readonly Node[];
  readonly getter?: (input: unknown) => Node;
}

/** Any JSON-like value, small. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(undefined, Number.NaN, -0, 1.5, -1, [], {}),
);

/**
 * Values shaped by a schema (mostly valid; numbers and strings range past the schema's
 * actions, so invalid ones come too).
 */
function arbitraryOf(node: Node, depth: number): fc.Arbitrary<unknown> {
  if (depth > 5) return anyValue;
  if (node.pipe !== undefined) {
    return node.type === "number"
      ? fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double())
      : fc.oneof(fc.constant(""), fc.string({ maxLength: 3 }));
  }
  const next = (child: Node) => arbitraryOf(child, depth + 1);
  switch (node.type) {
    case "string":
      return fc.string({ maxLength: 4 });
    case "number":
      return fc.oneof(fc.double(), fc.integer());
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "unknown":
      return anyValue;
    case "literal":
      return fc.constant(node.literal);
    case "picklist":
      return fc.constantFrom(...node.options!);
    case "optional":
      return fc.option(next(node.wrapped!), { nil: undefined });
    case "nullable":
      return fc.option(next(node.wrapped!), { nil: null });
    case "nullish":
      return fc.oneof(fc.constantFrom(null, undefined), next(node.wrapped!));
    case "array":
      return fc.array(next(node.item!), { maxLength: 2 });
    case "record":
      return fc.dictionary(fc.string({ maxLength: 3 }), next(node.value!), { maxKeys: 2 });
    case "loose_object": {
      const entries = Object.entries(node.entries!);
      const required = entries
        .filter(([, entry]) => !["optional", "nullish"].includes(entry.type))
        .map(([key]) => key);
      const arbitraries = Object.fromEntries(entries.map(([key, entry]) => [key, next(entry)]));
      return fc.record(arbitraries, { requiredKeys: required });
    }
    case "union":
    case "variant":
      return fc.oneof(...(node.options as Node[]).map(next));
    case "lazy":
      return next(node.getter!(undefined));
    default:
      throw new Error(`no arbitrary for ${node.type}`);
  }
}

/** Every place in a value (objects' members and arrays' items), as paths. */
function pathsOf(value: unknown, path: PropertyKey[] = [], into: PropertyKey[][] = []) {
  into.push(path);
  if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) {
      pathsOf((value as Record<string, unknown>)[key], [...path, key], into);
    }
  }
  return into;
}

/** `value` with the part at `path` replaced by `replacement`, or removed when it is `"remove"`. */
function mutated(value: unknown, path: PropertyKey[], replacement: unknown): unknown {
  if (path.length === 0) return replacement === "remove" ? undefined : replacement;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    PropertyKey,
    unknown
  >;
  if (rest.length === 0 && replacement === "remove") delete copy[head];
  else copy[head] = mutated(copy[head], rest, replacement);
  return copy;
}

/**
 * A value shaped by `schema`, then maybe one part of it replaced or removed, or (with
 * `keys`) a member of one of these names added somewhere.
 */
function sampleOf(schema: Node, keys: readonly string[] = []): fc.Arbitrary<unknown> {
  const added = keys.length === 0
    ? fc.constant(undefined)
    : fc.option(fc.constantFrom(...keys), { nil: undefined });
  return fc.tuple(
    arbitraryOf(schema, 0),
    fc.nat(),
    fc.option(fc.oneof(fc.constant("remove"), anyValue)),
    added,
  ).map(([value, at, replacement, key]) => {
    if (replacement === null) return value;
    const paths = pathsOf(value);
    const path = paths[at % paths.length];
    return mutated(value, key === undefined ? path : [...path, key], replacement);
  });
}

test("conforms agrees with v.is on every generated schema, for shaped and broken values", {
  timeout: 240_000,
}, () => {
  const names = Object.keys(schemas) as (keyof typeof schemas)[];
  assert.ok(names.length > 900, `${names.length} schemas`);
  let valid = 0;
  let invalid = 0;
  for (const name of names) {
    const schema = schemas[name] as v.GenericSchema;
    fc.assert(
      fc.property(sampleOf(schema as unknown as Node), (value) => {
        const expected = v.is(schema, value);
        if (expected) valid++;
        else invalid++;
        assert.equal(conforms(schema, value), expected, `${name}: ${JSON.stringify(value)}`);
      }),
      { numRuns: 12, seed: name.length },
    );
  }
  // Both verdicts were exercised, in numbers.
  assert.ok(valid > 2000 && invalid > 2000, `${valid} valid, ${invalid} invalid`);
});

test("conforms leaves to valibot what it does not compile, and keeps valibot's edge cases", {
  timeout: 30_000,
}, () => {
  const cases: [v.GenericSchema, unknown][] = [
    // A default is checked when the key is missing.
    [v.looseObject({ n: v.optional(v.number(), Number.NaN as never) }), {}],
    [v.looseObject({ n: v.optional(v.number(), 1) }), {}],
    // A transformation in a pipe.
    [v.pipe(v.string(), v.transform((s) => s.length), v.minValue(2)), "a"],
    [v.pipe(v.string(), v.transform((s) => s.length), v.minValue(2)), "ab"],
    // A nested variant.
    [
      v.variant("a", [
        v.variant("b", [v.looseObject({ a: v.literal("x"), b: v.literal("y") })]),
        v.looseObject({ a: v.literal("z") }),
      ]),
      { a: "x", b: "y" },
    ],
    [v.variant("k", [v.looseObject({ k: v.optional(v.string()) })]), {}],
    [v.variant("k", [v.looseObject({ k: v.literal(1) }), v.looseObject({ k: v.literal(1) })]), {
      k: 1,
    }],
    // A lazy schema whose getter reads the input.
    [v.lazy((input) => (typeof input === "string" ? v.string() : v.number())), true],
    [v.lazy((input) => (typeof input === "string" ? v.string() : v.number())), "s"],
    // NaN, holes, inherited keys and the keys a record skips.
    [v.number(), Number.NaN],
    [v.array(v.string()), [, "a"]],
    [v.looseObject({ id: v.string() }), Object.create({ id: "inherited" })],
    [v.record(v.string(), v.number()), JSON.parse('{"__proto__": "x", "a": 1}')],
    [v.record(v.pipe(v.string(), v.minLength(2)), v.number()), { a: 1 }],
    [v.picklist(["a", "b"]), "c"],
    [v.nullable(v.string()), undefined],
    [v.nullish(v.string()), null],
    [v.union([v.string(), v.number()]), false],
    // An exact optional member passes when missing, not when present as `undefined`.
    [v.looseObject({ a: v.exactOptional(v.string()) }), { a: undefined }],
    [v.looseObject({ a: v.exactOptional(v.string()) }), {}],
    [v.looseObject({ a: v.nullable(v.exactOptional(v.string())) }), { a: undefined }],
    // Members checked inline: wrapped leaves, numbers with actions, null.
    [v.looseObject({ a: v.optional(v.nullable(v.literal(3))) }), { a: null }],
    [v.looseObject({ a: v.nullable(v.optional(v.literal(3))) }), { a: undefined }],
    [v.looseObject({ a: v.nullable(v.boolean()) }), { a: undefined }],
    [v.looseObject({ a: v.pipe(v.number(), v.integer(), v.minValue(0)) }), { a: -1 }],
    [v.looseObject({ a: v.pipe(v.number(), v.integer(), v.minValue(0)) }), { a: 1.5 }],
    [v.looseObject({ a: v.nullish(v.pipe(v.number(), v.minValue(3))) }), { a: 2.5 }],
    [v.looseObject({ a: v.nullish(v.pipe(v.number(), v.minValue(3))) }), { a: 3.5 }],
    [v.looseObject({ a: v.pipe(v.number(), v.maxValue(3)) }), { a: 4 }],
    [v.looseObject({ a: v.pipe(v.nullable(v.number()), v.check((n) => n !== null)) }), { a: null }],
    [v.looseObject({ a: v.null() }), { a: undefined }],
    [v.looseObject({ a: v.number() }), { a: Number.NaN }],
    [v.looseObject({ a: v.unknown() }), { a: undefined }],
    [v.looseObject({ a: v.lazy(() => v.string()) }), { a: 1 }],
  ];
  for (const [index, [schema, value]] of cases.entries()) {
    assert.equal(conforms(schema, value), v.is(schema, value), `case ${index}`);
  }
});

test(
  "conformsExactly: the value passes and unknownKeys finds nothing, for every request's params",
  {
    timeout: 240_000,
  },
  () => {
    let exact = 0;
    let unknown = 0;
    let invalid = 0;
    for (const method of CLIENT_REQUEST_METHODS) {
      const params = clientRequestSchemas(method).params;
      if (params === undefined) continue;
      const keys = ["modle", "txt", "type", "text", "threadId", "input", "extra"];
      fc.assert(
        fc.property(sampleOf(params as unknown as Node, keys), (value) => {
          const valid = v.is(params, value);
          const found = unknownKeys(conforms, params, value);
          if (!valid) invalid++;
          else if (found.length === 0) exact++;
          else unknown++;
          assert.equal(
            conformsExactly(params, value),
            valid && found.length === 0,
            `${method}: ${JSON.stringify(value)} ${JSON.stringify(found)}`,
          );
        }),
        { numRuns: 40, seed: method.length },
      );
    }
    assert.ok(
      exact > 1000 && unknown > 300 && invalid > 300,
      `${exact} exact, ${unknown} with unknown keys, ${invalid} invalid`,
    );
  },
);

test("conformsExactly checks keys where unknownKeys does, and only there", {
  timeout: 30_000,
}, () => {
  const cases: [v.GenericSchema, unknown, boolean][] = [
    [v.looseObject({ a: v.string() }), { a: "x" }, true],
    [v.looseObject({ a: v.string() }), { a: "x", b: 1 }, false],
    // A key that is `undefined` is never sent.
    [v.looseObject({ a: v.string() }), { a: "x", b: undefined }, true],
    // Invalid is not exact.
    [v.looseObject({ a: v.string() }), { a: 1 }, false],
    [v.looseObject({ a: v.string() }), "a", false],
    // Free-form maps: an object without entries, a record's values.
    [v.looseObject({}), { any: 1 }, true],
    [v.looseObject({ env: v.record(v.string(), v.looseObject({ a: v.string() })) }), {
      env: { X: { a: "x", b: 1 } },
    }, true],
    // Nested objects, in arrays and behind wrappers and lazy schemas.
    [v.looseObject({ list: v.array(v.looseObject({ a: v.string() })) }), {
      list: [{ a: "x" }, { a: "y", c: 2 }],
    }, false],
    [
      v.looseObject({ o: v.nullish(v.looseObject({ a: v.string() })) }),
      { o: { a: "x", c: 2 } },
      false,
    ],
    [
      v.looseObject({ o: v.lazy(() => v.looseObject({ a: v.string() })) }),
      { o: { c: 2, a: "" } },
      false,
    ],
    [v.looseObject({ o: v.nullish(v.looseObject({ a: v.string() })) }), { o: null }, true],
    // A union: some option that fits knows every key.
    [
      v.union([v.looseObject({ a: v.string() }), v.looseObject({ a: v.string(), b: v.number() })]),
      { a: "x", b: 1 },
      true,
    ],
    [
      v.union([v.looseObject({ a: v.string() }), v.looseObject({ a: v.string(), b: v.number() })]),
      { a: "x", b: "1" },
      false,
    ],
    // A variant: the option its discriminator names.
    [
      v.variant("type", [
        v.looseObject({ type: v.literal("text"), text: v.string() }),
        v.looseObject({ type: v.literal("image"), url: v.string() }),
      ]),
      { type: "image", url: "u", text: "t" },
      false,
    ],
    // What it leaves to valibot is never exact.
    [v.looseObject({ n: v.optional(v.number(), 1) }), { n: 2 }, false],
  ];
  for (const [index, [schema, value, expected]] of cases.entries()) {
    assert.equal(conformsExactly(schema, value), expected, `case ${index}`);
    if (expected) {
      assert.ok(v.is(schema, value) && unknownKeys(v.is, schema, value).length === 0, `${index}`);
    }
  }
});
