import { GitError } from './errors.js';
import { findRepositoryRoot } from './repository-root.js';
import { type GitOptions, runGit } from './run-git.js';

/** The git state recorded in a rollout's `session_meta`; each field is absent when unknown. */
export interface GitInfo {
  /** The full sha of HEAD; absent in a repository without commits. */
  commit_hash?: string;
  /** The checked-out branch; absent on a detached HEAD. */
  branch?: string;
  /** The fetch URL of `origin` (else of the first remote); absent without a remote. */
  repository_url?: string;
}

/**
 * Collects the git state of `cwd` for `session_meta`, or null when `cwd` is not inside a git work
 * tree. Best effort: it never throws; a part git cannot report in time (or at all) is left out.
 */
export async function collectGitInfo(
  cwd: string,
  options: GitOptions = {},
): Promise<GitInfo | null> {
  const root = await orNull(findRepositoryRoot(cwd, options));
  if (root === null) return null;
  const [commitHash, branch, repositoryUrl] = await Promise.all([
    orNull(firstLine(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], root, options)),
    // symbolic-ref, unlike `rev-parse --abbrev-ref`, names the branch before its first commit.
    orNull(firstLine(['symbolic-ref', '--quiet', '--short', 'HEAD'], root, options)),
    orNull(remoteUrl(root, options)),
  ]);
  const info: GitInfo = {};
  if (commitHash !== null) info.commit_hash = commitHash;
  if (branch !== null) info.branch = branch;
  if (repositoryUrl !== null) info.repository_url = repositoryUrl;
  return info;
}

async function remoteUrl(root: string, options: GitOptions): Promise<string | null> {
  const remotes = (await runGit(['remote'], root, options)).stdout.split('\n').filter(Boolean);
  const remote = remotes.includes('origin') ? 'origin' : remotes[0];
  if (remote === undefined) return null;
  return firstLine(['remote', 'get-url', '--', remote], root, options);
}

/** The first line of stdout, or null when git exits non-zero or prints nothing. */
async function firstLine(args: string[], cwd: string, options: GitOptions): Promise<string | null> {
  const result = await runGit(args, cwd, options);
  const line = result.stdout.split('\n')[0]?.trim() ?? '';
  return result.code === 0 && line !== '' ? line : null;
}

async function orNull<T>(promise: Promise<T | null>): Promise<T | null> {
  try {
    return await promise;
  } catch (error) {
    if (GitError.isInstance(error)) return null;
    throw error;
  }
}
