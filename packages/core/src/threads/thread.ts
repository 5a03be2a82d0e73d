import { defaultLogger, type Logger } from '@codex/common';
import type { core } from '@codex/protocol';
import type { Session } from '../session/session.js';
import { EventHub, type EventHubOptions, type Subscription } from './event-hub.js';

/** Options of {@link Thread}. */
export interface ThreadOptions {
  readonly session: Session;
  /** Where the thread is persisted; null for an ephemeral thread. */
  readonly rolloutPath: string | null;
  /** Flushes and releases the thread's storage when it unloads. */
  readonly closeStorage?: () => Promise<void>;
  /** Makes everything recorded so far durable. */
  readonly flushStorage?: () => Promise<void>;
  readonly hub?: EventHubOptions;
  /** Unload after this long with no subscriber and no turn running. Default: never. */
  readonly idleUnloadMs?: number;
  /** Called once the thread has unloaded. */
  readonly onUnloaded?: (thread: Thread) => void;
  readonly forkedFromId?: string | null;
  readonly logger?: Logger;
}

/**
 * A loaded thread: a session, its persistence, and its subscribers. Every event the session
 * emits is fanned out through an `EventHub`; submit ops through the thread so approvals
 * answered here stop being offered to later subscribers.
 */
export class Thread {
  /** The thread's id (its session's id). */
  readonly id: string;
  /** The session running the thread's turns. */
  readonly session: Session;
  /** The rollout file, or `null` for an ephemeral thread. */
  readonly rolloutPath: string | null;
  /** The thread this one was forked from, if any. */
  readonly forkedFromId: string | null;
  private readonly hub: EventHub;
  private readonly pump: Promise<void>;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private unloading: Promise<void> | null = null;
  private readonly logger: Logger;

  constructor(private readonly options: ThreadOptions) {
    this.session = options.session;
    this.id = options.session.id;
    this.rolloutPath = options.rolloutPath;
    this.forkedFromId = options.forkedFromId ?? null;
    this.logger = options.logger ?? defaultLogger;
    // The last subscriber leaving makes the thread idle again: it may unload.
    this.hub = new EventHub(options.hub, () => this.scheduleIdleCheck());
    this.pump = this.forward();
    this.scheduleIdleCheck();
  }

  /** Whether the thread keeps nothing on disk. */
  get ephemeral(): boolean {
    return this.rolloutPath === null;
  }

  /** How many subscribers follow the thread now. */
  get subscriberCount(): number {
    return this.hub.subscriberCount;
  }

  /** Approval requests waiting for an answer. */
  get pendingApprovals(): readonly core.Event[] {
    return this.hub.pending;
  }

  /** Submits an op to the thread's session; see `Session.submit`. */
  submit(op: core.Op): string {
    const id = this.session.submit(op);
    this.hub.answered(op);
    return id;
  }

  /**
   * Subscribes to the thread's events: with `replay`, what happened so far first (completed
   * events, bounded), then live events with no gap and no duplicate. Approval requests still
   * waiting are always delivered.
   */
  subscribe(
    options: { readonly replay?: boolean; readonly maxQueuedBytes?: number } = {},
  ): Subscription {
    this.clearIdleTimer();
    const subscription = this.hub.subscribe(options);
    return subscription;
  }

  /** Writes what the thread has recorded so far to its rollout (fsync'd). */
  async flush(): Promise<void> {
    await this.options.flushStorage?.();
  }

  /** Shuts the session down, flushes the rollout and ends every subscription. */
  unload(): Promise<void> {
    this.unloading ??= (async () => {
      this.clearIdleTimer();
      await this.session.shutdown();
      await this.pump;
      await this.options.closeStorage?.().catch((error: unknown) => {
        this.logger.error(`could not close the rollout of thread ${this.id}`, error);
      });
      this.hub.close();
      this.options.onUnloaded?.(this);
    })();
    return this.unloading;
  }

  /** Reads the session's events as fast as they come and hands them to the hub. */
  private async forward(): Promise<void> {
    for await (const event of this.session.events()) {
      this.hub.publish(event);
      if (event.msg.type === 'task_complete' || event.msg.type === 'turn_aborted')
        this.scheduleIdleCheck();
    }
  }

  private clearIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Unloads an idle thread (no subscriber, no turn) after `idleUnloadMs`. */
  private scheduleIdleCheck(): void {
    const idleMs = this.options.idleUnloadMs;
    if (idleMs === undefined || !Number.isFinite(idleMs) || this.unloading) return;
    this.clearIdleTimer();
    this.idleTimer = setTimeout(() => {
      if (this.hub.subscriberCount > 0 || this.session.busy) {
        this.scheduleIdleCheck();
        return;
      }
      this.unload().catch((error: unknown) => {
        this.logger.error(`could not unload idle thread ${this.id}`, error);
      });
    }, idleMs);
    this.idleTimer.unref?.();
  }
}
