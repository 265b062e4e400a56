/**
 * File operations of the test host through `node:fs/promises`, shared by the Node and Bun
 * test hosts (Bun implements these built-ins natively).
 *
 * @module
 */

import {
  appendFile,
  copyFile,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestHost } from "./test_host.ts";

/**
 * The file half of a {@linkcode TestHost}, over `node:fs/promises`.
 *
 * @example
 * ```ts
 * import { nodeTestFiles } from "./test_host_fs.ts";
 * const dir = await nodeTestFiles.makeTempDir("example-");
 * await nodeTestFiles.writeTextFile(`${dir}/a.txt`, "a");
 * await nodeTestFiles.removeDir(dir);
 * ```
 */
export const nodeTestFiles: Pick<
  TestHost,
  | "makeTempDir"
  | "writeTextFile"
  | "appendTextFile"
  | "readTextFile"
  | "removeDir"
  | "copyFile"
  | "readDirNames"
  | "rename"
  | "statFile"
> = {
  makeTempDir: (prefix) => mkdtemp(join(tmpdir(), prefix)),
  writeTextFile: (path, text) => writeFile(path, text, "utf8"),
  appendTextFile: (path, text) => appendFile(path, text, "utf8"),
  readTextFile: (path) => readFile(path, "utf8"),
  removeDir: (path) => rm(path, { recursive: true, force: true, maxRetries: 3 }),
  copyFile: (from, to) => copyFile(from, to),
  readDirNames: (path) => readdir(path),
  rename: (from, to) => rename(from, to),
  statFile: async (path) => {
    try {
      const { size, mtimeMs } = await stat(path);
      return { size, mtimeMs };
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") return undefined;
      throw error;
    }
  },
};
