import type { exec } from '@codex/protocol';
import { UNIFIED_EXEC_OUTPUT_MAX_BYTES } from './constants.js';
import { type DrainedOutput, HeadTailBuffer } from './head-tail-buffer.js';

/** Receives a process's output as it arrives, while a call is reading it. */
export type OutputObserver = (chunk: Buffer, stream: exec.ExecOutputStream) => void;

/**
 * One process started by `exec_command`: its unread output (bounded), its exit, and whoever is
 * waiting for either. Fed by the manager from the exec-server client's events.
 */
export class UnifiedExecProcess {
  /** The handle on the exec-server connection (not an OS pid). */
  readonly processId: string;
  readonly sessionId: number;
  /** The `exec_command` call that started it. */
  readonly callId: string;
  /** The argv that was run. */
  readonly command: readonly string[];
  readonly tty: boolean;
  /** Use counter value of the last call that touched it; larger is more recent. */
  lastUsed: number;
  private readonly unread = new HeadTailBuffer(UNIFIED_EXEC_OUTPUT_MAX_BYTES);
  private code: number | null = null;
  /** Wakes waiters at the exit. */
  private readonly wakers = new Set<() => void>();
  private observer: OutputObserver | undefined;
  private resolveExit: (exitCode: number) => void = () => {};
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number>;

  constructor(init: {
    processId: string;
    sessionId: number;
    callId: string;
    command: readonly string[];
    tty: boolean;
    lastUsed: number;
  }) {
    this.processId = init.processId;
    this.sessionId = init.sessionId;
    this.callId = init.callId;
    this.command = init.command;
    this.tty = init.tty;
    this.lastUsed = init.lastUsed;
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
  }

  /** The exit code, or `null` while it runs. */
  get exitCode(): number | null {
    return this.code;
  }

  get hasExited(): boolean {
    return this.code !== null;
  }

  /** Output from the exec-server; the exec-server sends all of it before the exit. */
  onOutput(chunk: Buffer, stream: exec.ExecOutputStream): void {
    if (this.code !== null) return;
    this.unread.push(chunk);
    this.observer?.(chunk, stream);
  }

  onExit(exitCode: number): void {
    if (this.code !== null) return;
    this.code = exitCode;
    this.resolveExit(exitCode);
    for (const waker of [...this.wakers]) waker();
  }

  /** Streams output to `observer` until the returned function is called. */
  observe(observer: OutputObserver | undefined): () => void {
    if (!observer) return () => {};
    this.observer = observer;
    return () => {
      if (this.observer === observer) this.observer = undefined;
    };
  }

  /** Takes the output that arrived since the last drain. */
  drain(): DrainedOutput {
    return this.unread.drain();
  }

  /**
   * Resolves when the process has exited, `deadline` (a `performance.now()` time) has passed,
   * or `signal` aborts, whichever is first. Output alone does not end the wait: a read collects
   * everything until its deadline, as the original's does.
   */
  async waitForExitOrDeadline(deadline: number, signal?: AbortSignal): Promise<void> {
    while (this.code === null && !signal?.aborted) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.wakers.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, remaining);
        this.wakers.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
}
