/**
 * Approval modes, sandbox presets, and the typed shape of approval handlers.
 *
 * @module
 */

import type {
  ApprovalsReviewer,
  AskForApproval,
  SandboxMode,
  SandboxPolicy,
  ServerRequestMap,
  ServerRequestMethod,
} from "../../generated/mod.ts";
import { CodexError } from "../rpc/errors.ts";

/**
 * Who decides approvals, as the Python SDK's `ApprovalMode` presets:
 * - `"autoReview"`: `approvalPolicy: "on-request"` with `approvalsReviewer: "auto_review"`
 *   (a server-side reviewer decides);
 * - `"denyAll"`: `approvalPolicy: "never"` (nothing is escalated; the sandbox holds);
 * - `"dangerouslyBypassApprovalsAndSandbox"`: `approvalPolicy: "never"` and the
 *   `dangerFullAccess` sandbox — no sandbox and no questions.
 */
export type ApprovalMode = "autoReview" | "denyAll" | "dangerouslyBypassApprovalsAndSandbox";

/** Sandbox presets, mapped to the thread's `sandbox` and the turn's `sandboxPolicy`. */
export type SandboxPreset = "readOnly" | "workspaceWrite" | "dangerFullAccess";

const APPROVAL_MODES: readonly ApprovalMode[] = [
  "autoReview",
  "denyAll",
  "dangerouslyBypassApprovalsAndSandbox",
];

const SANDBOX_MODES: Record<SandboxPreset, SandboxMode> = {
  readOnly: "read-only",
  workspaceWrite: "workspace-write",
  dangerFullAccess: "danger-full-access",
};

/** The approval and sandbox options shared by thread and turn calls. */
export interface ApprovalOptions {
  /** An approval preset; exclusive with `approvalPolicy` / `approvalsReviewer`. */
  readonly approvalMode?: ApprovalMode;
  /** The wire approval policy. */
  readonly approvalPolicy?: AskForApproval | null;
  /** The wire approvals reviewer. */
  readonly approvalsReviewer?: ApprovalsReviewer | null;
  /** A sandbox preset (or the wire `SandboxMode` spelling, e.g. `"read-only"`). */
  readonly sandbox?: SandboxPreset | SandboxMode | null;
}

/** The wire fields an {@linkcode ApprovalOptions} resolves to. */
export interface ResolvedApproval {
  /** The wire approval policy, when set. */
  approvalPolicy?: AskForApproval | null;
  /** The wire reviewer, when set. */
  approvalsReviewer?: ApprovalsReviewer | null;
  /** The sandbox preset, when set. */
  sandbox?: SandboxPreset | null;
}

/**
 * Resolves approval presets into wire fields, rejecting invalid combinations before any
 * request is sent.
 *
 * @param options The caller's approval and sandbox options.
 * @param action What the options are for ("Cannot start thread"), for error messages.
 * @returns The wire approval fields and the sandbox preset.
 * @throws {CodexError} An unknown mode or preset, or a conflicting combination.
 *
 * @example
 * ```ts
 * import { resolveApproval } from "./approvals.ts";
 * console.log(resolveApproval({ approvalMode: "autoReview" }, "Cannot start thread"));
 * // { approvalPolicy: "on-request", approvalsReviewer: "auto_review" }
 * ```
 */
export function resolveApproval(options: ApprovalOptions, action: string): ResolvedApproval {
  const { approvalMode, approvalPolicy, approvalsReviewer } = options;
  const sandbox = toSandboxPreset(options.sandbox, action);
  const resolved: ResolvedApproval = {};
  if (approvalPolicy !== undefined) resolved.approvalPolicy = approvalPolicy;
  if (approvalsReviewer !== undefined) resolved.approvalsReviewer = approvalsReviewer;
  if (sandbox !== undefined) resolved.sandbox = sandbox;
  if (approvalMode === undefined) return resolved;
  if (!APPROVAL_MODES.includes(approvalMode)) {
    throw new CodexError(
      `${action}: approvalMode must be one of ${APPROVAL_MODES.join(", ")}, got ${
        JSON.stringify(approvalMode)
      }`,
    );
  }
  if (approvalPolicy !== undefined || approvalsReviewer !== undefined) {
    throw new CodexError(
      `${action}: approvalMode cannot be combined with approvalPolicy or approvalsReviewer`,
    );
  }
  switch (approvalMode) {
    case "autoReview":
      return { ...resolved, approvalPolicy: "on-request", approvalsReviewer: "auto_review" };
    case "denyAll":
      return { ...resolved, approvalPolicy: "never" };
    case "dangerouslyBypassApprovalsAndSandbox":
      if (sandbox !== undefined && sandbox !== "dangerFullAccess") {
        throw new CodexError(
          `${action}: approvalMode "dangerouslyBypassApprovalsAndSandbox" cannot be combined ` +
            `with sandbox ${JSON.stringify(options.sandbox)}`,
        );
      }
      return { ...resolved, approvalPolicy: "never", sandbox: "dangerFullAccess" };
  }
}

function toSandboxPreset(
  value: SandboxPreset | SandboxMode | null | undefined,
  action: string,
): SandboxPreset | null | undefined {
  if (value === undefined || value === null) return value;
  if (value in SANDBOX_MODES) return value as SandboxPreset;
  const preset = (Object.keys(SANDBOX_MODES) as SandboxPreset[]).find((key) =>
    SANDBOX_MODES[key] === value
  );
  if (preset === undefined) {
    throw new CodexError(
      `${action}: sandbox must be one of ${Object.keys(SANDBOX_MODES).join(", ")}, got ${
        JSON.stringify(value)
      }`,
    );
  }
  return preset;
}

/**
 * The thread-level wire value (`SandboxMode`) of a sandbox preset.
 *
 * @param preset The preset.
 * @returns `"read-only"`, `"workspace-write"` or `"danger-full-access"`.
 *
 * @example
 * ```ts
 * import { sandboxMode } from "./approvals.ts";
 * console.log(sandboxMode("workspaceWrite")); // "workspace-write"
 * ```
 */
export function sandboxMode(preset: SandboxPreset): SandboxMode {
  return SANDBOX_MODES[preset];
}

/**
 * The turn-level wire value (`SandboxPolicy`) of a sandbox preset.
 *
 * @param preset The preset.
 * @returns `{ type: preset }`.
 *
 * @example
 * ```ts
 * import { sandboxPolicy } from "./approvals.ts";
 * console.log(sandboxPolicy("readOnly")); // { type: "readOnly" }
 * ```
 */
export function sandboxPolicy(preset: SandboxPreset): SandboxPolicy {
  return { type: preset } as SandboxPolicy;
}

/** A server-initiated request, narrowed on `method`. */
export type ServerRequest = {
  [M in ServerRequestMethod]: {
    /** The request's method. */
    readonly method: M;
    /** Its params. */
    readonly params: ServerRequestMap[M]["params"];
    /** Its JSON-RPC id. */
    readonly id: string | number;
  };
}[ServerRequestMethod];

/** What an approval handler may return: the result of one of the server requests. */
export type ServerRequestResult = ServerRequestMap[ServerRequestMethod]["result"];

/**
 * Answers the app-server's requests (command and file-change approvals, permissions, user
 * input, MCP elicitations, dynamic tool calls, auth-token refresh). Narrow on
 * `request.method` and return that method's result. Throwing answers the server with an
 * error; once the turn completes, its `run()` and `stream()` fail with {@linkcode ApprovalHandlerError}.
 *
 * @example
 * ```ts
 * import type { ApprovalHandler } from "./approvals.ts";
 * const handler: ApprovalHandler = (request) => {
 *   switch (request.method) {
 *     case "item/commandExecution/requestApproval":
 *       return { decision: request.params.command?.startsWith("ls") ? "accept" : "decline" };
 *     case "item/fileChange/requestApproval":
 *       return { decision: "decline" };
 *     default:
 *       return declineRequest(request);
 *   }
 * };
 * ```
 */
export type ApprovalHandler = (
  request: ServerRequest,
) => ServerRequestResult | Promise<ServerRequestResult>;

/** An approval handler threw; the turn it belonged to fails with this error. */
export class ApprovalHandlerError extends CodexError {
  /** The method of the server request being answered. */
  readonly method: string;

  /**
   * Creates an `ApprovalHandlerError`.
   *
   * @param method The server request's method.
   * @param cause What the handler threw.
   */
  constructor(method: string, cause: unknown) {
    super(
      `The approval handler failed on ${method}: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
    this.method = method;
  }
}

/**
 * The safe answer to any server request: decline approvals, grant no permissions, cancel
 * elicitations and user-input questions. What the SDK answers when no handler is given.
 *
 * @param request The server request.
 * @returns A result that grants nothing.
 * @throws {CodexError} For requests that have no safe refusal (tool calls, token refresh,
 * attestation): the server receives an error reply.
 *
 * @example
 * ```ts ignore
 * import { declineRequest } from "./approvals.ts";
 * const answer = declineRequest(request); // { decision: "decline" } for a command approval
 * ```
 */
export function declineRequest(request: ServerRequest): ServerRequestResult {
  switch (request.method) {
    case "item/commandExecution/requestApproval":
    case "item/fileChange/requestApproval":
      return { decision: "decline" };
    case "item/permissions/requestApproval":
      return { permissions: {} } as ServerRequestResult;
    case "mcpServer/elicitation/request":
      return { action: "decline", content: null } as ServerRequestResult;
    case "item/tool/requestUserInput":
      return { answers: {} } as ServerRequestResult;
    case "applyPatchApproval":
    case "execCommandApproval":
      return { decision: { denied: { rejection: "No approval handler is configured." } } };
    default:
      throw new CodexError(
        `No approval handler answers ${request.method}; pass approvalHandler to Codex`,
      );
  }
}
