/**
 * The polyfill module the npm build adds next to `mod.ts` (`Symbol.dispose` and
 * `Symbol.asyncDispose` for Node before 20.4), and which modules need it.
 *
 * @module
 */

/** Name of the polyfill module the build adds next to `mod.ts`. */
export const POLYFILLS = "_polyfills.ts";

/** The polyfill module's source. */
export const POLYFILLS_SOURCE = `/**
 * Defines \`Symbol.dispose\` and \`Symbol.asyncDispose\` where the runtime lacks them (Node
 * before 20.4), as the registered symbols Node itself uses, so \`using\` and
 * \`[Symbol.asyncDispose]()\` work. Added by the npm build; not part of the Deno sources.
 *
 * @module
 */

const wellKnown = Symbol as unknown as Record<string, unknown>;
for (const name of ["dispose", "asyncDispose"]) {
  if (typeof wellKnown[name] !== "symbol") {
    Object.defineProperty(Symbol, name, {
      value: Symbol.for(\`nodejs.\${name}\`),
      writable: false,
      enumerable: false,
      configurable: false,
    });
  }
}

export {};
`;

/** A module that needs the polyfill before its body runs, or when its code runs. */
export const NEEDS_POLYFILL = /Symbol\.(?:asyncDispose|dispose)\b|\busing\s+[A-Za-z_$][\w$]*\s*=/;
