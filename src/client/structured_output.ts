/**
 * Typed, validated structured output: a turn given an output schema sends its JSON Schema as
 * the turn's `outputSchema`, then parses the final message as JSON and validates it.
 *
 * @module
 */

import { CodexError, OutputValidationError, type ValidationIssue } from "../errors.ts";
import type { TurnResult } from "../turn_result.ts";

/**
 * The Standard Schema v1 interface (standardschema.dev) that valibot, zod, arktype and others
 * implement: what the SDK needs of a schema to validate a turn's output. (The spec's own
 * types, structurally the same, are written out here as the spec allows.)
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly "~standard": {
    /** The spec's version: 1. */
    readonly version: 1;
    /** The library that made the schema ("valibot", "zod" …). */
    readonly vendor: string;
    /** Validates a value: its typed output, or its issues. */
    readonly validate: (
      value: unknown,
    ) => StandardResult<Output> | Promise<StandardResult<Output>>;
    /** The input and output types, for inference only. */
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** The result of a Standard Schema validation: a value, or issues. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | {
    readonly issues: ReadonlyArray<{
      readonly message: string;
      readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
    }>;
  };

/**
 * What `output` accepts: a valibot schema (its JSON Schema is made with
 * `@valibot/to-json-schema`), any Standard Schema that can give its JSON Schema (Standard JSON
 * Schema v1), or any Standard Schema v1 object together with its JSON Schema.
 */
export type OutputSchema<T = unknown> =
  | StandardSchemaV1<unknown, T>
  | {
    /** Validates the parsed output. */
    readonly schema: StandardSchemaV1<unknown, T>;
    /** The JSON Schema sent to the model as the turn's `outputSchema`. */
    readonly jsonSchema: Readonly<Record<string, unknown>>;
  };

/** The type a turn's output has under an {@linkcode OutputSchema}. */
export type OutputOf<S> = S extends { readonly schema: StandardSchemaV1<unknown, infer T> } ? T
  : S extends StandardSchemaV1<unknown, infer T> ? T
  : never;

/** A turn's result with its parsed, validated output. */
export type StructuredTurnResult<T> = TurnResult & {
  /** The final message, parsed as JSON and validated against the turn's output schema. */
  readonly output: T;
};

/** A Standard Schema that may also offer its JSON Schema (Standard JSON Schema v1). */
type MaybeJsonSchema = StandardSchemaV1 & {
  readonly "~standard": {
    readonly jsonSchema?: {
      readonly output?: (options: { readonly target: string }) => Record<string, unknown>;
    };
  };
};

function standardOf(output: OutputSchema): StandardSchemaV1 {
  return "~standard" in output ? output : output.schema;
}

/**
 * The JSON Schema to send as the turn's `outputSchema`.
 *
 * @param output The turn's `output` option.
 * @param action What it is for ("Cannot start a turn on thread …"), for the error.
 * @returns The JSON Schema.
 * @throws {CodexError} The schema offers no JSON Schema and none was given.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { jsonSchemaOf } from "./structured_output.ts";
 * const schema = v.strictObject({ title: v.string(), tags: v.array(v.string()) });
 * console.log((await jsonSchemaOf(schema, "Cannot start a turn")).type); // "object"
 * ```
 */
export async function jsonSchemaOf(
  output: OutputSchema,
  action: string,
): Promise<Record<string, unknown>> {
  if (!("~standard" in output)) return { ...output.jsonSchema };
  const standard = (output as MaybeJsonSchema)["~standard"];
  const offered = standard.jsonSchema?.output;
  if (offered !== undefined) return offered({ target: "draft-07" });
  if (standard.vendor === "valibot") {
    const { toJsonSchema } = await import("npm:@valibot/to-json-schema@1.8.0");
    return toJsonSchema(output as Parameters<typeof toJsonSchema>[0]) as Record<string, unknown>;
  }
  throw new CodexError(
    `${action}: the ${standard.vendor} schema offers no JSON Schema; pass ` +
      "output: { schema, jsonSchema } with the JSON Schema it stands for",
  );
}

/**
 * Parses a turn's final message as JSON and validates it against the output schema.
 *
 * @param output The turn's `output` option.
 * @param result The turn's result.
 * @returns The result with its `output`.
 * @throws {OutputValidationError} The turn did not complete, has no final message, or its
 * message is not JSON or does not match (with the raw text and the issue paths).
 *
 * @example
 * ```ts ignore
 * const structured = await withOutput(schema, result);
 * console.log(structured.output);
 * ```
 */
export async function withOutput<T>(
  output: OutputSchema<T>,
  result: TurnResult,
): Promise<StructuredTurnResult<T>> {
  const text = result.finalResponse;
  const fail = (why: string, issues: ValidationIssue[]) =>
    new OutputValidationError(`Turn ${result.id}: ${why}`, text, issues, result);
  if (result.status !== "completed") {
    throw fail(`the turn ended ${result.status}, so it has no structured output`, []);
  }
  if (text === null) throw fail("the turn ended without a final message to parse", []);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw fail("the final message is not JSON", [{ path: "", message }]);
  }
  const checked = await standardOf(output)["~standard"].validate(value);
  if (checked.issues !== undefined) {
    const issues = checked.issues.map((issue) => ({
      path: (issue.path ?? [])
        .map((segment) => String(typeof segment === "object" ? segment.key : segment))
        .join("."),
      message: issue.message,
    }));
    throw fail("the final message does not match the output schema", issues);
  }
  return { ...result, output: checked.value as T };
}
