import type { Logger } from '@codex/common';
import type { AuthCredentialsStoreMode } from '../auth-dot-json.js';
import { AutoAuthStorage } from './auto.js';
import type { AuthStorage } from './backend.js';
import { EphemeralAuthStorage } from './ephemeral.js';
import { FileAuthStorage, type FileAuthStorageOptions } from './file.js';
import { KeyringAuthStorage, type KeyringBackend } from './keyring.js';

/** Settings shared by every backend. */
export interface AuthStorageOptions extends FileAuthStorageOptions {
  /** The keyring to use instead of keytar (tests, other platforms). */
  readonly keyring?: KeyringBackend;
  /**
   * Where recovered problems (such as a keyring that failed, so `auto` fell back to the file) go.
   */
  readonly logger?: Logger;
}

/** The storage backend for `mode` rooted at `codexHome`. */
export function createAuthStorage(
  codexHome: string,
  mode: AuthCredentialsStoreMode,
  options: AuthStorageOptions = {},
): AuthStorage {
  switch (mode) {
    case 'file':
      return new FileAuthStorage(codexHome, options);
    case 'keyring':
      return new KeyringAuthStorage(codexHome, { backend: options.keyring });
    case 'auto':
      return new AutoAuthStorage(
        new KeyringAuthStorage(codexHome, { backend: options.keyring }),
        new FileAuthStorage(codexHome, options),
        { logger: options.logger },
      );
    case 'ephemeral':
      return new EphemeralAuthStorage(codexHome);
  }
}
