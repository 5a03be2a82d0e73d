import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { gitDiffToRemote } from '../src/git/diff-to-remote.js';
import { GitError } from '../src/git/errors.js';
import { collectGitInfo } from '../src/git/git-info.js';
import { runGit } from '../src/git/run-git.js';

const run = promisify(execFile);

let scratch: string;

/** Runs git for test setup; fails the test on a non-zero exit. */
async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd });
  return stdout.trim();
}

/** A fresh empty directory under the scratch dir. */
function directory(name: string): string {
  const path = join(scratch, name);
  mkdirSync(path, { recursive: true });
  return path;
}

/** A bare "remote" with one pushed commit on main, and a clone tracking it. */
async function remoteAndClone(name: string): Promise<{ remote: string; clone: string }> {
  const remote = join(scratch, `${name}-remote.git`);
  const clone = join(scratch, `${name}-clone`);
  await git(scratch, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  await git(scratch, 'clone', '--quiet', remote, clone);
  await git(clone, 'checkout', '--quiet', '-b', 'main');
  writeFileSync(join(clone, 'tracked.txt'), 'line one\nline two\n');
  writeFileSync(join(clone, '.gitignore'), 'ignored.log\n');
  await git(clone, 'add', '.');
  await git(clone, 'commit', '--quiet', '-m', 'initial');
  await git(clone, 'push', '--quiet', '-u', 'origin', 'main');
  // A bare clone of an empty remote has no origin/HEAD; set it as a real clone would.
  await git(clone, 'remote', 'set-head', 'origin', 'main');
  return { remote, clone };
}

async function rejection(promise: Promise<unknown>): Promise<GitError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!GitError.isInstance(error)) throw new Error(`expected a GitError, got ${String(error)}`);
  return error;
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'codex-git-'));
  // Keep the machine's git config (aliases, colors, hooks, identity) out of every git we run.
  vi.stubEnv('HOME', directory('home'));
  vi.stubEnv('XDG_CONFIG_HOME', directory('home/.config'));
  vi.stubEnv('GIT_CONFIG_NOSYSTEM', '1');
  vi.stubEnv('GIT_CONFIG_GLOBAL', join(scratch, 'home/.gitconfig'));
  vi.stubEnv('GIT_AUTHOR_NAME', 'Codex Test');
  vi.stubEnv('GIT_AUTHOR_EMAIL', 'codex@example.com');
  vi.stubEnv('GIT_COMMITTER_NAME', 'Codex Test');
  vi.stubEnv('GIT_COMMITTER_EMAIL', 'codex@example.com');
  writeFileSync(join(scratch, 'home/.gitconfig'), '[init]\n\tdefaultBranch = main\n');
});

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(scratch, { recursive: true, force: true });
});

describe('gitDiffToRemote', () => {
  it('diffs the merge base with origin/<branch> against the working tree, untracked files included', async () => {
    const { clone } = await remoteAndClone('changes');
    const pushed = await git(clone, 'rev-parse', 'HEAD');
    writeFileSync(join(clone, 'tracked.txt'), 'line one\nline two\ncommitted locally\n');
    await git(clone, 'commit', '--quiet', '-am', 'local, not pushed');
    writeFileSync(
      join(clone, 'tracked.txt'),
      'line one\nline two\ncommitted locally\nin the work tree\n',
    );
    writeFileSync(join(clone, 'notes.txt'), 'an untracked note\n');
    writeFileSync(join(clone, 'blob.bin'), Buffer.from([0, 1, 2, 0, 255, 0]));
    writeFileSync(join(clone, 'ignored.log'), 'ignored\n');

    const { sha, diff } = await gitDiffToRemote(clone);

    expect(sha).toBe(pushed);
    expect(sha).toBe(await git(clone, 'merge-base', 'HEAD', 'origin/main'));
    expect(diff).toContain('diff --git a/tracked.txt b/tracked.txt');
    expect(diff).toContain('+committed locally\n');
    expect(diff).toContain('+in the work tree\n');
    expect(diff).toContain('--- /dev/null\n+++ b/notes.txt\n@@ -0,0 +1 @@\n+an untracked note\n');
    expect(diff).toContain('Binary files /dev/null and b/blob.bin differ');
    expect(diff).not.toContain('ignored.log');
    // The diff is a real patch: applied to the base it reproduces the tracked file.
    const check = directory('changes-check');
    await git(scratch, 'clone', '--quiet', join(scratch, 'changes-remote.git'), check);
    writeFileSync(join(check, 'change.patch'), diff);
    await git(check, 'apply', '--exclude=blob.bin', 'change.patch');
    expect(readFileSync(join(check, 'tracked.txt'), 'utf8')).toBe(
      readFileSync(join(clone, 'tracked.txt'), 'utf8'),
    );
    expect(readFileSync(join(check, 'notes.txt'), 'utf8')).toBe('an untracked note\n');
  });

  it('answers from a subdirectory with root-relative paths and every untracked file', async () => {
    const { clone } = await remoteAndClone('subdirectory');
    mkdirSync(join(clone, 'deep/er'), { recursive: true });
    writeFileSync(join(clone, 'top.txt'), 'at the top\n');
    writeFileSync(join(clone, 'deep/er/inner.txt'), 'inside\n');

    const { diff } = await gitDiffToRemote(join(clone, 'deep/er'));

    expect(diff).toContain('+++ b/top.txt');
    expect(diff).toContain('+++ b/deep/er/inner.txt');
  });

  it('uses the merge base, not the remote tip, when the remote moved on', async () => {
    const { remote, clone } = await remoteAndClone('moved');
    const base = await git(clone, 'rev-parse', 'HEAD');
    const other = join(scratch, 'moved-other');
    await git(scratch, 'clone', '--quiet', remote, other);
    writeFileSync(join(other, 'theirs.txt'), 'pushed by someone else\n');
    await git(other, 'add', '.');
    await git(other, 'commit', '--quiet', '-m', 'theirs');
    await git(other, 'push', '--quiet', 'origin', 'main');
    writeFileSync(join(clone, 'mine.txt'), 'mine\n');
    await git(clone, 'add', '.');
    await git(clone, 'commit', '--quiet', '-m', 'mine');
    await git(clone, 'fetch', '--quiet');

    const { sha, diff } = await gitDiffToRemote(clone);

    expect(await git(clone, 'rev-parse', 'origin/main')).not.toBe(base);
    expect(sha).toBe(base);
    expect(diff).toContain('+++ b/mine.txt');
    expect(diff).not.toContain('theirs.txt');
  });

  it("falls back to the remote's default branch for a local branch without upstream", async () => {
    const { clone } = await remoteAndClone('fallback');
    const base = await git(clone, 'rev-parse', 'HEAD');
    await git(clone, 'checkout', '--quiet', '-b', 'topic');
    writeFileSync(join(clone, 'topic.txt'), 'topic work\n');
    await git(clone, 'add', '.');
    await git(clone, 'commit', '--quiet', '-m', 'topic');

    const { sha, diff } = await gitDiffToRemote(clone);

    expect(sha).toBe(base);
    expect(diff).toContain('+topic work');
  });

  it('refuses a directory outside any repository, naming it', async () => {
    const outside = directory('outside');
    const error = await rejection(gitDiffToRemote(outside));
    expect(error.code).toBe('not_a_repository');
    expect(error.message).toContain(outside);

    const missing = join(scratch, 'does-not-exist');
    const missingError = await rejection(gitDiffToRemote(missing));
    expect(missingError.code).toBe('not_a_repository');
    expect(missingError.message).toContain(missing);
  });

  it('refuses a repository without a remote and says how to add one', async () => {
    const local = directory('no-remote');
    await git(local, 'init', '--quiet');
    writeFileSync(join(local, 'file.txt'), 'content\n');
    await git(local, 'add', '.');
    await git(local, 'commit', '--quiet', '-m', 'only local');

    const error = await rejection(gitDiffToRemote(local));
    expect(error.code).toBe('no_remote');
    expect(error.message).toContain('git remote add origin');
    expect(error.message).toContain('git push -u origin main');
  });

  it('refuses a branch never pushed to its remote and says how to push it', async () => {
    const remote = join(scratch, 'unpushed-remote.git');
    const local = directory('unpushed');
    await git(scratch, 'init', '--quiet', '--bare', remote);
    await git(local, 'init', '--quiet');
    await git(local, 'remote', 'add', 'origin', remote);
    writeFileSync(join(local, 'file.txt'), 'content\n');
    await git(local, 'add', '.');
    await git(local, 'commit', '--quiet', '-m', 'never pushed');

    const error = await rejection(gitDiffToRemote(local));
    expect(error.code).toBe('no_remote');
    expect(error.message).toContain('git push -u origin main');
  });

  it('times out a hung git: the fsmonitor hook sleeps, the diff is killed', async () => {
    const { clone } = await remoteAndClone('hung');
    const hook = join(scratch, 'slow-fsmonitor.sh');
    writeFileSync(hook, '#!/bin/sh\nsleep 10\n');
    chmodSync(hook, 0o755);
    await git(clone, 'config', 'core.fsmonitor', hook);

    const started = Date.now();
    const error = await rejection(gitDiffToRemote(clone, { timeoutMs: 500 }));
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('500 ms');
    // The hook's sleep was killed with git: nothing waited for its 10 s.
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('runGit', () => {
  it('returns a non-zero exit instead of throwing', async () => {
    const result = await runGit(['rev-parse', '--verify', 'no-such-ref'], directory('outside'));
    expect(result.code).toBe(128);
    expect(result.stderr).not.toBe('');
  });

  it('kills a command past its timeout, with its children', async () => {
    const started = Date.now();
    const error = await rejection(
      runGit(['-c', 'alias.hang=!sleep 10', 'hang'], scratch, { timeoutMs: 200 }),
    );
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('fails on output past the cap', async () => {
    const { clone } = await remoteAndClone('capped');
    const error = await rejection(runGit(['log', '-p'], clone, { maxOutputBytes: 16 }));
    expect(error.code).toBe('git_failed');
    expect(error.message).toContain('16 bytes');
  });

  it('reports a git that cannot start as spawn', async () => {
    const path = process.env.PATH ?? '';
    vi.stubEnv('PATH', directory('empty-path'));
    try {
      expect((await rejection(runGit(['version'], scratch))).code).toBe('spawn');
    } finally {
      vi.stubEnv('PATH', path);
    }
  });
});

describe('collectGitInfo', () => {
  it('reports the commit, branch and origin url of a clone', async () => {
    const { remote, clone } = await remoteAndClone('info');
    expect(await collectGitInfo(clone)).toEqual({
      commit_hash: await git(clone, 'rev-parse', 'HEAD'),
      branch: 'main',
      repository_url: remote,
    });
  });

  it('reports only the branch of a repository without commits', async () => {
    const fresh = directory('fresh');
    await git(fresh, 'init', '--quiet', '--initial-branch=trunk');
    expect(await collectGitInfo(fresh)).toEqual({ branch: 'trunk' });
  });

  it('leaves out the branch on a detached HEAD', async () => {
    const { clone } = await remoteAndClone('detached');
    const head = await git(clone, 'rev-parse', 'HEAD');
    await git(clone, 'checkout', '--quiet', '--detach');
    const info = await collectGitInfo(clone);
    expect(info).toEqual({ commit_hash: head, repository_url: expect.any(String) });
  });

  it('returns null outside a repository', async () => {
    expect(await collectGitInfo(directory('outside'))).toBeNull();
  });
});
