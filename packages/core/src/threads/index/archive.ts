import { mkdir, rename, stat, utimes } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { ThreadIndexError } from './errors.js';
import {
  ARCHIVED_SESSIONS_SUBDIR,
  parseRolloutFileName,
  SESSIONS_SUBDIR,
} from './rollout-files.js';
import type { ThreadSummary } from './summary.js';
import { ThreadIndex } from './thread-index.js';

/**
 * Archives a thread: moves its rollout from `sessions/YYYY/MM/DD/` to `archived_sessions/`
 * (flat, same file name, mtime kept) and updates the index. Returns the archived summary.
 */
export async function archiveThread(codexHome: string, id: string): Promise<ThreadSummary> {
  return moveThread(codexHome, id, false, (fileName) => ({
    directory: join(codexHome, ARCHIVED_SESSIONS_SUBDIR),
    fileName,
  }));
}

/**
 * Restores an archived thread: moves its rollout back to `sessions/YYYY/MM/DD/` (the date of
 * its file name) and touches its mtime, so it lists as just updated (as the original does).
 */
export async function unarchiveThread(codexHome: string, id: string): Promise<ThreadSummary> {
  return moveThread(codexHome, id, true, (fileName, path) => {
    const parsed = parseRolloutFileName(fileName);
    if (parsed === null) {
      throw new ThreadIndexError('io', `rollout ${path} has no timestamp in its name`, { path });
    }
    return {
      directory: join(codexHome, SESSIONS_SUBDIR, parsed.year, parsed.month, parsed.day),
      fileName,
    };
  });
}

async function moveThread(
  codexHome: string,
  id: string,
  fromArchived: boolean,
  destination: (fileName: string, path: string) => { directory: string; fileName: string },
): Promise<ThreadSummary> {
  if (id.trim() === '') throw new ThreadIndexError('invalid_argument', 'a thread id is required');
  const index = ThreadIndex.open(codexHome);
  try {
    await index.refresh();
    const thread = index.findById(id, fromArchived);
    if (thread === null) {
      const where = fromArchived ? ARCHIVED_SESSIONS_SUBDIR : SESSIONS_SUBDIR;
      throw new ThreadIndexError('not_found', `no rollout for thread ${id} in ${where}/`);
    }
    const target = destination(basename(thread.path), thread.path);
    const targetPath = join(target.directory, target.fileName);
    if (await exists(targetPath)) {
      throw new ThreadIndexError('conflict', `${targetPath} already exists`, { path: targetPath });
    }
    try {
      await mkdir(target.directory, { recursive: true });
      await rename(thread.path, targetPath);
      if (fromArchived) {
        const now = new Date();
        await utimes(targetPath, now, now);
      }
    } catch (error) {
      throw new ThreadIndexError('io', `cannot move ${thread.path} to ${targetPath}`, {
        path: thread.path,
        cause: error,
      });
    }
    const stats = await stat(targetPath);
    const moved = await index.recordMove(relative(codexHome, thread.path), {
      relativePath: relative(codexHome, targetPath),
      archived: !fromArchived,
      size: stats.size,
      mtimeMs: stats.mtimeMs,
    });
    if (moved === null) {
      throw new ThreadIndexError('io', `cannot read the moved rollout ${targetPath}`, {
        path: targetPath,
      });
    }
    return moved;
  } finally {
    index.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
