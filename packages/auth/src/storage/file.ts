import { readFile, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { defaultLogger, type Logger } from '@codex/common';
import { FileLockError, resolveSymlinks, withFileLock, writeFileAtomic } from '@codex/common/files';
import { type AuthDotJson, parseAuthDotJson, serializeAuthDotJson } from '../auth-dot-json.js';
import { AuthStorageError } from '../errors.js';
import type { AuthStorage } from './backend.js';

/** Settings of {@link FileAuthStorage}. */
export interface FileAuthStorageOptions {
  /** How long to wait for another writer's commit lock. Default 10 s. */
  readonly lockTimeoutMs?: number;
  /** Where recovered problems go. Default `defaultLogger`. */
  readonly logger?: Logger;
}

const DEFAULT_COMMIT_LOCK_TIMEOUT_MS = 10_000;

const isMissing = (error: unknown) =>
  (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

const reason = (error: unknown) => (error as Error).message;

/**
 * The commit lock of a credentials file, as the original names it: the file symlinks lead to,
 * with its extension replaced by `json.lock` (`auth.json` → `auth.json.lock`).
 */
export function commitLockPath(target: string): string {
  const name = basename(target);
  const extension = extname(name);
  return join(dirname(target), `${extension ? name.slice(0, -extension.length) : name}.json.lock`);
}

/**
 * `$CODEX_HOME/auth.json`, in the original's layout. Writes and read-modify-writes hold the
 * original's commit lock (`flock` on `auth.json.lock`), so this and the original exclude each
 * other; the file is replaced atomically (temporary file, fsync, rename), keeping its owner and
 * mode (0600 when new). A symlinked auth.json is written through, as the original does.
 *
 * A corrupt auth.json is never overwritten by {@link update} (a token refresh); {@link save}
 * (a new login) replaces it and {@link delete} (logout) removes it, as the original does.
 */
export class FileAuthStorage implements AuthStorage {
  /** The file: `auth.json` in `codexHome`. */
  readonly path: string;
  private readonly options: FileAuthStorageOptions;
  private readonly logger: Logger;

  constructor(codexHome: string, options: FileAuthStorageOptions = {}) {
    this.path = join(codexHome, 'auth.json');
    this.options = options;
    this.logger = options.logger ?? defaultLogger;
  }

  async load(): Promise<AuthDotJson | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return null;
      throw new AuthStorageError('io', `cannot read ${this.path}: ${reason(error)}`, {
        cause: error,
      });
    }
    return parseAuthDotJson(text, this.path);
  }

  async save(auth: AuthDotJson): Promise<void> {
    await this.withCommitLock((target) => this.write(target, serializeAuthDotJson(auth)));
  }

  async delete(): Promise<boolean> {
    // Like the original, a symlinked auth.json loses the link, not the file it points to.
    return this.withCommitLock(() => this.unlinkIfPresent());
  }

  async update(
    change: (current: AuthDotJson | null) => AuthDotJson | null | Promise<AuthDotJson | null>,
  ): Promise<AuthDotJson | null> {
    return this.withCommitLock(async (target) => {
      const next = await change(await this.load());
      if (next === null) await this.unlinkIfPresent();
      else await this.write(target, serializeAuthDotJson(next));
      return next;
    });
  }

  private async unlinkIfPresent(): Promise<boolean> {
    try {
      await unlink(this.path);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw new AuthStorageError('io', `cannot delete ${this.path}: ${reason(error)}`, {
        cause: error,
      });
    }
  }

  private async withCommitLock<T>(body: (target: string) => Promise<T>): Promise<T> {
    let target: string;
    try {
      target = await resolveSymlinks(this.path);
    } catch (error) {
      throw new AuthStorageError('io', reason(error), { cause: error });
    }
    const lockPath = commitLockPath(target);
    try {
      return await withFileLock(
        lockPath,
        {
          timeoutMs: this.options.lockTimeoutMs ?? DEFAULT_COMMIT_LOCK_TIMEOUT_MS,
          logger: this.logger,
        },
        () => body(target),
      );
    } catch (error) {
      if (!FileLockError.isInstance(error)) throw error;
      throw new AuthStorageError(error.code === 'timeout' ? 'lock_timeout' : 'io', error.message, {
        cause: error,
      });
    }
  }

  private async write(target: string, text: string): Promise<void> {
    try {
      await writeFileAtomic(target, text, { mode: 0o600, logger: this.logger });
    } catch (error) {
      throw new AuthStorageError('io', `cannot write ${this.path}: ${reason(error)}`, {
        cause: error,
      });
    }
  }
}
