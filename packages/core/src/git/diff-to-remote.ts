import type { v1 } from '@codex/protocol';
import { GitError } from './errors.js';
import { findRemoteBase } from './remote-base.js';
import { findRepositoryRoot } from './repository-root.js';
import type { GitOptions } from './run-git.js';
import { diffWorkingTree } from './working-tree-diff.js';

/**
 * The v1 `gitDiffToRemote` answer for `cwd`: `sha` is the commit the remote already has that HEAD
 * builds on (see `findRemoteBase`), `diff` everything from it to the working tree, untracked
 * files included (see `diffWorkingTree`). Throws a {@link GitError}: `not_a_repository`
 * outside a work tree, `no_remote` when no remote branch shares history with HEAD, `timeout`,
 * `git_failed` or `spawn` when git itself fails.
 */
export async function gitDiffToRemote(
  cwd: string,
  options: GitOptions = {},
): Promise<v1.GitDiffToRemoteResponse> {
  const root = await findRepositoryRoot(cwd, options);
  if (root === null) {
    throw new GitError('not_a_repository', `${cwd} is not inside a git repository's work tree`);
  }
  const sha = await findRemoteBase(root, options);
  const diff = await diffWorkingTree(root, sha, options);
  return { sha, diff };
}
