import { CodexError } from '@codex/common';

/** What went wrong while listing, indexing, archiving or paging threads. */
export type ThreadIndexErrorCode =
  /** A cursor was not produced by this module, or no longer fits the file it points into. */
  | 'invalid_cursor'
  /** An argument is out of range or malformed (an empty name, a thread id that is not a uuid). */
  | 'invalid_argument'
  /** No rollout file holds the thread (in the collection the call looked in). */
  | 'not_found'
  /** The destination of an archive / unarchive move already exists; nothing was moved. */
  | 'conflict'
  /** The SQLite index could not be opened or written. */
  | 'index_unavailable'
  /** A rollout, the session index or a directory could not be read, moved or written. */
  | 'io';

/** A thread listing / history problem; `path` names the file involved when there is one. */
export class ThreadIndexError extends CodexError<ThreadIndexErrorCode> {
  static override readonly brand = 'codex.core.ThreadIndexError';
  /** The file involved, when there is one. */
  readonly path: string | undefined;

  constructor(
    code: ThreadIndexErrorCode,
    message: string,
    details: { path?: string; cause?: unknown } = {},
  ) {
    super(code, message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.path = details.path;
  }
}
