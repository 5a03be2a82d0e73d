import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { killProcessGroup, USE_PROCESS_GROUP } from '../process/group.js';
import { GitError } from './errors.js';

/** How long one git command may run; the original allows a few seconds per call. */
export const DEFAULT_GIT_TIMEOUT_MS = 5_000;
/** The most stdout (or stderr) one git command may write before it is killed. */
export const DEFAULT_GIT_MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

/** Limits applied to every git command. */
export interface GitOptions {
  /** Per-command timeout in milliseconds; default {@link DEFAULT_GIT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Per-command cap on stdout and on stderr, in bytes; default {@link DEFAULT_GIT_MAX_OUTPUT_BYTES}. */
  maxOutputBytes?: number;
}

/** A finished git command. A non-zero `code` is reported here, never thrown. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

// Without a process group a timed-out git's children (hooks, fsmonitor) would keep the output
// pipes open, and the result would wait for them. Windows has no process groups.

/**
 * Runs `git <args>` in `cwd` without a shell. Git never prompts (`GIT_TERMINAL_PROMPT=0`) and
 * takes no optional locks (`GIT_OPTIONAL_LOCKS=0`, so a read never rewrites the index under a
 * user's own git command). Throws a {@link GitError} only when git cannot start (`spawn`), runs
 * past the timeout (`timeout`), or is killed or overflows the output cap (`git_failed`).
 */
export function runGit(
  args: readonly string[],
  cwd: string,
  options: GitOptions = {},
): Promise<GitResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_GIT_MAX_OUTPUT_BYTES;
  const command = `\`git ${args.join(' ')}\` in ${cwd}`;
  return new Promise((resolve, reject) => {
    // spawn rather than execFile: execFile cannot start the child in its own process group.
    const child = spawn('git', args, {
      cwd,
      detached: USE_PROCESS_GROUP,
      windowsHide: true,
      // git reads stdin for a few commands; give it an immediate end rather than a hang.
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' },
    });
    let failure: GitError | null = null;
    const fail = (error: GitError): void => {
      failure ??= error;
      killProcessGroup(child);
    };
    const timer = setTimeout(
      () => fail(new GitError('timeout', `${command} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const stdout = collect(child.stdout, maxOutputBytes, () =>
      fail(new GitError('git_failed', `${command} wrote more than ${maxOutputBytes} bytes`)),
    );
    const stderr = collect(child.stderr, maxOutputBytes, () =>
      fail(new GitError('git_failed', `${command} wrote more than ${maxOutputBytes} bytes`)),
    );
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new GitError('spawn', `could not run git in ${cwd}: ${error.message}`, { cause: error }),
      );
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (failure !== null) reject(failure);
      else if (code === null)
        reject(new GitError('git_failed', `${command} was killed by ${signal}`));
      else resolve({ code, stdout: stdout.text(), stderr: stderr.text() });
    });
  });
}

/** Buffers a stream up to `limit` bytes; past it, calls `onOverflow` once and keeps nothing more. */
function collect(stream: Readable, limit: number, onOverflow: () => void): { text: () => string } {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    if (size > limit) return;
    size += chunk.length;
    if (size > limit) onOverflow();
    else chunks.push(chunk);
  });
  return { text: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * Runs git like {@link runGit} and returns its stdout; any exit code other than those in
 * `okCodes` (default only 0) is a `git_failed` {@link GitError} carrying git's stderr.
 */
export async function gitStdout(
  args: readonly string[],
  cwd: string,
  options: GitOptions = {},
  okCodes: readonly number[] = [0],
): Promise<string> {
  const result = await runGit(args, cwd, options);
  if (!okCodes.includes(result.code)) {
    const detail = result.stderr.trim() || `exit code ${result.code}`;
    throw new GitError('git_failed', `\`git ${args.join(' ')}\` failed in ${cwd}: ${detail}`);
  }
  return result.stdout;
}
