import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import { type AuthDotJson, parseAuthDotJson, serializeAuthDotJson } from '../auth-dot-json.js';
import { AuthStorageError } from '../errors.js';
import { type AuthLogger, defaultAuthLogger } from '../logger.js';
import type { AuthStorage } from './backend.js';

/** Settings of {@link FileAuthStorage}. */
export interface FileAuthStorageOptions {
  /** A lock older than this is taken over (its holder died). Default 10 s; at least 2 s. */
  readonly lockStaleMs?: number;
  /** How long to wait for the lock before failing with `lock_timeout`. Default 30 s. */
  readonly lockTimeoutMs?: number;
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
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const stale = Math.max(this.options.lockStaleMs ?? 10_000, 2_000);
    const timeoutMs = this.options.lockTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    let release: (() => Promise<void>) | undefined;
    while (!release) {
      try {
        release = await lockfile.lock(this.path, {
          realpath: false,
          stale,
          retries: { retries: 10, minTimeout: 2, maxTimeout: 50, randomize: true },
          onCompromised: (error) => this.logger.warn(`lock on ${this.path} was compromised`, error),
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') {
          throw new AuthStorageError(
            'io',
            `cannot lock ${this.path}: ${(error as Error).message}`,
            { cause: error },
          );
        }
        if (Date.now() >= deadline) {
          throw new AuthStorageError(
            'lock_timeout',
            `another process held the lock on ${this.path} for over ${timeoutMs} ms`,
            { cause: error },
          );
        }
      }
    }
    try {
      return await body();
    } finally {
      await release().catch((error: unknown) =>
        this.logger.warn(`releasing the lock on ${this.path} failed`, error),
      );
    }
  }

  private async writeAtomically(text: string): Promise<void> {
    const temp = `${this.path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    try {
      const handle = await open(
        temp,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
        0o600,
      );
      try {
        await handle.chmod(0o600); // regardless of umask
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.path);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw new AuthStorageError('io', `cannot write ${this.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    await this.syncDirectory();
  }

  /** Makes the rename itself durable; failures only cost durability, so they are logged. */
  private async syncDirectory(): Promise<void> {
    try {
      const dir = await open(dirname(this.path), constants.O_RDONLY);
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (error) {
      this.logger.debug(`fsync of ${dirname(this.path)} failed`, error);
    }
  }
}
