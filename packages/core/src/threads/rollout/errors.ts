import { CodexError } from '@codex/common';

/** Why a rollout could not be written or read. */
export type RolloutErrorCode =
  /** Another recorder (in this or another process, ours or the original's) writes this thread. */
  | 'active_writer'
  /** No rollout file exists at the path, or for the thread id. */
  | 'not_found'
  /** The file is not a rollout: empty, or it does not start with `session_meta`. */
  | 'invalid'
  /** Reading or writing the file failed. */
  | 'io';

/** A rollout file could not be written or read; the message names the file or thread. */
export class RolloutError extends CodexError<RolloutErrorCode> {
  static override readonly brand = 'codex.core.RolloutError';
}
