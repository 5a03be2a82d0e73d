import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readlink, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { defaultLogger, type Logger } from '../logger.js';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** Symlinks followed at most, as the original Codex does (the kernel allows 40 too). */
const MAX_SYMLINKS = 40;

/**
 * Where `path` leads after following symlinks (relative ones against their own folder): the
 * file a write should replace so that the links stay. A dangling link leads to its missing
 * target. More than 40 links in a row (or a loop) is an error.
 */
export async function resolveSymlinks(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < MAX_SYMLINKS; hops++) {
    let isLink: boolean;
    try {
      isLink = (await lstat(current)).isSymbolicLink();
    } catch (error) {
      if (isMissing(error)) return current;
      throw error;
    }
    if (!isLink) return current;
    current = resolve(dirname(current), await readlink(current));
  }
  throw new Error(`${path}: too many symbolic links (${MAX_SYMLINKS} or more, or a loop)`);
}

/** Settings of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Permissions of a new file. An existing file keeps its own. Default 0o600. */
  readonly mode?: number;
  /**
   * Where recovered problems (a failed `fsync`, an owner that could not be kept) go. Default
   * `defaultLogger`.
   */
  readonly logger?: Logger;
}

/**
 * Replaces the file at `path` with `text` atomically: a temporary file beside it is written,
 * fsynced and renamed over it, so readers see the old or the new content, never a mix, and a
 * writer killed midway leaves the old file. An existing file keeps its permissions and, when
 * this process may set it, its owner; a new one gets `mode` (0600 by default) whatever the
 * umask. Symlinks are followed, as the original Codex does: the file they lead to is replaced
 * and the links stay.
 */
export async function writeFileAtomic(
  linkOrPath: string,
  text: string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const logger = options.logger ?? defaultLogger;
  const path = await resolveSymlinks(linkOrPath);
  let existing: { mode: number; uid: number; gid: number } | undefined;
  try {
    const info = await lstat(path);
    if (info.isFile()) existing = { mode: info.mode & 0o7777, uid: info.uid, gid: info.gid };
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  const mode = existing?.mode ?? options.mode ?? 0o600;
  const temp = join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
      0o600,
    );
    try {
      if (
        existing &&
        (existing.uid !== process.geteuid?.() || existing.gid !== process.getegid?.())
      )
        await handle.chown(existing.uid, existing.gid).catch((error: unknown) => {
          // Only a privileged process may give a file away; an unprivileged one writes its own.
          logger.debug(`could not keep the owner of ${path}`, error);
        });
      await handle.chmod(mode);
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
  // Makes the rename itself durable; a failure costs only durability, so it is logged.
  try {
    const dir = await open(dirname(path), constants.O_RDONLY);
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (error) {
    logger.debug(`fsync of ${dirname(path)} failed`, error);
  }
}
