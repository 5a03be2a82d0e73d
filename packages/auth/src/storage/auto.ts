import { defaultLogger, type Logger } from '@codex/common';
import type { AuthDotJson } from '../auth-dot-json.js';
import { AuthStorageError } from '../errors.js';
import type { AuthStorage } from './backend.js';
import type { FileAuthStorage } from './file.js';
import type { KeyringAuthStorage } from './keyring.js';

/**
 * The keyring when it works, auth.json when it does not. Loads prefer the keyring; a save that
 * reaches the keyring removes a stale auth.json; a keyring failure logs one warning (per
 * instance) saying why, then uses the file.
 */
export class AutoAuthStorage implements AuthStorage {
  private warned = false;
  private readonly logger: Logger;

  constructor(
    private readonly keyring: KeyringAuthStorage,
    private readonly file: FileAuthStorage,
    options: { logger?: Logger } = {},
  ) {
    this.logger = options.logger ?? defaultLogger;
  }

  async load(): Promise<AuthDotJson | null> {
    try {
      const fromKeyring = await this.keyring.load();
      if (fromKeyring) return fromKeyring;
    } catch (error) {
      this.fallback(error);
    }
    return this.file.load();
  }

  async save(auth: AuthDotJson): Promise<void> {
    try {
      await this.keyring.save(auth);
    } catch (error) {
      this.fallback(error);
      await this.file.save(auth);
      return;
    }
    try {
      await this.file.delete();
    } catch (error) {
      this.logger.warn(
        `saved to the keyring but could not remove the stale ${this.file.path}`,
        error,
      );
    }
  }

  async delete(): Promise<boolean> {
    let removed = false;
    try {
      removed = await this.keyring.delete();
    } catch (error) {
      this.fallback(error);
    }
    return (await this.file.delete()) || removed;
  }

  async update(
    change: (current: AuthDotJson | null) => AuthDotJson | null | Promise<AuthDotJson | null>,
  ): Promise<AuthDotJson | null> {
    let current: AuthDotJson | null;
    try {
      // A broken keyring sends the whole update to the file, under the file's lock.
      current = await this.keyring.load();
    } catch (error) {
      this.fallback(error);
      return this.file.update(change);
    }
    const next = await change(current ?? (await this.file.load()));
    if (next === null) await this.delete();
    else await this.save(next);
    return next;
  }

  private fallback(error: unknown): void {
    if (
      !AuthStorageError.isInstance(error) ||
      (error.code !== 'keyring_unavailable' && error.code !== 'keyring_failed')
    ) {
      throw error;
    }
    if (!this.warned) {
      this.warned = true;
      this.logger.warn(`keyring unavailable, using ${this.file.path} instead: ${error.message}`);
    } else {
      this.logger.debug(`keyring still unavailable: ${error.message}`);
    }
  }
}
