const marker = Symbol.for('codex.auth.AuthStorageError');

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
  /** The lock on auth.json could not be taken in time. */
  | 'lock_timeout';

/** A failure of credential storage; `message` says what failed and how to fix it. */
export class AuthStorageError extends Error {
  readonly [marker] = true;
  readonly code: AuthStorageErrorCode;

  constructor(code: AuthStorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthStorageError';
    this.code = code;
  }

  static isInstance(value: unknown): value is AuthStorageError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
