import { CodexError } from '@codex/common';

/** What went wrong running git. */
export type GitErrorCode =
  /** The directory is not inside a git work tree (or does not exist). */
  | 'not_a_repository'
  /** The repository has no remote, or no remote branch shares history with HEAD. */
  | 'no_remote'
  /** A git command ran past its timeout and was killed. */
  | 'timeout'
  /** A git command failed, was killed by a signal, or wrote more output than allowed. */
  | 'git_failed'
  /** git could not be started (not installed, or not on PATH). */
  | 'spawn';

/** A git problem; the message names the directory and, for `git_failed`, git's own stderr. */
export class GitError extends CodexError<GitErrorCode> {
  static override readonly brand = 'codex.core.GitError';
}
