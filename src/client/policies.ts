/**
 * Ready server-request handlers, typed per request kind. Each returns a handler map; combine
 * them by spreading, later entries winning: `{ ...declineAll(), ...approveCommands(/^ls\b/) }`.
 *
 * @module
 */

import type { CommandExecutionRequestApprovalParams } from "../../generated/mod.ts";
import { loadAdapter } from "../adapters/detect.ts";
import {
  declineRequest,
  type ServerRequest,
  type ServerRequestHandlers,
} from "./server_requests.ts";

/**
 * Grants everything the agent asks for: commands, file changes, extra permissions (the Python
 * SDK's default). Use it only where the sandbox (or a throwaway machine) is the protection.
 *
 * @returns The handler map.
 *
 * @example
 * ```ts
 * import { Codex } from "codex-app-server";
 * import { approveAll } from "./policies.ts";
 * await using codex = await Codex.start({ onServerRequest: approveAll() });
 * ```
 */
export function approveAll(): ServerRequestHandlers {
  return {
    "item/commandExecution/requestApproval": () => ({ decision: "accept" }),
    "item/fileChange/requestApproval": () => ({ decision: "accept" }),
    "item/permissions/requestApproval": (params) => ({ permissions: params.permissions }),
    execCommandApproval: () => ({ decision: "approved" }),
    applyPatchApproval: () => ({ decision: "approved" }),
  };
}

/**
 * Declines everything that can be declined (approvals declined, permissions not granted,
 * questions cancelled): what the SDK answers without a handler, as an explicit base to build
 * on. Requests without a safe refusal (tool calls, token refresh) are left to other handlers,
 * or get the SDK's error reply.
 *
 * @returns The handler map (one entry per request that can be declined).
 *
 * @example
 * ```ts
 * import { approveCommands, declineAll } from "./policies.ts";
 * const onServerRequest = { ...declineAll(), ...approveCommands(["git status", "ls"]) };
 * ```
 */
export function declineAll(): ServerRequestHandlers {
  const decline =
    <M extends DeclinedMethod>(method: M) => (params: never, { id }: { id: string | number }) =>
      declineRequest({ method, params, id } as ServerRequest);
  return Object.fromEntries(DECLINED.map((method) => [method, decline(method)]));
}

/** The requests that have a safe refusal (the others get an error reply either way). */
const DECLINED = [
  "item/commandExecution/requestApproval",
  "item/fileChange/requestApproval",
  "item/permissions/requestApproval",
  "mcpServer/elicitation/request",
  "item/tool/requestUserInput",
  "applyPatchApproval",
  "execCommandApproval",
] as const;
type DeclinedMethod = typeof DECLINED[number];

/** Decides on one command from its command line (unwrapped) and the request's params. */
export type CommandPredicate = (
  command: string,
  params: CommandExecutionRequestApprovalParams,
) => boolean;

/** A shell wrapper the agent puts around commands: `/bin/bash -lc '…'`. */
const SHELL_WRAPPER = /^(?:\S*\/)?(?:ba|z|da)?sh\s+-l?c\s+'([^']*)'$/;
/** Anything that makes a command line more than one simple command. */
const SHELL_OPERATORS = /[;&|<>`$\n\\()]/;

/**
 * The command line the agent wants to run, without its shell wrapper
 * (`/bin/bash -lc 'ls -la'` → `ls -la`).
 *
 * @param command The `command` of an approval request.
 * @returns The inner command line.
 *
 * @example
 * ```ts
 * import { unwrapCommand } from "./policies.ts";
 * console.log(unwrapCommand("/bin/bash -lc 'git status'")); // "git status"
 * ```
 */
export function unwrapCommand(command: string): string {
  return SHELL_WRAPPER.exec(command.trim())?.[1].trim() ?? command.trim();
}

/**
 * Approves the commands you allow and declines every other one:
 * - a list of strings allows exactly those command lines;
 * - a `RegExp` allows command lines it matches (anchor it: `/^git (status|diff)\b/`);
 * - a predicate decides by itself, from the command line and the request.
 *
 * The command line is matched without its shell wrapper. With a list or a `RegExp`, a
 * command line that holds shell operators (`;`, `&&`, `|`, redirections, `$(…)`, backticks)
 * is always declined: `ls; rm -rf ~` must not pass for `ls`. A predicate sees the unwrapped
 * line with its operators and takes that responsibility itself. Other requests are left to
 * other handlers.
 *
 * @param allowed The allowed command lines, a pattern, or a predicate.
 * @returns The handler map (its command-approval entry).
 *
 * @example
 * ```ts
 * import { approveCommands, declineAll } from "./policies.ts";
 * const onServerRequest = { ...declineAll(), ...approveCommands(/^(ls|git status)( |$)/) };
 * ```
 */
export function approveCommands(
  allowed: readonly string[] | RegExp | CommandPredicate,
): ServerRequestHandlers {
  const allows: CommandPredicate = typeof allowed === "function"
    ? allowed
    : allowed instanceof RegExp
    ? matcher(allowed)
    : (command) => !SHELL_OPERATORS.test(command) && allowed.includes(command);
  return {
    "item/commandExecution/requestApproval": (params) => ({
      decision: allows(unwrapCommand(params.command ?? ""), params) ? "accept" : "decline",
    }),
  };
}

/** A RegExp test without state: the `g` and `y` flags would make `test` depend on history. */
function matcher(pattern: RegExp): CommandPredicate {
  const stateless = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
  return (command) => !SHELL_OPERATORS.test(command) && stateless.test(command);
}

/** Options of {@linkcode askOnTty}. */
export interface AskOnTtyOptions {
  /** Where the question is written before it is asked. Default: the prompt alone. */
  readonly describe?: (question: string) => string;
}

/**
 * Asks the person at the terminal about each command and file change (`y` accepts, anything
 * else declines), and declines when there is no terminal (stdin and stderr must be TTYs). The
 * question is withdrawn when the server no longer needs the answer.
 *
 * @param options How to phrase the question.
 * @returns The handler map (command and file-change entries).
 *
 * @example
 * ```ts
 * import { Codex } from "codex-app-server";
 * import { askOnTty, declineAll } from "./policies.ts";
 * await using codex = await Codex.start({ onServerRequest: { ...declineAll(), ...askOnTty() } });
 * ```
 */
export function askOnTty(options: AskOnTtyOptions = {}): ServerRequestHandlers {
  const ask = async (question: string, signal: AbortSignal): Promise<boolean> => {
    const adapter = await loadAdapter();
    const text = options.describe?.(question) ?? question;
    const answer = await adapter.prompt(`${text} [y/N] `, signal);
    return answer !== null && /^\s*y(es)?\s*$/i.test(answer);
  };
  return {
    "item/commandExecution/requestApproval": async (params, { signal }) => ({
      decision: await ask(`Allow the agent to run: ${unwrapCommand(params.command ?? "")}?`, signal)
        ? "accept"
        : "decline",
    }),
    "item/fileChange/requestApproval": async (params, { signal }) => ({
      decision: await ask(
          `Allow the agent to change files${params.reason ? ` (${params.reason})` : ""}?`,
          signal,
        )
        ? "accept"
        : "decline",
    }),
  };
}
