import { mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@codex/common/files';
import { decodeUtf8, isMissing } from './io-error.js';
import type { PatchWorkspace } from './workspace.js';

/** Permissions asked for a new file; the umask takes its share, as for any editor's file. */
const NEW_FILE_MODE = 0o666;
const PERMISSION_BITS = 0o7777;

const exists = async (path: string) => {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
};

/** The real file system. Existing files are replaced atomically and keep their permissions. */
export const diskWorkspace: PatchWorkspace = {
  async readText(path, { lossy }) {
    return decodeUtf8(await readFile(path), lossy);
  },

  async writeText(path, text, options = {}) {
    if (await exists(path)) {
      await writeFileAtomic(path, text);
      return;
    }
    const mode =
      options.modeFrom === undefined
        ? NEW_FILE_MODE
        : (await stat(options.modeFrom)).mode & PERMISSION_BITS;
    try {
      // A new file has no old content to protect, and created this way it honours the umask.
      await writeFile(path, text, { flag: 'wx', mode });
    } catch (error) {
      // Created meanwhile, or a dangling symlink: replace it as an existing file.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      await writeFileAtomic(path, text);
    }
  },

  removeFile: (path) => unlink(path),

  async createParentDirectories(path) {
    await mkdir(dirname(path), { recursive: true });
  },
};
