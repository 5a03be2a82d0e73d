import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { defaultLogger, type Logger, MAX_TIMER_MS } from '@codex/common';
import { killProcessGroup, USE_PROCESS_GROUP } from '../process/group.js';

/** The most a hook may write to stdout, and to stderr, that is kept; the rest is read and dropped. */
export const HOOK_OUTPUT_LIMIT_BYTES = 1024 * 1024;
/**
 * How long the output pipes may stay open once the hook's shell has exited: a background child
 * (`server &`) holding them must not hold the run. What it writes later is dropped.
 */
export const HOOK_DRAIN_AFTER_EXIT_MS = 1_000;
/** How long to wait for a killed hook to be reported gone before the run ends regardless. */
const KILL_GRACE_MS = 2_000;
const SHELL = '/bin/sh';
// Windows has no process groups; a hook's children there die with it or not at all.

/** What running one hook command gave. `error` is set when it did not run to an exit. */
export interface CommandRunResult {
  /** Unix seconds. */
  readonly startedAt: number;
  readonly completedAt: number;
  readonly durationMs: number;
  /** Null when killed by a signal, or never started. */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** `hook timed out after Ns`, `hook was cancelled`, or why it could not start. */
  readonly error: string | null;
}

/** Inputs of {@link runHookCommand}. */
export interface CommandRunOptions {
  readonly command: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Written to the hook's stdin, which is then closed. */
  readonly stdin: string;
  readonly timeoutSec: number;
  readonly signal?: AbortSignal | undefined;
  /** Default {@link HOOK_OUTPUT_LIMIT_BYTES}. */
  readonly maxOutputBytes?: number;
  readonly logger?: Logger;
}

const unixSeconds = (ms: number) => Math.floor(ms / 1000);

/**
 * Runs `command` with `/bin/sh -c` in its own process group. On timeout or abort the whole group
 * is killed (SIGKILL), so what the hook started in the background goes too. Never rejects.
 */
export function runHookCommand(options: CommandRunOptions): Promise<CommandRunResult> {
  const started = Date.now();
  const logger = options.logger ?? defaultLogger;
  const limit = options.maxOutputBytes ?? HOOK_OUTPUT_LIMIT_BYTES;
  const result = (
    exitCode: number | null,
    stdout: string,
    stderr: string,
    error: string | null,
  ) => {
    const completed = Date.now();
    return {
      startedAt: unixSeconds(started),
      completedAt: unixSeconds(completed),
      durationMs: completed - started,
      exitCode,
      stdout,
      stderr,
      error,
    };
  };
  if (options.signal?.aborted) return Promise.resolve(result(null, '', '', 'hook was cancelled'));

  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(SHELL, ['-c', options.command], {
        cwd: options.cwd,
        env: options.env,
        detached: USE_PROCESS_GROUP,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      resolve(result(null, '', '', `failed to start hook: ${messageOf(error)}`));
      return;
    }
    const stdout = capture(child.stdout, limit, logger);
    const stderr = capture(child.stderr, limit, logger);
    let exitCode: number | null = null;
    let error: string | null = null;
    let settled = false;
    const timers: (ReturnType<typeof setTimeout> | undefined)[] = [];

    const finish = () => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(result(exitCode, stdout.text(), stderr.text(), error));
    };
    const kill = (reason: string) => {
      error ??= reason;
      killProcessGroup(child);
      timers.push(setTimeout(finish, KILL_GRACE_MS));
    };
    const onAbort = () => kill('hook was cancelled');

    // Capped so that a huge configured timeout is still a timer (Node fires longer ones at once).
    const timeout = setTimeout(
      () => kill(`hook timed out after ${options.timeoutSec}s`),
      Math.min(options.timeoutSec * 1000, MAX_TIMER_MS),
    );
    timers.push(timeout);
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.once('error', (childError) => {
      error ??=
        child.pid === undefined
          ? `failed to start hook: ${childError.message}`
          : `hook process failed: ${childError.message}`;
      finish();
    });
    child.once('exit', (code) => {
      exitCode = code;
      clearTimeout(timeout);
      timers.push(setTimeout(finish, HOOK_DRAIN_AFTER_EXIT_MS));
    });
    child.once('close', finish);

    // A hook that never reads its input, or exits first, closes the pipe under us (EPIPE).
    child.stdin?.on('error', (stdinError) => {
      logger.debug(`hook stdin closed early: ${stdinError.message}`);
    });
    child.stdin?.end(options.stdin);
  });
}

/** Buffers a stream up to `limit` bytes and keeps reading (and dropping) past it. */
function capture(stream: Readable | null, limit: number, logger: Logger): { text: () => string } {
  const chunks: Buffer[] = [];
  let size = 0;
  stream?.on('data', (chunk: Buffer) => {
    if (size >= limit) return;
    const kept = chunk.subarray(0, limit - size);
    chunks.push(kept);
    size += kept.length;
  });
  // A read error ends the stream; what was read so far is the output.
  stream?.on('error', (error) => logger.debug(`hook output pipe failed: ${error.message}`));
  return { text: () => Buffer.concat(chunks).toString('utf8') };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
