import type { Logger } from '@codex/common';
import { parseArguments, type Subscription, type Thread } from '@codex/core';
import type { core } from '@codex/protocol';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { z } from 'zod';
import { RequestError } from './errors.js';
import { type CodexNotification, codexEvent, INITIAL_STATE } from './notifications.js';

/** The method a client calls to follow a thread (or stop following it). */
export const STREAM_METHOD = 'codex/stream';

/** Params of `codex/stream`: the thread, and whether to stream it (default true). */
export const StreamParamsSchema = z.strictObject({
  threadId: z.string(),
  stream: z.boolean().optional(),
});

/** Result of `codex/stream`. */
export interface StreamResult {
  /** The thread asked about. */
  readonly threadId: string;
  /** Whether this client now receives the thread's events. */
  readonly streaming: boolean;
  readonly [key: string]: unknown;
}

/** Threads one client may stream at once. */
const MAX_STREAMS = 64;
/** Unread bytes a streamed thread may fall behind by before events are skipped. */
const STREAM_QUEUE_BYTES = 16 * 1024 * 1024;

interface ActiveStream {
  readonly subscription: Subscription;
}

type NotifyingServer = Pick<Server, 'notification'> & {
  notification(notification: CodexNotification): Promise<void>;
};

/**
 * A client's streamed threads (seed 004's streaming control). Turning a thread's stream on
 * answers first, then sends `notifications/initial_state` (what core replays: the thread's
 * completed events so far and any approval still waiting), then every live event as
 * `codex/event` — subscribing and taking the replay happen in one synchronous step, so nothing
 * is missed or sent twice. Turning it off (or the client leaving) stops it; the thread goes on.
 */
export class ThreadStreams {
  private readonly active = new Map<string, ActiveStream>();
  /** The latest request per thread: an older one still loading its thread gives way to it. */
  private readonly latest = new Map<string, object>();
  private closed = false;

  constructor(
    private readonly server: NotifyingServer,
    private readonly logger: Logger,
    private readonly load: (threadId: string) => Promise<Thread>,
  ) {}

  /** Threads streamed now. */
  get threadIds(): string[] {
    return [...this.active.keys()];
  }

  async handle(params: unknown): Promise<StreamResult> {
    const parsed = parseArguments(StreamParamsSchema, params ?? {});
    if (!parsed.success) {
      throw RequestError.invalidParams(`Invalid ${STREAM_METHOD} params: ${parsed.problem}`);
    }
    const { threadId, stream = true } = parsed.data;
    const request = {};
    this.latest.set(threadId, request);
    this.stop(threadId);
    if (!stream) {
      this.latest.delete(threadId);
      return { threadId, streaming: false };
    }
    if (this.active.size >= MAX_STREAMS) {
      this.latest.delete(threadId);
      throw RequestError.invalidParams(
        `Too many streamed threads: ${MAX_STREAMS} are streamed; stop one with \`stream: false\``,
      );
    }
    let thread: Thread;
    try {
      thread = await this.load(threadId);
    } catch (error) {
      if (this.latest.get(threadId) === request) this.latest.delete(threadId);
      const reason = error instanceof Error ? error.message : String(error);
      throw RequestError.invalidParams(`Failed to load thread ${threadId}: ${reason}`);
    }
    // A later request for this thread (say `stream: false`) or the client leaving wins.
    if (this.latest.get(threadId) !== request || this.closed) return { threadId, streaming: false };
    this.latest.delete(threadId);
    const subscription = thread.subscribe({ replay: true, maxQueuedBytes: STREAM_QUEUE_BYTES });
    const initial = subscription.takeQueued();
    this.active.set(threadId, { subscription });
    // After this handler's answer is written (it is sent once the handler returns).
    setImmediate(() => {
      this.pump(threadId, subscription, initial).catch((error: unknown) => {
        this.logger.warn(`streaming thread ${threadId} stopped`, error);
      });
    });
    return { threadId, streaming: true };
  }

  /** Stops streaming `threadId` (no-op when it is not streamed). */
  stop(threadId: string): void {
    const stream = this.active.get(threadId);
    if (!stream) return;
    this.active.delete(threadId);
    stream.subscription.close();
  }

  /** Stops every stream; requests still loading their thread start none. */
  closeAll(): void {
    this.closed = true;
    this.latest.clear();
    for (const threadId of [...this.active.keys()]) this.stop(threadId);
  }

  private async pump(
    threadId: string,
    subscription: Subscription,
    initial: readonly core.Event[],
  ): Promise<void> {
    try {
      await this.server.notification({
        method: INITIAL_STATE,
        params: {
          _meta: { threadId },
          initial_state: { events: initial.map(({ id, msg }) => ({ id, msg })) },
        },
      });
      let lagged = false;
      for await (const item of subscription) {
        if (item.kind === 'lagged') {
          if (!lagged) {
            this.logger.warn(
              `the client reads the stream of thread ${threadId} too slowly; ${item.missed} events were skipped`,
            );
          }
          lagged = true;
          continue;
        }
        await this.server.notification(codexEvent(item.event, { threadId }));
      }
    } finally {
      if (this.active.get(threadId)?.subscription === subscription) this.active.delete(threadId);
      subscription.close();
    }
  }
}
