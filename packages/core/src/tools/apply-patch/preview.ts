import { resolve } from 'node:path';
import type { core } from '@codex/protocol';
import { ApplyPatchError } from './errors.js';
import { executeHunks } from './execute-hunks.js';
import { type ParsedPatch, parsePatch } from './parser.js';
import { createPreviewWorkspace } from './preview-workspace.js';

/** What a patch would do, computed without writing. */
export interface PatchPreview {
  /** The absolute working directory the patch's paths were resolved against. */
  readonly cwd: string;
  /** The patch text without a heredoc wrapper (see `ParsedPatch.patch`). */
  readonly patch: string;
  /**
   * Each file's change, keyed by absolute path (a move by its source path, with the absolute
   * destination in `move_path`), in patch order. When a patch touches a file twice, the later
   * change wins, computed on top of the earlier one.
   */
  readonly changes: Readonly<Record<string, core.FileChange>>;
}

/**
 * Computes the changes a patch would make, reading the files under `cwd` but writing nothing,
 * so a caller can show them for approval, or refuse a patch that cannot apply before asking.
 * Later hunks see the effect of earlier ones, exactly as `applyPatch` would.
 *
 * @throws ApplyPatchError the error `applyPatch` would throw (without `partial`)
 */
export async function previewPatch(
  patch: string | ParsedPatch,
  cwd: string,
): Promise<PatchPreview> {
  const parsed = typeof patch === 'string' ? parsePatch(patch) : patch;
  const root = resolve(cwd);
  try {
    const { changes } = await executeHunks(parsed.hunks, root, createPreviewWorkspace());
    return { cwd: root, patch: parsed.patch, changes };
  } catch (error) {
    // A preview wrote nothing, so there is no partial result to report.
    throw ApplyPatchError.isInstance(error) ? error.withPartial(undefined) : error;
  }
}
