import { CodexError } from '@codex/common';

/** Why a session refused an op or could not start. */
export type SessionErrorCode =
  | 'invalid_op'
  | 'closed'
  | 'exec_server'
  /** A `required` MCP server failed to start. */
  | 'mcp_required';

/** A session refused an op (it names the bad field) or was already shut down. */
export class SessionError extends CodexError<SessionErrorCode> {
  static override readonly brand = 'codex.core.SessionError';
}
