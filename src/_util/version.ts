/**
 * Codex version numbers: comparing them, and what "the same version" means for a policy.
 *
 * @module
 */

/**
 * Compares two dotted versions ("0.151.0" < "0.169.0"); a pre-release suffix is ignored.
 *
 * @param a A version.
 * @param b Another.
 * @returns Negative, zero or positive, as `a` is older, equal or newer.
 *
 * @example
 * ```ts
 * import { compareVersions } from "./version.ts";
 * console.log(compareVersions("0.150.2", "0.151.0") < 0); // true
 * ```
 */
export function compareVersions(a: string, b: string): number {
  const parts = (version: string) => version.split(/[-+]/)[0].split(".").map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Whether a string is a version the comparisons understand: `MAJOR.MINOR.PATCH`, with an
 * optional pre-release or build suffix.
 *
 * @param value Anything.
 * @returns `true` for "0.171.0", "1.2.3-alpha.1"; `false` for "latest", "0.171".
 *
 * @example
 * ```ts
 * import { isVersion } from "./version.ts";
 * console.log(isVersion("0.171.0"), isVersion("latest")); // true false
 * ```
 */
export function isVersion(value: unknown): value is string {
  return typeof value === "string" && /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$/.test(value);
}
