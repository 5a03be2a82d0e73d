import { lstat } from 'node:fs/promises';
import { diskWorkspace } from './disk-workspace.js';
import { isMissing } from './io-error.js';
import type { PatchWorkspace } from './workspace.js';

const fsError = (code: string, errno: number, message: string) =>
  Object.assign(new Error(message), { code, errno: -errno });

const ENOENT = 2;
const EISDIR = 21;

/**
 * The disk seen through an in-memory overlay: reads fall through to the disk, writes and
 * removals stay in memory. A preview thus sees the effect of earlier hunks of the same patch
 * (an Update after an Add of the same file) without writing anything.
 */
export function createPreviewWorkspace(): PatchWorkspace {
  /** Path → text written by the patch, or `null` once removed. */
  const overlay = new Map<string, string | null>();

  const isDirectoryOnDisk = async (path: string) => {
    try {
      return (await lstat(path)).isDirectory();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  };

  return {
    async readText(path, options) {
      const text = overlay.get(path);
      if (text === null) throw fsError('ENOENT', ENOENT, `no such file: ${path}`);
      return text ?? diskWorkspace.readText(path, options);
    },

    async writeText(path, text) {
      if (!overlay.has(path) && (await isDirectoryOnDisk(path))) {
        throw fsError('EISDIR', EISDIR, `is a directory: ${path}`);
      }
      overlay.set(path, text);
    },

    async removeFile(path) {
      const text = overlay.get(path);
      if (text === null) throw fsError('ENOENT', ENOENT, `no such file: ${path}`);
      if (text === undefined) {
        // Fails as unlink would: on a missing path or a folder.
        if ((await lstat(path)).isDirectory()) {
          throw fsError('EISDIR', EISDIR, `is a directory: ${path}`);
        }
      }
      overlay.set(path, null);
    },

    async createParentDirectories() {},
  };
}
