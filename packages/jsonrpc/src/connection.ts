import { defaultLogger, type Logger, LogThrottle, timerFor } from '@codex/common';
import {
  classifyMessage,
  describeIssues,
  internalError,
  JsonRpcError,
  type JsonRpcErrorResponse,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type MethodOf,
  type NotificationTable,
  type RequestId,
  type RequestTable,
  serverOverloaded,
  type TableParams,
  type TableResult,
} from '@codex/protocol';
import type { z } from 'zod';
import { ConnectionError } from './errors.js';
import { encodeFrame, FrameError } from './frame.js';
import { type ErrorPolicy, standardErrorPolicy } from './policy.js';
import type { CloseInfo, Transport } from './transport.js';

/** One direction of a protocol: the requests and notifications that travel that way. */
export interface ProtocolSide {
  /** Each request method with its params and result schemas. */
  readonly requests: RequestTable;
  /** Each notification method with its params schema. */
  readonly notifications: NotificationTable;
}

/** A side with no schemas: any method, params and results are `unknown` and unvalidated. */
export interface UntypedSide {
  /** Any request method; params and result are not checked. */
  readonly requests: Readonly<
    Record<
      string,
      {
        /** Accepts any params. */
        params: z.ZodType<unknown>;
        /** Accepts any result. */
        result: z.ZodType<unknown>;
      }
    >
  >;
  /** Any notification method; params are not checked. */
  readonly notifications: Readonly<
    Record<
      string,
      {
        /** Accepts any params. */
        params: z.ZodType<unknown>;
      }
    >
  >;
}

/** What a request handler learns about the request beside its params. */
export interface RequestContext {
  /** The request's JSON-RPC id. */
  readonly id: RequestId;
  /** The request's method. */
  readonly method: string;
  /** Aborted when the connection closes before the handler finishes. */
  readonly signal: AbortSignal;
}

/** Answers one request; throw a `JsonRpcError` to send that error back. */
export type RequestHandler<P, R> = (params: P, context: RequestContext) => R | Promise<R>;
/** Receives one notification. */
export type NotificationHandler<P> = (params: P) => void | Promise<void>;

/** Per-call options of {@link Connection.request}. */
export interface RequestOptions {
  /** Overrides the connection's `requestTimeoutMs`; `Infinity` waits forever. */
  readonly timeoutMs?: number;
  /** Aborting rejects the call with a `cancelled` ConnectionError. */
  readonly signal?: AbortSignal;
}

/** Settings of a connection. Every field has a default. */
export interface ConnectionOptions<In extends ProtocolSide, Out extends ProtocolSide> {
  /** Schemas of what arrives: incoming params are validated against them when given. */
  readonly incoming?: In;
  /** Schemas of what we send: results of our requests are validated against them when given. */
  readonly outgoing?: Out;
  /** How long a request waits for its response. Default 60 s. */
  readonly requestTimeoutMs?: number;
  /**
   * Outbound characters (about bytes) queued before backpressure starts: above it a
   * notification's promise waits for its write, and while our replies alone exceed it the
   * transport stops reading the peer's input. Default 1 MiB.
   */
  readonly highWaterMarkBytes?: number;
  /**
   * Outbound characters queued at most; beyond it notifications and requests fail with
   * `queue_full`. Replies are never refused (reading input stops instead). Default 64 MiB.
   */
  readonly maxQueuedBytes?: number;
  /**
   * Request handlers running at once. Further requests wait, in order; responses and
   * notifications are never held behind them (a running handler may be waiting for one).
   * Default 128.
   */
  readonly maxConcurrentRequests?: number;
  /**
   * Methods with a limit of their own instead of `maxConcurrentRequests`: at most that many
   * of each run at once, apart from the rest, so that they neither wait behind other requests
   * nor hold them up. For requests that let stuck ones finish (a terminate, a cancel) and for
   * long polls.
   */
  readonly methodLimits?: Readonly<Record<string, number>>;
  /**
   * Requests that may wait for a handler at once, and their total size in bytes. A request
   * beyond either is answered at once with the policy's `overloaded` error (-32001 "Server
   * overloaded; retry later." by default), so that input keeps being read. Defaults 1,024 and
   * 4 MiB.
   */
  readonly maxWaitingRequests?: number;
  /**
   * Total size in bytes of the requests waiting for a handler; see `maxWaitingRequests`. Default 4
   * MiB.
   */
  readonly maxWaitingBytes?: number;
  /**
   * How long one queued message may wait for the peer to accept it before the connection is
   * closed as stalled. Default 5 minutes; `Infinity` waits forever.
   */
  readonly stallTimeoutMs?: number;
  /**
   * When the peer's input ends but our output stays open (a pipe), how long to wait for the
   * requests already read to be answered before closing. Default 60 s.
   */
  readonly endGraceMs?: number;
  /** How bad input is answered. Default {@link standardErrorPolicy}. */
  readonly errorPolicy?: ErrorPolicy;
  /** Default: the process-wide default logger. Repeated problems are logged once per 10 s. */
  readonly logger?: Logger;
  /** Ids for our requests. Default: integers counting up from 0. */
  readonly nextRequestId?: () => RequestId;
  /** A notification to send when a caller aborts a request (none by default). */
  readonly cancelNotification?: (id: RequestId) =>
    | {
        /** The notification's method, such as `$/cancelRequest`. */
        method: string;
        /** Its params, such as `{ id }`. */
        params?: unknown;
      }
    | undefined;

  /**
   * Runs for each request whose method has a handler and whose params passed its schema, just
   * before the handler would be scheduled. Return (or throw) a `JsonRpcError` to answer with it
   * instead, and the handler is not called; return `undefined` to go on. For a server's
   * "Not initialized" and experimental-method gates. A promise delays only its own request.
   */
  readonly beforeDispatch?: (request: DispatchedRequest) => BeforeDispatchResult;
  /**
   * Members added to every notification this side sends, after `params` (the original
   * app-server stamps `emittedAtMs` this way: `{"method","params","emittedAtMs"}`).
   */
  readonly notificationExtras?: () => Readonly<Record<string, unknown>>;
}

/** A request about to be handed to its handler, as {@link ConnectionOptions.beforeDispatch} sees it. */
export interface DispatchedRequest {
  /** The request's method. */
  readonly method: string;
  /** The request's JSON-RPC id. */
  readonly id: RequestId;
  /** The params after validation (what the handler would receive). */
  readonly params: unknown;
}

/** What a `beforeDispatch` hook decides: an error to answer with, or `undefined` to go on. */
export type BeforeDispatchResult = JsonRpcError | undefined | Promise<JsonRpcError | undefined>;

type ParamsArgs<P> = undefined extends P
  ? [params?: P, options?: RequestOptions]
  : [params: P, options?: RequestOptions];

interface PendingRequest {
  readonly method: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly cleanup: () => void;
}

/** A request waiting for a free handler slot. */
interface WaitingRequest {
  readonly request: JsonRpcRequest;
  readonly params: unknown;
  readonly handler: RequestHandler<unknown, unknown>;
  readonly bytes: number;
}

/** Requests sharing one concurrency limit: at most `limit` run; the rest wait, in order. */
class Lane {
  running = 0;
  private readonly waiting: WaitingRequest[] = [];
  private head = 0;
  /** Set while the lane starts waiting requests (a handler that throws at once re-enters). */
  starting = false;

  constructor(readonly limit: number) {}

  /** Whether a new request may start now, without overtaking one that waits. */
  get open(): boolean {
    return this.running < this.limit && this.head === this.waiting.length;
  }

  push(request: WaitingRequest): void {
    this.waiting.push(request);
  }

  /** The next waiting request, when a slot is free. */
  next(): WaitingRequest | undefined {
    if (this.running >= this.limit || this.head === this.waiting.length) return undefined;
    const item = this.waiting[this.head] as WaitingRequest;
    this.waiting[this.head++] = undefined as unknown as WaitingRequest;
    if (this.head === this.waiting.length) this.clear();
    else if (this.head > COMPACT_AFTER && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.waiting.length = 0;
    this.head = 0;
  }
}

interface QueuedFrame {
  readonly frame: string;
  /** A reply to the peer's request: counted toward input backpressure. */
  readonly reply: boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_HIGH_WATER_MARK_BYTES = 1024 * 1024;
const DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_CONCURRENT_REQUESTS = 128;
const DEFAULT_STALL_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_END_GRACE_MS = 60_000;
const DEFAULT_MAX_WAITING_REQUESTS = 1024;
const DEFAULT_MAX_WAITING_BYTES = 4 * 1024 * 1024;
/** Above this many spent slots (and half the array), the outbound queue is compacted. */
const COMPACT_AFTER = 1024;

/**
 * Requests taken in before input waits for the event loop to turn. A chunk of input can hold
 * hundreds of requests; their replies are only queued after their handlers' first await, so
 * without this pause a burst of requests for large replies would all start before the
 * high-water mark could stop reading.
 */
const REQUESTS_PER_TURN = 8;

/** A positive number from the options, or the default; a RangeError names a bad setting. */
function setting(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new RangeError(`${name} must be positive, got ${value}`);
  return value;
}

/** Parses params with the method's schema when there is one; untyped sides pass them through. */
function validate(
  schema: z.ZodType | undefined,
  params: unknown,
): { ok: true; params: unknown } | { ok: false; error: z.ZodError } {
  if (!schema) return { ok: true, params };
  // Issues carry the offending value so a policy can say what was wrong (`integer 123`);
  // policies must not echo strings back, which may be secrets.
  const parsed = schema.safeParse(params, { reportInput: true });
  return parsed.success ? { ok: true, params: parsed.data } : { ok: false, error: parsed.error };
}

/**
 * A JSON-RPC peer over one transport: typed requests both ways, notifications, response
 * correlation by id, timeouts and cancellation, and a configurable answer to bad input that
 * never closes the connection.
 *
 * Memory stays bounded in bytes end to end: the outbound queue is measured in characters;
 * above its high-water mark notification senders wait for their writes, and while replies
 * pile up (the peer sends requests but does not read) the transport stops reading input, so
 * the peer's next requests wait in its own buffers. Requests beyond the handler limits wait in
 * order, up to a bound past which they are refused as overloaded; responses and notifications
 * are never held behind them. No reply is ever dropped. A peer that accepts nothing for
 * `stallTimeoutMs` is disconnected.
 */
export class Connection<
  In extends ProtocolSide = UntypedSide,
  Out extends ProtocolSide = UntypedSide,
> {
  private readonly transport: Transport;
  private readonly options: ConnectionOptions<In, Out>;
  private readonly logger: Logger;
  private readonly throttle: LogThrottle;
  private readonly policy: ErrorPolicy;
  private readonly highWaterMarkBytes: number;
  private readonly maxQueuedBytes: number;
  private readonly maxConcurrentRequests: number;
  private readonly stallTimeoutMs: number;
  private readonly endGraceMs: number;
  private readonly maxWaitingRequests: number;
  private readonly maxWaitingBytes: number;
  /** The lane of every method without a limit of its own. */
  private readonly sharedLane: Lane;
  private readonly methodLanes = new Map<string, Lane>();
  /** Requests waiting for a slot, in every lane, and their bytes. */
  private waitingCount = 0;
  private waitingBytes = 0;
  /** The peer's input ended; we answer what was asked, then close. */
  private inputEnded = false;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly requestHandlers = new Map<string, RequestHandler<unknown, unknown>>();
  private readonly notificationHandlers = new Map<string, NotificationHandler<unknown>>();
  private readonly pending = new Map<RequestId, PendingRequest>();
  private readonly inflight = new Set<AbortController>();
  private readonly queue: QueuedFrame[] = [];
  private queueHead = 0;
  private queuedChars = 0;
  private replyChars = 0;
  private inputPaused = false;
  /** Replies exceeded the high-water mark; cleared once they are below half of it. */
  private backlogged = false;
  /** Requests taken in since the event loop last turned (see {@link REQUESTS_PER_TURN}). */
  private requestsThisTurn = 0;
  private turnTimer: ReturnType<typeof setImmediate> | undefined;
  private abortWrite: ((error: Error) => void) | undefined;
  /** Set after a protocol error: nothing more is read while the connection closes. */
  private refusingInput = false;
  private readonly closeListeners = new Set<(info: CloseInfo) => void>();
  private readonly drainWaiters: Array<() => void> = [];
  private counter = 0;
  private writing = false;
  private started = false;
  private closeInfo: CloseInfo | undefined;
  private resolveClosed!: (info: CloseInfo) => void;
  /** Settles when the connection has closed, for whatever reason. */
  readonly closed: Promise<CloseInfo>;

  constructor(transport: Transport, options: ConnectionOptions<In, Out> = {}) {
    this.transport = transport;
    this.options = options;
    this.logger = options.logger ?? defaultLogger;
    this.throttle = new LogThrottle(this.logger);
    this.policy = options.errorPolicy ?? standardErrorPolicy;
    this.highWaterMarkBytes = setting(
      'highWaterMarkBytes',
      options.highWaterMarkBytes,
      DEFAULT_HIGH_WATER_MARK_BYTES,
    );
    this.maxQueuedBytes = setting(
      'maxQueuedBytes',
      options.maxQueuedBytes,
      DEFAULT_MAX_QUEUED_BYTES,
    );
    this.maxConcurrentRequests = setting(
      'maxConcurrentRequests',
      options.maxConcurrentRequests,
      DEFAULT_MAX_CONCURRENT_REQUESTS,
    );
    this.stallTimeoutMs = setting(
      'stallTimeoutMs',
      options.stallTimeoutMs,
      DEFAULT_STALL_TIMEOUT_MS,
    );
    this.endGraceMs = setting('endGraceMs', options.endGraceMs, DEFAULT_END_GRACE_MS);
    this.maxWaitingRequests = setting(
      'maxWaitingRequests',
      options.maxWaitingRequests,
      DEFAULT_MAX_WAITING_REQUESTS,
    );
    this.maxWaitingBytes = setting(
      'maxWaitingBytes',
      options.maxWaitingBytes,
      DEFAULT_MAX_WAITING_BYTES,
    );
    this.sharedLane = new Lane(this.maxConcurrentRequests);
    for (const [method, limit] of Object.entries(options.methodLimits ?? {}))
      this.methodLanes.set(method, new Lane(setting(`methodLimits[${method}]`, limit, 1)));
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    transport.onmessage = (value, bytes) => this.receive(value, bytes);
    transport.onend = (info) => this.handleEnd(info);
    transport.onerror = (error) => this.transportError(error);
    transport.onclose = (info) => this.handleClose(info);
  }

  /** Starts reading from the transport. Register handlers first. */
  async listen(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.transport.start();
  }

  /**
   * Characters (about bytes) of messages queued but not yet accepted by the transport, for
   * callers that apply their own flow control on top of {@link notify}'s promise.
   */
  get queuedBytes(): number {
    return this.queuedChars;
  }

  /** The high-water mark in effect, for callers that apply their own flow control. */
  get highWaterMark(): number {
    return this.highWaterMarkBytes;
  }

  /** True once the transport has closed. */
  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** Handles requests for `method`. Returns a function that removes the handler. */
  onRequest<M extends MethodOf<In['requests']>>(
    method: M,
    handler: RequestHandler<TableParams<In['requests'], M>, TableResult<In['requests'], M>>,
  ): () => void {
    this.requestHandlers.set(method, handler as RequestHandler<unknown, unknown>);
    return () => {
      if (this.requestHandlers.get(method) === handler) this.requestHandlers.delete(method);
    };
  }

  /** Handles notifications for `method`. Returns a function that removes the handler. */
  onNotification<M extends MethodOf<In['notifications']>>(
    method: M,
    handler: NotificationHandler<TableParams<In['notifications'], M>>,
  ): () => void {
    this.notificationHandlers.set(method, handler as NotificationHandler<unknown>);
    return () => {
      if (this.notificationHandlers.get(method) === handler)
        this.notificationHandlers.delete(method);
    };
  }

  /** Runs `listener` once the connection closes (at once if it already has). */
  onClose(listener: (info: CloseInfo) => void): () => void {
    if (this.closeInfo) {
      listener(this.closeInfo);
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Sends a request and waits for its result. */
  request<M extends MethodOf<Out['requests']>>(
    method: M,
    ...[params, options]: ParamsArgs<TableParams<Out['requests'], M>>
  ): Promise<TableResult<Out['requests'], M>> {
    return this.sendRequest(method, params, options) as Promise<TableResult<Out['requests'], M>>;
  }

  /**
   * Sends a notification. The promise resolves once the message is queued (or, above the
   * high-water mark, written) and rejects if it cannot be sent. It is already marked handled,
   * so a caller may ignore it: failures are logged.
   */
  notify<M extends MethodOf<Out['notifications']>>(
    method: M,
    ...[params]: undefined extends TableParams<Out['notifications'], M>
      ? [params?: TableParams<Out['notifications'], M>]
      : [params: TableParams<Out['notifications'], M>]
  ): Promise<void> {
    const message = this.notification(method, params);
    return this.handled(this.send(message, `notification ${method}`), `notification ${method}`);
  }

  /** A notification envelope: `method`, `params` when given, then the configured extras. */
  private notification(method: string, params: unknown): JsonRpcNotification {
    const message: JsonRpcNotification = params === undefined ? { method } : { method, params };
    const extras = this.options.notificationExtras;
    return extras ? Object.assign(message, extras()) : message;
  }

  /** Sends any message as is (for servers that build envelopes themselves). */
  sendRaw(message: JsonRpcMessage): Promise<void> {
    return this.handled(this.send(message, 'message'), 'message');
  }

  /**
   * Closes the connection. Messages already queued are written first (for at most
   * `flushTimeoutMs`, default 5 s); then the transport closes and pending requests reject with
   * a `closed` error.
   */
  async close(info: CloseInfo = {}, options: { flushTimeoutMs?: number } = {}): Promise<void> {
    if (this.closeInfo) return;
    await this.flush(options.flushTimeoutMs ?? 5_000);
    if (this.closeInfo) return;
    try {
      await this.transport.close(info);
    } catch (error) {
      this.logger.warn('closing the transport failed', error);
    }
    // A transport that did not report its close still closes the connection.
    this.handleClose(info);
  }

  /** Resolves when every queued message has been written, or after `timeoutMs`. */
  private async flush(timeoutMs: number): Promise<void> {
    if (this.queuedCount === 0 && !this.writing) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drained = new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    const expired = new Promise<void>((resolve) => {
      timer = timerFor(timeoutMs, () => {
        this.logger.warn(
          `closing with ${this.queuedCount} messages still unsent after ${timeoutMs} ms`,
        );
        resolve();
      });
    });
    await Promise.race([drained, expired]);
    clearTimeout(timer);
  }

  private get queuedCount(): number {
    return this.queue.length - this.queueHead;
  }

  private sendRequest(
    method: string,
    params: unknown,
    options: RequestOptions = {},
  ): Promise<unknown> {
    if (this.closeInfo) {
      return Promise.reject(
        new ConnectionError('closed', `cannot send ${method}: connection is closed`),
      );
    }
    if (options.signal?.aborted) {
      return Promise.reject(
        new ConnectionError('cancelled', `${method} was cancelled before it was sent`),
      );
    }
    const id = this.options.nextRequestId ? this.options.nextRequestId() : this.counter++;
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const message: JsonRpcRequest = params === undefined ? { id, method } : { id, method, params };
    let frame: string;
    try {
      frame = encodeFrame(message);
    } catch (error) {
      return Promise.reject(unserializable(`request ${method}`, error));
    }
    return new Promise<unknown>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        this.settle(
          id,
          new ConnectionError('cancelled', `${method} (id ${String(id)}) was cancelled`),
        );
        const cancel = this.options.cancelNotification?.(id);
        if (cancel)
          void this.handled(
            this.send(this.notification(cancel.method, cancel.params), `cancellation of ${method}`),
            `cancellation of ${method}`,
          );
      };
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, { method, resolve, reject, cleanup });
      timer = timerFor(timeoutMs, () => {
        this.settle(
          id,
          new ConnectionError(
            'timeout',
            `${method} (id ${String(id)}) got no response within ${timeoutMs} ms`,
          ),
        );
      });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const fail = (error: unknown) =>
        this.settle(id, error instanceof Error ? error : new Error(String(error)));
      this.enqueue(frame, { what: `request ${method}`, reply: false, onWriteFailure: fail }).catch(
        fail,
      );
    });
  }

  /** Rejects and forgets a pending request, if it is still pending. */
  private settle(id: RequestId, error: Error): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.cleanup();
    entry.reject(error);
  }

  /** Marks a send's promise handled, logging failures the queue did not already log. */
  private handled(promise: Promise<void>, what: string): Promise<void> {
    promise.catch((error: unknown) => this.reportSendFailure(what, error));
    return promise;
  }

  private readonly reported = new WeakSet<object>();

  private reportSendFailure(what: string, error: unknown): void {
    if (typeof error === 'object' && error !== null) {
      if (this.reported.has(error)) return;
      this.reported.add(error);
    }
    if (ConnectionError.isInstance(error) && error.code === 'closed') {
      this.logger.debug(`dropped ${what}: connection closed`);
    } else {
      const reason = error instanceof Error ? error.message : String(error);
      this.throttle.warn(
        `send:${ConnectionError.isInstance(error) ? error.code : 'write'}`,
        `failed to send ${what}: ${reason}`,
      );
    }
  }

  /** Encodes and queues a notification or raw message. */
  private send(message: JsonRpcMessage, what: string): Promise<void> {
    let frame: string;
    try {
      frame = encodeFrame(message);
    } catch (error) {
      return Promise.reject(unserializable(what, error));
    }
    return this.enqueue(frame, { what, reply: 'result' in message || 'error' in message });
  }

  /**
   * Queues a frame for the transport. Resolves at once while the queue is below the high-water
   * mark, otherwise when this frame has been written (backpressure); rejects at once when the
   * connection is closed, or when a non-reply would take the queue past its byte limit. Write
   * failures are logged and passed to `onWriteFailure`.
   */
  private enqueue(
    frame: string,
    options: { what: string; reply: boolean; onWriteFailure?: (error: Error) => void },
  ): Promise<void> {
    const { what, reply } = options;
    if (this.closeInfo) {
      return Promise.reject(
        new ConnectionError('closed', `cannot send ${what}: connection is closed`),
      );
    }
    if (!reply && this.queuedChars + frame.length > this.maxQueuedBytes) {
      return Promise.reject(
        new ConnectionError(
          'queue_full',
          `outbound queue is full (${this.queuedChars} bytes queued, limit ${this.maxQueuedBytes}); the peer is not reading`,
        ),
      );
    }
    const written = new Promise<void>((resolve, reject) => {
      this.queue.push({ frame, reply, resolve, reject });
    });
    this.queuedChars += frame.length;
    if (reply) {
      this.replyChars += frame.length;
      this.updateInputFlow();
    }
    written.catch((error: Error) => {
      this.reportSendFailure(what, error);
      options.onWriteFailure?.(error);
    });
    void this.pump();
    return this.queuedChars <= this.highWaterMarkBytes ? Promise.resolve() : written;
  }

  /** Writes queued frames in order; a frame the peer does not accept in time closes the connection. */
  private async pump(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queueHead < this.queue.length) {
        const item = this.queue[this.queueHead] as QueuedFrame;
        this.queue[this.queueHead++] = undefined as unknown as QueuedFrame;
        if (this.closeInfo) {
          this.dequeued(item);
          item.reject(
            new ConnectionError('closed', 'connection closed before the message was sent'),
          );
          continue;
        }
        try {
          await this.write(item.frame);
          this.dequeued(item);
          item.resolve();
        } catch (error) {
          this.dequeued(item);
          item.reject(error instanceof Error ? error : new Error(String(error)));
        }
        if (this.queueHead > COMPACT_AFTER && this.queueHead * 2 > this.queue.length) {
          this.queue.splice(0, this.queueHead);
          this.queueHead = 0;
        }
      }
      this.queue.length = 0;
      this.queueHead = 0;
    } finally {
      this.writing = false;
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }

  /** One transport write, bounded by the stall timeout and by the connection closing. */
  private write(frame: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (error?: Error) => {
        clearTimeout(timer);
        this.abortWrite = undefined;
        if (error) reject(error);
        else resolve();
      };
      // handleClose ends a write the peer never accepts (no reaction piles up per write).
      this.abortWrite = settle;
      timer = timerFor(this.stallTimeoutMs, () => {
        const reason = `the peer accepted nothing for ${this.stallTimeoutMs} ms; closing`;
        this.logger.warn(reason);
        this.transport
          .close({ reason })
          .catch((error: unknown) =>
            this.logger.debug('closing a stalled transport failed', error),
          );
        this.handleClose({ reason });
      });
      this.transport.send(frame).then(
        () => settle(),
        (error: unknown) => settle(error instanceof Error ? error : new Error(String(error))),
      );
    });
  }

  private dequeued(item: QueuedFrame): void {
    this.queuedChars -= item.frame.length;
    if (item.reply) {
      this.replyChars -= item.frame.length;
      this.updateInputFlow();
    }
  }

  /**
   * Input backpressure: stop reading while our unsent replies exceed the high-water mark
   * (until they are below half of it), which the peer ends by reading, and, after a burst of
   * requests, until the event loop turns and their replies are counted. Requests waiting for a
   * handler never stop input: past their bounds, new ones are refused instead.
   */
  private updateInputFlow(): void {
    if (this.closeInfo || this.refusingInput || this.inputEnded) return;
    if (this.replyChars > this.highWaterMarkBytes) this.backlogged = true;
    else if (this.replyChars <= this.highWaterMarkBytes / 2) this.backlogged = false;
    const pause = this.backlogged || this.requestsThisTurn >= REQUESTS_PER_TURN;
    if (pause === this.inputPaused) return;
    this.inputPaused = pause;
    if (pause) this.transport.pause();
    else this.transport.resume();
  }

  /** Counts a request taken in; after a burst, input waits for the next turn of the loop. */
  private countRequest(): void {
    this.requestsThisTurn += 1;
    if (this.turnTimer) return;
    this.turnTimer = setImmediate(() => {
      this.turnTimer = undefined;
      this.requestsThisTurn = 0;
      this.updateInputFlow();
    });
  }

  private receive(value: unknown, bytes: number | undefined): void {
    if (this.refusingInput || this.closeInfo || this.inputEnded) return;
    // A transport written before frames had sizes may not pass one: measure it here.
    const size =
      typeof bytes === 'number' && Number.isFinite(bytes) && bytes >= 0
        ? bytes
        : (safeLength(value) ?? 0);
    const classified = classifyMessage(value);
    if ('problem' in classified) {
      this.throttle.warn('invalid-message', `invalid JSON-RPC message: ${classified.problem}`);
      const error = this.policy.invalidMessage(classified);
      if (error) this.replyError(classified.id, error);
      return;
    }
    switch (classified.kind) {
      case 'request':
        this.handleRequest(classified.message, size);
        return;
      case 'notification':
        this.handleNotification(classified.message);
        return;
      case 'response':
        this.handleResponse(classified.message);
        return;
      case 'error':
        this.handleErrorResponse(classified.message);
        return;
    }
  }

  private handleRequest(request: JsonRpcRequest, bytes: number): void {
    const { id, method } = request;
    const handler = this.requestHandlers.get(method);
    if (!handler) {
      this.throttle.warn('unknown-method', `no handler for request ${method}`);
      this.replyError(id, this.policy.unknownMethod(method));
      return;
    }
    const checked = validate(this.options.incoming?.requests[method]?.params, request.params);
    if (!checked.ok) {
      this.throttle.warn(
        'invalid-params',
        `invalid params for ${method}: ${describeIssues(checked.error)}`,
      );
      this.replyError(id, this.policy.invalidParams(method, checked.error));
      return;
    }
    const gate = this.options.beforeDispatch;
    if (!gate) {
      this.dispatch(request, checked.params, handler, bytes);
      return;
    }
    let verdict: BeforeDispatchResult;
    try {
      verdict = gate({ method, id, params: checked.params });
    } catch (error) {
      this.refuse(request, error);
      return;
    }
    if (verdict instanceof Promise) {
      verdict.then(
        (error) => {
          if (this.closeInfo) return;
          if (error) this.replyError(id, error);
          else this.dispatch(request, checked.params, handler, bytes);
        },
        (error: unknown) => this.refuse(request, error),
      );
    } else if (verdict) {
      this.replyError(id, verdict);
    } else {
      this.dispatch(request, checked.params, handler, bytes);
    }
  }

  /** Answers a request whose `beforeDispatch` threw: its `JsonRpcError`, or -32603. */
  private refuse(request: JsonRpcRequest, error: unknown): void {
    if (JsonRpcError.isInstance(error)) {
      this.replyError(request.id, error);
      return;
    }
    this.throttle.error(
      `gate:${request.method}`,
      `beforeDispatch for ${request.method} failed`,
      error,
    );
    this.replyError(
      request.id,
      internalError(error instanceof Error ? error.message : String(error)),
    );
  }

  /** Starts a request's handler, or queues it behind its lane's limit, or refuses it as overloaded. */
  private dispatch(
    request: JsonRpcRequest,
    params: unknown,
    handler: RequestHandler<unknown, unknown>,
    bytes: number,
  ): void {
    const { id, method } = request;
    this.countRequest();
    const lane = this.methodLanes.get(method) ?? this.sharedLane;
    if (lane.open) {
      void this.runRequest(lane, request, params, handler);
    } else if (
      this.waitingCount >= this.maxWaitingRequests ||
      this.waitingBytes + bytes > this.maxWaitingBytes
    ) {
      this.throttle.warn(
        'overloaded',
        `refused ${method}: ${this.waitingCount} requests (${this.waitingBytes} bytes) already wait for a handler`,
      );
      this.replyError(id, this.policy.overloaded?.(method) ?? serverOverloaded());
    } else {
      lane.push({ request, params, handler, bytes });
      this.waitingCount += 1;
      this.waitingBytes += bytes;
    }
    this.updateInputFlow();
  }

  private async runRequest(
    lane: Lane,
    request: JsonRpcRequest,
    params: unknown,
    handler: RequestHandler<unknown, unknown>,
  ): Promise<void> {
    const { id, method } = request;
    const controller = new AbortController();
    this.inflight.add(controller);
    lane.running += 1;
    try {
      const result = await handler(params, { id, method, signal: controller.signal });
      this.replyResult(id, method, result === undefined ? null : result);
    } catch (error) {
      if (JsonRpcError.isInstance(error)) {
        this.replyError(id, error);
      } else {
        this.throttle.error(`handler:${method}`, `handler for ${method} failed`, error);
        const message = error instanceof Error ? error.message : String(error);
        this.replyError(id, internalError(message));
      }
    } finally {
      this.inflight.delete(controller);
      lane.running -= 1;
      this.startWaiting(lane);
      this.updateInputFlow();
      if (this.inflight.size === 0 && this.waitingCount === 0)
        for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** Starts a lane's waiting requests, in order, while it has free slots. */
  private startWaiting(lane: Lane): void {
    // A handler that fails at once finishes inside runRequest's first step and lands here
    // again: the loop below carries on for it, without growing the stack.
    if (lane.starting) return;
    lane.starting = true;
    try {
      for (let next = lane.next(); next && !this.closeInfo; next = lane.next()) {
        this.waitingCount -= 1;
        this.waitingBytes -= next.bytes;
        void this.runRequest(lane, next.request, next.params, next.handler);
      }
    } finally {
      lane.starting = false;
    }
  }

  /**
   * The peer will send nothing more (a half-closed pipe): the requests it already sent are
   * still answered, for up to `endGraceMs`, then the connection closes. Our own requests can no
   * longer be answered and fail now.
   */
  private handleEnd(info: CloseInfo): void {
    if (this.closeInfo || this.inputEnded) return;
    this.inputEnded = true;
    this.rejectPending('the peer stopped sending', info);
    const answered = new Promise<void>((resolve) => {
      if (this.inflight.size === 0 && this.waitingCount === 0) resolve();
      else this.idleWaiters.push(resolve);
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = timerFor(this.endGraceMs, () => {
        this.logger.warn(
          `the peer's input ended; closing with ${this.inflight.size + this.waitingCount} requests unanswered after ${this.endGraceMs} ms`,
        );
        resolve();
      });
    });
    void Promise.race([answered, expired])
      .then(() => {
        clearTimeout(timer);
        return this.close(info);
      })
      .catch((error: unknown) => this.logger.warn('closing after the peer ended failed', error));
  }

  private handleNotification(notification: JsonRpcNotification): void {
    const { method } = notification;
    const handler = this.notificationHandlers.get(method);
    if (!handler) {
      if (this.policy.unhandledNotification === 'close')
        this.protocolViolation(`unexpected notification method: ${method}`);
      else this.logger.debug(`ignored notification ${method}: no handler`);
      return;
    }
    const checked = validate(
      this.options.incoming?.notifications[method]?.params,
      notification.params,
    );
    if (!checked.ok) {
      this.throttle.warn(
        'invalid-notification',
        `dropped notification ${method}: ${describeIssues(checked.error)}`,
      );
      return;
    }
    const { params } = checked;
    try {
      const outcome = handler(params);
      if (outcome instanceof Promise) {
        outcome.catch((error: unknown) =>
          this.throttle.error(
            `notification:${method}`,
            `notification handler for ${method} failed`,
            error,
          ),
        );
      }
    } catch (error) {
      this.throttle.error(
        `notification:${method}`,
        `notification handler for ${method} failed`,
        error,
      );
    }
  }

  private handleResponse(response: JsonRpcResponse): void {
    const entry = this.pending.get(response.id);
    if (!entry) {
      this.unmatched(`unexpected response for request id ${String(response.id)}`);
      return;
    }
    this.pending.delete(response.id);
    entry.cleanup();
    const schema = this.options.outgoing?.requests[entry.method]?.result;
    if (!schema) {
      entry.resolve(response.result);
      return;
    }
    const parsed = schema.safeParse(response.result);
    if (parsed.success) {
      entry.resolve(parsed.data);
    } else {
      entry.reject(
        new ConnectionError(
          'invalid_result',
          `result of ${entry.method} does not match its schema: ${describeIssues(parsed.error)}`,
        ),
      );
    }
  }

  private handleErrorResponse(response: JsonRpcErrorResponse): void {
    const entry = response.id === null ? undefined : this.pending.get(response.id);
    if (!entry || response.id === null) {
      this.unmatched(
        `unexpected error for request id ${String(response.id)}: ${response.error.code} ${response.error.message}`,
      );
      return;
    }
    this.pending.delete(response.id);
    entry.cleanup();
    entry.reject(JsonRpcError.fromObject(response.error));
  }

  private unmatched(problem: string): void {
    if (this.policy.unmatchedResponse === 'close') this.protocolViolation(problem);
    else this.throttle.warn('unmatched-response', `${problem}; ignored`);
  }

  /** Closes the connection after a message the protocol forbids (replies already queued go first). */
  private protocolViolation(problem: string): void {
    if (this.closeInfo || this.refusingInput) return;
    this.refusingInput = true;
    this.transport.pause();
    this.logger.warn(`closing the connection after a protocol error: ${problem}`);
    this.close({ reason: `protocol error: ${problem}` }).catch((error: unknown) =>
      this.logger.debug('closing after a protocol error failed', error),
    );
  }

  /** Answers a request; a result JSON cannot hold is answered with -32603 instead. */
  private replyResult(id: RequestId, method: string, result: unknown): void {
    const response: JsonRpcResponse = { id, result };
    let frame: string;
    try {
      frame = encodeFrame(response);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.throttle.error(
        `unserializable:${method}`,
        `the result of ${method} cannot be sent: ${reason}`,
      );
      this.replyError(id, internalError(`the result of ${method} cannot be sent: ${reason}`));
      return;
    }
    this.queueReply(frame);
  }

  private replyError(id: RequestId | null, error: JsonRpcError): void {
    // The original puts `error` before `id`; key order is kept for byte-level parity.
    let frame: string;
    try {
      frame = encodeFrame({ error: error.toJSON(), id });
    } catch {
      // The error's `data` is what JSON cannot hold: send the error without it.
      frame = encodeFrame({ error: { code: error.code, message: error.message }, id });
    }
    this.queueReply(frame);
  }

  private queueReply(frame: string): void {
    if (this.closeInfo) {
      this.logger.debug('dropped a response: connection closed');
      return;
    }
    void this.handled(this.enqueue(frame, { what: 'response', reply: true }), 'response');
  }

  private transportError(error: Error): void {
    if (this.refusingInput) return;
    if (FrameError.isInstance(error)) {
      this.throttle.warn(
        `frame:${error.code}`,
        `unreadable frame (${error.code}): ${error.message}`,
      );
      const reply = this.policy.frame(error);
      if (reply) this.replyError(null, reply);
      return;
    }
    this.throttle.error('transport', 'transport error', error);
  }

  /** Fails every request of ours still waiting for an answer: `what` happened first. */
  private rejectPending(what: string, info: CloseInfo): void {
    const reason = info.reason ? `: ${info.reason}` : '';
    for (const [id, entry] of this.pending) {
      entry.cleanup();
      entry.reject(
        new ConnectionError(
          'closed',
          `${what} before ${entry.method} (id ${String(id)}) was answered${reason}`,
        ),
      );
    }
    this.pending.clear();
  }

  private handleClose(info: CloseInfo): void {
    if (this.closeInfo) return;
    this.closeInfo = info;
    this.rejectPending('connection closed', info);
    this.abortWrite?.(
      new ConnectionError('closed', 'connection closed before the message was sent'),
    );
    while (this.queueHead < this.queue.length) {
      const item = this.queue[this.queueHead] as QueuedFrame;
      this.queue[this.queueHead++] = undefined as unknown as QueuedFrame;
      this.dequeued(item);
      item.reject(new ConnectionError('closed', 'connection closed before the message was sent'));
    }
    for (const controller of this.inflight) controller.abort();
    this.inflight.clear();
    this.sharedLane.clear();
    for (const lane of this.methodLanes.values()) lane.clear();
    this.waitingCount = 0;
    this.waitingBytes = 0;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    if (this.turnTimer) clearImmediate(this.turnTimer);
    for (const listener of this.closeListeners) {
      try {
        listener(info);
      } catch (error) {
        this.logger.error('close listener failed', error);
      }
    }
    this.closeListeners.clear();
    this.resolveClosed(info);
  }
}

/** The length of `value` as JSON text, or undefined when JSON cannot hold it. */
function safeLength(value: unknown): number | undefined {
  try {
    return JSON.stringify(value)?.length;
  } catch {
    return undefined;
  }
}

function unserializable(what: string, error: unknown): ConnectionError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ConnectionError('unserializable', `cannot send ${what}: ${reason}`, { cause: error });
}
