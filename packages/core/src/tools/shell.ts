// The legacy `shell` tool: an argv run to completion over pipes with a timeout, its output
// returned as the original's JSON (`format_exec_output_for_model_structured` in
// `codex-rs/core/src/tools/mod.rs`; the `shell` handler passes `freeform: false`).

import { randomUUID } from 'node:crypto';
import type { ExecServerClient } from '@codex/exec-server/client';
import type { exec } from '@codex/protocol';
import { z } from 'zod';
import { integerArgument, parseFunctionArguments } from './arguments.js';
import type { CommandWrapper } from './command-wrapper.js';
import { formattedTruncateText, type TruncationPolicy } from './truncate.js';
import { type SandboxPermissions, SandboxPermissionsSchema } from './unified-exec/arguments.js';
import { UnifiedExecError } from './unified-exec/errors.js';

/** Timeout of a `shell` call that names none (the original's `DEFAULT_EXEC_COMMAND_TIMEOUT_MS`). */
export const DEFAULT_SHELL_TIMEOUT_MS = 10_000;
/** Exit code reported for a command killed by its timeout (the conventional `timeout(1)` code). */
export const SHELL_TIMEOUT_EXIT_CODE = 124;
/** Output kept per stream; the head is kept. */
export const SHELL_OUTPUT_MAX_BYTES = 1024 * 1024;
/** After a timeout, how long to wait for the exit (the exec-server SIGKILLs after its grace). */
const EXIT_AFTER_TIMEOUT_WAIT_MS = 5_000;

/** A `shell` call. */
export interface ShellRunRequest {
  /** Where the process runs. */
  readonly client: ExecServerClient;
  readonly callId: string;
  /** The argv, run directly (no shell unless it names one). */
  readonly command: readonly string[];
  /** Absolute working directory. */
  readonly workdir: string;
  /** Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** The process's whole environment. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Aborting terminates the process and rejects with code `aborted`. */
  readonly signal?: AbortSignal;
  /** Output chunks as they arrive. */
  readonly onOutput?: (chunk: Buffer, stream: exec.ExecOutputStream) => void;
  /** Wraps the command before it starts (a sandbox). */
  readonly wrap?: CommandWrapper;
}

/** What a `shell` call produced. */
export interface ShellRunResult {
  /** The exit code; 124 when the timeout killed it; `128 + n` when signal `n` did. */
  readonly exitCode: number;
  /** At most 1 MiB (the head). */
  readonly stdout: string;
  /** At most 1 MiB (the head). */
  readonly stderr: string;
  /** Stdout then stderr (not interleaved), at most 1 MiB together, as the original builds it. */
  readonly aggregatedOutput: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
}

/** Runs `command` to completion (or its timeout) and collects its output. */
export async function runShellCommand(request: ShellRunRequest): Promise<ShellRunResult> {
  const { client, signal } = request;
  if (signal?.aborted) throw aborted(signal);
  const processId = `shell-${request.callId}-${randomUUID().slice(0, 8)}`;
  const stdout = new HeadCollector(SHELL_OUTPUT_MAX_BYTES);
  const stderr = new HeadCollector(SHELL_OUTPUT_MAX_BYTES);
  const unsubscribe = client.onOutput((event) => {
    if (event.processId !== processId) return;
    (event.stream === 'stderr' ? stderr : stdout).add(event.chunk);
    request.onOutput?.(event.chunk, event.stream);
  });
  const started = performance.now();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    try {
      const command = { argv: request.command, env: definedEntries(request.env ?? process.env) };
      const { argv, env } = request.wrap ? await request.wrap(command) : command;
      await client.exec({
        processId,
        argv: [...argv],
        cwd: request.workdir,
        env: { ...env },
        tty: false,
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new UnifiedExecError('create_process', `execution error: ${detail}`, {
        detail,
        cause: error,
      });
    }
    const exited = client.wait(processId);
    exited.catch(() => {});
    const terminate = () => {
      client.terminate(processId).catch(() => {});
    };
    const stopped = new Promise<'timeout' | 'aborted'>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        terminate();
        resolve('timeout');
      }, request.timeoutMs ?? DEFAULT_SHELL_TIMEOUT_MS);
      onAbort = () => {
        terminate();
        resolve('aborted');
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // Aborted while the process was starting: the listener above came too late.
      if (signal?.aborted) onAbort();
    });
    const outcome = await Promise.race([exited, stopped]);
    if (outcome === 'aborted') throw aborted(signal);
    let exitCode = typeof outcome === 'number' ? outcome : SHELL_TIMEOUT_EXIT_CODE;
    if (outcome === 'timeout') {
      // Output written before the kill still arrives; the exit event comes after all of it.
      await client.wait(processId, { timeoutMs: EXIT_AFTER_TIMEOUT_WAIT_MS }).catch(() => {});
    }
    if (timedOut) exitCode = SHELL_TIMEOUT_EXIT_CODE;
    const durationMs = performance.now() - started;
    return {
      exitCode,
      stdout: stdout.result().toString('utf8'),
      stderr: stderr.result().toString('utf8'),
      aggregatedOutput: aggregate(stdout.result(), stderr.result()).toString('utf8'),
      durationMs,
      timedOut,
    };
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}

/**
 * The text the original returns to the model for a `shell` call:
 * `{"output":"...","metadata":{"exit_code":0,"duration_seconds":0.1}}`, the output truncated to
 * the turn's budget and, after a timeout, led by `command timed out after N milliseconds`.
 * The original marks the call failed (success false) when the exit code is not 0.
 */
export function formatShellOutputForModel(
  result: ShellRunResult,
  truncationPolicy: TruncationPolicy = { mode: 'tokens', limit: 10_000 },
): string {
  const content = result.timedOut
    ? `command timed out after ${Math.floor(result.durationMs)} milliseconds\n${result.aggregatedOutput}`
    : result.aggregatedOutput;
  const output = formattedTruncateText(content, truncationPolicy);
  // Rounded to a tenth and written as serde writes an f32: always with a fraction (`1.0`).
  const seconds = Math.round((result.durationMs / 1000) * 10) / 10;
  const duration = Number.isInteger(seconds) ? seconds.toFixed(1) : String(seconds);
  return `{"output":${JSON.stringify(output)},"metadata":{"exit_code":${result.exitCode},"duration_seconds":${duration}}}`;
}

/** `shell`'s arguments as the model sends them. */
export const ShellArgsSchema = z.object({
  command: z.array(z.string()),
  workdir: z.string().nullish(),
  timeout_ms: integerArgument('u64').nullish(),
  /** Older name of `timeout_ms`, still accepted by the original. */
  timeout: integerArgument('u64').nullish(),
  sandbox_permissions: SandboxPermissionsSchema.nullish(),
  justification: z.string().nullish(),
  prefix_rule: z.array(z.string()).nullish(),
});

/** `shell`'s arguments, parsed. */
export interface ShellArgs {
  readonly command: readonly string[];
  /** Relative to the turn's cwd when not absolute; resolving it is the caller's job. */
  readonly workdir: string | undefined;
  readonly timeoutMs: number | undefined;
  readonly sandboxPermissions: SandboxPermissions;
  readonly justification: string | undefined;
  readonly prefixRule: readonly string[] | undefined;
}

/** Parses `shell`'s JSON arguments; failures name the field as the original does. */
export function parseShellArgs(json: string): ShellArgs {
  const args = parseFunctionArguments(ShellArgsSchema, json);
  return {
    command: args.command,
    workdir: args.workdir ?? undefined,
    timeoutMs: args.timeout_ms ?? args.timeout ?? undefined,
    sandboxPermissions: args.sandbox_permissions ?? 'use_default',
    justification: args.justification ?? undefined,
    prefixRule: args.prefix_rule ?? undefined,
  };
}

/**
 * Stdout then stderr within one cap; when both do not fit, stdout gets a third and stderr the
 * rest, and room stderr leaves goes back to stdout.
 */
function aggregate(stdout: Buffer, stderr: Buffer): Buffer {
  const cap = SHELL_OUTPUT_MAX_BYTES;
  if (stdout.length + stderr.length <= cap) return Buffer.concat([stdout, stderr]);
  const stdoutShare = Math.min(stdout.length, Math.floor(cap / 3));
  const stderrTake = Math.min(stderr.length, cap - stdoutShare);
  const spare = cap - stdoutShare - stderrTake;
  const stdoutTake = stdoutShare + Math.min(spare, stdout.length - stdoutShare);
  return Buffer.concat([stdout.subarray(0, stdoutTake), stderr.subarray(0, stderrTake)]);
}

/** Keeps the first `cap` bytes of a stream. */
class HeadCollector {
  private readonly parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly cap: number) {}

  add(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.parts.push(kept);
    this.size += kept.length;
  }

  result(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

function definedEntries(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const defined: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) defined[key] = value;
  return defined;
}

function aborted(signal: AbortSignal | undefined): UnifiedExecError {
  return new UnifiedExecError('aborted', 'aborted by user', { cause: signal?.reason });
}
