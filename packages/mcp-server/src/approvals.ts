import type { core } from '@codex/protocol';
import { z } from 'zod';

type ExecApprovalRequest = Extract<core.EventMsg, { type: 'exec_approval_request' }>;
type PatchApprovalRequest = Extract<core.EventMsg, { type: 'apply_patch_approval_request' }>;
/** A core approval request event's message. */
export type ApprovalRequest = ExecApprovalRequest | PatchApprovalRequest;

/** The decisions a client may pick in the form (with the accept button). */
const DECISIONS = ['approved', 'approved_for_session', 'denied', 'abort'] as const;

/**
 * The form a generic client renders: Accept / Decline / Cancel buttons, plus an optional choice
 * to approve for the rest of the session. Accept alone approves this once; Decline denies (the
 * model is told and goes on); Cancel denies and ends the turn.
 */
const REQUESTED_SCHEMA = {
  /** A form: an object of the fields below. */
  type: 'object' as const,
  /** The form's fields. */
  properties: {
    /** The optional choice of decision; empty with Accept approves once. */
    decision: {
      /** A string field. */
      type: 'string' as const,
      /** The field's label. */
      title: 'Decision',
      /** The field's help text. */
      description: 'Leave empty to approve this request only.',
      /** The decisions the client may send back. */
      enum: [...DECISIONS],
      /** Their labels, in the same order. */
      enumNames: [
        'Approve once',
        'Approve for this session',
        'Deny (the model goes on)',
        'Deny and stop the turn',
      ],
    },
  },
};

/** `elicitation/create` params for an exec approval: the MCP fields plus seed 002's correlation fields. */
export interface ExecApprovalElicitParams {
  /** The question shown to the user. */
  readonly message: string;
  /** The form to render (JSON Schema of the answer's content). */
  readonly requestedSchema: typeof REQUESTED_SCHEMA;
  /** The thread (Codex session) asking. */
  readonly threadId: string;
  /** Which kind of approval this is. */
  readonly codex_elicitation: 'exec-approval';
  /** The `tools/call` request id, as a string. */
  readonly codex_mcp_tool_call_id: string;
  /** The id of the turn's events. */
  readonly codex_event_id: string;
  /** The id of the command's tool call. */
  readonly codex_call_id: string;
  /** The command to run, as argv. */
  readonly codex_command: readonly string[];
  /** The directory it would run in. */
  readonly codex_cwd: string;
  /** Why the agent wants to run it, when it said. */
  readonly codex_reason?: string;
  readonly [key: string]: unknown;
}

/** `elicitation/create` params for a patch approval. */
export interface PatchApprovalElicitParams {
  /** The question shown to the user. */
  readonly message: string;
  /** The form to render (JSON Schema of the answer's content). */
  readonly requestedSchema: typeof REQUESTED_SCHEMA;
  /** The thread (Codex session) asking. */
  readonly threadId: string;
  /** Which kind of approval this is. */
  readonly codex_elicitation: 'patch-approval';
  /** The `tools/call` request id, as a string. */
  readonly codex_mcp_tool_call_id: string;
  /** The id of the turn's events. */
  readonly codex_event_id: string;
  /** The id of the patch's tool call. */
  readonly codex_call_id: string;
  /** Why the agent wants the change, when it said. */
  readonly codex_reason?: string;
  /** A directory the agent asks write access to for the rest of the session, when it does. */
  readonly codex_grant_root?: string;
  /** The changes, keyed by file path. */
  readonly codex_changes: Readonly<Record<string, core.FileChange>>;
  readonly [key: string]: unknown;
}

/**
 * `elicitation/create` params relaying a question of one of the session's own MCP servers:
 * whether the agent may call one of its tools (`codex_approval_kind` `mcp_tool_call` in
 * `codex_meta`), or the server's own form.
 */
export interface McpServerElicitParams {
  readonly message: string;
  readonly requestedSchema: Readonly<Record<string, unknown>>;
  readonly threadId: string;
  readonly codex_elicitation: 'mcp-server-elicitation';
  readonly codex_mcp_tool_call_id: string;
  readonly codex_event_id: string;
  /** The MCP server asking. */
  readonly codex_mcp_server: string;
  /** The question's id (`elicitation_request.id`). */
  readonly codex_elicitation_id: string;
  readonly codex_meta: Readonly<Record<string, unknown>> | null;
  readonly [key: string]: unknown;
}

/** Params of the `elicitation/create` request for one approval. */
export type ApprovalElicitParams =
  | ExecApprovalElicitParams
  | PatchApprovalElicitParams
  | McpServerElicitParams;

/** Quotes a command for display the way a POSIX shell would read it back. */
export function shellJoin(command: readonly string[]): string {
  return command
    .map((word) =>
      word.length > 0 && /^[\w@%+=:,./-]+$/.test(word)
        ? word
        : `'${word.replaceAll("'", `'"'"'`)}'`,
    )
    .join(' ');
}

/** The elicitation that asks the client about `request`. */
export function approvalElicitation(
  request: ApprovalRequest,
  correlation: { readonly threadId: string; readonly toolCallId: string; readonly eventId: string },
): ApprovalElicitParams {
  const common = {
    requestedSchema: REQUESTED_SCHEMA,
    threadId: correlation.threadId,
    codex_mcp_tool_call_id: correlation.toolCallId,
    codex_event_id: correlation.eventId,
    codex_call_id: request.call_id,
    ...(request.reason ? { codex_reason: request.reason } : {}),
  };
  if (request.type === 'exec_approval_request') {
    const reason = request.reason ? `${request.reason}\n\n` : '';
    return {
      ...common,
      message: `${reason}Allow Codex to run \`${shellJoin(request.command)}\` in \`${request.cwd}\`?`,
      codex_elicitation: 'exec-approval',
      codex_command: request.command,
      codex_cwd: request.cwd,
    };
  }
  const files = Object.keys(request.changes);
  const reason = request.reason ? `${request.reason}\n\n` : '';
  const listed = files.length > 0 ? ` (${files.join(', ')})` : '';
  return {
    ...common,
    message: `${reason}Allow Codex to apply proposed code changes${listed}?`,
    codex_elicitation: 'patch-approval',
    ...(request.grant_root ? { codex_grant_root: request.grant_root } : {}),
    codex_changes: request.changes,
  };
}

/**
 * What the client may answer: the MCP `ElicitResult` (`action`, `content`), or the older
 * `{decision}` the original's clients send. Anything else is read as a denial.
 */
export const ApprovalAnswerSchema = z.looseObject({
  action: z.string().optional(),
  content: z.record(z.string(), z.unknown()).optional(),
  decision: z.unknown().optional(),
});
/** An answer to an approval elicitation. */
export type ApprovalAnswer = z.infer<typeof ApprovalAnswerSchema>;

const isDecision = (value: unknown): value is (typeof DECISIONS)[number] =>
  typeof value === 'string' && (DECISIONS as readonly string[]).includes(value);

/**
 * The decision an answer stands for: `accept` approves (or what its `decision` field picked),
 * `decline` denies, `cancel` aborts the turn; a bare `{decision}` is taken as is. Null when the
 * answer means nothing (the caller denies and logs it).
 */
export function decisionOf(answer: ApprovalAnswer): core.ReviewDecision | null {
  if (answer.action === undefined) return isDecision(answer.decision) ? answer.decision : null;
  switch (answer.action) {
    case 'accept': {
      const picked = answer.content?.decision;
      if (picked === undefined || picked === null || picked === '') return 'approved';
      return isDecision(picked) ? picked : null;
    }
    case 'decline':
      return 'denied';
    case 'cancel':
      return 'abort';
    default:
      return null;
  }
}
