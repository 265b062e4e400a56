/**
 * Keeping secrets out of messages: API keys, capability tokens and `Authorization` headers
 * never appear in an error, a report, a stderr line or a log the SDK produces.
 *
 * @module
 */

/** The secrets this process handed to the SDK (API keys, tokens), to mask by value. */
const known = new Set<string>();

/** Shapes that are secrets whatever their value: OpenAI keys and bearer credentials. */
const SHAPES = /\bsk-[A-Za-z0-9_-]{8,}|\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g;

/** What a masked secret reads as. */
const MASK = "[redacted]";

/**
 * Remembers a secret so that {@linkcode redact} masks it wherever it appears. Values
 * shorter than 8 characters are too common to mask and are ignored.
 *
 * @param secret An API key, a token, a password.
 *
 * @example
 * ```ts
 * import { redact, rememberSecret } from "./secrets.ts";
 * rememberSecret("hunter2-correct-horse");
 * console.log(redact("token=hunter2-correct-horse")); // "token=[redacted]"
 * ```
 */
export function rememberSecret(secret: string): void {
  if (secret.length >= 8) known.add(secret);
}

/**
 * Masks every remembered secret, every OpenAI-style key (`sk-…`) and every bearer credential
 * in a text.
 *
 * @param text Anything about to become a message or a log line.
 * @returns The text with secrets replaced by `[redacted]`.
 *
 * @example
 * ```ts
 * import { redact } from "./secrets.ts";
 * console.log(redact("Authorization: Bearer abcdefghij12345")); // "Authorization: Bearer [redacted]"
 * ```
 */
export function redact(text: string): string {
  let masked = text.replace(SHAPES, (_match, bearer?: string) => `${bearer ?? ""}${MASK}`);
  for (const secret of known) {
    if (masked.includes(secret)) masked = masked.replaceAll(secret, MASK);
  }
  return masked;
}

/**
 * Masks secrets in every string of a JSON-like value (a server's error `data`, a message
 * that failed to parse as JSON-RPC): a copy when something was masked, the value itself
 * otherwise. Cycles and depth beyond 64 are cut as `"[…]"`.
 *
 * @param value Anything about to be kept on an error or a report.
 * @returns The value with secrets replaced by `[redacted]`.
 *
 * @example
 * ```ts
 * import { redactValue } from "./secrets.ts";
 * console.log(redactValue({ auth: ["Bearer abcdefghij12345"] })); // { auth: [ "Bearer [redacted]" ] }
 * ```
 */
export function redactValue(value: unknown): unknown {
  if (typeof value === "string") return redact(value);
  if (typeof value !== "object" || value === null) return value;
  try {
    const text = JSON.stringify(value);
    if (text === undefined || redact(text) === text) return value;
  } catch {
    // A cycle or a BigInt: walk it.
  }
  return redactDeep(value, 0, new Set());
}

function redactDeep(value: unknown, depth: number, path: Set<object>): unknown {
  if (typeof value === "string") return redact(value);
  if (typeof value !== "object" || value === null) return value;
  if (depth >= 64 || path.has(value)) return "[…]";
  path.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1, path));
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      copy[key] = redactDeep(item, depth + 1, path);
    }
    return copy;
  } finally {
    path.delete(value);
  }
}
