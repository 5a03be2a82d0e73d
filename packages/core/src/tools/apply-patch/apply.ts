import { diskWorkspace } from './disk-workspace.js';
import type { AppliedChanges } from './errors.js';
import { executeHunks } from './execute-hunks.js';
import { type ParsedPatch, parsePatch } from './parser.js';

/** What a successful `applyPatch` did. */
export interface ApplyPatchResult extends AppliedChanges {
  /**
   * The report the original prints and the model reads: `Success. Updated the following
   * files:` then one `A path`, `M path` or `D path` line per file (added, then modified, then
   * deleted), each ending with `\n`, paths as the patch wrote them.
   */
  readonly stdout: string;
}

/**
 * Applies a patch (text or already parsed) to the files under `cwd`, hunk after hunk: Add
 * writes a file (creating its folders, overwriting an existing one), Delete removes one, Update
 * rewrites one in place or, with Move to, writes the destination (overwriting it) and removes
 * the source. Line endings are kept (see `applyChunks`). Folders left empty stay.
 *
 * @throws ApplyPatchError when the patch does not parse (nothing written) or a hunk fails: the
 *   hunks before it stay applied, as in the original, and `partial` lists them.
 */
export async function applyPatch(
  patch: string | ParsedPatch,
  cwd: string,
): Promise<ApplyPatchResult> {
  const parsed = typeof patch === 'string' ? parsePatch(patch) : patch;
  const applied = await executeHunks(parsed.hunks, cwd, diskWorkspace);
  return { ...applied, stdout: formatSummary(applied) };
}

/** The success report, as the original prints it. */
export function formatSummary(applied: AppliedChanges): string {
  const lines = [
    'Success. Updated the following files:',
    ...applied.added.map((path) => `A ${path}`),
    ...applied.modified.map((path) => `M ${path}`),
    ...applied.deleted.map((path) => `D ${path}`),
  ];
  return `${lines.join('\n')}\n`;
}
