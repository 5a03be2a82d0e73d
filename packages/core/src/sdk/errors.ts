import { CodexError } from '@codex/common';

/** Why a turn run through the SDK did not give a result. */
export type CodexRunErrorCode =
  /** The turn ended with an error (`error` holds the v2 `TurnError`). */
  | 'turn_failed'
  /** The turn was interrupted by something other than the run's own signal. */
  | 'interrupted'
  /** Another turn of this thread is still running: one turn at a time per thread. */
  | 'turn_in_progress'
  /** The input is empty or has a part of an unknown type. */
  | 'invalid_input'
  /** The thread or its client was closed (or its connection lost). */
  | 'closed';

/** The error a turn ended with (the v2 `TurnError`'s main fields). */
export interface TurnErrorInfo {
  /** What went wrong, for a person. */
  readonly message: string;
  /** The original's machine-readable kind (`contextWindowExceeded`, `usageLimitExceeded`…). */
  readonly codexErrorInfo?: unknown;
}

/** A turn run through the SDK (`CodexThread.run`) failed, or could not start. */
export class CodexRunError extends CodexError<CodexRunErrorCode> {
  static override readonly brand = 'codex.core.CodexRunError';
  /** For `turn_failed`: the error the turn ended with, as the v2 wire reports it. */
  readonly turnError: TurnErrorInfo | null;

  constructor(
    code: CodexRunErrorCode,
    message: string,
    options: {
      cause?: unknown;
      turnError?: TurnErrorInfo | null;
    } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.turnError = options.turnError ?? null;
  }
}
