import { CodexError } from '@codex/common';

/** Why a credential store failed. */
export type AuthStorageErrorCode =
  /** auth.json (or a keyring entry) is not valid JSON or not the expected shape. It is left as is. */
  | 'corrupt'
  /** keytar cannot be loaded, or no Secret Service answers on D-Bus. */
  | 'keyring_unavailable'
  /** The keyring answered with an error. */
  | 'keyring_failed'
  /** A filesystem operation failed. */
  | 'io'
  /** A lock on the credentials could not be taken in time. */
  | 'lock_timeout';

/**
 * A failure of credential storage; `message` says what failed and how to fix it, and never
 * quotes what the file holds.
 */
export class AuthStorageError extends CodexError<AuthStorageErrorCode> {
  static override readonly brand = 'codex.auth.AuthStorageError';
}
