import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FileLockError, withFileLock } from '@codex/common/files';
import { RolloutError } from './errors.js';

/**
 * One writer per thread, across processes and across implementations. The original holds an
 * exclusive `flock` on `$CODEX_HOME/thread-writer-locks/<thread id>.lock` for as long as it
 * writes the thread (`rollout/src/writer_lock.rs`), taking it, and deleting released lock
 * files, only while holding `.coordination.lock` in the same folder, so that a deleted file
 * never lets two processes lock different inodes. We take the same locks the same way, so
 * that the original and we exclude each other.
 */

/** The folder of the per-thread writer locks, under `CODEX_HOME`. */
export const WRITER_LOCK_DIR = 'thread-writer-locks';
const COORDINATION_LOCK_FILE = '.coordination.lock';
/** How long to wait for another process's short critical section on the coordination lock. */
const COORDINATION_TIMEOUT_MS = 30_000;

/** A held writer lock. */
export interface WriterLock {
  /** Releases the lock and deletes its file (unless someone else took it meanwhile). */
  release(): Promise<void>;
}

const activeWriter = (threadId: string, cause: unknown) =>
  new RolloutError('active_writer', `thread ${threadId} already has an active writer`, { cause });

const ioError = (message: string, cause: unknown) =>
  new RolloutError('io', `${message}: ${(cause as Error).message}`, { cause });

/**
 * Holds `path` locked until the returned function is called. `withFileLock` scopes a lock to a
 * callback; the callback here waits for the release.
 */
async function holdLock(path: string): Promise<() => Promise<void>> {
  let signalHeld!: () => void;
  const held = new Promise<void>((resolve) => {
    signalHeld = resolve;
  });
  let signalRelease!: () => void;
  const released = new Promise<void>((resolve) => {
    signalRelease = resolve;
  });
  // A zero timeout: a lock held elsewhere fails at once rather than waiting for its holder.
  const lifetime = withFileLock(path, { timeoutMs: 0 }, async () => {
    signalHeld();
    await released;
  });
  await Promise.race([held, lifetime]);
  return async () => {
    signalRelease();
    await lifetime;
  };
}

/**
 * Takes the writer lock of `threadId`. A thread written elsewhere gets an `active_writer`
 * error with the original's message, `thread <id> already has an active writer`.
 */
export async function acquireWriterLock(codexHome: string, threadId: string): Promise<WriterLock> {
  const folder = join(codexHome, WRITER_LOCK_DIR);
  const coordination = join(folder, COORDINATION_LOCK_FILE);
  const lockPath = join(folder, `${threadId}.lock`);
  let releaseLock: () => Promise<void>;
  try {
    releaseLock = await withFileLock(
      coordination,
      { timeoutMs: COORDINATION_TIMEOUT_MS },
      async () => {
        try {
          return await holdLock(lockPath);
        } catch (error) {
          if (FileLockError.isInstance(error) && error.code === 'timeout')
            throw activeWriter(threadId, error);
          throw error;
        }
      },
    );
  } catch (error) {
    if (RolloutError.isInstance(error)) throw error;
    throw ioError(`cannot take the writer lock of thread ${threadId}`, error);
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await releaseLock();
      // Delete the file as the original does, unless another writer took it in between.
      await withFileLock(coordination, { timeoutMs: COORDINATION_TIMEOUT_MS }, () =>
        withFileLock(lockPath, { timeoutMs: 0 }, () => unlink(lockPath)),
      ).catch(() => {
        // Someone holds it again, or it is gone: either way nothing is left to clean up.
      });
    },
  };
}
