export { gitDiffToRemote } from './diff-to-remote.js';
export { GitError, type GitErrorCode } from './errors.js';
export { collectGitInfo, type GitInfo } from './git-info.js';
export {
  DEFAULT_GIT_MAX_OUTPUT_BYTES,
  DEFAULT_GIT_TIMEOUT_MS,
  type GitOptions,
} from './run-git.js';
