import { timerFor } from '@codex/common';

interface Waiter<T> {
  readonly resolve: (value: T) => void;
}

/**
 * Questions a session asked someone (the client, a host) and waits on, by key: each settles
 * with the first of its answer, its timeout or the abort signal; later answers are ignored.
 */
export class PendingAnswers<T> {
  private readonly waiting = new Map<string, Waiter<T>>();

  /** How many questions wait. */
  get size(): number {
    return this.waiting.size;
  }

  /**
   * Waits for the answer to `key`. Resolves with `onTimeout()` when nobody answers within
   * `timeoutMs`, and with `onAbort()` when `signal` aborts first. Never rejects.
   */
  wait(
    key: string,
    options: {
      readonly timeoutMs: number;
      readonly signal?: AbortSignal;
      readonly onTimeout: () => T;
      readonly onAbort: () => T;
    },
  ): Promise<T> {
    const { signal } = options;
    if (signal?.aborted) return Promise.resolve(options.onAbort());
    // A second question under a live key replaces the first, which is treated as aborted.
    this.settle(key, options.onAbort());
    return new Promise<T>((resolve) => {
      const finish = (value: T) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.waiting.get(key) === waiter) this.waiting.delete(key);
        resolve(value);
      };
      const onAbort = () => finish(options.onAbort());
      const timer = timerFor(options.timeoutMs, () => finish(options.onTimeout()));
      signal?.addEventListener('abort', onAbort, { once: true });
      const waiter: Waiter<T> = { resolve: finish };
      this.waiting.set(key, waiter);
    });
  }

  /** Answers `key`; false when nothing waits under it (already answered, timed out, unknown). */
  settle(key: string, value: T): boolean {
    const waiter = this.waiting.get(key);
    if (!waiter) return false;
    waiter.resolve(value);
    return true;
  }

  /** Answers every waiting question with `value` (shutdown). */
  settleAll(value: T): void {
    for (const key of [...this.waiting.keys()]) this.settle(key, value);
  }
}
