/**
 * Reads the method lists out of the `ClientRequest`, `ServerNotification`, `ServerRequest`
 * and `ClientNotification` unions and emits `registry.ts`: typed method maps plus runtime
 * schema lookups.
 *
 * @module
 */

import { EXPERIMENTAL_TAG, fileHeader, jsdoc, listText, VALIBOT_IMPORT } from "./emit.ts";
import { compare, type JsonSchema, type JsonSchemaObject, refName } from "./json_schema.ts";

/**
 * Result types of client requests whose name does not follow from the params type or the
 * method (checked against `client_request_definitions!` in `app-server-protocol`'s
 * `common.rs`). The generator fails when a method resolves to no existing definition, so a
 * new runtime with another irregular name is caught, not guessed.
 */
const CLIENT_RESULT_OVERRIDES: Record<string, string> = {
  "account/gatewayOAuth/cancel": "GatewayOAuthCancelResponse",
  "account/logout": "LogoutAccountResponse",
  "account/securitySetup/read": "GetAccountSecuritySetupResponse",
  "account/workspaceMessages/read": "GetWorkspaceMessagesResponse",
  "accountSession/list": "AccountSessionsResponse",
  "config/batchWrite": "ConfigWriteResponse",
  "config/mcpServer/reload": "McpServerRefreshResponse",
  "config/value/write": "ConfigWriteResponse",
  "externalAgentConfig/import/readHistories": "ExternalAgentConfigImportHistoriesReadResponse",
  // From 0.171.0: it writes `config.toml` and answers like `config/value/write` (observed).
  "modelProvider/default/set": "ConfigWriteResponse",
};

/** How a method's params are declared. */
export interface ParamsShape {
  /** Definition name, or `undefined` when the method takes no params. */
  type: string | undefined;
  /** Whether `params` may be omitted. */
  optional: boolean;
  /** Whether `params` may be `null`. */
  nullable: boolean;
}

/** One method of a root union. */
export interface MethodEntry {
  /** Wire method name. */
  method: string;
  /** Its params. */
  params: ParamsShape;
  /** Result definition (requests only). */
  result?: string;
  /** Description of the union variant. */
  doc?: string;
  /** Only present in the experimental schema. */
  experimental: boolean;
  /** The Codex version that introduced it, when the method history records one. */
  addedIn?: string;
}

/** The four method lists, each sorted by method. */
export interface Registry {
  /** Requests the client sends. */
  clientRequests: MethodEntry[];
  /** Notifications the client sends. */
  clientNotifications: MethodEntry[];
  /** Notifications the server sends. */
  serverNotifications: MethodEntry[];
  /** Requests the server sends. */
  serverRequests: MethodEntry[];
}

/**
 * The methods of one root union (`ClientRequest`, …) as wire names.
 *
 * @param definitions Flattened definitions.
 * @param root Name of the union definition.
 * @returns Method names in schema order.
 * @throws {Error} The root is missing or a variant has no single method name.
 */
export function methodsOf(definitions: Map<string, JsonSchemaObject>, root: string): string[] {
  return variantsOf(definitions, root).map(methodOf);
}

/**
 * Reads every method of the four root unions and resolves params and result types.
 *
 * @param experimental Definitions from the `--experimental` schema.
 * @param stable Definitions from the stable schema.
 * @returns The registry.
 * @throws {Error} A root union is missing, or a result type cannot be resolved.
 */
export function buildRegistry(
  experimental: Map<string, JsonSchemaObject>,
  stable: Map<string, JsonSchemaObject>,
): Registry {
  const read = (
    root: string,
    result: ((entry: MethodEntry) => string) | undefined,
  ) => {
    const stableMethods = new Set(methodsOf(stable, root));
    const entries = variantsOf(experimental, root).map((variant): MethodEntry => {
      const method = methodOf(variant);
      const entry: MethodEntry = {
        method,
        params: paramsOf(variant, method),
        doc: variant.description?.trim() || undefined,
        experimental: !stableMethods.has(method),
      };
      if (result !== undefined) entry.result = result(entry);
      return entry;
    });
    return entries.sort((a, b) => compare(a.method, b.method));
  };
  const exists = (name: string) => experimental.has(name);
  const used = new Set<string>();
  const clientResult = (entry: MethodEntry) => {
    const override = CLIENT_RESULT_OVERRIDES[entry.method];
    if (override !== undefined) {
      used.add(entry.method);
      if (!exists(override)) {
        throw new Error(
          `CLIENT_RESULT_OVERRIDES["${entry.method}"] names "${override}", which is not defined`,
        );
      }
      return override;
    }
    const candidates: string[] = [];
    if (entry.params.type?.endsWith("Params")) {
      candidates.push(`${entry.params.type.slice(0, -"Params".length)}Response`);
    }
    candidates.push(`${pascalCase(entry.method)}Response`);
    const found = candidates.find(exists);
    if (found === undefined) {
      throw new Error(
        `Cannot find the result type of client request "${entry.method}": tried ${
          candidates.join(", ")
        }; add it to CLIENT_RESULT_OVERRIDES in scripts/generate/registry.ts`,
      );
    }
    return found;
  };
  const serverResult = (entry: MethodEntry) => {
    const name = entry.params.type?.endsWith("Params")
      ? `${entry.params.type.slice(0, -"Params".length)}Response`
      : undefined;
    if (name === undefined || !exists(name)) {
      throw new Error(`Cannot find the result type of server request "${entry.method}"`);
    }
    return name;
  };
  const registry: Registry = {
    clientRequests: read("ClientRequest", clientResult),
    clientNotifications: read("ClientNotification", undefined),
    serverNotifications: read("ServerNotification", undefined),
    serverRequests: read("ServerRequest", serverResult),
  };
  for (const method of Object.keys(CLIENT_RESULT_OVERRIDES)) {
    if (!used.has(method)) {
      console.warn(`generate: CLIENT_RESULT_OVERRIDES["${method}"] matches no client request`);
    }
  }
  for (const entry of registry.serverNotifications) {
    if (entry.params.type === undefined) {
      throw new Error(
        `Cannot register server notification "${entry.method}": it has no params type`,
      );
    }
  }
  return registry;
}

/** The object variants of a root union. */
function variantsOf(definitions: Map<string, JsonSchemaObject>, root: string): JsonSchemaObject[] {
  const union = definitions.get(root);
  const variants = union?.oneOf ?? union?.anyOf;
  if (variants === undefined) throw new Error(`Cannot read methods: "${root}" is not a union`);
  return variants.map((variant) => {
    if (typeof variant !== "object") throw new Error(`Cannot read methods of "${root}"`);
    return variant;
  });
}

/** The single method name of a variant. */
function methodOf(variant: JsonSchemaObject): string {
  const method = variant.properties?.method;
  const value = typeof method === "object"
    ? (method.const ?? (method.enum?.length === 1 ? method.enum[0] : undefined))
    : undefined;
  if (typeof value !== "string") {
    throw new Error(`Cannot read a method name from union variant "${variant.title ?? "?"}"`);
  }
  return value;
}

/** How a variant declares `params`. */
function paramsOf(variant: JsonSchemaObject, method: string): ParamsShape {
  const optional = !(variant.required ?? []).includes("params");
  const params: JsonSchema | undefined = variant.properties?.params;
  if (params === undefined || (typeof params === "object" && params.type === "null")) {
    return { type: undefined, optional: true, nullable: false };
  }
  if (typeof params === "object" && params.$ref !== undefined) {
    return { type: refName(params.$ref), optional, nullable: false };
  }
  if (typeof params === "object" && params.anyOf !== undefined && params.anyOf.length === 2) {
    const ref = params.anyOf.find((o) => typeof o === "object" && o.$ref !== undefined);
    const nul = params.anyOf.find((o) => typeof o === "object" && o.type === "null");
    if (typeof ref === "object" && ref.$ref !== undefined && nul !== undefined) {
      return { type: refName(ref.$ref), optional, nullable: true };
    }
  }
  throw new Error(`Cannot read the params of "${method}": unsupported schema`);
}

/** `account/rateLimits/read` → `AccountRateLimitsRead`. */
function pascalCase(method: string): string {
  return method
    .split(/[/_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** The TypeScript type of a method's params. */
function paramsType(params: ParamsShape): string {
  if (params.type === undefined) return "undefined";
  return [
    `T.${params.type}`,
    ...(params.nullable ? ["null"] : []),
    ...(params.optional ? ["undefined"] : []),
  ].join(" | ");
}

/** The runtime schema of a method's params. */
function paramsSchema(params: ParamsShape): string {
  if (params.type === undefined) return "undefined";
  const schema = `s.${params.type}`;
  if (params.optional && params.nullable) return `v.nullish(${schema})`;
  if (params.optional) return `v.optional(${schema})`;
  if (params.nullable) return `v.nullable(${schema})`;
  return schema;
}

/** Doc for a map entry. */
function entryDoc(entry: MethodEntry): string {
  const params = entry.params.type === undefined ? "none" : `{@link T.${entry.params.type}}`;
  const shape = entry.result === undefined
    ? `Params: ${params}.`
    : `Params: ${params}; result: {@link T.${entry.result}}.`;
  return jsdoc(
    entry.doc,
    shape,
    entry.addedIn === undefined
      ? undefined
      : `Added in codex ${entry.addedIn}: an older app-server does not have it.`,
    entry.experimental ? EXPERIMENTAL_TAG : undefined,
  );
}

/** The emitted sources of the registry files. */
export interface RegistryFiles {
  /** `registry.ts`: runtime lookups, re-exporting the method maps. */
  registry: string;
  /** `registry_types.ts`: the method maps (type-only, so never loaded at run time). */
  registryTypes: string;
}

/** Names `registry_types.ts` exports. */
const MAP_TYPES = [
  "ClientNotificationMap",
  "ClientNotificationMethod",
  "ClientRequestMap",
  "ClientRequestMethod",
  "ServerNotificationMap",
  "ServerNotificationMethod",
  "ServerRequestMap",
  "ServerRequestMethod",
];

/**
 * Emits `registry.ts` and `registry_types.ts`.
 *
 * @param registry The method lists.
 * @param version Codex version, for the header.
 * @returns The sources (unformatted).
 */
export function emitRegistry(registry: Registry, version: string): RegistryFiles {
  return {
    registry: emitLookups(registry, version),
    registryTypes: emitMaps(registry, version),
  };
}

/**
 * What each params and result definition is for, as doc sentences (``Params of the client
 * request `turn/start`.``), for the definitions the schema leaves undocumented.
 *
 * @param registry The method lists.
 * @returns Sentences by definition name, in method order.
 */
export function methodRoles(registry: Registry): Map<string, string[]> {
  const uses = new Map<string, Map<string, string[]>>();
  const add = (name: string | undefined, role: string, method: string) => {
    if (name === undefined) return;
    const byRole = uses.get(name) ?? new Map<string, string[]>();
    uses.set(name, byRole);
    byRole.set(role, [...(byRole.get(role) ?? []), method]);
  };
  const lists: [MethodEntry[], string][] = [
    [registry.clientRequests, "client request"],
    [registry.clientNotifications, "client notification"],
    [registry.serverNotifications, "server notification"],
    [registry.serverRequests, "server request"],
  ];
  for (const [entries, kind] of lists) {
    for (const entry of entries) {
      add(entry.params.type, `Params of the ${kind}`, entry.method);
      add(entry.result, `Result of the ${kind}`, entry.method);
    }
  }
  const roles = new Map<string, string[]>();
  for (const [name, byRole] of uses) {
    roles.set(
      name,
      [...byRole].map(([role, methods]) =>
        methods.length === 1
          ? `${role} \`${methods[0]}\`.`
          : `${role}s ${listText(methods.map((m) => `\`${m}\``))}.`
      ),
    );
  }
  return roles;
}

/** `registry_types.ts`. */
function emitMaps(registry: Registry, version: string): string {
  const { clientRequests, clientNotifications, serverNotifications, serverRequests } = registry;
  const request = (e: MethodEntry) =>
    `${entryDoc(e)}${JSON.stringify(e.method)}: { params: ${
      paramsType(e.params)
    }; result: T.${e.result} };\n`;
  let out = fileHeader(
    version,
    "Method maps of the Codex app-server protocol: params and result types by method.\n" +
      "Methods tagged `@experimental` require `experimentalApi` at initialize. Import them\n" +
      "from `registry.ts`, which re-exports them.",
  );
  out += `import type * as T from "./types.ts";\n\n`;
  out += jsdoc("Params and result types of every request the client can send, by method.");
  out += `export interface ClientRequestMap {\n${clientRequests.map(request).join("")}}\n\n`;
  out += jsdoc("A method name the client can send as a request.");
  out += `export type ClientRequestMethod = keyof ClientRequestMap;\n\n`;
  out += jsdoc("Params type of every notification the client can send, by method.");
  out += `export interface ClientNotificationMap {\n${
    clientNotifications.map((e) =>
      `${entryDoc(e)}${JSON.stringify(e.method)}: ${paramsType(e.params)};\n`
    ).join("")
  }}\n\n`;
  out += jsdoc("A method name the client can send as a notification.");
  out += `export type ClientNotificationMethod = keyof ClientNotificationMap;\n\n`;
  out += jsdoc("Params type of every notification the server can send, by method.");
  out += `export interface ServerNotificationMap {\n${
    serverNotifications.map((e) =>
      `${entryDoc(e)}${JSON.stringify(e.method)}: T.${e.params.type};\n`
    ).join("")
  }}\n\n`;
  out += jsdoc("A method name the server can send as a notification.");
  out += `export type ServerNotificationMethod = keyof ServerNotificationMap;\n\n`;
  out += jsdoc(
    "Params and result types of every request the server can send to the client, by method.",
  );
  out += `export interface ServerRequestMap {\n${serverRequests.map(request).join("")}}\n\n`;
  out += jsdoc("A method name the server can send as a request.");
  out += `export type ServerRequestMethod = keyof ServerRequestMap;\n`;
  return out;
}

/** `registry.ts`. */
function emitLookups(registry: Registry, version: string): string {
  const { clientRequests, serverNotifications, serverRequests } = registry;
  const requestRow = (e: MethodEntry) =>
    `${JSON.stringify(e.method)}: [${paramsSchema(e.params)}, s.${e.result}],\n`;
  let out = fileHeader(
    version,
    "Typed method registry of the Codex app-server protocol: the method maps (params and\n" +
      "result types by method, from `registry_types.ts`), the method lists (from `methods.ts`), and runtime\n" +
      "lookups of the valibot schemas of every client request, server notification and\n" +
      "server request. Methods tagged `@experimental` require `experimentalApi` at initialize.\n\n" +
      "@example\n```ts\n" +
      `import * as v from "valibot";\n` +
      `import { clientRequestSchemas } from "./registry.ts";\n\n` +
      `const { result } = clientRequestSchemas("turn/start");\n` +
      `const reply = v.parse(result, {\n` +
      `  turn: { id: "turn_1", status: "inProgress", items: [], error: null },\n` +
      `});\n` +
      `console.log(reply.turn.id);\n` +
      "```",
  );
  out += `${VALIBOT_IMPORT}import { schemas as s } from "./schemas.ts";\n`;
  const used = MAP_TYPES.filter((name) =>
    name.endsWith("Map") ? name !== "ClientNotificationMap" : name !== "ClientNotificationMethod"
  );
  out += `import type {\n${used.map((n) => `  ${n},\n`).join("")}} from "./registry_types.ts";\n\n`;
  out += `export type {\n${
    MAP_TYPES.map((n) => `  ${n},\n`).join("")
  }} from "./registry_types.ts";\n`;
  out += `export * from "./methods.ts";\n\n`;

  out += jsdoc("The params and result schemas of a request.");
  out += `export interface RequestSchemas<P, R> {\n` +
    `/** Params schema; \`undefined\` when the method takes no params. */\nreadonly params: v.GenericSchema<P> | undefined;\n` +
    `/** Result schema. */\nreadonly result: v.GenericSchema<R>;\n}\n\n`;
  out += jsdoc("Schemas by method: [params (`undefined`: none), result].");
  out +=
    `type Table = Readonly<Record<string, readonly [v.GenericSchema | undefined, v.GenericSchema]>>;\n\n`;
  out += jsdoc("Client request schemas, by method (sorted).");
  out += `const CLIENT_REQUESTS: Table = {\n${clientRequests.map(requestRow).join("")}};\n\n`;
  out += jsdoc("Server notification params schemas, by method (sorted).");
  out += `const SERVER_NOTIFICATIONS: Readonly<Record<string, v.GenericSchema>> = {\n${
    serverNotifications.map((e) => `${JSON.stringify(e.method)}: s.${e.params.type},\n`).join("")
  }};\n\n`;
  out += jsdoc("Server request schemas, by method (sorted).");
  out += `const SERVER_REQUESTS: Table = {\n${serverRequests.map(requestRow).join("")}};\n\n`;

  const untypedOverloadDoc = jsdoc(
    "The same lookup for any method name (e.g. one read off the wire); `undefined` when the\npinned protocol has no such method.",
    "@param method The method.\n@returns The schemas, or `undefined`.",
  );
  out += jsdoc(
    "Looks up the params and result schemas of a client request.",
    "@param method The request method.\n" +
      "@returns The schemas (`params` is `undefined` when the method takes none), or `undefined` for an unknown method.",
    '@example\n```ts\nimport * as v from "valibot";\nimport { clientRequestSchemas } from "./registry.ts";\n\n' +
      'const { params } = clientRequestSchemas("turn/interrupt");\n' +
      'v.parse(params!, { threadId: "thr_1", turnId: "turn_1" });\n```',
  );
  out +=
    `export function clientRequestSchemas<M extends ClientRequestMethod>(\n  method: M,\n): RequestSchemas<ClientRequestMap[M]["params"], ClientRequestMap[M]["result"]>;\n`;
  out += untypedOverloadDoc;
  out +=
    `export function clientRequestSchemas(\n  method: string,\n): { params: v.GenericSchema | undefined; result: v.GenericSchema } | undefined;\n`;
  out +=
    `export function clientRequestSchemas(\n  method: string,\n): { params: v.GenericSchema | undefined; result: v.GenericSchema } | undefined {\n` +
    `  const entry = Object.hasOwn(CLIENT_REQUESTS, method) ? CLIENT_REQUESTS[method] : undefined;\n` +
    `  return entry === undefined ? undefined : { params: entry[0], result: entry[1] };\n}\n\n`;

  out += jsdoc(
    "Looks up the params schema of a server notification.",
    "@param method The notification method.\n@returns The params schema, or `undefined` for an unknown method.",
    '@example\n```ts\nimport * as v from "valibot";\nimport { serverNotificationSchema } from "./registry.ts";\n\n' +
      'const schema = serverNotificationSchema("item/agentMessage/delta");\n' +
      'v.parse(schema, { threadId: "thr_1", turnId: "turn_1", itemId: "msg_1", delta: "Hi" });\n```',
  );
  out +=
    `export function serverNotificationSchema<M extends ServerNotificationMethod>(\n  method: M,\n): v.GenericSchema<ServerNotificationMap[M]>;\n`;
  out += untypedOverloadDoc;
  out += `export function serverNotificationSchema(method: string): v.GenericSchema | undefined;\n`;
  out +=
    `export function serverNotificationSchema(method: string): v.GenericSchema | undefined {\n` +
    `  return Object.hasOwn(SERVER_NOTIFICATIONS, method) ? SERVER_NOTIFICATIONS[method] : undefined;\n}\n\n`;

  out += jsdoc(
    "Looks up the params and result schemas of a server request.",
    "@param method The request method.\n@returns The schemas, or `undefined` for an unknown method.",
    '@example\n```ts\nimport * as v from "valibot";\nimport { serverRequestSchemas } from "./registry.ts";\n\n' +
      'const { result } = serverRequestSchemas("item/fileChange/requestApproval");\n' +
      'v.parse(result, { decision: "decline" });\n```',
  );
  out +=
    `export function serverRequestSchemas<M extends ServerRequestMethod>(\n  method: M,\n): {\n  params: v.GenericSchema<ServerRequestMap[M]["params"]>;\n  result: v.GenericSchema<ServerRequestMap[M]["result"]>;\n};\n`;
  out += untypedOverloadDoc;
  out +=
    `export function serverRequestSchemas(\n  method: string,\n): { params: v.GenericSchema; result: v.GenericSchema } | undefined;\n`;
  out +=
    `export function serverRequestSchemas(\n  method: string,\n): { params: v.GenericSchema; result: v.GenericSchema } | undefined {\n` +
    `  const entry = Object.hasOwn(SERVER_REQUESTS, method) ? SERVER_REQUESTS[method] : undefined;\n` +
    `  return entry?.[0] === undefined ? undefined : { params: entry[0], result: entry[1] };\n}\n`;
  return out;
}
