/**
 * Finds the native `codex` binary that the pinned `@openai/codex` npm package ships, so the
 * SDK spawns it directly instead of through the package's Node launcher script (which
 * would cost a Node start-up per spawn).
 *
 * @module
 */

import { CODEX_VERSION } from "../../generated/version.ts";
import type { PathKind, RuntimeAdapter } from "../adapters/adapter.ts";
import { CodexNotFoundError } from "../errors.ts";

/** Where a Codex binary was found. */
export interface CodexRuntime {
  /** Absolute path of the `codex` executable. */
  readonly binary: string;
  /**
   * The package's directory of helper tools (`rg`), which the launcher script prepends to
   * `PATH`; `undefined` for an explicit `codexBin`.
   */
  readonly pathDir: string | undefined;
}

/** The pinned binary found for each adapter: later spawns check one path, not the search. */
const found = new WeakMap<RuntimeAdapter, CodexRuntime>();

/** What is wrong with a `codexBin` path, by what is there. */
const PROBLEMS: Record<PathKind, string | undefined> = {
  missing: "does not exist",
  directory: "is not an executable file: it is a directory",
  file: "is not executable: it has no execute permission (chmod +x?)",
  executable: undefined,
};

/** The platform packages of `@openai/codex`, by Node's `platform-arch`. */
const TARGETS: Record<string, { pkg: string; triple: string; exe: string }> = {
  "linux-x64": { pkg: "codex-linux-x64", triple: "x86_64-unknown-linux-musl", exe: "codex" },
  "linux-arm64": { pkg: "codex-linux-arm64", triple: "aarch64-unknown-linux-musl", exe: "codex" },
  "darwin-x64": { pkg: "codex-darwin-x64", triple: "x86_64-apple-darwin", exe: "codex" },
  "darwin-arm64": { pkg: "codex-darwin-arm64", triple: "aarch64-apple-darwin", exe: "codex" },
  "win32-x64": { pkg: "codex-win32-x64", triple: "x86_64-pc-windows-msvc", exe: "codex.exe" },
  "win32-arm64": {
    pkg: "codex-win32-arm64",
    triple: "aarch64-pc-windows-msvc",
    exe: "codex.exe",
  },
};

/**
 * Locates the Codex binary: `codexBin` when given (it must exist), else the platform
 * package of the pinned `@openai/codex` in a `node_modules` folder above this module or
 * above the working directory.
 *
 * @param adapter The runtime adapter (for file checks and the platform).
 * @param codexBin An explicit binary path that overrides the search.
 * @returns The binary's path and its helper-tool directory.
 * @throws {CodexNotFoundError} Nothing usable was found; the message says what was looked
 * for, where, and how to fix it.
 *
 * @example
 * ```ts
 * import { loadAdapter } from "../adapters/detect.ts";
 * import { locateCodex } from "./locate.ts";
 * const { binary } = locateCodex(await loadAdapter());
 * console.log(binary); // …/node_modules/@openai/codex-linux-x64/vendor/…/bin/codex
 * ```
 */
export function locateCodex(adapter: RuntimeAdapter, codexBin?: string): CodexRuntime {
  if (codexBin !== undefined) {
    const problem = PROBLEMS[adapter.pathKind(codexBin)];
    if (problem !== undefined) {
      throw new CodexNotFoundError(`The codexBin option "${codexBin}" ${problem}`);
    }
    return { binary: codexBin, pathDir: undefined };
  }
  const known = found.get(adapter);
  if (known !== undefined && adapter.pathKind(known.binary) === "executable") return known;
  const target = TARGETS[`${adapter.platform}-${adapter.arch}`];
  if (target === undefined) {
    throw new CodexNotFoundError(
      `No Codex binary is published for ${adapter.platform}-${adapter.arch}; pass codexBin`,
    );
  }
  const tail = `@openai/${target.pkg}/vendor/${target.triple}`;
  const roots = [moduleDir(), adapter.cwd()].filter((dir): dir is string => dir !== undefined);
  for (const root of roots) {
    for (const dir of ancestors(root)) {
      for (
        const base of [`${dir}/node_modules`, `${dir}/node_modules/@openai/codex/node_modules`]
      ) {
        const vendor = `${base}/${tail}`;
        const binary = `${vendor}/bin/${target.exe}`;
        if (adapter.pathKind(binary) === "executable") {
          const runtime = { binary, pathDir: `${vendor}/codex-path` };
          found.set(adapter, runtime);
          return runtime;
        }
      }
    }
  }
  throw new CodexNotFoundError(
    `Cannot find the Codex binary: looked for ${tail}/bin/${target.exe} in node_modules ` +
      `folders above ${roots.join(" and ")}. Install the pinned runtime with ` +
      `\`npm install @openai/codex@${CODEX_VERSION}\` (it brings @openai/${target.pkg}), ` +
      `or pass the codexBin option.`,
  );
}

/** The directory of this module, when it was loaded from a file. */
function moduleDir(): string | undefined {
  const url = new URL(".", import.meta.url);
  if (url.protocol !== "file:") return undefined;
  const path = decodeURIComponent(url.pathname);
  return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
}

/** `dir` and each of its parents, up to the root. */
function* ancestors(dir: string): Generator<string> {
  let current = dir.replace(/[\\/]+$/, "");
  for (;;) {
    yield current;
    const cut = Math.max(current.lastIndexOf("/"), current.lastIndexOf("\\"));
    if (cut <= 0) {
      if (current !== "/" && current.startsWith("/")) yield "";
      return;
    }
    current = current.slice(0, cut);
  }
}
