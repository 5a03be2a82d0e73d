import { join } from 'node:path';
import type { Logger } from '@codex/common';
import { FileLockError, withFileLock } from '@codex/common/files';
import { AuthStorageError } from './errors.js';

/** Settings of {@link withAuthLock}. */
export interface AuthLockOptions {
  /** How long to wait for another login, logout or refresh. Default 60 s. */
  readonly timeoutMs?: number;
  /** Where recovered problems go. Default `defaultLogger`. */
  readonly logger?: Logger;
}

const DEFAULT_AUTH_LOCK_TIMEOUT_MS = 60_000;

/**
 * Runs `body` holding `$CODEX_HOME/auth.lock`, the lock the original holds across a whole
 * login, logout (and so, here, token refresh): two of them never interleave, in this process,
 * in others, or in the original. It covers every store, the keyring included. Inside it,
 * auth.json writes take their own commit lock (`auth.json.lock`), always in that order.
 */
export async function withAuthLock<T>(
  codexHome: string,
  options: AuthLockOptions,
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await withFileLock(
      join(codexHome, 'auth.lock'),
      {
        // The original creates it 0666 (before the umask); it holds nothing.
        mode: 0o666,
        timeoutMs: options.timeoutMs ?? DEFAULT_AUTH_LOCK_TIMEOUT_MS,
        logger: options.logger,
      },
      body,
    );
  } catch (error) {
    if (!FileLockError.isInstance(error)) throw error;
    throw new AuthStorageError(error.code === 'timeout' ? 'lock_timeout' : 'io', error.message, {
      cause: error,
    });
  }
}
