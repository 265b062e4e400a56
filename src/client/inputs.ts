/**
 * Turn inputs: plain strings and the protocol's input items, with small builders.
 *
 * @module
 */

import type { UserInput } from "../../generated/mod.ts";
import { CodexError } from "../errors.ts";

/** One input item of a turn, exactly as the protocol spells it (`{ type: "text", text }` …). */
export type InputItem = UserInput;

/** What `run`, `turn` and `steer` accept: a string, one item, or a list of items. */
export type Input = string | InputItem | readonly InputItem[];

/**
 * A text input item.
 *
 * @param value The text.
 * @returns `{ type: "text", text: value }`.
 *
 * @example
 * ```ts
 * import { text } from "./inputs.ts";
 * console.log(text("Summarize the README")); // { type: "text", text: "Summarize the README" }
 * ```
 */
export function text(value: string): InputItem {
  return { type: "text", text: value };
}

/**
 * An image input item from a URL. The app-server accepts `data:` URLs; plain http(s) URLs
 * are refused by 0.169.0 unless the `materialize_remote_images` feature is on.
 *
 * @param url The image URL.
 * @returns `{ type: "image", url }`.
 *
 * @example
 * ```ts
 * import { image } from "./inputs.ts";
 * const pixel = image("data:image/png;base64,iVBORw0KGgo=");
 * ```
 */
export function image(url: string): InputItem {
  return { type: "image", url };
}

/**
 * An image input item read by the app-server from a local file.
 *
 * @param path The file's path (absolute, or relative to the app-server's cwd).
 * @returns `{ type: "localImage", path }`.
 *
 * @example
 * ```ts
 * import { localImage } from "./inputs.ts";
 * const screenshot = localImage("/tmp/screenshot.png");
 * ```
 */
export function localImage(path: string): InputItem {
  return { type: "localImage", path };
}

/**
 * A skill input item: the app-server injects the skill's instructions.
 *
 * @param name The skill's name.
 * @param path The path of its `SKILL.md`.
 * @returns `{ type: "skill", name, path }`.
 *
 * @example
 * ```ts
 * import { skill } from "./inputs.ts";
 * const review = skill("review", "/repo/.codex/skills/review/SKILL.md");
 * ```
 */
export function skill(name: string, path: string): InputItem {
  return { type: "skill", name, path };
}

/**
 * A mention input item (an app or plugin, e.g. `app://…` or `plugin://name@marketplace`).
 *
 * @param name The display name.
 * @param path The mention's target.
 * @returns `{ type: "mention", name, path }`.
 *
 * @example
 * ```ts
 * import { mention } from "./inputs.ts";
 * const docs = mention("docs", "app://docs");
 * ```
 */
export function mention(name: string, path: string): InputItem {
  return { type: "mention", name, path };
}

const KNOWN_TYPES = new Set(["text", "image", "localImage", "skill", "mention", "audio"]);

/**
 * Turns an {@linkcode Input} into the list of wire items, rejecting anything that is not a
 * string or an input item before it is sent.
 *
 * @param input A string, one item, or a list of items.
 * @param action What the input is for ("Cannot start turn"), for error messages.
 * @returns The wire `input` array.
 * @throws {CodexError} The input holds something that is not an input item.
 *
 * @example
 * ```ts
 * import { toInputItems } from "./inputs.ts";
 * console.log(toInputItems("hi", "Cannot start turn")); // [{ type: "text", text: "hi" }]
 * ```
 */
export function toInputItems(input: Input, action: string): InputItem[] {
  if (typeof input === "string") return [text(input)];
  const items: readonly unknown[] = Array.isArray(input) ? input : [input];
  items.forEach((item, index) => {
    if ((item as { kind?: unknown } | null)?.kind === "externalMessage") {
      throw new CodexError(
        `${action}: an ExternalMessage must be the whole input of thread.run() or ` +
          `thread.turn(): it cannot be part of an input list, nor steer a turn`,
      );
    }
    const type = typeof item === "object" && item !== null
      ? (item as { type?: unknown }).type
      : undefined;
    if (typeof type !== "string" || !KNOWN_TYPES.has(type)) {
      throw new CodexError(
        `${action}: input${Array.isArray(input) ? `[${index}]` : ""} is not an input item ` +
          `(expected a string or { type: "text" | "image" | "localImage" | "skill" | "mention", … }, ` +
          `got ${describeValue(item)})`,
      );
    }
  });
  return items as InputItem[];
}

function describeValue(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? String(value);
  const type = (value as { type?: unknown }).type;
  return type === undefined ? "an object without a type" : `type ${JSON.stringify(type)}`;
}
