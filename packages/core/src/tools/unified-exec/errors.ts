import { CodexError } from '@codex/common';

/** Why an `exec_command`, `write_stdin` or `shell` call failed. */
export type UnifiedExecErrorCode =
  /** `write_stdin` named a session that does not exist (or already ended and was reported). */
  | 'unknown_session'
  /** `write_stdin` tried to write to a process started without a TTY (its stdin is closed). */
  | 'stdin_closed'
  /** Writing to the process failed while it was still running. */
  | 'write_failed'
  /** The process could not be started (bad working directory, program not found, ...). */
  | 'create_process'
  /** The caller's AbortSignal fired; the process was terminated. */
  | 'aborted';

/**
 * A failed shell-tool call. `message` is the text the original returns to the model for it
 * (e.g. `write_stdin failed: Unknown process id 4242`); `detail` is the bare reason.
 */
export class UnifiedExecError extends CodexError<UnifiedExecErrorCode> {
  static override readonly brand = 'codex.core.UnifiedExecError';
  /** The reason without the tool prefix, e.g. `Unknown process id 4242`. */
  readonly detail: string;
  /** The session the call named, when there is one. */
  readonly sessionId: number | undefined;

  constructor(
    code: UnifiedExecErrorCode,
    message: string,
    details: { detail?: string; sessionId?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: details.cause });
    this.detail = details.detail ?? message;
    this.sessionId = details.sessionId;
  }
}
