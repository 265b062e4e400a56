/**
 * `seedStateDatabases`: gives a new `CODEX_HOME` the empty, migrated state databases of
 * its codex binary, so that the app-server does not create and migrate them at start-up.
 * That is most of a first start's cost: on a 2-core machine a start on a seeded home
 * answers `initialize` in about 260 ms instead of 400, with 130 ms less CPU.
 *
 * The databases are made once per binary (its path, size and modification time), by
 * starting that binary's app-server on a scratch home and closing it, and are kept in the
 * system's temp dir as `codex-app-server-state-<hash>/` for every later home, process and
 * run. Only the databases are copied (`*.sqlite` and their write-ahead logs), not the log
 * database, the installation id or anything else: each home stays its own.
 *
 * @module
 */

import { loadAdapter } from "../adapters/detect.ts";
import { loadTestHost, type TestHost } from "../adapters/test_host.ts";
import { Codex } from "../client/codex.ts";
import { locateCodex } from "../process/locate.ts";

/** The files of a seed: every database and its write-ahead log, but the logs database. */
const SEED_FILE = /^(?!logs_)[\w-]+\.sqlite(-wal)?$/;
/** Written last into a seed directory before it is renamed into place. */
const READY = "seed.txt";
/** The longest the scratch app-server may take to start. */
const BUILD_TIMEOUT_MS = 60_000;

/** A seed directory and the files to copy from it (each database before its log). */
interface Seed {
  readonly dir: string;
  readonly files: readonly string[];
}

/** The seed of each binary, or `undefined` where none could be had. */
const seeds = new Map<string, Promise<Seed | undefined>>();

/** How to make a seed, when none is there yet: the settings of the homes it will seed. */
export interface SeedOptions {
  /** The binary that will run on the home. Default: the pinned runtime, as `Codex.start` finds it. */
  readonly codexBin?: string;
  /** The `config.toml` of the scratch home (no model is asked anything). */
  readonly config: string;
  /** The environment of the scratch app-server (its `CODEX_HOME` is replaced). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Copies the state databases of a codex binary into `home`. Best effort: when no seed can be
 * had (no binary, or its app-server fails to start), the home is left as it was and the
 * app-server makes its databases itself.
 *
 * @param home The new `CODEX_HOME`.
 * @param options The binary, and the settings to make its seed with.
 * @returns Whether the home was seeded.
 *
 * @example
 * ```ts
 * import { seedStateDatabases } from "./state_seed.ts";
 * const home = await Deno.makeTempDir();
 * const options = { codexBin: "/no/such/codex", config: "", env: {} };
 * console.log(await seedStateDatabases(home, options)); // false
 * ```
 */
export async function seedStateDatabases(home: string, options: SeedOptions): Promise<boolean> {
  const { codexBin } = options;
  let binary: string;
  try {
    binary = locateCodex(await loadAdapter(), codexBin).binary;
  } catch {
    return false; // Codex.start reports it, with the fix
  }
  const host = await loadTestHost();
  let loading = seeds.get(binary);
  if (loading === undefined) {
    loading = loadSeed(host, binary, options);
    seeds.set(binary, loading);
  }
  const seed = await loading;
  if (seed === undefined) return false;
  const copied: string[] = [];
  try {
    for (const name of seed.files) {
      await host.copyFile(`${seed.dir}/${name}`, `${home}/${name}`);
      copied.push(name);
    }
    return true;
  } catch {
    seeds.delete(binary); // the temp dir was cleaned: make it again next time
    for (const name of copied) await host.removeDir(`${home}/${name}`).catch(() => {});
    return false;
  }
}

/** The seed of `binary` and its file list, read once; `undefined` when there is none. */
async function loadSeed(
  host: TestHost,
  binary: string,
  options: SeedOptions,
): Promise<Seed | undefined> {
  const dir = await findOrMakeSeed(host, binary, options);
  if (dir === undefined) return undefined;
  try {
    // Sorted, so that each database comes before its write-ahead log.
    const files = (await host.readDirNames(dir)).filter((name) => SEED_FILE.test(name)).sort();
    return { dir, files };
  } catch {
    return undefined;
  }
}

/** The seed directory of `binary`: found in the temp dir, or made and renamed into place. */
async function findOrMakeSeed(
  host: TestHost,
  binary: string,
  options: SeedOptions,
): Promise<string | undefined> {
  const stamp = await host.statFile(binary);
  if (stamp === undefined) return undefined;
  const key = await shortHash(`${binary}\n${stamp.size}\n${stamp.mtimeMs}`);
  // The staging directory, made first: it tells where the temp dir is.
  const seed = await host.makeTempDir("codex-app-server-state-new-");
  const final = `${parentDir(seed)}/codex-app-server-state-${key}`;
  let home: string | undefined; // the scratch home, made only when a seed must be built
  try {
    if (await host.statFile(`${final}/${READY}`) !== undefined) return final;
    home = await host.makeTempDir("codex-app-server-state-home-");
    await buildSeed(host, binary, options, home, seed);
    try {
      await host.rename(seed, final);
    } catch {
      // Another process renamed its seed into place first: use that one.
    }
    return await host.statFile(`${final}/${READY}`) === undefined ? undefined : final;
  } catch {
    return undefined;
  } finally {
    if (home !== undefined) await host.removeDir(home).catch(() => {});
    await host.removeDir(seed).catch(() => {}); // still there when it was not renamed
  }
}

/** Starts `binary`'s app-server on a scratch `home`, closes it, copies its databases to `seed`. */
async function buildSeed(
  host: TestHost,
  binary: string,
  options: SeedOptions,
  home: string,
  seed: string,
): Promise<void> {
  await host.writeTextFile(`${home}/config.toml`, options.config);
  const codex = await Codex.start({
    codexBin: binary,
    cwd: home,
    env: { ...options.env, CODEX_HOME: home },
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  await codex.close();
  for (const name of (await host.readDirNames(home)).filter((n) => SEED_FILE.test(n))) {
    await host.copyFile(`${home}/${name}`, `${seed}/${name}`);
  }
  await host.writeTextFile(`${seed}/${READY}`, `${binary}\n`);
}

/** The first 16 hex digits of the SHA-256 of `text`. */
async function shortHash(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest).slice(0, 8)]
    .map((byte) => byte.toString(16).padStart(2, "0"))
    .join("");
}

/** The directory that holds `path` (which has a separator). */
function parentDir(path: string): string {
  return path.slice(0, Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")));
}
