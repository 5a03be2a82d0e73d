import { lstat } from 'node:fs/promises';
import { devNull } from 'node:os';
import { join } from 'node:path';
import { GitError } from './errors.js';
import { DEFAULT_GIT_MAX_OUTPUT_BYTES, type GitOptions, gitStdout, runGit } from './run-git.js';

/** How many `git diff --no-index` runs for untracked files may be in flight at once. */
const UNTRACKED_DIFF_CONCURRENCY = 8;

// Fixed so that the user's config (color.ui=always, diff.noprefix, external diff drivers) cannot
// change the patch. Binary files are reported as "Binary files … differ", not as binary patches.
const DIFF_FLAGS = [
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--src-prefix=a/',
  '--dst-prefix=b/',
] as const;

/**
 * A unified diff from commit `base` to the working tree of the repository at `root`: committed,
 * staged and unstaged changes to tracked files, followed by every untracked, non-ignored file as a
 * new file. Paths are relative to `root`.
 */
export async function diffWorkingTree(
  root: string,
  base: string,
  options: GitOptions = {},
): Promise<string> {
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_GIT_MAX_OUTPUT_BYTES;
  const tracked = await gitStdout(['diff', ...DIFF_FLAGS, base, '--'], root, options);
  const untracked = await listUntracked(root, options);
  const parts = [tracked];
  let size = Buffer.byteLength(tracked);
  for (let start = 0; start < untracked.length; start += UNTRACKED_DIFF_CONCURRENCY) {
    const batch = untracked.slice(start, start + UNTRACKED_DIFF_CONCURRENCY);
    for (const part of await Promise.all(batch.map((file) => diffUntracked(root, file, options)))) {
      size += Buffer.byteLength(part);
      if (size > maxOutputBytes) {
        throw new GitError(
          'git_failed',
          `the diff of ${root} against ${base} is larger than ${maxOutputBytes} bytes`,
        );
      }
      parts.push(part);
    }
  }
  return parts.join('');
}

/** Untracked files that are not ignored, relative to `root`; nested repositories are skipped. */
async function listUntracked(root: string, options: GitOptions): Promise<string[]> {
  const output = await gitStdout(
    ['ls-files', '--others', '--exclude-standard', '-z'],
    root,
    options,
  );
  // A nested repository is listed as its directory ("sub/"); its content is not this diff's.
  return output.split('\0').filter((file) => file !== '' && !file.endsWith('/'));
}

/** One untracked file as a new-file patch; empty when the file vanished since it was listed. */
async function diffUntracked(root: string, file: string, options: GitOptions): Promise<string> {
  const args = ['diff', '--no-index', ...DIFF_FLAGS, '--', devNull, file];
  // `--no-index` exits 1 when the two sides differ, which for a new file is the normal case.
  const result = await runGit(args, root, options);
  if (result.code === 0 || result.code === 1) return result.stdout;
  const stillThere = await lstat(join(root, file)).then(
    () => true,
    () => false,
  );
  if (!stillThere) return '';
  throw new GitError(
    'git_failed',
    `\`git diff --no-index\` of untracked ${file} failed in ${root}: ${result.stderr.trim()}`,
  );
}
