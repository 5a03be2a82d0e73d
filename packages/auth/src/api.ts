import { defaultLogger } from '@codex/common';
import { type AuthCredentialsStoreMode, type AuthDotJson, storageMode } from './auth-dot-json.js';
import { type AuthLockOptions, withAuthLock } from './auth-lock.js';
import { AuthStorageError } from './errors.js';
import { type AuthStorageOptions, createAuthStorage } from './storage/create.js';
import { EphemeralAuthStorage } from './storage/ephemeral.js';
import { FileAuthStorage } from './storage/file.js';
import { KeyringAuthStorage } from './storage/keyring.js';

/** Settings of the functions below: the stores' settings plus the `auth.lock` wait. */
export interface AuthApiOptions extends AuthStorageOptions {
  /** How long to wait for another login, logout or refresh to finish. Default 60 s. */
  readonly authLockTimeoutMs?: number;
}

const lockOptions = (options: AuthApiOptions): AuthLockOptions => ({
  timeoutMs: options.authLockTimeoutMs,
  logger: options.logger,
});

/**
 * The credentials in force for `codexHome`: tokens held in memory by this process first (host
 * supplied ChatGPT tokens), then the configured store. Takes no lock, as the original's reads.
 */
export async function loadAuthDotJson(
  codexHome: string,
  mode: AuthCredentialsStoreMode,
  options: AuthStorageOptions = {},
): Promise<AuthDotJson | null> {
  const inMemory = await new EphemeralAuthStorage(codexHome).load();
  if (inMemory) return inMemory;
  return createAuthStorage(codexHome, mode, options).load();
}

/**
 * Saves `auth` where it belongs (host-supplied ChatGPT tokens always stay in memory), holding
 * `auth.lock`. A corrupt auth.json is replaced: this is a new login.
 */
export async function saveAuth(
  codexHome: string,
  auth: AuthDotJson,
  mode: AuthCredentialsStoreMode,
  options: AuthApiOptions = {},
): Promise<void> {
  await withAuthLock(codexHome, lockOptions(options), () =>
    createAuthStorage(codexHome, storageMode(auth, mode), options).save(auth),
  );
}

/**
 * Removes credentials for `codexHome` from every backend (memory, auth.json, the keyring),
 * holding `auth.lock`. An unavailable keyring is skipped (it cannot hold anything we could
 * reach); other failures are raised. True when anything was removed.
 */
export async function deleteAuth(
  codexHome: string,
  mode: AuthCredentialsStoreMode,
  options: AuthApiOptions = {},
): Promise<boolean> {
  const logger = options.logger ?? defaultLogger;
  return withAuthLock(codexHome, lockOptions(options), async () => {
    let removed = await new EphemeralAuthStorage(codexHome).delete();
    removed = (await new FileAuthStorage(codexHome, options).delete()) || removed;
    try {
      removed =
        (await new KeyringAuthStorage(codexHome, { backend: options.keyring }).delete()) || removed;
    } catch (error) {
      if (!AuthStorageError.isInstance(error) || error.code !== 'keyring_unavailable') throw error;
      // Only worth a warning when the configured store is supposed to use the keyring.
      if (mode === 'keyring' || mode === 'auto')
        logger.warn(`could not clear the keyring: ${error.message}`);
      else logger.debug(`keyring not reachable while logging out: ${error.message}`);
    }
    return removed;
  });
}

/** Stores an API key (as given; only an empty one is refused) as the credentials for `codexHome`. */
export async function loginWithApiKey(
  codexHome: string,
  apiKey: string,
  mode: AuthCredentialsStoreMode,
  options: AuthApiOptions = {},
): Promise<void> {
  if (apiKey.trim().length === 0) throw new TypeError('the API key is empty');
  await saveAuth(codexHome, { authMode: 'apikey', openaiApiKey: apiKey }, mode, options);
}
