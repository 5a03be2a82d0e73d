import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, rmdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CodexError } from '../errors.js';
import { defaultLogger, type Logger } from '../logger.js';
import { MAX_TIMER_MS, timerFor } from '../timers.js';
import { loadFlock } from './flock.js';

/** Why {@link withFileLock} could not take a lock. */
export type FileLockErrorCode =
  /** Another holder kept the lock past the timeout. */
  | 'timeout'
  /** The caller's signal aborted the wait. */
  | 'aborted'
  /** The lock file could not be opened or locked. */
  | 'io';

/** A lock that could not be taken; the message names the lock file. */
export class FileLockError extends CodexError<FileLockErrorCode> {
  static override readonly brand = 'codex.common.FileLockError';
}

/** Settings of {@link withFileLock}. */
export interface FileLockOptions {
  /** How long to wait for another holder. Default 30 s; `Infinity` waits as long as it takes. */
  readonly timeoutMs?: number;
  /** Permissions of the lock file when it is created (before the umask). Default 0o600. */
  readonly mode?: number;
  /** Aborting stops the wait with an `aborted` error. */
  readonly signal?: AbortSignal;
  /**
   * Where recovered problems (a lock file that could not be closed) go. Default `defaultLogger`.
   */
  readonly logger?: Logger;
}

/** Between two attempts while another process holds the lock: 1 ms doubling to 10 ms. */
const FIRST_POLL_MS = 1;
const MAX_POLL_MS = 10;
const DEFAULT_TIMEOUT_MS = 30_000;

/** One queue per lock file in this process, so that only one waiter here polls the kernel. */
const localQueues = new Map<string, Promise<void>>();
/**
 * The descriptors of locks held now. Referenced here so that a lock whose holder is waiting on
 * something unreferenced is not released early: a FileHandle nobody references is closed by the
 * garbage collector, and closing the descriptor drops the lock.
 */
const heldHandles = new Set<FileHandle>();
let warnedUnsupported = false;

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Runs `body` holding an exclusive `flock` on `lockPath` (created if missing, never deleted),
 * the same OS advisory lock the original Codex takes on its `*.lock` files, so the two exclude
 * each other. The kernel drops the lock when its holder exits or is killed, so a crashed holder
 * never blocks anyone; a paused holder keeps it (its write still counts), and waiters give up
 * after `timeoutMs` with a `timeout` error rather than taking it over.
 *
 * Where the platform has no `flock` (Windows), only callers in this process exclude each other;
 * a warning says so once.
 */
export async function withFileLock<T>(
  lockPath: string,
  options: FileLockOptions,
  body: () => Promise<T>,
): Promise<T> {
  const path = resolve(lockPath);
  const logger = options.logger ?? defaultLogger;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = timeoutMs < MAX_TIMER_MS ? Date.now() + timeoutMs : Number.POSITIVE_INFINITY;
  const release = await enterLocalQueue(path, deadline, options.signal);
  let handle: FileHandle | undefined;
  try {
    handle = await acquire(path, options, deadline, logger);
    if (handle) heldHandles.add(handle);
    return await body();
  } finally {
    if (handle) {
      heldHandles.delete(handle);
      // Closing the descriptor releases the lock.
      await handle
        .close()
        .catch((error: unknown) => logger.warn(`closing the lock file ${path} failed`, error));
    }
    release();
  }
}

/** Waits for this process's earlier callers on `path`; returns the function that lets the next in. */
async function enterLocalQueue(
  path: string,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<() => void> {
  const previous = localQueues.get(path) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => mine);
  localQueues.set(path, tail);
  const done = () => {
    release();
    if (localQueues.get(path) === tail) localQueues.delete(path);
  };
  try {
    await raceDeadline(previous, path, deadline, signal);
  } catch (error) {
    // Leave the queue in order: the next caller waits for our predecessor, not for us.
    previous.then(done, done);
    throw error;
  }
  return done;
}

async function raceDeadline(
  waitFor: Promise<void>,
  path: string,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = timerFor(Math.max(deadline - Date.now(), 0), () => reject(timedOut(path)));
    onAbort = () => reject(aborted(path, signal));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([waitFor, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

const timedOut = (path: string) =>
  new FileLockError(
    'timeout',
    `the lock ${path} stayed taken (by this or another process) for too long`,
  );

const aborted = (path: string, signal: AbortSignal | undefined) =>
  new FileLockError('aborted', `waiting for the lock ${path} was aborted`, {
    cause: signal?.reason,
  });

async function acquire(
  path: string,
  options: FileLockOptions,
  deadline: number,
  logger: Logger,
): Promise<FileHandle | undefined> {
  const flock = loadFlock();
  if (flock instanceof Error) {
    if (!warnedUnsupported) {
      warnedUnsupported = true;
      logger.warn(
        `file locks are not available here (${flock.message}); writers in other processes are not excluded`,
      );
    }
    return undefined;
  }
  const handle = await openLockFile(path, options.mode ?? 0o600);
  try {
    for (let delay = FIRST_POLL_MS; ; delay = Math.min(delay * 2, MAX_POLL_MS)) {
      if (flock.tryLockExclusive(handle.fd)) return handle;
      if (options.signal?.aborted) throw aborted(path, options.signal);
      if (Date.now() >= deadline) throw timedOut(path);
      // Jitter keeps several waiters from polling in lockstep.
      await sleep(delay * (0.5 + Math.random()));
    }
  } catch (error) {
    await handle.close().catch(() => {});
    if (FileLockError.isInstance(error)) throw error;
    throw new FileLockError('io', `cannot lock ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function openLockFile(path: string, mode: number): Promise<FileHandle> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const flags = constants.O_RDWR | constants.O_CREAT;
  try {
    return await open(path, flags, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EISDIR')
      throw new FileLockError(
        'io',
        `cannot open the lock file ${path}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
  }
  // codex-ts 0.1 locked with a directory at this path; an empty one is a leftover.
  try {
    await rmdir(path);
    return await open(path, flags, mode);
  } catch (error) {
    throw new FileLockError(
      'io',
      `cannot open the lock file ${path}: a directory is in the way (${(error as Error).message})`,
      { cause: error },
    );
  }
}
