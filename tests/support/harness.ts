/**
 * One real app-server wired to one fake model, torn down with `await using`.
 *
 * @module
 */

import { Codex, type CodexSpawnOptions } from "../../mod.ts";
import { type CodexHome, type CodexHomeOptions, createCodexHome } from "./codex_home.ts";
import {
  type FakeResponses,
  type FakeResponsesOptions,
  startFakeResponses,
} from "./fake_responses.ts";

/** A running fake model, a throwaway CODEX_HOME and a started `Codex`. */
export interface Harness extends AsyncDisposable {
  readonly fake: FakeResponses;
  readonly home: CodexHome;
  readonly codex: Codex;
}

/** Starts the fake model, writes a CODEX_HOME for it, and starts `Codex` on it. */
export async function startHarness(
  options: { home?: CodexHomeOptions; codex?: CodexSpawnOptions; fake?: FakeResponsesOptions } = {},
): Promise<Harness> {
  const fake = await startFakeResponses(options.fake);
  const home = await createCodexHome(fake.url, options.home);
  let codex: Codex;
  try {
    codex = await Codex.start({
      cwd: home.path,
      ...options.codex,
      env: { ...home.env, ...options.codex?.env },
    });
  } catch (error) {
    await fake.close();
    await home.cleanup();
    throw error;
  }
  return {
    fake,
    home,
    codex,
    async [Symbol.asyncDispose]() {
      await codex.close();
      await fake.close();
      await home.cleanup();
    },
  };
}
