/**
 * The method history: which Codex version introduced each method that appeared after the
 * first pin the history knows (`baseline`). A schema only describes its own version, so
 * this is the one protocol fact the generator cannot read from the binary: `deno task pin`
 * records it from the old and new schemas (`method_history.json`, next to this module), and
 * the generator emits it into `generated/methods.ts`, where the client reads it to refuse,
 * before sending, a method an older app-server does not have.
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareVersions, isVersion } from "../../src/_util/version.ts";
import { compare } from "./json_schema.ts";
import type { Registry } from "./registry.ts";

/** Where the history is kept. */
export const HISTORY_FILE: string = join(
  dirname(fileURLToPath(import.meta.url)),
  "method_history.json",
);

/** The four method lists of the protocol, as the registry names them. */
export const METHOD_KINDS = [
  "clientRequests",
  "clientNotifications",
  "serverNotifications",
  "serverRequests",
] as const;

/** One of {@link METHOD_KINDS}. */
export type MethodKind = typeof METHOD_KINDS[number];

/** Method names of each kind (a registry, or one schema's unions). */
export type MethodLists = Record<MethodKind, readonly string[]>;

/** The recorded history. */
export interface MethodHistory {
  /**
   * The pinned version the history starts from: a method without an entry existed in it
   * (and maybe long before), so nothing is known about older app-servers.
   */
  baseline: string;
  /** The version that introduced each method added after `baseline`, by kind and method. */
  added: Record<MethodKind, Record<string, string>>;
}

/** What one pin bump changed in the method lists. */
export type MethodChanges = Record<MethodKind, { added: string[]; removed: string[] }>;

/**
 * Reads the history file.
 *
 * @param path The file; default {@link HISTORY_FILE}.
 * @returns The history, with every kind present.
 * @throws {Error} The file is missing or malformed.
 */
export function readHistory(path: string = HISTORY_FILE): MethodHistory {
  const raw = JSON.parse(readFileSync(path, "utf8")) as Partial<MethodHistory>;
  if (!isVersion(raw.baseline)) {
    throw new Error(`Cannot read ${path}: "baseline" must be a version, got ${raw.baseline}`);
  }
  const added = {} as MethodHistory["added"];
  for (const kind of METHOD_KINDS) {
    const entries = raw.added?.[kind] ?? {};
    for (const [method, version] of Object.entries(entries)) {
      if (!isVersion(version)) {
        throw new Error(`Cannot read ${path}: added.${kind}["${method}"] is "${version}"`);
      }
    }
    added[kind] = { ...entries };
  }
  return { baseline: raw.baseline, added };
}

/**
 * The history as the file holds it: sorted, with a note on where it comes from.
 *
 * @param history The history.
 * @returns JSON text ending in a newline.
 */
export function historyText(history: MethodHistory): string {
  const sorted = (entries: Record<string, string>) =>
    Object.fromEntries(Object.entries(entries).sort(([a], [b]) => compare(a, b)));
  return JSON.stringify(
    {
      $comment: "Written by `deno task pin`: the Codex version that introduced each method " +
        "added after `baseline`. Read by scripts/generate.ts (generated/methods.ts).",
      baseline: history.baseline,
      added: Object.fromEntries(METHOD_KINDS.map((kind) => [kind, sorted(history.added[kind])])),
    },
    null,
    2,
  ) + "\n";
}

/**
 * Writes the history file.
 *
 * @param history The history.
 * @param path The file; default {@link HISTORY_FILE}.
 */
export function writeHistory(history: MethodHistory, path: string = HISTORY_FILE): void {
  writeFileSync(path, historyText(history));
}

/**
 * Checks the history against the methods being generated: every entry names a method of
 * the pinned protocol, introduced after the baseline and no later than the pin.
 *
 * @param history The history.
 * @param methods The pinned protocol's methods.
 * @param version The pinned version.
 * @throws {Error} An entry is stale (run `deno task pin`, which keeps it in step).
 */
export function checkHistory(
  history: MethodHistory,
  methods: MethodLists,
  version: string,
): void {
  if (compareVersions(history.baseline, version) > 0) {
    throw new Error(
      `The method history starts at ${history.baseline}, after the pinned ${version}`,
    );
  }
  for (const kind of METHOD_KINDS) {
    const known = new Set(methods[kind]);
    for (const [method, since] of Object.entries(history.added[kind])) {
      if (!known.has(method)) {
        throw new Error(
          `The method history lists ${kind} "${method}" (added in ${since}), which codex ` +
            `${version} does not have: remove it from scripts/generate/method_history.json`,
        );
      }
      if (compareVersions(since, history.baseline) <= 0 || compareVersions(since, version) > 0) {
        throw new Error(
          `The method history says ${kind} "${method}" was added in ${since}, outside ` +
            `${history.baseline} (exclusive) … ${version}`,
        );
      }
    }
  }
}

/**
 * The methods added and removed between two versions' lists.
 *
 * @param before The old version's methods.
 * @param after The new version's methods.
 * @returns Added and removed methods of each kind, sorted.
 *
 * @example
 * ```ts ignore
 * const changes = methodChanges(oldLists, newLists);
 * console.log(changes.clientRequests.added);
 * ```
 */
export function methodChanges(before: MethodLists, after: MethodLists): MethodChanges {
  const changes = {} as MethodChanges;
  for (const kind of METHOD_KINDS) {
    const [old, now] = [new Set(before[kind]), new Set(after[kind])];
    changes[kind] = {
      added: [...now].filter((m) => !old.has(m)).sort(compare),
      removed: [...old].filter((m) => !now.has(m)).sort(compare),
    };
  }
  return changes;
}

/**
 * The history after a pin bump: methods the new version added are recorded as added in it
 * (unless recorded already), and methods it removed are forgotten. A bump to an older
 * version (a downgrade) records nothing as added and moves the baseline down.
 *
 * @param history The history before.
 * @param changes What the bump changed.
 * @param from The old pin.
 * @param to The new pin.
 * @returns The new history (the old one is not modified).
 */
export function recordChanges(
  history: MethodHistory,
  changes: MethodChanges,
  from: string,
  to: string,
): MethodHistory {
  const upgrade = compareVersions(to, from) > 0;
  const added = {} as MethodHistory["added"];
  for (const kind of METHOD_KINDS) {
    const entries = { ...history.added[kind] };
    for (const method of changes[kind].removed) delete entries[method];
    if (upgrade) {
      for (const method of changes[kind].added) entries[method] ??= to;
    }
    // Entries newer than the pin cannot be right any more (a downgrade past them).
    for (const [method, since] of Object.entries(entries)) {
      if (compareVersions(since, to) > 0) delete entries[method];
    }
    added[kind] = entries;
  }
  const baseline = compareVersions(to, history.baseline) < 0 ? to : history.baseline;
  return { baseline, added };
}

/**
 * The registry's method lists, by kind.
 *
 * @param registry The registry.
 * @returns Method names of each kind.
 */
export function registryMethods(registry: Registry): MethodLists {
  const lists = {} as Record<MethodKind, string[]>;
  for (const kind of METHOD_KINDS) lists[kind] = registry[kind].map((entry) => entry.method);
  return lists;
}

/**
 * Sets `addedIn` on the registry's entries that the history records.
 *
 * @param registry The registry (modified).
 * @param history The history.
 */
export function annotateAddedIn(registry: Registry, history: MethodHistory): void {
  for (const kind of METHOD_KINDS) {
    for (const entry of registry[kind]) entry.addedIn = history.added[kind][entry.method];
  }
}
