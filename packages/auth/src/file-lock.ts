import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { type AuthLogger, defaultAuthLogger } from './logger.js';

/** Settings of {@link withFileLock}. */
export interface FileLockOptions {
  /** A lock older than this is taken over (its holder died). Default 10 s; at least 2 s. */
  readonly lockStaleMs?: number;
  /** How long to wait for the lock. Default 30 s. */
  readonly lockTimeoutMs?: number;
  readonly logger?: AuthLogger;
}

/** Why {@link withFileLock} could not take the lock. */
export class FileLockError extends Error {
  /** `timeout`: another process held it too long; `io`: the lock could not be created. */
  readonly reason: 'timeout' | 'io';

  constructor(reason: 'timeout' | 'io', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FileLockError';
    this.reason = reason;
  }
}

/**
 * Runs `body` holding an advisory lock on `path` (a `<path>.lock` directory, shared with other
 * processes through proper-lockfile). The file itself need not exist; its folder is created.
 */
export async function withFileLock<T>(
  path: string,
  options: FileLockOptions,
  body: () => Promise<T>,
): Promise<T> {
  const logger = options.logger ?? defaultAuthLogger;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const stale = Math.max(options.lockStaleMs ?? 10_000, 2_000);
  const timeoutMs = options.lockTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let release: (() => Promise<void>) | undefined;
  while (!release) {
    try {
      release = await lockfile.lock(path, {
        realpath: false,
        stale,
        retries: { retries: 10, minTimeout: 2, maxTimeout: 50, randomize: true },
        onCompromised: (error) => logger.warn(`lock on ${path} was compromised`, error),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED')
        throw new FileLockError('io', `cannot lock ${path}: ${(error as Error).message}`, {
          cause: error,
        });
      if (Date.now() >= deadline)
        throw new FileLockError(
          'timeout',
          `another process held the lock on ${path} for over ${timeoutMs} ms`,
          { cause: error },
        );
    }
  }
  try {
    return await body();
  } finally {
    await release().catch((error: unknown) =>
      logger.warn(`releasing the lock on ${path} failed`, error),
    );
  }
}

/**
 * Replaces `path` with `text` atomically: a temporary file in the same folder is written with
 * `mode`, fsynced and renamed over `path`, so readers see the old or the new file, never a torn
 * one. Failures remove the temporary file and are rethrown.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: { readonly mode: number; readonly logger?: AuthLogger },
): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const handle = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
      options.mode,
    );
    try {
      await handle.chmod(options.mode); // regardless of umask
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  // Makes the rename itself durable; a failure only costs durability, so it is logged.
  try {
    const dir = await open(dirname(path), constants.O_RDONLY);
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (error) {
    (options.logger ?? defaultAuthLogger).debug(`fsync of ${dirname(path)} failed`, error);
  }
}
