/**
 * Emits `methods.ts`: the method names of the pinned protocol, which of them are
 * experimental, and the version that introduced each method added since the method
 * history's baseline. It imports no schema, so the client loads it eagerly.
 *
 * @module
 */

import { fileHeader, jsdoc } from "./emit.ts";
import type { MethodHistory } from "./history.ts";
import type { MethodEntry, Registry } from "./registry.ts";

/** A frozen, sorted list of method names. */
function methodList(type: string, entries: MethodEntry[]): string {
  return `Object.freeze<${type}[]>([\n${
    entries.map((e) => `  ${JSON.stringify(e.method)},\n`).join("")
  }])`;
}

/** The `new Set([...])` of experimental methods. */
function experimentalSet(entries: MethodEntry[]): string {
  const names = entries.filter((e) => e.experimental).map((e) => JSON.stringify(e.method));
  return names.length === 0
    ? "new Set<string>()"
    : `new Set([\n${names.map((n) => `  ${n},`).join("\n")}\n])`;
}

/** A frozen `method → version` table. */
function addedTable(type: string, entries: Record<string, string>): string {
  const rows = Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `Object.freeze<Partial<Record<${type}, string>>>({\n${
    rows.map(([method, version]) => `  ${JSON.stringify(method)}: ${JSON.stringify(version)},\n`)
      .join("")
  }})`;
}

/** A type guard over one method list. */
function guard(name: string, type: string, list: string, what: string, example: string): string {
  return jsdoc(
    `Whether \`method\` is ${what} of the pinned protocol (a newer app-server may send others).`,
    `@param method Any method name.\n@returns \`true\` when the pinned protocol has it.`,
    `@example\n\`\`\`ts\nimport { ${name} } from "./methods.ts";\nconsole.log(${name}(${
      JSON.stringify(example)
    })); // true\n\`\`\``,
  ) +
    `export function ${name}(method: string): method is ${type} {\n` +
    `  return (${list}_SET ??= new Set<string>(${list})).has(method);\n}\n` +
    `let ${list}_SET: Set<string> | undefined;\n\n`;
}

/**
 * Emits `methods.ts`.
 *
 * @param registry The method lists.
 * @param history The method history (checked against the registry by the caller).
 * @param version Codex version, for the header.
 * @returns The source (unformatted).
 */
export function emitMethods(registry: Registry, history: MethodHistory, version: string): string {
  const { clientRequests, clientNotifications, serverNotifications, serverRequests } = registry;
  let out = fileHeader(
    version,
    "Method names of the Codex app-server protocol: the lists, type guards, the methods that\n" +
      "need `experimentalApi`, and the version that introduced each method added since the\n" +
      "method history's baseline (recorded by `deno task pin`). No schema is imported, so this\n" +
      "module is cheap to load.\n\n" +
      "@example\n```ts\n" +
      `import { CLIENT_REQUEST_ADDED_IN, isServerNotificationMethod } from "./methods.ts";\n\n` +
      `console.log(isServerNotificationMethod("turn/completed")); // true\n` +
      `console.log(CLIENT_REQUEST_ADDED_IN["thread/start"]); // undefined: as old as the baseline\n` +
      "```",
  );
  out += `import type {\n  ClientNotificationMethod,\n  ClientRequestMethod,\n` +
    `  ServerNotificationMethod,\n  ServerRequestMethod,\n} from "./registry_types.ts";\n\n`;

  out += jsdoc("Every client request method, sorted.");
  out += `export const CLIENT_REQUEST_METHODS: readonly ClientRequestMethod[] = ${
    methodList("ClientRequestMethod", clientRequests)
  };\n\n`;
  out += jsdoc("Every client notification method, sorted.");
  out += `export const CLIENT_NOTIFICATION_METHODS: readonly ClientNotificationMethod[] = ${
    methodList("ClientNotificationMethod", clientNotifications)
  };\n\n`;
  out += jsdoc("Every server notification method, sorted.");
  out += `export const SERVER_NOTIFICATION_METHODS: readonly ServerNotificationMethod[] = ${
    methodList("ServerNotificationMethod", serverNotifications)
  };\n\n`;
  out += jsdoc("Every server request method, sorted.");
  out += `export const SERVER_REQUEST_METHODS: readonly ServerRequestMethod[] = ${
    methodList("ServerRequestMethod", serverRequests)
  };\n\n`;

  out += jsdoc("Client request methods that exist only with `experimentalApi` at initialize.");
  out += `export const EXPERIMENTAL_CLIENT_REQUEST_METHODS: ReadonlySet<string> = ${
    experimentalSet(clientRequests)
  };\n\n`;
  out += jsdoc("Server notification methods sent only to connections with `experimentalApi`.");
  out += `export const EXPERIMENTAL_SERVER_NOTIFICATION_METHODS: ReadonlySet<string> = ${
    experimentalSet(serverNotifications)
  };\n\n`;
  out += jsdoc("Server request methods sent only to connections with `experimentalApi`.");
  out += `export const EXPERIMENTAL_SERVER_REQUEST_METHODS: ReadonlySet<string> = ${
    experimentalSet(serverRequests)
  };\n\n`;

  out += jsdoc(
    "The pinned version the method history starts from. Every method without an entry in\n" +
      "the `*_ADDED_IN` tables existed in it (and maybe long before): for an app-server older\n" +
      "than this, nothing is known about which methods it has.",
  );
  out += `export const METHOD_HISTORY_BASELINE = ${JSON.stringify(history.baseline)};\n\n`;
  const since = (what: string) =>
    jsdoc(
      `The Codex version that introduced each ${what} added after {@linkcode METHOD_HISTORY_BASELINE};\n` +
        "an app-server older than that does not have it.",
    );
  out += since("client request");
  out +=
    `export const CLIENT_REQUEST_ADDED_IN: Readonly<Partial<Record<ClientRequestMethod, string>>> = ${
      addedTable("ClientRequestMethod", history.added.clientRequests)
    };\n\n`;
  out += since("server notification");
  out +=
    `export const SERVER_NOTIFICATION_ADDED_IN: Readonly<Partial<Record<ServerNotificationMethod, string>>> = ${
      addedTable("ServerNotificationMethod", history.added.serverNotifications)
    };\n\n`;
  out += since("server request");
  out +=
    `export const SERVER_REQUEST_ADDED_IN: Readonly<Partial<Record<ServerRequestMethod, string>>> = ${
      addedTable("ServerRequestMethod", history.added.serverRequests)
    };\n\n`;

  out += guard(
    "isClientRequestMethod",
    "ClientRequestMethod",
    "CLIENT_REQUEST_METHODS",
    "a client request",
    "thread/start",
  );
  out += guard(
    "isServerNotificationMethod",
    "ServerNotificationMethod",
    "SERVER_NOTIFICATION_METHODS",
    "a server notification",
    "turn/completed",
  );
  out += guard(
    "isServerRequestMethod",
    "ServerRequestMethod",
    "SERVER_REQUEST_METHODS",
    "a server request",
    "item/fileChange/requestApproval",
  );
  return out;
}
