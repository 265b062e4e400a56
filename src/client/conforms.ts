/**
 * Whether a value passes a valibot schema, without building valibot's output. `v.is`
 * runs the schema's `~run`, which copies every object and array it checks into a new
 * output and allocates a dataset per value; the SDK only needs the verdict for a valid
 * message, and asks valibot for the issues when there are some. Each schema is compiled
 * once, on first use and each part when a value first reaches it, into closures over
 * valibot's own schema objects that allocate nothing (an object checks its members that
 * are leaves, a string or an optional integer say, in its own loop); a schema or an action
 * it does not know (a default, a fallback, a transformation) is left to valibot's `~run`,
 * so the verdict is always valibot's. {@linkcode conformsExactly} also says, in the same
 * walk, whether every key of the value is one its schema knows: what the SDK sends.
 *
 * @module
 */

import type * as v from "npm:valibot@1.5.0";
import { optionsByLiteral } from "./variant_options.ts";

/** A compiled check. */
type Check = (value: unknown) => boolean;

/** The parts of a valibot schema or action object the compiler reads. */
interface Node {
  readonly kind: string;
  readonly type: string;
  readonly entries?: Readonly<Record<string, Node>>;
  readonly wrapped?: Node;
  readonly item?: Node;
  readonly key?: Node | string;
  readonly value?: Node;
  readonly options?: readonly (Node | unknown)[];
  readonly literal?: unknown;
  readonly requirement?: unknown;
  readonly pipe?: readonly Node[];
  readonly default?: unknown;
  readonly fallback?: unknown;
  readonly getter?: (input: unknown) => Node;
  "~run"(dataset: v.UnknownDataset, config: v.Config<v.BaseIssue<unknown>>): v.UnknownDataset;
}

/** Wrappers that let `undefined` through (and `null`, for `nullish`). */
const OPTIONAL_TYPES = new Set(["optional", "exact_optional", "nullish"]);

/** The compiled check of each schema seen so far: `conforms`'s, `conformsExactly`'s. */
const compiled = new WeakMap<object, Check>();
const compiledExact = new WeakMap<object, Check>();

/**
 * Whether `value` passes `schema`: exactly when `v.is(schema, value)` is `true`, with no
 * allocation for the schemas the generated code uses.
 *
 * @param schema A synchronous valibot schema.
 * @param value The value to check.
 * @returns `true` when valibot would report no issue.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { conforms } from "./conforms.ts";
 * const schema = v.looseObject({ id: v.string(), count: v.nullish(v.number()) });
 * console.log(conforms(schema, { id: "a", extra: true })); // true
 * console.log(conforms(schema, { id: 1 })); // false
 * ```
 */
export function conforms(schema: v.GenericSchema, value: unknown): boolean {
  return checkOf(schema as unknown as Node, false)(value);
}

/**
 * Whether `value` passes `schema` and holds no key its schema does not know: `conforms`, and
 * no issue from `unknownKeys`, in one walk. Keys whose value is `undefined` (never sent) pass,
 * and so do the keys of free-form maps (an object schema without entries, a record's
 * values). What `conforms` leaves to valibot is never exact here: the caller then asks the
 * slow way, as it does for a value that is not exact.
 *
 * @param schema A synchronous valibot schema (the generated params of a request, say).
 * @param value The value to check.
 * @returns `true` when the value passes and every key of it is known.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { conformsExactly } from "./conforms.ts";
 * const schema = v.looseObject({ model: v.optional(v.string()) });
 * console.log(conformsExactly(schema, { model: "gpt-5" })); // true
 * console.log(conformsExactly(schema, { modle: "gpt-5" })); // false
 * ```
 */
export function conformsExactly(schema: v.GenericSchema, value: unknown): boolean {
  return checkOf(schema as unknown as Node, true)(value);
}

/**
 * The compiled check of a schema, compiled on first use; a lazy schema whose getter takes no
 * input (each of the generated definitions) has the check of the schema it stands for.
 *
 * @param node The schema.
 * @param exact Whether the check also fails a key the schema does not know.
 * @returns Its check.
 */
function checkOf(node: Node, exact: boolean): Check {
  const cache = exact ? compiledExact : compiled;
  let check = cache.get(node);
  if (check === undefined) {
    const target = resolved(node);
    check = target === node ? compile(node, exact) : checkOf(target, exact);
    cache.set(node, check);
  }
  return check;
}

/**
 * Compiles a schema into a check that matches valibot's verdict (and, when `exact`, also
 * fails the keys a loose object does not know).
 *
 * @param node The schema.
 * @param exact Whether to check the keys too.
 * @returns The check.
 */
function compile(node: Node, exact: boolean): Check {
  if (node.pipe !== undefined) return compilePipe(node, node.pipe, exact);
  if ("default" in node && node.default !== undefined) return byValibot(node, exact);
  switch (node.type) {
    case "string":
      return (value) => typeof value === "string";
    case "boolean":
      return (value) => typeof value === "boolean";
    case "number":
      return (value) => typeof value === "number" && !Number.isNaN(value);
    case "null":
      return (value) => value === null;
    case "unknown":
    case "any":
      return () => true;
    case "literal": {
      const literal = node.literal;
      return (value) => value === literal;
    }
    case "picklist": {
      const options = new Set(node.options);
      return (value) => options.has(value);
    }
    case "optional":
    case "exact_optional":
    case "nullable":
    case "nullish":
      return compileWrapper(node.type, node.wrapped!, exact);
    case "array": {
      let item: Check | undefined;
      return (value) => {
        if (!Array.isArray(value)) return false;
        if (value.length === 0) return true;
        item ??= checkOf(node.item!, exact);
        for (let i = 0; i < value.length; i++) if (!item(value[i])) return false;
        return true;
      };
    }
    case "loose_object":
      return compileLooseObject(node, node.entries!, exact);
    case "record":
      // A record's values are free-form maps' values: their keys are not checked.
      return compileRecord(node.key as Node, node.value!);
    case "union": {
      // Exact when an option is: one that fits may leave a key unknown that another knows.
      const options = node.options as Node[];
      const checks: (Check | undefined)[] = [];
      return (value) => {
        for (let i = 0; i < options.length; i++) {
          if ((checks[i] ??= checkOf(options[i], exact))(value)) return true;
        }
        return false;
      };
    }
    case "variant":
      return compileVariant(node, node.key as string, node.options as Node[], exact);
    case "lazy":
      return compileLazy(node, exact);
    default:
      return byValibot(node, exact);
  }
}

/**
 * valibot's own verdict, for what the compiler does not know; never exact.
 *
 * @param node The schema.
 * @param exact Whether the check is for `conformsExactly` (which then fails).
 * @returns A check that runs `~run`.
 */
function byValibot(node: Node, exact: boolean): Check {
  if (exact) return () => false;
  const config = { abortEarly: true } as v.Config<v.BaseIssue<unknown>>;
  return (value) => !node["~run"]({ typed: false, value }, config).issues;
}

/**
 * A pipe: its schema, then validation actions the compiler knows.
 *
 * @param node The piped schema (its own members are the first item's).
 * @param pipe The schema and its actions.
 * @param exact Whether to check keys too.
 * @returns The check.
 */
function compilePipe(node: Node, pipe: readonly Node[], exact: boolean): Check {
  const base = checkOf(pipe[0], exact);
  const actions: Check[] = [];
  for (const action of pipe.slice(1)) {
    if (action.kind === "metadata") continue;
    const requirement = action.requirement as number;
    if (action.type === "integer") actions.push((value) => Number.isInteger(value));
    else if (action.type === "min_value") actions.push((value) => (value as number) >= requirement);
    else if (action.type === "min_length") {
      actions.push((value) => (value as { length: number }).length >= requirement);
    } else return byValibot(node, exact);
  }
  return (value) => {
    if (!base(value)) return false;
    for (let i = 0; i < actions.length; i++) if (!actions[i](value)) return false;
    return true;
  };
}

/**
 * `optional`, `exact_optional`, `nullable`, `nullish` without a default: what each lets
 * through is {@linkcode NULL_PASSES} and {@linkcode UNDEFINED_PASSES}. The wrapped schema is
 * compiled when a value first reaches it (members that are always `null` never are).
 *
 * @param type The wrapper's type.
 * @param node The wrapped schema.
 * @param exact Whether to check keys too.
 * @returns The check.
 */
function compileWrapper(type: string, node: Node, exact: boolean): Check {
  const nulls = NULL_PASSES.has(type);
  const undefineds = UNDEFINED_PASSES.has(type);
  let wrapped: Check | undefined;
  return (value) =>
    (value === null ? nulls : value === undefined && undefineds) ||
    (wrapped ??= checkOf(node, exact))(value);
}

/** The wrappers that let `null` through. */
const NULL_PASSES = new Set(["nullable", "nullish"]);

/**
 * The wrappers that let `undefined` through; `exact_optional` only lets its key be missing,
 * which its object checks (present as `undefined`, it is the wrapped schema's to judge).
 */
const UNDEFINED_PASSES = new Set(["optional", "nullish"]);

/**
 * How an object's member is checked. Most members are a leaf (a string, an integer, a
 * literal), often optional or nullable: those are checked inline, in the object's own loop,
 * rather than through a chain of closures (`v.nullish(int)` was four calls); the rest by
 * their compiled check.
 */
interface Member {
  /** The member's key. */
  readonly key: string;
  /** Whether a missing key fails. */
  readonly required: boolean;
  /** Whether `null` passes (a wrapper in {@linkcode NULL_PASSES}). */
  readonly nulls: boolean;
  /** Whether `undefined` passes (a wrapper in {@linkcode UNDEFINED_PASSES}). */
  readonly undefineds: boolean;
  /** The leaf checked inline, or `CHECK`: the compiled check of `node`. */
  readonly leaf: Leaf;
  /** For `LITERAL`, the literal. */
  readonly literal: unknown;
  /** For `NUMBER`, whether it must be an integer. */
  readonly integer: boolean;
  /** For `NUMBER`, its minimum (`-Infinity`: none). */
  readonly min: number;
  /** The schema inside the wrappers. */
  readonly node: Node;
}

/** The leaves an object checks inline. */
const CHECK = 0, STRING = 1, NUMBER = 2, BOOLEAN = 3, LITERAL = 4, ANY = 5;
type Leaf =
  | typeof CHECK
  | typeof STRING
  | typeof NUMBER
  | typeof BOOLEAN
  | typeof LITERAL
  | typeof ANY;

/**
 * A loose object: each entry checked when its key is present, missing keys allowed only
 * for optional entries, unknown keys allowed (unless `exact`: then an own key that is not
 * an entry fails, when its value is not `undefined` and the object has entries at all).
 *
 * @param node The schema.
 * @param entries Its entries.
 * @param exact Whether to check keys too.
 * @returns The check.
 */
function compileLooseObject(
  node: Node,
  entries: Readonly<Record<string, Node>>,
  exact: boolean,
): Check {
  const keys = Object.keys(entries);
  const special = (entry: Node) => entry.fallback !== undefined || entry.default !== undefined;
  if (keys.some((key) => special(entries[key]))) return byValibot(node, exact);
  const members = keys.map((key) => memberOf(key, entries[key]));
  // Free-form (no entries): any key. An array passes as `unknownKeys` lets it, unwalked.
  const known = exact && keys.length > 0 ? new Set(keys) : undefined;
  const checks: (Check | undefined)[] = [];
  return (value) => {
    if (!value || typeof value !== "object") return false;
    const input = value as Record<string, unknown>;
    for (let i = 0; i < members.length; i++) {
      const member = members[i];
      if (!(member.key in input)) {
        if (member.required) return false;
        continue;
      }
      const item = input[member.key];
      if (item === null ? member.nulls : item === undefined && member.undefineds) continue;
      // Inline, not a function per leaf: this loop is most of what a check runs.
      switch (member.leaf) {
        case STRING:
          if (typeof item !== "string") return false;
          break;
        case NUMBER:
          if (
            typeof item !== "number" || Number.isNaN(item) ||
            (member.integer && !Number.isInteger(item)) || item < member.min
          ) return false;
          break;
        case BOOLEAN:
          if (typeof item !== "boolean") return false;
          break;
        case LITERAL:
          if (item !== member.literal) return false;
          break;
        case ANY:
          break;
        default:
          if (!(checks[i] ??= checkOf(member.node, exact))(item)) return false;
      }
    }
    if (known !== undefined && !Array.isArray(input)) {
      for (const key in input) {
        if (!known.has(key) && input[key] !== undefined && Object.hasOwn(input, key)) {
          return false;
        }
      }
    }
    return true;
  };
}

/**
 * How a member is checked: its wrappers (without a default) unwrapped into `nulls` and
 * `undefineds`, and the schema inside read as a leaf when it is one.
 *
 * @param key The member's key.
 * @param entry Its schema.
 * @returns The member.
 */
function memberOf(key: string, entry: Node): Member {
  const required = !OPTIONAL_TYPES.has(entry.type);
  let nulls = false;
  let undefineds = false;
  let node = entry;
  while (WRAPPER_TYPES.has(node.type) && node.pipe === undefined && node.default === undefined) {
    nulls ||= NULL_PASSES.has(node.type);
    undefineds ||= UNDEFINED_PASSES.has(node.type);
    node = node.wrapped!;
  }
  // One shape for every member: the object's loop reads them all alike.
  const member = (leaf: Leaf, literal?: unknown, number = { integer: false, min: -Infinity }) => ({
    key,
    required,
    nulls,
    undefineds,
    leaf,
    literal,
    integer: number.integer,
    min: number.min,
    node,
  });
  if (node.pipe !== undefined) {
    const number = numberPipe(node.pipe);
    return number === undefined ? member(CHECK) : member(NUMBER, undefined, number);
  }
  switch (node.type) {
    case "string":
      return member(STRING);
    case "number":
      return member(NUMBER);
    case "boolean":
      return member(BOOLEAN);
    case "literal":
      return member(LITERAL, node.literal);
    case "null":
      return member(LITERAL, null);
    case "unknown":
    case "any":
      return member(ANY);
    default:
      return member(CHECK);
  }
}

/** The wrapper types `memberOf` unwraps. */
const WRAPPER_TYPES = new Set([...OPTIONAL_TYPES, "nullable"]);

/**
 * What an object checks inline of a number with `integer` and `min_value` actions (the
 * generated `int` and `uint`); `undefined` for any other pipe.
 *
 * @param pipe The schema and its actions.
 * @returns Whether it must be an integer and its minimum, or `undefined`.
 */
function numberPipe(pipe: readonly Node[]): { integer: boolean; min: number } | undefined {
  if (pipe[0].type !== "number" || pipe[0].pipe !== undefined) return undefined;
  let integer = false;
  let min = -Infinity;
  for (const action of pipe.slice(1)) {
    if (action.kind === "metadata") continue;
    if (action.type === "integer") integer = true;
    else if (action.type === "min_value" && typeof action.requirement === "number") {
      min = Math.max(min, action.requirement);
    } else return undefined;
  }
  return { integer, min };
}

/**
 * The schema a lazy one stands for, when its getter takes no input (the generated
 * schemas'): a check calls the schema's own, not a wrapper's. Asked when a value first
 * reaches the lazy schema, as its own check would.
 *
 * @param node A schema.
 * @returns The schema it resolves to.
 */
function resolved(node: Node): Node {
  while (node.type === "lazy" && node.pipe === undefined && node.getter!.length === 0) {
    node = node.getter!(undefined);
  }
  return node;
}

/**
 * A record: every own key (valibot skips `__proto__`, `prototype` and `constructor`) and
 * its value checked.
 *
 * @param keyNode The keys' schema.
 * @param itemNode The values' schema.
 * @returns The check.
 */
function compileRecord(keyNode: Node, itemNode: Node): Check {
  let key: Check | undefined;
  let item: Check | undefined;
  return (value) => {
    if (!value || typeof value !== "object") return false;
    const input = value as Record<string, unknown>;
    for (const entryKey in input) {
      if (
        !Object.hasOwn(input, entryKey) || entryKey === "__proto__" ||
        entryKey === "prototype" || entryKey === "constructor"
      ) continue;
      key ??= checkOf(keyNode, false);
      item ??= checkOf(itemNode, false);
      if (!key(entryKey) || !item(input[entryKey])) return false;
    }
    return true;
  };
}

/**
 * A variant: valid when an option whose discriminator matches passes. When each option is
 * an object with a distinct string literal at `key`, the one a value names is found by
 * {@linkcode optionsByLiteral}.
 *
 * @param node The schema.
 * @param key The discriminator.
 * @param options The options.
 * @param exact Whether to check keys too.
 * @returns The check.
 */
function compileVariant(
  node: Node,
  key: string,
  options: readonly Node[],
  exact: boolean,
): Check {
  if (options.some((option) => option.type === "variant")) return byValibot(node, exact);
  const index = optionsByLiteral(node);
  if (index === undefined || [...index.values()].some((named) => named.length > 1)) {
    return compileVariantInOrder(key, options, exact);
  }
  const checks: (Check | undefined)[] = [];
  return (value) => {
    if (!value || typeof value !== "object") return false;
    const input = value as Record<string, unknown>;
    if (!(key in input)) return false;
    const i = index.get(input[key] as string)?.[0];
    return i !== undefined && (checks[i] ??= checkOf(options[i], exact))(value);
  };
}

/**
 * A variant whose options are tried in order, as valibot does: those whose discriminator
 * matches (or, when the value has none, is optional).
 *
 * @param key The discriminator.
 * @param options The options.
 * @param exact Whether to check keys too.
 * @returns The check.
 */
function compileVariantInOrder(key: string, options: readonly Node[], exact: boolean): Check {
  const discriminators = options.map((option) => checkOf(option.entries![key], false));
  const optional = options.map((option) => OPTIONAL_TYPES.has(option.entries![key].type));
  const checks: (Check | undefined)[] = [];
  return (value) => {
    if (!value || typeof value !== "object") return false;
    const input = value as Record<string, unknown>;
    const present = key in input;
    for (let i = 0; i < options.length; i++) {
      const matches = present ? discriminators[i](input[key]) : optional[i];
      if (matches && (checks[i] ??= checkOf(options[i], exact))(value)) return true;
    }
    return false;
  };
}

/**
 * A lazy schema whose getter reads the input: the schema it returns for each value (one
 * whose getter takes none is resolved once by {@linkcode checkOf}).
 *
 * @param node The lazy schema.
 * @param exact Whether to check keys too.
 * @returns The check.
 */
function compileLazy(node: Node, exact: boolean): Check {
  const getter = node.getter!.bind(node);
  return (value) => checkOf(getter(value), exact)(value);
}
