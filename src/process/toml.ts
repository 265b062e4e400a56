/**
 * Config values as TOML, the way `codex --config key=value` parses them.
 *
 * @module
 */

import { CodexError } from "../errors.ts";

/** A TOML value for a `--config key=value` override. */
export type ConfigValue =
  | string
  | number
  | boolean
  | readonly ConfigValue[]
  | { readonly [key: string]: ConfigValue };

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Encodes a value as TOML, as `codex --config key=value` parses it.
 *
 * @param value The value.
 * @param key The config key, for error messages.
 * @returns The TOML text.
 * @throws {CodexError} The value cannot be expressed in TOML (`null`, `NaN` …).
 *
 * @example
 * ```ts
 * import { toToml } from "./toml.ts";
 * console.log(toToml({ network_access: true, hosts: ["a"] }, "x")); // {network_access = true, hosts = ["a"]}
 * ```
 */
export function toToml(value: ConfigValue, key: string): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return String(value);
    case "number":
      if (!Number.isFinite(value)) {
        throw new CodexError(`Cannot encode config "${key}": ${value} is not a finite number`);
      }
      return String(value);
    case "object":
      if (value === null) break;
      if (Array.isArray(value)) {
        return `[${value.map((item, index) => toToml(item, `${key}[${index}]`)).join(", ")}]`;
      }
      return `{${
        Object.entries(value).map(([name, inner]) =>
          `${BARE_KEY.test(name) ? name : JSON.stringify(name)} = ${
            toToml(inner, `${key}.${name}`)
          }`
        ).join(", ")
      }}`;
  }
  throw new CodexError(`Cannot encode config "${key}": ${String(value)} has no TOML form`);
}
