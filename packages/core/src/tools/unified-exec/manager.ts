import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultLogger, type Logger } from '@codex/common';
import type { ExecServerClient, ExecServerEvent } from '@codex/exec-server/client';
import type { exec } from '@codex/protocol';
import type { CommandWrapper } from '../command-wrapper.js';
import { approxTokenCount, type TruncationPolicy } from '../truncate.js';
import { defaultUserShell, shellCommandArgv, shellJoin } from './command.js';
import {
  DEFAULT_EXEC_YIELD_TIME_MS,
  DEFAULT_MAX_BACKGROUND_TERMINAL_TIMEOUT_MS,
  DEFAULT_MAX_OUTPUT_TOKENS,
  DEFAULT_WRITE_STDIN_YIELD_TIME_MS,
  MAX_UNIFIED_EXEC_PROCESSES,
  MAX_YIELD_TIME_MS,
  MIN_EMPTY_YIELD_TIME_MS,
  MIN_YIELD_TIME_MS,
  PROTECTED_RECENT_PROCESSES,
  SESSION_ID_MAX,
  SESSION_ID_MIN,
  TERMINATE_ALL_WAIT_MS,
  WARNING_UNIFIED_EXEC_PROCESSES,
  WRITE_STDIN_SETTLE_MS,
} from './constants.js';
import { unifiedExecEnv } from './environment.js';
import { UnifiedExecError } from './errors.js';
import { type OutputObserver, UnifiedExecProcess } from './exec-process.js';
import { sessionToPrune } from './pruning.js';
import {
  type ExecCommandResult,
  formatExecCommandResult,
  generateChunkId,
  modelOutput,
  resultHeader,
} from './result.js';

/** Settings of a {@link UnifiedExecManager}. */
export interface UnifiedExecManagerOptions {
  /** Where processes run. The manager never closes it. */
  readonly client: ExecServerClient;
  readonly logger?: Logger;
  /** The environment processes start from (the forced variables are laid over it). Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The user's shell, used when a call names none. Default `$SHELL` of `env`, else `/bin/bash`. */
  readonly shell?: string;
  /** Processes kept alive at once; beyond it the least useful one is terminated. Default 64. */
  readonly maxProcesses?: number;
  /** Longest wait of a `write_stdin` poll. Default 300 000 ms (never below 5 000 ms). */
  readonly maxBackgroundTerminalTimeoutMs?: number;
  /** The turn's budget for tool output (the model's truncation policy). Default 10 000 tokens. */
  readonly truncationPolicy?: TruncationPolicy;
  /** Number sessions 1000, 1001, ... instead of at random (for reproducible transcripts). */
  readonly sequentialSessionIds?: boolean;
}

/** An `exec_command` call. */
export interface ExecCommandRequest {
  readonly callId: string;
  /** A shell command line. */
  readonly cmd: string;
  /** Absolute working directory. */
  readonly workdir: string;
  /** Shell binary. Default: the manager's shell. */
  readonly shell?: string;
  /** Run as a login shell (`-lc`) rather than `-c`. Default true. */
  readonly login?: boolean;
  /** Run in a PTY (stdin stays writable) rather than pipes (stdin closed). Default false. */
  readonly tty?: boolean;
  /** Wait for output this long (clamped to 250–30 000 ms). Default 10 000 ms. */
  readonly yieldTimeMs?: number;
  /** Default 10 000. */
  readonly maxOutputTokens?: number;
  /** Aborting terminates the process and rejects with code `aborted`. */
  readonly signal?: AbortSignal;
  /** Output chunks as they arrive during this call. */
  readonly onOutput?: OutputObserver;
  /** Wraps the command before it starts (a sandbox). */
  readonly wrap?: CommandWrapper;
}

/** A `write_stdin` call. */
export interface WriteStdinRequest {
  readonly callId: string;
  readonly sessionId: number;
  /** Written to the process's terminal; empty polls for output. */
  readonly chars: string;
  /** Default 250 ms; a poll waits 5 000–300 000 ms, a write at most 30 000 ms. */
  readonly yieldTimeMs?: number;
  /** Default 10 000. */
  readonly maxOutputTokens?: number;
  /** Aborting terminates the process and rejects with code `aborted`. */
  readonly signal?: AbortSignal;
  readonly onOutput?: OutputObserver;
}

const DEFAULT_TRUNCATION_POLICY: TruncationPolicy = { mode: 'tokens', limit: 10_000 };

/**
 * Runs the processes of the `exec_command` and `write_stdin` tools through an exec-server
 * client. A process still running when its call's wait ends is kept, under a session id, for
 * later `write_stdin` calls; at most `maxProcesses` are kept. Approval and sandboxing are the
 * caller's business: this runs what it is given.
 */
export class UnifiedExecManager {
  private readonly client: ExecServerClient;
  private readonly logger: Logger;
  private readonly baseEnv: Readonly<Record<string, string | undefined>>;
  private readonly shell: string;
  private readonly maxProcesses: number;
  private readonly maxPollMs: number;
  private readonly truncationPolicy: TruncationPolicy;
  private readonly sequentialSessionIds: boolean;
  /** Prefix of exec-server process ids: unique per manager, as ids are never reused. */
  private readonly processIdPrefix = `unified-exec-${randomUUID().slice(0, 8)}`;
  private processCounter = 0;
  private useCounter = 0;
  /** Sessions kept for `write_stdin`. */
  private readonly store = new Map<number, UnifiedExecProcess>();
  /** Session ids in use, including those of calls that have not stored their process yet. */
  private readonly reservedSessionIds = new Set<number>();
  /** Every process not yet exited, by exec-server process id, for event routing. */
  private readonly running = new Map<string, UnifiedExecProcess>();
  private readonly pendingStarts = new Set<Promise<unknown>>();
  private readonly unsubscribe: () => void;

  constructor(options: UnifiedExecManagerOptions) {
    this.client = options.client;
    this.logger = options.logger ?? defaultLogger;
    this.baseEnv = options.env ?? process.env;
    this.shell = options.shell ?? defaultUserShell(this.baseEnv);
    this.maxProcesses = Math.max(1, options.maxProcesses ?? MAX_UNIFIED_EXEC_PROCESSES);
    this.maxPollMs = Math.max(
      MIN_EMPTY_YIELD_TIME_MS,
      options.maxBackgroundTerminalTimeoutMs ?? DEFAULT_MAX_BACKGROUND_TERMINAL_TIMEOUT_MS,
    );
    this.truncationPolicy = options.truncationPolicy ?? DEFAULT_TRUNCATION_POLICY;
    this.sequentialSessionIds = options.sequentialSessionIds ?? false;
    this.unsubscribe = this.client.subscribe((event) => this.route(event));
  }

  /** Starts `cmd` and waits for it to exit or for the yield window to end. */
  async execCommand(request: ExecCommandRequest): Promise<ExecCommandResult> {
    const started = performance.now();
    const command = shellCommandArgv(
      request.shell ?? this.shell,
      request.cmd,
      request.login ?? true,
    );
    const tty = request.tty ?? false;
    throwIfAborted(request.signal);
    const sessionId = this.allocateSessionId();
    const execProcess = new UnifiedExecProcess({
      processId: `${this.processIdPrefix}-${++this.processCounter}`,
      sessionId,
      callId: request.callId,
      command,
      tty,
      lastUsed: ++this.useCounter,
    });
    // Registered first: the exec-server may report output (even the exit) before `exec` resolves.
    this.running.set(execProcess.processId, execProcess);
    const stopObserving = execProcess.observe(request.onOutput);
    try {
      await this.start(execProcess, request.workdir, request.wrap);
    } catch (error) {
      stopObserving();
      this.running.delete(execProcess.processId);
      this.reservedSessionIds.delete(sessionId);
      const detail = error instanceof Error ? error.message : String(error);
      throw new UnifiedExecError(
        'create_process',
        `exec_command failed for \`${shellJoin(command)}\`: CreateProcess { message: ${JSON.stringify(detail)} }`,
        { detail: `Failed to create unified exec process: ${detail}`, cause: error },
      );
    }
    const yieldStart = performance.now();
    // Kept before the wait, so an interrupted call cannot lose a live process.
    const warning = execProcess.hasExited ? undefined : this.keep(execProcess);
    try {
      const yieldMs = clamp(
        request.yieldTimeMs ?? DEFAULT_EXEC_YIELD_TIME_MS,
        MIN_YIELD_TIME_MS,
        MAX_YIELD_TIME_MS,
      );
      await execProcess.waitForExitOrDeadline(yieldStart + yieldMs, request.signal);
      await this.abortIfRequested(execProcess, request.signal);
    } finally {
      stopObserving();
    }
    const wallTimeSeconds = (performance.now() - yieldStart) / 1000;
    if (execProcess.hasExited) this.release(execProcess);
    return this.result(execProcess, {
      eventCallId: request.callId,
      wallTimeSeconds,
      maxOutputTokens: request.maxOutputTokens,
      started,
      warning,
    });
  }

  /** Writes `chars` to a kept session (empty `chars` only polls) and collects its output. */
  async writeStdin(request: WriteStdinRequest): Promise<ExecCommandResult> {
    const started = performance.now();
    throwIfAborted(request.signal);
    const execProcess = this.store.get(request.sessionId);
    if (!execProcess) throw unknownSession(request.sessionId);
    execProcess.lastUsed = ++this.useCounter;
    const stopObserving = execProcess.observe(request.onOutput);
    try {
      if (request.chars.length > 0) await this.write(execProcess, request.chars);
      const requested = Math.max(
        request.yieldTimeMs ?? DEFAULT_WRITE_STDIN_YIELD_TIME_MS,
        MIN_YIELD_TIME_MS,
      );
      // Polls may wait long for background work; writes stay interactive.
      const yieldMs =
        request.chars.length === 0
          ? clamp(requested, MIN_EMPTY_YIELD_TIME_MS, this.maxPollMs)
          : Math.min(requested, MAX_YIELD_TIME_MS);
      const yieldStart = performance.now();
      await execProcess.waitForExitOrDeadline(yieldStart + yieldMs, request.signal);
      await this.abortIfRequested(execProcess, request.signal);
      const wallTimeSeconds = (performance.now() - yieldStart) / 1000;
      if (execProcess.hasExited) this.release(execProcess);
      return this.result(execProcess, {
        eventCallId: execProcess.callId,
        wallTimeSeconds,
        maxOutputTokens: request.maxOutputTokens,
        started,
      });
    } finally {
      stopObserving();
    }
  }

  /** The text the original returns to the model for `result`. */
  formatForModel(result: ExecCommandResult): string {
    return formatExecCommandResult(result);
  }

  /** Ids of the sessions kept for `write_stdin`, oldest first. */
  liveSessionIds(): number[] {
    return [...this.store.keys()];
  }

  /**
   * Terminates every process this manager started and waits (bounded) for them to exit; used
   * on interrupt and shutdown. The manager stays usable.
   */
  async terminateAll(): Promise<void> {
    await Promise.allSettled([...this.pendingStarts]);
    const processes = [...this.running.values()];
    for (const execProcess of [...this.store.values()]) this.release(execProcess);
    await Promise.all(processes.map((execProcess) => this.terminate(execProcess)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), TERMINATE_ALL_WAIT_MS);
    });
    const outcome = await Promise.race([
      Promise.all(processes.map((execProcess) => execProcess.exited)),
      timedOut,
    ]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const left = processes
        .filter((execProcess) => !execProcess.hasExited)
        .map((execProcess) => execProcess.sessionId);
      this.logger.warn(`unified exec sessions ${left.join(', ')} did not exit after terminate`);
    }
  }

  /** Terminates everything and stops listening to the client. */
  async close(): Promise<void> {
    await this.terminateAll();
    this.unsubscribe();
  }

  private async start(
    execProcess: UnifiedExecProcess,
    cwd: string,
    wrap: CommandWrapper | undefined,
  ): Promise<void> {
    const command = { argv: execProcess.command, env: unifiedExecEnv(this.baseEnv) };
    const { argv, env } = wrap ? await wrap(command) : command;
    const params: exec.ExecParams = {
      processId: execProcess.processId,
      argv: [...argv],
      cwd,
      env: { ...env },
      tty: execProcess.tty,
    };
    const starting = this.client.exec(params);
    this.pendingStarts.add(starting);
    try {
      await starting;
    } finally {
      this.pendingStarts.delete(starting);
    }
  }

  private async write(execProcess: UnifiedExecProcess, chars: string): Promise<void> {
    if (!execProcess.tty) {
      throw new UnifiedExecError('stdin_closed', `write_stdin failed: ${STDIN_CLOSED}`, {
        detail: STDIN_CLOSED,
        sessionId: execProcess.sessionId,
      });
    }
    try {
      await this.client.write(execProcess.processId, chars);
      await sleep(WRITE_STDIN_SETTLE_MS);
    } catch (error) {
      // A process that exited meanwhile is reported with its exit code, not as an error.
      if (execProcess.hasExited) return;
      throw new UnifiedExecError('write_failed', 'write_stdin failed: failed to write to stdin', {
        detail: 'failed to write to stdin',
        sessionId: execProcess.sessionId,
        cause: error,
      });
    }
  }

  private async abortIfRequested(
    execProcess: UnifiedExecProcess,
    signal?: AbortSignal,
  ): Promise<void> {
    if (!signal?.aborted) return;
    this.release(execProcess);
    await this.terminate(execProcess);
    throw new UnifiedExecError('aborted', 'aborted by user', {
      sessionId: execProcess.sessionId,
      cause: signal.reason,
    });
  }

  private result(
    execProcess: UnifiedExecProcess,
    call: {
      eventCallId: string;
      wallTimeSeconds: number;
      maxOutputTokens: number | undefined;
      started: number;
      warning?: string;
    },
  ): ExecCommandResult {
    const { bytes, omittedBytes } = execProcess.drain();
    const text = bytes.toString('utf8');
    const summary = {
      chunkId: generateChunkId(),
      wallTimeSeconds: call.wallTimeSeconds,
      exitCode: execProcess.exitCode,
      sessionId: execProcess.hasExited ? null : execProcess.sessionId,
      originalTokenCount: approxTokenCount(text),
    };
    const output = modelOutput({
      text,
      omittedBytes,
      originalTokenCount: summary.originalTokenCount,
      header: resultHeader(summary),
      maxOutputTokens: call.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
      truncationPolicy: this.truncationPolicy,
    });
    return {
      ...summary,
      output,
      aggregatedOutput: text,
      command: execProcess.command,
      eventCallId: call.eventCallId,
      durationMs: performance.now() - call.started,
      ...(call.warning === undefined ? {} : { warning: call.warning }),
    };
  }

  /** Stores a live process, first pruning one if the store is full; returns the model warning. */
  private keep(execProcess: UnifiedExecProcess): string | undefined {
    if (this.store.size >= this.maxProcesses) {
      const candidates = [...this.store.values()].map((entry) => ({
        sessionId: entry.sessionId,
        lastUsed: entry.lastUsed,
        exited: entry.hasExited,
      }));
      // Protecting fewer than the store holds keeps pruning possible with small limits.
      const protectedCount = Math.min(PROTECTED_RECENT_PROCESSES, this.maxProcesses - 1);
      const prunedId = sessionToPrune(candidates, protectedCount);
      const pruned = prunedId === undefined ? undefined : this.store.get(prunedId);
      if (pruned) {
        this.release(pruned);
        void this.terminate(pruned);
      }
    }
    this.store.set(execProcess.sessionId, execProcess);
    // 60 of 64 in the original; limits of 4 or fewer never warn.
    const warnAt =
      this.maxProcesses - (MAX_UNIFIED_EXEC_PROCESSES - WARNING_UNIFIED_EXEC_PROCESSES);
    const open = this.store.size;
    if (warnAt < 1 || open < warnAt) return undefined;
    return `The maximum number of unified exec processes you can keep open is ${warnAt} and you currently have ${open} processes open. Reuse older processes or close them to prevent automatic pruning of old processes`;
  }

  /** Forgets a session (its process may still be running). */
  private release(execProcess: UnifiedExecProcess): void {
    if (this.store.get(execProcess.sessionId) === execProcess)
      this.store.delete(execProcess.sessionId);
    this.reservedSessionIds.delete(execProcess.sessionId);
  }

  private async terminate(execProcess: UnifiedExecProcess): Promise<void> {
    if (execProcess.hasExited) return;
    try {
      await this.client.terminate(execProcess.processId);
    } catch (error) {
      this.logger.warn(`terminating unified exec session ${execProcess.sessionId} failed`, error);
    }
  }

  private allocateSessionId(): number {
    for (;;) {
      const candidate = this.sequentialSessionIds
        ? Math.max(SESSION_ID_MIN - 1, ...this.reservedSessionIds) + 1
        : randomInt(SESSION_ID_MIN, SESSION_ID_MAX);
      if (!this.reservedSessionIds.has(candidate)) {
        this.reservedSessionIds.add(candidate);
        return candidate;
      }
    }
  }

  private route(event: ExecServerEvent): void {
    const execProcess = this.running.get(event.processId);
    if (!execProcess) return;
    if (event.type === 'outputDelta') {
      execProcess.onOutput(event.chunk, event.stream);
    } else {
      this.running.delete(event.processId);
      execProcess.onExit(event.exitCode);
    }
  }
}

const STDIN_CLOSED =
  'stdin is closed for this session; rerun exec_command with tty=true to keep stdin open';

function unknownSession(sessionId: number): UnifiedExecError {
  // The model is trained on `session_id`; the original's message names a process id.
  const detail = `Unknown process id ${sessionId}`;
  return new UnifiedExecError('unknown_session', `write_stdin failed: ${detail}`, {
    detail,
    sessionId,
  });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new UnifiedExecError('aborted', 'aborted by user', { cause: signal.reason });
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}
