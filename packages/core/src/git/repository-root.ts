import { stat } from 'node:fs/promises';
import type { GitOptions } from './run-git.js';
import { runGit } from './run-git.js';

/**
 * The top of the git work tree that contains `cwd`, or null when `cwd` is not a directory inside
 * a work tree (a plain directory, a bare repository, a `.git` directory, a missing path).
 */
export async function findRepositoryRoot(
  cwd: string,
  options: GitOptions = {},
): Promise<string | null> {
  // Checked first: git cannot even start in a missing directory, which would read as a spawn error.
  const isDirectory = await stat(cwd).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  if (!isDirectory) return null;
  const result = await runGit(['rev-parse', '--show-toplevel'], cwd, options);
  const root = result.stdout.trim();
  return result.code === 0 && root !== '' ? root : null;
}
