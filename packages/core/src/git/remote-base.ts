import { GitError } from './errors.js';
import { type GitOptions, gitStdout, runGit } from './run-git.js';

/** Branch names tried on every remote when neither HEAD's branch nor the remote's HEAD is there. */
const FALLBACK_BRANCHES = ['main', 'master'] as const;

/**
 * The commit the remote already has that the working tree should be diffed against: the merge
 * base of HEAD with, in order of preference,
 * 1. the current branch's upstream (`@{upstream}`), when it is a remote-tracking branch;
 * 2. any remote-tracking branch that already contains HEAD (then the base is HEAD itself);
 * 3. the closest (fewest commits behind HEAD) of, on each remote with `origin` first, the branch of
 *    the same name, the remote's default branch (`refs/remotes/<remote>/HEAD`), `main` and `master`.
 * Only local refs are read: nothing is fetched, so the answer is as fresh as the last fetch.
 */
export async function findRemoteBase(root: string, options: GitOptions = {}): Promise<string> {
  const [remotes, branch, head] = await Promise.all([
    listRemotes(root, options),
    currentBranch(root, options),
    resolveCommit('HEAD', root, options),
  ]);
  const pushHint = `push it with \`git push -u ${remotes[0] ?? 'origin'} ${branch ?? '<branch>'}\``;
  if (remotes.length === 0) {
    throw new GitError(
      'no_remote',
      `the git repository at ${root} has no remote to diff against; add one with ` +
        `\`git remote add origin <url>\`, then ${pushHint}`,
    );
  }
  if (head === null) {
    throw new GitError(
      'no_remote',
      `the git repository at ${root} has no commits yet, so none is on a remote; commit, then ${pushHint}`,
    );
  }

  const upstream = branch === null ? null : await upstreamRef(root, options);
  if (upstream !== null) {
    const base = await mergeBase(head, upstream, root, options);
    if (base !== null) return base;
  }

  if (await remoteContains(head, root, options)) return head;

  let closest: { sha: string; distance: number } | null = null;
  for (const ref of await candidateRefs(remotes, branch, root, options)) {
    const sha = await mergeBase(head, ref, root, options);
    if (sha === null) continue;
    const distance = Number(
      (await gitStdout(['rev-list', '--count', `${sha}..${head}`], root, options)).trim(),
    );
    if (closest === null || distance < closest.distance) closest = { sha, distance };
  }
  if (closest !== null) return closest.sha;

  throw new GitError(
    'no_remote',
    `no branch on ${remotes.join(', ')} shares history with HEAD${branch === null ? '' : ` (${branch})`} ` +
      `in ${root}; ${pushHint}`,
  );
}

/** The remotes, `origin` first. */
async function listRemotes(root: string, options: GitOptions): Promise<string[]> {
  const remotes = (await gitStdout(['remote'], root, options)).split('\n').filter(Boolean);
  return remotes.includes('origin')
    ? ['origin', ...remotes.filter((name) => name !== 'origin')]
    : remotes;
}

/** The checked-out branch, or null on a detached HEAD. */
async function currentBranch(root: string, options: GitOptions): Promise<string | null> {
  const result = await runGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], root, options);
  return result.code === 0 ? result.stdout.trim() || null : null;
}

/** The full name of the current branch's upstream when it is a remote-tracking branch. */
async function upstreamRef(root: string, options: GitOptions): Promise<string | null> {
  const result = await runGit(['rev-parse', '--symbolic-full-name', '@{upstream}'], root, options);
  const ref = result.stdout.trim();
  return result.code === 0 && ref.startsWith('refs/remotes/') ? ref : null;
}

/** The sha a revision names, or null when it names no commit (an unborn HEAD, a missing ref). */
async function resolveCommit(
  revision: string,
  root: string,
  options: GitOptions,
): Promise<string | null> {
  const result = await runGit(
    ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`],
    root,
    options,
  );
  return result.code === 0 ? result.stdout.trim() || null : null;
}

/** The merge base of two commits, or null when they share no history. */
async function mergeBase(
  head: string,
  ref: string,
  root: string,
  options: GitOptions,
): Promise<string | null> {
  // `merge-base` exits 1 for unrelated histories; anything else non-zero is a real failure.
  const output = await gitStdout(['merge-base', head, ref], root, options, [0, 1]);
  return output.trim() || null;
}

/** Whether any remote-tracking branch already contains `head`. */
async function remoteContains(head: string, root: string, options: GitOptions): Promise<boolean> {
  const args = [
    'for-each-ref',
    '--count=1',
    '--format=%(refname)',
    `--contains=${head}`,
    'refs/remotes/',
  ];
  return (await gitStdout(args, root, options)).trim() !== '';
}

/** Existing remote-tracking refs worth comparing against, in order of preference, without repeats. */
async function candidateRefs(
  remotes: readonly string[],
  branch: string | null,
  root: string,
  options: GitOptions,
): Promise<string[]> {
  const refs: string[] = [];
  for (const remote of remotes) {
    const prefix = `refs/remotes/${remote}/`;
    if (branch !== null) refs.push(prefix + branch);
    const defaultBranch = await runGit(['symbolic-ref', '--quiet', `${prefix}HEAD`], root, options);
    if (defaultBranch.code === 0 && defaultBranch.stdout.trim() !== '')
      refs.push(defaultBranch.stdout.trim());
    for (const name of FALLBACK_BRANCHES) refs.push(prefix + name);
  }
  const existing: string[] = [];
  for (const ref of new Set(refs)) {
    if ((await resolveCommit(ref, root, options)) !== null) existing.push(ref);
  }
  return existing;
}
