import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type AuthDotJson, parseAuthDotJson, serializeAuthDotJson } from '../auth-dot-json.js';
import { AuthStorageError } from '../errors.js';
import {
  FileLockError,
  type FileLockOptions,
  withFileLock,
  writeFileAtomic,
} from '../file-lock.js';
import { type AuthLogger, defaultAuthLogger } from '../logger.js';
import type { AuthStorage } from './backend.js';

/** Settings of {@link FileAuthStorage}. */
export interface FileAuthStorageOptions extends FileLockOptions {
  readonly logger?: AuthLogger;
}

const isMissing = (error: unknown) =>
  (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

/**
 * `$CODEX_HOME/auth.json`, mode 0600. Writes go to a temporary file that is fsynced and renamed
 * over auth.json, so readers see the old or the new file, never a torn one; every write and
 * read-modify-write holds a lock (`auth.json.lock`) shared with other processes.
 */
export class FileAuthStorage implements AuthStorage {
  readonly path: string;
  private readonly options: FileAuthStorageOptions;
  private readonly logger: AuthLogger;

  constructor(codexHome: string, options: FileAuthStorageOptions = {}) {
    this.path = join(codexHome, 'auth.json');
    this.options = options;
    this.logger = options.logger ?? defaultAuthLogger;
  }

  async load(): Promise<AuthDotJson | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return null;
      throw new AuthStorageError('io', `cannot read ${this.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return parseAuthDotJson(text, this.path);
  }

  async save(auth: AuthDotJson): Promise<void> {
    await this.withLock(() => this.writeAtomically(serializeAuthDotJson(auth)));
  }

  async delete(): Promise<boolean> {
    return this.withLock(() => this.unlinkIfPresent());
  }

  async update(
    change: (current: AuthDotJson | null) => AuthDotJson | null | Promise<AuthDotJson | null>,
  ): Promise<AuthDotJson | null> {
    return this.withLock(async () => {
      const next = await change(await this.load());
      if (next === null) await this.unlinkIfPresent();
      else await this.writeAtomically(serializeAuthDotJson(next));
      return next;
    });
  }

  private async unlinkIfPresent(): Promise<boolean> {
    try {
      await unlink(this.path);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw new AuthStorageError('io', `cannot delete ${this.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private async withLock<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await withFileLock(this.path, { ...this.options, logger: this.logger }, body);
    } catch (error) {
      if (!(error instanceof FileLockError)) throw error;
      throw new AuthStorageError(
        error.reason === 'timeout' ? 'lock_timeout' : 'io',
        error.message,
        {
          cause: error,
        },
      );
    }
  }

  private async writeAtomically(text: string): Promise<void> {
    try {
      await writeFileAtomic(this.path, text, { mode: 0o600, logger: this.logger });
    } catch (error) {
      throw new AuthStorageError('io', `cannot write ${this.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
