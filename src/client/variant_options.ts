/**
 * The options of a valibot variant by the string literal each holds at the variant's key:
 * what finds the one option a value can match, instead of trying them all. Worked out once
 * per schema.
 *
 * @module
 */

/** The parts of a schema this module reads. */
interface VariantNode {
  readonly type: string;
  readonly key?: unknown;
  readonly options?: readonly unknown[];
}

/** An option as read here: an object schema and its entries. */
interface OptionNode {
  readonly type: string;
  readonly entries?: Readonly<
    Record<string, { readonly type: string; readonly literal?: unknown }>
  >;
}

/**
 * The valibot object schema types, whose `entries` list their members.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { OBJECT_TYPES } from "./variant_options.ts";
 * console.log(OBJECT_TYPES.has(v.looseObject({}).type)); // true
 * ```
 */
export const OBJECT_TYPES: ReadonlySet<string> = new Set([
  "object",
  "loose_object",
  "strict_object",
  "object_with_rest",
]);

/** The index of each variant seen so far (`null`: not indexable). */
const indexes = new WeakMap<object, ReadonlyMap<string, readonly number[]> | null>();

/**
 * The indexes of a variant's options by the string literal each holds at its key (several
 * when options share a literal); `undefined` when the schema is not a variant or an option
 * is not an object schema with a string literal there (another variant, say).
 *
 * @param schema A valibot schema.
 * @returns The option indexes by literal, or `undefined`.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { optionsByLiteral } from "./variant_options.ts";
 * const schema = v.variant("type", [
 *   v.looseObject({ type: v.literal("text"), text: v.string() }),
 *   v.looseObject({ type: v.literal("image"), url: v.string() }),
 * ]);
 * console.log(optionsByLiteral(schema)?.get("image")); // [ 1 ]
 * ```
 */
export function optionsByLiteral(
  schema: object,
): ReadonlyMap<string, readonly number[]> | undefined {
  let index = indexes.get(schema);
  if (index === undefined) {
    index = build(schema as VariantNode);
    indexes.set(schema, index);
  }
  return index ?? undefined;
}

function build(node: VariantNode): Map<string, number[]> | null {
  const key = node.key;
  if (node.type !== "variant" || typeof key !== "string" || node.options === undefined) {
    return null;
  }
  const index = new Map<string, number[]>();
  for (const [i, option] of (node.options as OptionNode[]).entries()) {
    const entry = OBJECT_TYPES.has(option.type) ? option.entries?.[key] : undefined;
    if (entry?.type !== "literal" || typeof entry.literal !== "string") return null;
    const named = index.get(entry.literal);
    if (named === undefined) index.set(entry.literal, [i]);
    else named.push(i);
  }
  return index;
}
