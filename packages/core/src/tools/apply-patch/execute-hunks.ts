import { resolve } from 'node:path';
import type { core } from '@codex/protocol';
import { type AppliedChanges, ApplyPatchError, type ApplyPatchErrorCode } from './errors.js';
import { describeIoError, isMissing } from './io-error.js';
import type { AddFileHunk, DeleteFileHunk, PatchHunk, UpdateFileHunk } from './parser.js';
import { unifiedDiff } from './unified-diff.js';
import { applyChunks } from './update-file.js';
import type { PatchWorkspace } from './workspace.js';

/** Lines of context around each change in an Update's `unified_diff`, as in the original. */
const UNIFIED_DIFF_CONTEXT = 1;

interface MutableChanges {
  readonly added: string[];
  readonly modified: string[];
  readonly deleted: string[];
  readonly changes: Record<string, core.FileChange>;
}

/**
 * Runs `hunks` in order on `workspace`, paths resolved against `cwd`. Nothing is rolled back:
 * on a failure the error's `partial` lists what the earlier hunks did.
 *
 * @throws ApplyPatchError `empty_patch`, `missing_file`, `missing_context` or `io`
 */
export async function executeHunks(
  hunks: readonly PatchHunk[],
  cwd: string,
  workspace: PatchWorkspace,
): Promise<AppliedChanges> {
  const done: MutableChanges = { added: [], modified: [], deleted: [], changes: {} };
  if (hunks.length === 0) {
    throw new ApplyPatchError('empty_patch', 'No files were modified.', { partial: done });
  }
  const root = resolve(cwd);
  for (const hunk of hunks) {
    try {
      await executeHunk(hunk, root, workspace, done);
    } catch (error) {
      if (ApplyPatchError.isInstance(error)) throw error.withPartial(snapshot(done));
      throw error;
    }
  }
  return done;
}

const snapshot = (done: MutableChanges): AppliedChanges => ({
  added: [...done.added],
  modified: [...done.modified],
  deleted: [...done.deleted],
  changes: { ...done.changes },
});

function executeHunk(
  hunk: PatchHunk,
  root: string,
  workspace: PatchWorkspace,
  done: MutableChanges,
): Promise<void> {
  switch (hunk.type) {
    case 'add':
      return addFile(hunk, root, workspace, done);
    case 'delete':
      return deleteFile(hunk, root, workspace, done);
    case 'update':
      return updateFile(hunk, root, workspace, done);
  }
}

/** Runs `step`; a file-system failure becomes an ApplyPatchError worded `message`. */
async function fileStep<T>(
  step: () => Promise<T>,
  path: string,
  message: string | ((error: unknown) => string),
  code: (error: unknown) => ApplyPatchErrorCode = () => 'io',
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (ApplyPatchError.isInstance(error)) throw error;
    const text = typeof message === 'string' ? message : message(error);
    throw new ApplyPatchError(code(error), text, { path, cause: error });
  }
}

const missingOrIo = (error: unknown): ApplyPatchErrorCode =>
  isMissing(error) ? 'missing_file' : 'io';

/** Creates the folders leading to `path`, then writes it. */
async function writeWithParents(
  workspace: PatchWorkspace,
  path: string,
  text: string,
  modeFrom?: string,
): Promise<void> {
  await fileStep(
    () => workspace.createParentDirectories(path),
    path,
    `Failed to create parent directories for ${path}`,
  );
  await fileStep(
    () => workspace.writeText(path, text, modeFrom === undefined ? {} : { modeFrom }),
    path,
    `Failed to write file ${path}`,
  );
}

async function addFile(
  hunk: AddFileHunk,
  root: string,
  workspace: PatchWorkspace,
  done: MutableChanges,
): Promise<void> {
  const path = resolve(root, hunk.path);
  await writeWithParents(workspace, path, hunk.contents);
  done.added.push(hunk.path);
  done.changes[path] = { type: 'add', content: hunk.contents };
}

async function deleteFile(
  hunk: DeleteFileHunk,
  root: string,
  workspace: PatchWorkspace,
  done: MutableChanges,
): Promise<void> {
  const path = resolve(root, hunk.path);
  // The content is only reported; a file that cannot be read may still be deleted.
  const content = await workspace.readText(path, { lossy: true }).catch(() => '');
  await fileStep(
    () => workspace.removeFile(path),
    path,
    `Failed to delete file ${path}`,
    missingOrIo,
  );
  done.deleted.push(hunk.path);
  done.changes[path] = { type: 'delete', content };
}

async function updateFile(
  hunk: UpdateFileHunk,
  root: string,
  workspace: PatchWorkspace,
  done: MutableChanges,
): Promise<void> {
  const path = resolve(root, hunk.path);
  const original = await fileStep(
    () => workspace.readText(path, { lossy: false }),
    path,
    (error) => `Failed to read file to update ${path}: ${describeIoError(error)}`,
    missingOrIo,
  );
  const updated = applyChunks(original, hunk.chunks, path);
  const destination = hunk.movePath === undefined ? undefined : resolve(root, hunk.movePath);
  if (destination === undefined) {
    await fileStep(() => workspace.writeText(path, updated), path, `Failed to write file ${path}`);
  } else {
    await writeWithParents(workspace, destination, updated, path);
    // A move onto itself is a plain update.
    if (destination !== path) {
      await fileStep(() => workspace.removeFile(path), path, `Failed to remove original ${path}`);
    }
  }
  done.modified.push(hunk.movePath ?? hunk.path);
  done.changes[path] = {
    type: 'update',
    unified_diff: unifiedDiff(original, updated, UNIFIED_DIFF_CONTEXT),
    move_path: destination ?? null,
  };
}
