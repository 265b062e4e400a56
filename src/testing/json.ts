/**
 * JSON values, and the first difference between two of them (what a replay reports when the
 * client sends something the recording did not).
 *
 * @module
 */

/** Any value `JSON.parse` can return. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** Where two JSON values first differ, and what each side holds there. */
export interface JsonDifference {
  /**
   * The path of the differing value, in JavaScript notation from the root: `method`,
   * `params.input[0].text`, `["odd key"]`; `""` for the root itself.
   */
  readonly path: string;
  /** The expected value there, `undefined` when the expected side has nothing there. */
  readonly expected: unknown;
  /** The actual value there, `undefined` when the actual side has nothing there. */
  readonly actual: unknown;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Extends a path by one object key or array index.
 *
 * @param path The parent's path (`""` for the root).
 * @param key The key or index.
 * @returns The child's path.
 *
 * @example
 * ```ts
 * import { childPath } from "./json.ts";
 * console.log(childPath(childPath("params", "input"), 0)); // "params.input[0]"
 * ```
 */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (IDENTIFIER.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/**
 * Finds the first place where `actual` differs from `expected`, walking both depth first
 * (object keys in the expected value's order, then keys only `actual` has).
 *
 * @param expected The value that was expected.
 * @param actual The value that was found.
 * @param ignore Paths (as {@linkcode JsonDifference.path} spells them) not to compare.
 * @returns The first difference, or `undefined` when the values are equal.
 *
 * @example
 * ```ts
 * import { firstDifference } from "./json.ts";
 * const difference = firstDifference(
 *   { method: "turn/start", params: { input: [{ text: "Hi" }] } },
 *   { method: "turn/start", params: { input: [{ text: "Hello" }] } },
 * );
 * console.log(difference); // { path: "params.input[0].text", expected: "Hi", actual: "Hello" }
 * ```
 */
export function firstDifference(
  expected: unknown,
  actual: unknown,
  ignore: readonly string[] = [],
): JsonDifference | undefined {
  const skip = new Set(ignore);
  const walk = (a: unknown, b: unknown, path: string): JsonDifference | undefined => {
    if (skip.has(path)) return undefined;
    if (Object.is(a, b)) return undefined;
    const kind = kindOf(a);
    if (kind !== kindOf(b) || (kind !== "array" && kind !== "object")) {
      return { path, expected: a, actual: b };
    }
    if (kind === "array") {
      const left = a as readonly unknown[];
      const right = b as readonly unknown[];
      for (let i = 0; i < Math.max(left.length, right.length); i++) {
        const found = walk(left[i], right[i], childPath(path, i));
        if (found !== undefined) return found;
      }
      return undefined;
    }
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    const keys = [...Object.keys(left), ...Object.keys(right).filter((key) => !(key in left))];
    for (const key of keys) {
      const found = walk(left[key], right[key], childPath(path, key));
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(expected, actual, "");
}

/**
 * Shows a JSON value in a message: JSON text, cut to `max` characters; `(nothing)` for
 * `undefined`.
 *
 * @param value The value.
 * @param max The longest text to show. Default 120.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { showJson } from "./json.ts";
 * console.log(showJson({ a: 1 })); // {"a":1}
 * ```
 */
export function showJson(value: unknown, max = 120): string {
  if (value === undefined) return "(nothing)";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
