import type { core } from '@codex/protocol';
import { approximateBytes } from '../session/event-queue.js';

/** What a subscriber reads: an event, or word that it fell behind and missed some. */
export type ThreadEvent =
  | {
      /** One event of the thread. */
      readonly kind: 'event';
      /** The event. */
      readonly event: core.Event;
    }
  | {
      /** The subscriber fell behind and events were dropped. */
      readonly kind: 'lagged';
      /** Events dropped because the subscriber's queue was full. */
      readonly missed: number;
    };

/** Bounds of an `EventHub`, the fan-out of a thread's events to its subscribers. */
export interface EventHubOptions {
  /** Completed events kept for replay to late subscribers. Default 2,000. */
  readonly maxReplayEvents?: number;
  /** Bytes of events kept for replay. Default 8 MiB. */
  readonly maxReplayBytes?: number;
  /** Unread bytes per subscriber before it lags. Default 4 MiB. */
  readonly subscriberQueueBytes?: number;
}

/** Events that are progress within an item: live only, never replayed. */
const TRANSIENT = new Set<core.EventMsgType>([
  'agent_message_delta',
  'agent_reasoning_delta',
  'exec_command_output_delta',
]);

/** Events that settle an approval request for their call. */
const SETTLES_CALL = new Set<core.EventMsgType>([
  'exec_command_begin',
  'exec_command_end',
  'patch_apply_begin',
  'patch_apply_end',
]);

const elicitationKey = (server: string, id: string) => `elicitation:${server}\0${id}`;
const dynamicCallKey = (callId: string) => `dynamic:${callId}`;

const callIdOf = (msg: core.EventMsg): string | undefined =>
  'call_id' in msg && typeof msg.call_id === 'string' ? msg.call_id : undefined;

interface Lag {
  readonly lag: true;
  missed: number;
}

interface Queued {
  readonly event: core.Event;
  readonly bytes: number;
}

/** One subscriber's bounded queue. */
export class Subscription implements AsyncIterable<ThreadEvent> {
  private readonly queue: Array<Queued | Lag> = [];
  private bytes = 0;
  private closed = false;
  private reader: ((value: ThreadEvent | undefined) => void) | null = null;

  constructor(
    private readonly maxBytes: number,
    private readonly onClose: (subscription: Subscription) => void,
  ) {}

  /** Delivers an event, or counts it missed when the queue is full. Never blocks. */
  deliver(event: core.Event): void {
    if (this.closed) return;
    if (this.reader) {
      const read = this.reader;
      this.reader = null;
      read({ kind: 'event', event });
      return;
    }
    const bytes = approximateBytes(event.msg);
    if (this.bytes + bytes > this.maxBytes) {
      const last = this.queue.at(-1);
      if (last && 'lag' in last) last.missed++;
      else this.queue.push({ lag: true, missed: 1 });
      return;
    }
    this.queue.push({ event, bytes });
    this.bytes += bytes;
  }

  /** The next event (or lag notice); `undefined` once closed. */
  next(): Promise<ThreadEvent | undefined> {
    const item = this.queue.shift();
    if (item) {
      if ('lag' in item) return Promise.resolve({ kind: 'lagged', missed: item.missed });
      this.bytes -= item.bytes;
      return Promise.resolve({ kind: 'event', event: item.event });
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.reader = resolve;
    });
  }

  /**
   * Removes and returns the events queued so far, at once. Called right after subscribing
   * with `replay`, it yields exactly the replay; what is published later stays for `next`.
   */
  takeQueued(): core.Event[] {
    const taken: core.Event[] = [];
    for (const item of this.queue.splice(0)) if (!('lag' in item)) taken.push(item.event);
    this.bytes = 0;
    return taken;
  }

  /** Stops the subscription; queued events are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.reader?.(undefined);
    this.reader = null;
    this.onClose(this);
  }

  /** Yields the subscriber's events in order, until it is closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ThreadEvent> {
    try {
      for (;;) {
        const item = await this.next();
        if (item === undefined) return;
        yield item;
      }
    } finally {
      this.close();
    }
  }
}

/**
 * Fans a thread's events out to any number of subscribers. A new subscriber can ask for a
 * replay of what happened so far (completed events, not deltas, bounded), followed by live
 * events with no gap and no duplicate; approval requests still waiting for an answer are always
 * delivered to it. A subscriber that does not keep up lags (it is told how many events it
 * missed); it never holds up the thread or the other subscribers.
 */
export class EventHub {
  private readonly replay: Array<{ readonly event: core.Event; readonly bytes: number }> = [];
  private replayBytes = 0;
  private readonly pendingApprovals = new Map<string, core.Event>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly options: Required<EventHubOptions>;
  private closed = false;

  /** `onEmpty` runs whenever the last subscriber leaves. */
  constructor(
    options: EventHubOptions = {},
    private readonly onEmpty?: () => void,
  ) {
    this.options = {
      maxReplayEvents: options.maxReplayEvents ?? 2_000,
      maxReplayBytes: options.maxReplayBytes ?? 8 * 1024 * 1024,
      subscriberQueueBytes: options.subscriberQueueBytes ?? 4 * 1024 * 1024,
    };
  }

  get subscriberCount(): number {
    return this.subscriptions.size;
  }

  /** Approval requests nobody has answered yet. */
  get pending(): readonly core.Event[] {
    return [...this.pendingApprovals.values()];
  }

  publish(event: core.Event): void {
    const { msg } = event;
    this.trackApprovals(msg, event);
    if (!TRANSIENT.has(msg.type)) this.remember(event);
    for (const subscription of this.subscriptions) subscription.deliver(event);
  }

  /**
   * Subscribes. With `replay`, the events kept so far come first; either way, approval requests
   * still waiting are included. Synchronous, so nothing published in between is lost or doubled.
   */
  subscribe(
    options: { readonly replay?: boolean; readonly maxQueuedBytes?: number } = {},
  ): Subscription {
    const subscription = new Subscription(
      options.maxQueuedBytes ?? this.options.subscriberQueueBytes,
      (closed) => {
        if (this.subscriptions.delete(closed) && this.subscriptions.size === 0) this.onEmpty?.();
      },
    );
    if (this.closed) {
      subscription.close();
      return subscription;
    }
    const backlog = options.replay ? this.replay.map((entry) => entry.event) : [];
    const included = new Set(backlog);
    for (const approval of this.pendingApprovals.values())
      if (!included.has(approval)) backlog.push(approval);
    for (const event of backlog) subscription.deliver(event);
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Ends every subscription. */
  close(): void {
    this.closed = true;
    for (const subscription of [...this.subscriptions]) subscription.close();
  }

  /**
   * Keeps the questions still waiting for the client (approvals, MCP servers' questions, client
   * tool calls), so that a client subscribing late is asked too.
   */
  private trackApprovals(msg: core.EventMsg, event: core.Event): void {
    switch (msg.type) {
      case 'exec_approval_request':
      case 'apply_patch_approval_request':
        this.pendingApprovals.set(msg.call_id, event);
        return;
      case 'elicitation_request':
        this.pendingApprovals.set(elicitationKey(msg.server_name, msg.id), event);
        return;
      case 'dynamic_tool_call_request':
        this.pendingApprovals.set(dynamicCallKey(msg.call_id), event);
        return;
      case 'dynamic_tool_call_response':
        this.pendingApprovals.delete(dynamicCallKey(msg.call_id));
        return;
      case 'mcp_tool_call_end':
        this.pendingApprovals.delete(
          elicitationKey(msg.invocation.server, `mcp_tool_call_approval_${msg.call_id}`),
        );
        return;
      case 'task_complete':
      case 'turn_aborted':
        this.pendingApprovals.clear();
        return;
    }
    const callId = callIdOf(msg);
    if (callId !== undefined && SETTLES_CALL.has(msg.type)) this.pendingApprovals.delete(callId);
  }

  /** Settles a question the client answered (an op answering one). */
  answered(op: core.Op): void {
    switch (op.type) {
      case 'exec_approval':
      case 'patch_approval':
        this.pendingApprovals.delete(op.id);
        return;
      case 'resolve_elicitation':
        this.pendingApprovals.delete(elicitationKey(op.server_name, op.request_id));
        return;
      case 'dynamic_tool_response':
        this.pendingApprovals.delete(dynamicCallKey(op.id));
        return;
    }
  }

  private remember(event: core.Event): void {
    const bytes = approximateBytes(event.msg);
    this.replay.push({ event, bytes });
    this.replayBytes += bytes;
    while (
      this.replay.length > this.options.maxReplayEvents ||
      this.replayBytes > this.options.maxReplayBytes
    ) {
      const dropped = this.replay.shift();
      if (!dropped) break;
      this.replayBytes -= dropped.bytes;
    }
  }
}
