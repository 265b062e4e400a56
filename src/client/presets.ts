/**
 * Approval modes and sandbox presets, and the one function that maps them to the wire fields
 * of a thread (`thread/start`, `thread/resume`, `thread/fork`) or a turn (`turn/start`).
 *
 * @module
 */

import type {
  ApprovalsReviewer,
  AskForApproval,
  SandboxMode,
  SandboxPolicy,
} from "../../generated/mod.ts";
import { CodexError } from "../errors.ts";

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
interface ResolvedApproval {
  /** The wire approval policy, when set. */
  approvalPolicy?: AskForApproval | null;
  /** The wire reviewer, when set. */
  approvalsReviewer?: ApprovalsReviewer | null;
  /** The sandbox preset, when set. */
  sandbox?: SandboxPreset | null;
}

/** Resolves the presets, rejecting unknown values and conflicting combinations. */
function resolveApproval(options: ApprovalOptions, action: string): ResolvedApproval {
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

/** The wire fields the presets of a thread call map to. */
export interface ThreadPresetFields {
  /** `approvalPolicy`, when set. */
  approvalPolicy?: AskForApproval | null;
  /** `approvalsReviewer`, when set. */
  approvalsReviewer?: ApprovalsReviewer | null;
  /** `sandbox` as the thread calls spell it, when set. */
  sandbox?: SandboxMode | null;
}

/** The wire fields the presets of a turn call map to. */
export interface TurnPresetFields {
  /** `approvalPolicy`, when set. */
  approvalPolicy?: AskForApproval | null;
  /** `approvalsReviewer`, when set. */
  approvalsReviewer?: ApprovalsReviewer | null;
  /** `sandboxPolicy` as `turn/start` spells it, when set. */
  sandboxPolicy?: SandboxPolicy | null;
}

/**
 * Splits the presets off a call's options and maps them to wire fields: a thread call's
 * `sandbox` is a `SandboxMode` (`"read-only"`), a turn's is a `sandboxPolicy`
 * (`{ type: "readOnly" }`). Unknown values and conflicting combinations are rejected before
 * anything is sent.
 *
 * @param options The call's options, presets included.
 * @param level `"thread"` for `thread/start|resume|fork`, `"turn"` for `turn/start`.
 * @param action What the options are for ("Cannot start thread"), for error messages.
 * @returns The options without the presets, and the wire fields they map to.
 * @throws {CodexError} An unknown mode or preset, or a conflicting combination.
 *
 * @example
 * ```ts
 * import { applyPresets } from "./presets.ts";
 * const [rest, fields] = applyPresets({ model: "gpt-5", approvalMode: "denyAll", sandbox: "readOnly" }, "turn", "Cannot start turn");
 * console.log(rest, fields); // { model: "gpt-5" } { approvalPolicy: "never", sandboxPolicy: { type: "readOnly" } }
 * ```
 */
export function applyPresets<T extends ApprovalOptions & { readonly sandboxPolicy?: unknown }>(
  options: T,
  level: "thread",
  action: string,
): [Omit<T, keyof ApprovalOptions>, ThreadPresetFields];
export function applyPresets<T extends ApprovalOptions & { readonly sandboxPolicy?: unknown }>(
  options: T,
  level: "turn",
  action: string,
): [Omit<T, keyof ApprovalOptions>, TurnPresetFields];
export function applyPresets<T extends ApprovalOptions & { readonly sandboxPolicy?: unknown }>(
  options: T,
  level: "thread" | "turn",
  action: string,
): [Omit<T, keyof ApprovalOptions>, ThreadPresetFields | TurnPresetFields] {
  const {
    approvalMode: _mode,
    approvalPolicy: _policy,
    approvalsReviewer: _reviewer,
    sandbox: _sandbox,
    ...rest
  } = options;
  const { sandbox, ...approval } = resolveApproval(options, action);
  if (sandbox === undefined) return [rest, approval];
  if (level === "thread") {
    return [rest, { ...approval, sandbox: sandbox === null ? null : SANDBOX_MODES[sandbox] }];
  }
  if (sandbox !== null && options.sandboxPolicy != null) {
    throw new CodexError(`${action}: pass sandbox or sandboxPolicy, not both`);
  }
  return [rest, {
    ...approval,
    sandboxPolicy: sandbox === null ? null : { type: sandbox } as SandboxPolicy,
  }];
}
