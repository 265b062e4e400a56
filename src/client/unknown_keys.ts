/**
 * Finding the keys of outgoing params that their schema does not know (`modle` for
 * `model`), with the closest known key as a suggestion. The generated object schemas are
 * loose, so that members a newer server adds pass through incoming messages; for what the
 * SDK **sends**, an unknown key is a typo that the server would silently ignore.
 *
 * @module
 */

import type * as v from "npm:valibot@1.5.0";
import type { ValidationIssue } from "../errors.ts";
import { OBJECT_TYPES, optionsByLiteral } from "./variant_options.ts";

/** The parts of a valibot schema object the walk reads (`kind`, `type` and their members). */
interface SchemaNode {
  readonly type: string;
  readonly entries?: Readonly<Record<string, SchemaNode>>;
  readonly wrapped?: SchemaNode;
  readonly item?: SchemaNode;
  readonly key?: string;
  readonly options?: readonly SchemaNode[];
  readonly getter?: (input: unknown) => SchemaNode;
  readonly literal?: unknown;
}

/** Whether a value passes a schema, as valibot's `is` says. */
type Is = (schema: v.GenericSchema, value: unknown) => boolean;

/** Wrapper schema types whose `wrapped` schema applies to a present value. */
const WRAPPER_TYPES = new Set([
  "optional",
  "exact_optional",
  "nullable",
  "nullish",
  "undefinedable",
  "non_optional",
  "non_nullable",
  "non_nullish",
]);
/** How deep the walk goes (the protocol's params nest a few levels; values may be cyclic). */
const MAX_DEPTH = 32;

/**
 * The keys of `value` that `schema` does not know, at any depth the schema describes
 * (objects, arrays, optional and nullable members, variants by their discriminator,
 * unions by the option that fits best). A key whose value is `undefined` is never sent,
 * and is not reported; neither are the keys of free-form maps (`v.looseObject({})`,
 * records).
 *
 * @param is Whether a value passes a schema (valibot's `is`, or the SDK's faster
 * `conforms`), to pick a variant's or a union's option.
 * @param schema The params schema.
 * @param value The params.
 * @returns One issue per unknown key, with its dot path and a suggestion when a known key
 * is close.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { unknownKeys } from "./unknown_keys.ts";
 * const schema = v.looseObject({ model: v.optional(v.string()) });
 * console.log(unknownKeys(v.is, schema, { modle: "gpt-5" })[0].message);
 * // 'unknown option "modle" — did you mean "model"?'
 * ```
 */
export function unknownKeys(
  is: Is,
  schema: v.GenericSchema,
  value: unknown,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  walk(is, schema as unknown as SchemaNode, value, [], issues, 0);
  return issues;
}

function walk(
  is: Is,
  node: SchemaNode,
  value: unknown,
  path: readonly string[],
  issues: ValidationIssue[],
  depth: number,
): void {
  if (depth > MAX_DEPTH) return;
  if (node.type === "lazy" && node.getter !== undefined) {
    walk(is, node.getter(value), value, path, issues, depth + 1);
  } else if (WRAPPER_TYPES.has(node.type) && node.wrapped !== undefined) {
    if (value !== undefined && value !== null) {
      walk(is, node.wrapped, value, path, issues, depth + 1);
    }
  } else if (node.type === "array" && node.item !== undefined && Array.isArray(value)) {
    value.forEach((element, index) =>
      walk(is, node.item!, element, [...path, String(index)], issues, depth + 1)
    );
  } else if (OBJECT_TYPES.has(node.type) && node.entries !== undefined) {
    checkObject(is, node.entries, value, path, issues, depth);
  } else if ((node.type === "variant" || node.type === "union") && node.options !== undefined) {
    const fitting = candidates(node, node.options, value).filter((option) =>
      is(option as never, value)
    );
    if (fitting.length === 0) return; // the schema check reports the mismatch itself
    // The option that leaves the fewest keys unknown (loose options may all fit).
    let best: ValidationIssue[] | undefined;
    for (const option of fitting) {
      const found: ValidationIssue[] = [];
      walk(is, option, value, path, found, depth + 1);
      if (best === undefined || found.length < best.length) best = found;
      if (best.length === 0) break;
    }
    issues.push(...best!);
  }
}

/**
 * The options that may fit a value: for a variant whose options are all objects with a
 * string literal at its key, those whose literal is the value's (the others cannot fit,
 * and trying each costs a whole validation); otherwise all of them.
 */
function candidates(
  node: SchemaNode,
  options: readonly SchemaNode[],
  value: unknown,
): readonly SchemaNode[] {
  const named = namedOptions(node, value);
  return named === undefined ? options : named.map((i) => options[i]);
}

/**
 * The indexes of the options a value's discriminator names, when the schema is a variant
 * indexed by literal; `undefined` when any option may fit.
 */
function namedOptions(node: SchemaNode, value: unknown): readonly number[] | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const index = optionsByLiteral(node);
  if (index === undefined) return undefined;
  return index.get((value as Record<string, unknown>)[node.key!] as string) ?? NONE;
}

/** No option. */
const NONE: readonly number[] = [];

/** Whether an object schema has no entries: a free-form map, whose keys are not checked. */
function isFreeForm(entries: Readonly<Record<string, SchemaNode>>): boolean {
  for (const _ in entries) return false;
  return true;
}

function checkObject(
  is: Is,
  entries: Readonly<Record<string, SchemaNode>>,
  value: unknown,
  path: readonly string[],
  issues: ValidationIssue[],
  depth: number,
): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return;
  if (isFreeForm(entries)) return;
  const known = Object.keys(entries);
  for (const [key, member] of Object.entries(value)) {
    const entry = Object.hasOwn(entries, key) ? entries[key] : undefined;
    if (entry !== undefined) {
      walk(is, entry, member, [...path, key], issues, depth + 1);
    } else if (member !== undefined) {
      const closest = closestName(key, known);
      issues.push({
        path: [...path, key].join("."),
        message: `unknown ${path.length === 0 ? "option" : "key"} ${JSON.stringify(key)}` +
          (closest === undefined ? "" : ` — did you mean ${JSON.stringify(closest)}?`),
      });
    }
  }
}

/**
 * The known name a mistyped one most likely meant: the same name in another case or
 * spelling (`approval_policy`, `ApprovalPolicy` → `approvalPolicy`), else the nearest by
 * edit distance (a swap of two neighbours counts as one edit), when it is near enough.
 *
 * @param name The unknown name.
 * @param known The names it may have meant.
 * @returns The closest known name, or `undefined` when none is close.
 *
 * @example
 * ```ts
 * import { closestName } from "./unknown_keys.ts";
 * console.log(closestName("modle", ["model", "cwd"])); // "model"
 * console.log(closestName("approval_policy", ["approvalPolicy"])); // "approvalPolicy"
 * console.log(closestName("xyz", ["model"])); // undefined
 * ```
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const fold = (text: string) => text.toLowerCase().replace(/[_-]/g, "");
  const folded = fold(name);
  const same = known.find((candidate) => fold(candidate) === folded);
  if (same !== undefined) return same;
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const distance = editDistance(folded, fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => {
    const row = new Array<number>(cols).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j < cols; j++) d[0][j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[rows - 1][cols - 1];
}
