/**
 * Running against another app-server version than the pinned runtime: what the
 * `requireVersion` policies allow, and which client requests an older app-server lacks
 * (from the method history generated into `generated/methods.ts`).
 *
 * @module
 */

import { CLIENT_REQUEST_ADDED_IN } from "../../generated/methods.ts";
import type { ClientRequestMethod } from "../../generated/registry_types.ts";
import { CODEX_VERSION } from "../../generated/version.ts";
import { compareVersions } from "../_util/version.ts";
import { UnsupportedMethodError, VersionMismatchError } from "../errors.ts";

/**
 * Which app-server versions a `Codex` accepts at start-up:
 * - `"any"` (default): every version. Methods the server lacks fail before sending with
 *   `UnsupportedMethodError` (where the method history knows), and notifications and server
 *   requests the pinned protocol lacks arrive typed as unknown.
 * - `"minor"`: the pinned `MAJOR.MINOR` (for the pin 0.171.0: any 0.171.x).
 * - `"exact"`: the pinned version only.
 */
export type RequireVersion = "exact" | "minor" | "any";

/**
 * Checks the app-server's version against a `requireVersion` policy.
 *
 * @param serverVersion The app-server's version (from `initialize`).
 * @param policy The policy.
 * @param pinned The pinned version; default `CODEX_VERSION`.
 * @throws {VersionMismatchError} The policy does not allow the version.
 *
 * @example
 * ```ts
 * import { checkServerVersion } from "./version_skew.ts";
 * checkServerVersion("0.171.2", "minor", "0.171.0"); // fine
 * try {
 *   checkServerVersion("0.169.0", "exact", "0.171.0");
 * } catch (error) {
 *   console.log((error as Error).message); // Cannot use app-server 0.169.0: …
 * }
 * ```
 */
export function checkServerVersion(
  serverVersion: string,
  policy: RequireVersion,
  pinned: string = CODEX_VERSION,
): void {
  if (policy === "any") return;
  if (policy !== "exact" && policy !== "minor") {
    throw new TypeError(
      `Cannot check the app-server's version: requireVersion is ${
        JSON.stringify(policy)
      }, not "exact", "minor" or "any"`,
    );
  }
  const minor = (version: string) => version.split(/[-+]/)[0].split(".").slice(0, 2).join(".");
  const allowed = policy === "exact"
    ? serverVersion === pinned
    : minor(serverVersion) === minor(pinned);
  if (!allowed) throw new VersionMismatchError(serverVersion, pinned, policy);
}

/**
 * Whether an app-server of a given version has a client request, as far as the SDK knows:
 * `false` only for a method the method history records as added after that version.
 *
 * @param method A client request method of the pinned protocol.
 * @param serverVersion The app-server's version; `undefined` (not known yet) counts as having it.
 * @returns `false` when the server is known to lack the method.
 *
 * @example
 * ```ts
 * import { serverHasMethod } from "./version_skew.ts";
 * console.log(serverHasMethod("thread/start", "0.100.0")); // true: nothing says otherwise
 * ```
 */
export function serverHasMethod(
  method: ClientRequestMethod,
  serverVersion: string | undefined,
): boolean {
  const addedIn = CLIENT_REQUEST_ADDED_IN[method];
  return serverVersion === undefined || addedIn === undefined ||
    compareVersions(serverVersion, addedIn) >= 0;
}

/**
 * Refuses, before sending, a client request the app-server is known to lack.
 *
 * @param method The method about to be sent.
 * @param serverVersion The app-server's version, when known.
 * @throws {UnsupportedMethodError} The method came after the server's version.
 *
 * @example
 * ```ts
 * import { UnsupportedMethodError } from "../errors.ts";
 * import { assertServerHasMethod } from "./version_skew.ts";
 * try {
 *   assertServerHasMethod("thread/search/stream", "0.169.0");
 * } catch (error) {
 *   console.log(error instanceof UnsupportedMethodError); // true
 * }
 * ```
 */
export function assertServerHasMethod(
  method: ClientRequestMethod,
  serverVersion: string | undefined,
): void {
  if (serverHasMethod(method, serverVersion)) return;
  throw new UnsupportedMethodError(
    method,
    serverVersion!,
    CLIENT_REQUEST_ADDED_IN[method]!,
    CODEX_VERSION,
  );
}
