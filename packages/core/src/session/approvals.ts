import { defaultLogger, type Logger, timerFor } from '@codex/common';
import type { core } from '@codex/protocol';

/** How long an approval request waits for an answer before it is declined. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 10 * 60 * 1000;

/** The decisions a client is offered. */
export const OFFERED_DECISIONS: readonly core.ReviewDecision[] = [
  'approved',
  'approved_for_session',
  'denied',
  'abort',
];

type ApprovalKind = 'exec' | 'patch';

interface Pending {
  readonly kind: ApprovalKind;
  readonly callId: string;
  readonly submissionId: string;
  readonly resolve: (decision: core.ReviewDecision) => void;
}

/**
 * Approval requests waiting for the user. Each is answered by an `exec_approval` /
 * `patch_approval` op naming its call id, by the timeout (`timed_out`), or by an interrupt
 * (`abort`); whichever comes first wins and the others are ignored.
 */
export class Approvals {
  private readonly pending = new Map<string, Pending>();
  /** Requests the user approved for the rest of the session, by key. */
  private readonly approvedForSession = new Set<string>();
  private readonly logger: Logger;

  constructor(
    private readonly timeoutMs: number = DEFAULT_APPROVAL_TIMEOUT_MS,
    logger?: Logger,
  ) {
    this.logger = logger ?? defaultLogger;
  }

  /** How many requests are waiting. */
  get size(): number {
    return this.pending.size;
  }

  isApprovedForSession(key: string): boolean {
    return this.approvedForSession.has(key);
  }

  /**
   * Waits for the answer to a request already announced to the client. `onTimeout` runs when
   * nobody answers in time.
   */
  wait(options: {
    readonly kind: ApprovalKind;
    readonly callId: string;
    readonly submissionId: string;
    /** Remembered when the answer is `approved_for_session`. */
    readonly sessionKey: string;
    readonly signal: AbortSignal;
    readonly onTimeout: () => void;
  }): Promise<core.ReviewDecision> {
    const { callId, signal } = options;
    if (signal.aborted) return Promise.resolve('abort');
    if (this.pending.has(callId)) this.settle(callId, 'abort');
    return new Promise<core.ReviewDecision>((resolve) => {
      const finish = (decision: core.ReviewDecision) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.pending.delete(callId);
        if (decision === 'approved_for_session') this.approvedForSession.add(options.sessionKey);
        resolve(decision);
      };
      const onAbort = () => finish('abort');
      const timer = timerFor(this.timeoutMs, () => {
        options.onTimeout();
        finish('timed_out');
      });
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(callId, {
        kind: options.kind,
        callId,
        submissionId: options.submissionId,
        resolve: finish,
      });
    });
  }

  /**
   * Answers a request. `id` is its call id, or the submission id of the turn that asked when
   * exactly one request of that kind waits under it (older clients answer that way). Returns
   * false, and logs, when nothing matches.
   */
  answer(kind: ApprovalKind, id: string, decision: core.ReviewDecision): boolean {
    const direct = this.pending.get(id);
    if (direct && direct.kind === kind) return this.settle(id, decision);
    const bySubmission = [...this.pending.values()].filter(
      (entry) => entry.kind === kind && entry.submissionId === id,
    );
    if (bySubmission.length === 1 && bySubmission[0])
      return this.settle(bySubmission[0].callId, decision);
    this.logger.warn(
      bySubmission.length > 1
        ? `ignoring a ${kind} approval for submission ${id}: ${bySubmission.length} requests wait under it; answer with the call id`
        : `ignoring a ${kind} approval for ${id}: no such request is waiting`,
    );
    return false;
  }

  /** Cancels every waiting request (an interrupt or shutdown). */
  abortAll(): void {
    for (const callId of [...this.pending.keys()]) this.settle(callId, 'abort');
  }

  private settle(callId: string, decision: core.ReviewDecision): boolean {
    const entry = this.pending.get(callId);
    if (!entry) return false;
    entry.resolve(decision);
    return true;
  }
}
