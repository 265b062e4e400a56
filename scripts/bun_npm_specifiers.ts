/**
 * Bun preload (see `bunfig.toml`): resolves the sources' `npm:` specifiers
 * (`npm:valibot@1.5.0`, written so that Deno runs the sources without our `deno.json`) to
 * the package of the same name in `node_modules`, as the npm build writes them (`valibot`).
 * Bun reads `npm:valibot@1.5.0` as the path `valibot@1.5.0` in the namespace `npm`; the
 * version is not checked here: `tests/deno_source_test.ts` checks that every `npm:`
 * specifier of the sources names the version `package.json` pins.
 *
 * @module
 */

/** The part of Bun's plugin API used here (Bun's types are not installed for Deno). */
interface BunPluginBuild {
  onResolve(
    constraints: { filter: RegExp; namespace?: string },
    callback: (args: { path: string; importer: string }) => { path: string } | undefined,
  ): void;
}

/** The part of the `Bun` global used here. */
interface BunGlobal {
  plugin(plugin: { name: string; setup(build: BunPluginBuild): void }): void;
  resolveSync(specifier: string, from: string): string;
}

/**
 * The package path of an `npm:` specifier's path, without its version:
 * `valibot@1.5.0` → `valibot`, `@valibot/to-json-schema@1.8.0/sub` →
 * `@valibot/to-json-schema/sub`.
 *
 * @param path The specifier without `npm:` (a leading `/` is allowed).
 * @returns The bare specifier.
 *
 * @example
 * ```ts
 * import { bareSpecifier } from "./bun_npm_specifiers.ts";
 * console.log(bareSpecifier("@valibot/to-json-schema@1.8.0")); // "@valibot/to-json-schema"
 * ```
 */
export function bareSpecifier(path: string): string {
  return path.replace(/^\/?((?:@[^/]+\/)?[^@/]+)(?:@[^/]*)?/, "$1");
}

const bun = (globalThis as { Bun?: BunGlobal }).Bun;
bun?.plugin({
  name: "npm-specifiers",
  setup(build) {
    build.onResolve({ filter: /.*/, namespace: "npm" }, ({ path, importer }) => ({
      path: bun.resolveSync(bareSpecifier(path), importer),
    }));
  },
});
