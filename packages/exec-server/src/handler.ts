import { defaultLogger, type Logger } from '@codex/common';
import {
  type exec,
  internalError,
  invalidParams,
  invalidRequest,
  JsonRpcError,
} from '@codex/protocol';
import { type ExecServerConfig, resolveConfig } from './config.js';
import { orphanGuard } from './orphan-guard.js';
import {
  type LiveProcess,
  type ProcessExit,
  SpawnError,
  type SpawnRequest,
  spawnProcess,
} from './process.js';
import { RetainedOutput } from './retained-output.js';

type ExecOutputStream = exec.ExecOutputStream;

/** A live output chunk, as raw bytes. */
export interface ExecOutputEvent {
  readonly processId: string;
  readonly stream: ExecOutputStream;
  readonly chunk: Buffer;
}

/** A process's final event. */
export interface ExecExitEvent {
  readonly processId: string;
  /** The exit status, or `128 + n` for a process killed by signal `n`. */
  readonly exitCode: number;
  /** The signal that killed the process, when one did. */
  readonly signal: NodeJS.Signals | null;
}

/**
 * Where a handler sends its events. Returning a promise from `output` applies flow control:
 * the process's output is not read again until the promise settles.
 */
export interface ExecEventSink {
  output(event: ExecOutputEvent): void | Promise<void>;
  exited(event: ExecExitEvent): void;
}

/** A retained chunk, as raw bytes. */
export interface ReadChunk {
  readonly seq: number;
  readonly stream: ExecOutputStream;
  readonly chunk: Buffer;
}

/** `process/read`'s result with raw bytes. */
export interface ProcessRead {
  readonly chunks: ReadChunk[];
  /** The seq of the next unread chunk; continue with `afterSeq: nextSeq - 1`. */
  readonly nextSeq: number;
  readonly exited: boolean;
  readonly exitCode: number | null;
  /** Output after `afterSeq` was dropped from retention before this read. */
  readonly truncated: boolean;
}

/** `process/start` params (the wire shape). */
export type StartParams = exec.ExecParams;

/** Settings of an {@link ExecServerHandler}. */
export interface ExecServerHandlerOptions {
  readonly config?: Partial<ExecServerConfig>;
  readonly logger?: Logger;
}

interface ManagedProcess {
  readonly id: string;
  readonly live: LiveProcess;
  readonly output: RetainedOutput;
  exit?: ProcessExit;
  /** Unsettled flow-control promises from the sink. */
  pendingDeliveries: number;
  killTimer?: ReturnType<typeof setTimeout>;
  readonly waiters: Set<() => void>;
  readonly exitedPromise: Promise<void>;
  resolveExited: () => void;
}

type Phase = 'new' | 'initializing' | 'ready' | 'shutdown';

/**
 * The exec-server's per-connection state: its processes and their retained output. The wire
 * server and the in-process client both drive it; it knows nothing about JSON-RPC framing.
 * Failures are thrown as JSON-RPC errors with the seed's codes.
 */
export class ExecServerHandler {
  private readonly config: ExecServerConfig;
  private readonly logger: Logger;
  private readonly sink: ExecEventSink;
  private readonly processes = new Map<string, ManagedProcess>();
  /** Ids of exited processes, oldest first, for eviction. */
  private readonly exitedOrder: string[] = [];
  private readonly starting = new Set<string>();
  /** Processes being created right now (admitted, not yet registered). */
  private spawning = 0;
  private phase: Phase = 'new';

  constructor(sink: ExecEventSink, options: ExecServerHandlerOptions = {}) {
    this.sink = sink;
    this.config = resolveConfig(options.config);
    this.logger = options.logger ?? defaultLogger;
  }

  /** The effective limits. */
  get limits(): ExecServerConfig {
    return this.config;
  }

  /** Processes of this connection that have not exited. */
  get runningCount(): number {
    let count = 0;
    for (const entry of this.processes.values()) if (!entry.exit) count += 1;
    return count;
  }

  initialize(_params: exec.ExecInitializeParams): exec.ExecInitializeResponse {
    if (this.phase !== 'new') {
      throw invalidRequest('initialize may only be sent once per connection');
    }
    this.phase = 'initializing';
    return { protocolVersion: 'exec-server.v0' };
  }

  /** The client's `initialized` notification; ignored unless `initialize` succeeded. */
  initialized(): void {
    if (this.phase === 'initializing') this.phase = 'ready';
    else this.logger.warn(`ignored initialized notification in phase ${this.phase}`);
  }

  async start(params: StartParams): Promise<exec.ExecResponse> {
    this.requireReady();
    const { processId } = params;
    if (this.processes.has(processId) || this.starting.has(processId)) {
      throw invalidRequest(`process ${processId} already exists`);
    }
    if (params.argv.length === 0) throw invalidParams('argv must not be empty');
    this.starting.add(processId);
    // The limit counts processes that exist: a start is admitted synchronously with the
    // creation of its process, so starts that fail earlier (bad cwd, unknown program) never
    // hold a slot, and a burst of concurrent starts cannot overshoot.
    let releaseSlot: (() => void) | undefined;
    const admit = () => {
      const limit = this.config.maxProcessesPerConnection;
      if (this.runningCount + this.spawning >= limit)
        throw invalidRequest(`too many running processes on this connection (limit ${limit})`);
      this.spawning += 1;
      let released = false;
      releaseSlot = () => {
        if (released) return;
        released = true;
        this.spawning -= 1;
      };
      return releaseSlot;
    };
    const output = new RetainedOutput(this.config.retainedOutputBytesPerProcess);
    let entry: ManagedProcess | undefined;
    const early: Array<() => void> = [];
    const request: SpawnRequest = {
      argv: params.argv,
      cwd: params.cwd,
      env: params.env,
      tty: params.tty,
      arg0: params.arg0,
      size: params.size,
      openStdin: params.openStdin,
    };
    try {
      const live = await spawnProcess(
        request,
        {
          output: (stream, bytes) => {
            if (entry) this.onOutput(entry, stream, bytes);
            else early.push(() => entry && this.onOutput(entry, stream, bytes));
          },
          exit: (exit) => {
            if (entry) this.onExit(entry, exit);
            else early.push(() => entry && this.onExit(entry, exit));
          },
        },
        {
          maxChunkBytes: this.config.maxOutputChunkBytes,
          exitDrainMs: this.config.exitDrainMs,
          logger: this.logger,
          admit,
        },
      );
      let resolveExited = () => {};
      const exitedPromise = new Promise<void>((resolve) => {
        resolveExited = resolve;
      });
      entry = {
        id: processId,
        live,
        output,
        pendingDeliveries: 0,
        waiters: new Set(),
        exitedPromise,
        resolveExited,
      };
      this.processes.set(processId, entry);
      if (this.phase === 'shutdown') this.kill(entry, 'SIGKILL');
    } catch (error) {
      if (JsonRpcError.isInstance(error)) throw error;
      throw this.spawnFailure(params, error);
    } finally {
      // Registered in `processes` by now (or failed): the slot is counted there, or freed.
      releaseSlot?.();
      this.starting.delete(processId);
    }
    for (const replay of early) replay();
    return { processId };
  }

  async read(params: exec.ReadParams, signal?: AbortSignal): Promise<ProcessRead> {
    this.requireReady();
    const entry = this.lookup(params.processId);
    const afterSeq = params.afterSeq ?? 0;
    const maxBytes = Math.min(
      params.maxBytes ?? this.config.defaultReadBytes,
      Math.max(this.config.retainedOutputBytesPerProcess, 1),
    );
    const waitMs = Math.min(params.waitMs ?? 0, this.config.maxReadWaitMs);
    if (waitMs > 0 && !entry.exit && !entry.output.hasAfter(afterSeq)) {
      await this.waitForActivity(entry, waitMs, signal);
    }
    const read = entry.output.read(afterSeq, maxBytes);
    return {
      chunks: read.chunks.map((chunk) => ({
        seq: chunk.seq,
        stream: chunk.stream,
        chunk: chunk.bytes,
      })),
      nextSeq: read.nextSeq,
      exited: entry.exit !== undefined,
      exitCode: entry.exit?.exitCode ?? null,
      truncated: read.truncated,
    };
  }

  async write(params: { processId: string; chunk: Buffer }): Promise<exec.WriteResponse> {
    this.requireReady();
    const entry = this.processes.get(params.processId);
    if (!entry) throw invalidRequest(`unknown process id ${params.processId}`);
    if (!entry.live.tty && !entry.live.stdinOpen && !entry.exit) {
      throw invalidRequest(
        `process ${params.processId} has no open stdin (started without tty and without openStdin, or stdin was closed)`,
      );
    }
    if (entry.exit || !entry.live.stdinOpen) {
      throw invalidRequest(`process ${params.processId} has exited`);
    }
    try {
      await entry.live.write(params.chunk);
    } catch (error) {
      throw internalError(
        `writing to process ${params.processId} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return { accepted: true };
  }

  async terminate(params: exec.TerminateParams): Promise<exec.TerminateResponse> {
    this.requireReady();
    const entry = this.processes.get(params.processId);
    if (!entry || entry.exit) return { running: false };
    this.kill(entry, 'SIGTERM');
    return { running: true };
  }

  resize(params: exec.ResizeParams): Record<string, never> {
    this.requireReady();
    const entry = this.lookup(params.processId);
    if (!entry.live.tty) throw invalidRequest(`process ${params.processId} is not a PTY process`);
    if (!entry.exit) entry.live.resize(params.size);
    return {};
  }

  closeStdin(params: exec.CloseStdinParams): Record<string, never> {
    this.requireReady();
    const entry = this.lookup(params.processId);
    if (entry.live.tty) {
      throw invalidRequest(
        `process ${params.processId} is a PTY process; write ^D (0x04) to signal end of input`,
      );
    }
    entry.live.closeStdin();
    return {};
  }

  /**
   * Ends the connection's processes: SIGTERM to every process group (including groups whose
   * leader already exited but whose descendants may linger), SIGKILL after the grace period,
   * and waits (bounded) for the leaders to exit. Later calls return the same promise.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.runShutdown();
    return this.shutdownPromise;
  }

  private shutdownPromise?: Promise<void>;

  private async runShutdown(): Promise<void> {
    this.phase = 'shutdown';
    const entries = [...this.processes.values()];
    for (const entry of entries) {
      this.signal(entry, 'SIGTERM');
      if (entry.exit) this.signal(entry, 'SIGKILL');
    }
    const grace = this.config.terminateGraceMs;
    const allExited = Promise.all(entries.map((entry) => entry.exitedPromise));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), grace);
    });
    const outcome = await Promise.race([allExited, timedOut]);
    clearTimeout(timer);
    for (const entry of entries) {
      // Descendants outlive leaders; kill every group once more, and the stragglers for good.
      this.signal(entry, 'SIGKILL');
    }
    if (outcome === 'timeout') {
      let killTimer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        allExited,
        new Promise<void>((resolve) => {
          killTimer = setTimeout(resolve, 1_000);
        }),
      ]);
      clearTimeout(killTimer);
    }
    for (const entry of entries) {
      if (entry.killTimer) clearTimeout(entry.killTimer);
      orphanGuard().release(entry.live.pid);
      for (const wake of entry.waiters) wake();
    }
  }

  private requireReady(): void {
    if (this.phase === 'ready') return;
    if (this.phase === 'new') {
      throw invalidRequest('client must call initialize before using exec methods');
    }
    if (this.phase === 'initializing') {
      throw invalidRequest('client must send initialized before using exec methods');
    }
    throw invalidRequest('the connection is shutting down');
  }

  private lookup(processId: string): ManagedProcess {
    const entry = this.processes.get(processId);
    if (!entry) throw invalidRequest(`unknown process id ${processId}`);
    return entry;
  }

  private spawnFailure(params: StartParams, error: unknown): JsonRpcError {
    if (SpawnError.isInstance(error)) {
      const message = `cannot start process ${params.processId}: ${error.message}`;
      return error.code === 'cwd' ? invalidParams(message) : internalError(message);
    }
    this.logger.error(`spawning process ${params.processId} failed`, error);
    return internalError(
      `cannot start process ${params.processId}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  private onOutput(entry: ManagedProcess, stream: ExecOutputStream, bytes: Buffer): void {
    entry.output.append(stream, bytes);
    for (const wake of entry.waiters) wake();
    let delivery: void | Promise<void>;
    try {
      delivery = this.sink.output({ processId: entry.id, stream, chunk: bytes });
    } catch (error) {
      this.logger.error(`output listener for process ${entry.id} failed`, error);
      return;
    }
    if (!delivery) return;
    entry.pendingDeliveries += 1;
    if (entry.pendingDeliveries === 1) entry.live.pause();
    const settled = () => {
      entry.pendingDeliveries -= 1;
      if (entry.pendingDeliveries === 0) entry.live.resume();
    };
    delivery.then(settled, (error: unknown) => {
      this.logger.debug(`output of process ${entry.id} was not delivered`, error);
      settled();
    });
  }

  private onExit(entry: ManagedProcess, exit: ProcessExit): void {
    if (entry.exit) return;
    entry.exit = exit;
    // Most groups end with their leader: stop guarding a number the system may soon reuse.
    orphanGuard().releaseIfEnded(entry.live.pid);
    if (entry.killTimer) clearTimeout(entry.killTimer);
    entry.resolveExited();
    for (const wake of entry.waiters) wake();
    this.exitedOrder.push(entry.id);
    while (this.exitedOrder.length > this.config.maxExitedProcessesPerConnection) {
      const evicted = this.exitedOrder.shift();
      if (evicted === undefined) continue;
      const gone = this.processes.get(evicted);
      this.processes.delete(evicted);
      // Forgotten: its group is no longer ours to kill.
      if (gone) orphanGuard().release(gone.live.pid);
    }
    try {
      this.sink.exited({ processId: entry.id, exitCode: exit.exitCode, signal: exit.signal });
    } catch (error) {
      this.logger.error(`exit listener for process ${entry.id} failed`, error);
    }
  }

  /** SIGTERM (or `signal`) to the group now, SIGKILL after the grace period. */
  private kill(entry: ManagedProcess, signal: NodeJS.Signals): void {
    this.signal(entry, signal);
    if (signal === 'SIGKILL' || entry.killTimer) return;
    entry.killTimer = setTimeout(() => {
      if (!entry.exit) this.signal(entry, 'SIGKILL');
    }, this.config.terminateGraceMs);
    entry.killTimer.unref?.();
  }

  private signal(entry: ManagedProcess, signal: NodeJS.Signals): void {
    try {
      entry.live.signalGroup(signal);
    } catch (error) {
      this.logger.warn(`sending ${signal} to process ${entry.id} failed`, error);
    }
  }

  private waitForActivity(
    entry: ManagedProcess,
    waitMs: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        entry.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      entry.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
