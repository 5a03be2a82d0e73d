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
  type TableParams,
  type TableResult,
} from '@codex/protocol';
import type { z } from 'zod';
import { ConnectionError } from './errors.js';
import { type Logger, stderrLogger } from './logger.js';
import { type ErrorPolicy, standardErrorPolicy } from './policy.js';
import { type CloseInfo, FrameError, type Transport } from './transport.js';

/** One direction of a protocol: the requests and notifications that travel that way. */
export interface ProtocolSide {
  readonly requests: RequestTable;
  readonly notifications: NotificationTable;
}

/** A side with no schemas: any method, params and results are `unknown` and unvalidated. */
export interface UntypedSide {
  readonly requests: Readonly<
    Record<string, { params: z.ZodType<unknown>; result: z.ZodType<unknown> }>
  >;
  readonly notifications: Readonly<Record<string, { params: z.ZodType<unknown> }>>;
}

/** What a request handler learns about the request beside its params. */
export interface RequestContext {
  readonly id: RequestId;
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
  /** Messages queued for the transport before a send's promise waits for the write. Default 1024. */
  readonly highWaterMark?: number;
  /** Messages queued at most; beyond it sends fail with `queue_full`. Default 16384. */
  readonly maxQueuedMessages?: number;
  /** How bad input is answered. Default {@link standardErrorPolicy}. */
  readonly errorPolicy?: ErrorPolicy;
  readonly logger?: Logger;
  /** Ids for our requests. Default: integers counting up from 0. */
  readonly nextRequestId?: () => RequestId;
  /** A notification to send when a caller aborts a request (none by default). */
  readonly cancelNotification?: (id: RequestId) => { method: string; params?: unknown } | undefined;
}

type ParamsArgs<P> = undefined extends P
  ? [params?: P, options?: RequestOptions]
  : [params: P, options?: RequestOptions];

interface PendingRequest {
  readonly method: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly cleanup: () => void;
}

interface QueuedMessage {
  readonly message: JsonRpcMessage;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Parses params with the method's schema when there is one; untyped sides pass them through. */
function validate(
  schema: z.ZodType | undefined,
  params: unknown,
): { ok: true; params: unknown } | { ok: false; error: z.ZodError } {
  if (!schema) return { ok: true, params };
  const parsed = schema.safeParse(params);
  return parsed.success ? { ok: true, params: parsed.data } : { ok: false, error: parsed.error };
}

/**
 * A JSON-RPC peer over one transport: typed requests both ways, notifications, response
 * correlation by id, timeouts and cancellation, a bounded outbound queue, and a configurable
 * answer to bad input that never closes the connection.
 */
export class Connection<
  In extends ProtocolSide = UntypedSide,
  Out extends ProtocolSide = UntypedSide,
> {
  private readonly transport: Transport;
  private readonly options: ConnectionOptions<In, Out>;
  private readonly logger: Logger;
  private readonly policy: ErrorPolicy;
  private readonly requestHandlers = new Map<string, RequestHandler<unknown, unknown>>();
  private readonly notificationHandlers = new Map<string, NotificationHandler<unknown>>();
  private readonly pending = new Map<RequestId, PendingRequest>();
  private readonly inflight = new Set<AbortController>();
  private readonly queue: QueuedMessage[] = [];
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
    this.logger = options.logger ?? stderrLogger;
    this.policy = options.errorPolicy ?? standardErrorPolicy;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    transport.onmessage = (value) => this.receive(value);
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
   * Messages queued but not yet handed to the transport, for callers that apply their own
   * flow control on top of {@link notify}'s high-water-mark promise.
   */
  get queuedMessages(): number {
    return this.queue.length;
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
    const message: JsonRpcNotification =
      params === undefined ? { method } : { method, params: params as unknown };
    return this.handled(this.enqueue(message, `notification ${method}`), `notification ${method}`);
  }

  /** Sends any message as is (for servers that build envelopes themselves). */
  sendRaw(message: JsonRpcMessage): Promise<void> {
    return this.handled(this.enqueue(message, 'message'), 'message');
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
    if (this.queue.length === 0 && !this.writing) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drained = new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.logger.warn(
          `closing with ${this.queue.length} messages still unsent after ${timeoutMs} ms`,
        );
        resolve();
      }, timeoutMs);
    });
    await Promise.race([drained, expired]);
    clearTimeout(timer);
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
            this.enqueue(cancel, `cancellation of ${method}`),
            `cancellation of ${method}`,
          );
      };
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, { method, resolve, reject, cleanup });
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          this.settle(
            id,
            new ConnectionError(
              'timeout',
              `${method} (id ${String(id)}) got no response within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const message: JsonRpcRequest =
        params === undefined ? { id, method } : { id, method, params };
      const fail = (error: unknown) =>
        this.settle(id, error instanceof Error ? error : new Error(String(error)));
      this.enqueue(message, `request ${method}`, fail).catch(fail);
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
      this.logger.warn(`failed to send ${what}`, error);
    }
  }

  /**
   * Queues a message for the transport. Resolves at once while the queue is below the
   * high-water mark, otherwise when this message has been written (backpressure); rejects at
   * once when the connection is closed or the queue is at its hard limit. Write failures are
   * logged and passed to `onWriteFailure`.
   */
  private enqueue(
    message: JsonRpcMessage,
    what: string,
    onWriteFailure?: (error: Error) => void,
  ): Promise<void> {
    if (this.closeInfo) {
      return Promise.reject(
        new ConnectionError('closed', `cannot send ${what}: connection is closed`),
      );
    }
    const max = this.options.maxQueuedMessages ?? 16_384;
    if (this.queue.length >= max) {
      return Promise.reject(
        new ConnectionError(
          'queue_full',
          `outbound queue is full (${max} messages); the peer is not reading`,
        ),
      );
    }
    const written = new Promise<void>((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
    });
    written.catch((error: Error) => {
      this.reportSendFailure(what, error);
      onWriteFailure?.(error);
    });
    void this.pump();
    const highWaterMark = this.options.highWaterMark ?? 1024;
    return this.queue.length <= highWaterMark ? Promise.resolve() : written;
  }

  private async pump(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      for (let item = this.queue.shift(); item; item = this.queue.shift()) {
        if (this.closeInfo) {
          item.reject(
            new ConnectionError('closed', 'connection closed before the message was sent'),
          );
          continue;
        }
        try {
          await this.transport.send(item.message);
          item.resolve();
        } catch (error) {
          item.reject(error instanceof Error ? error : new Error(String(error)));
        }
      }
    } finally {
      this.writing = false;
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }

  private receive(value: unknown): void {
    const classified = classifyMessage(value);
    if ('problem' in classified) {
      this.logger.warn(`invalid JSON-RPC message: ${classified.problem}`);
      const error = this.policy.invalidMessage(classified);
      if (error) this.replyError(classified.id, error);
      return;
    }
    switch (classified.kind) {
      case 'request':
        void this.handleRequest(classified.message);
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

  private async handleRequest(request: JsonRpcRequest): Promise<void> {
    const { id, method } = request;
    const handler = this.requestHandlers.get(method);
    if (!handler) {
      this.logger.warn(`no handler for request ${method}`);
      this.replyError(id, this.policy.unknownMethod(method));
      return;
    }
    const checked = validate(this.options.incoming?.requests[method]?.params, request.params);
    if (!checked.ok) {
      this.logger.warn(`invalid params for ${method}: ${describeIssues(checked.error)}`);
      this.replyError(id, this.policy.invalidParams(method, checked.error));
      return;
    }
    const { params } = checked;
    const controller = new AbortController();
    this.inflight.add(controller);
    try {
      const result = await handler(params, { id, method, signal: controller.signal });
      const response: JsonRpcResponse = { id, result: result === undefined ? null : result };
      this.reply(response);
    } catch (error) {
      if (JsonRpcError.isInstance(error)) {
        this.replyError(id, error);
      } else {
        this.logger.error(`handler for ${method} failed`, error);
        const message = error instanceof Error ? error.message : String(error);
        this.replyError(id, internalError(message));
      }
    } finally {
      this.inflight.delete(controller);
    }
  }

  private handleNotification(notification: JsonRpcNotification): void {
    const { method } = notification;
    const handler = this.notificationHandlers.get(method);
    if (!handler) {
      this.logger.debug(`ignored notification ${method}: no handler`);
      return;
    }
    const checked = validate(
      this.options.incoming?.notifications[method]?.params,
      notification.params,
    );
    if (!checked.ok) {
      this.logger.warn(`dropped notification ${method}: ${describeIssues(checked.error)}`);
      return;
    }
    const { params } = checked;
    try {
      const outcome = handler(params);
      if (outcome instanceof Promise) {
        outcome.catch((error: unknown) =>
          this.logger.error(`notification handler for ${method} failed`, error),
        );
      }
    } catch (error) {
      this.logger.error(`notification handler for ${method} failed`, error);
    }
  }

  private handleResponse(response: JsonRpcResponse): void {
    const entry = this.pending.get(response.id);
    if (!entry) {
      this.logger.warn(`response for unknown request id ${String(response.id)} ignored`);
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
      this.logger.warn(`error from peer: ${response.error.code} ${response.error.message}`);
      return;
    }
    this.pending.delete(response.id);
    entry.cleanup();
    entry.reject(JsonRpcError.fromObject(response.error));
  }

  private reply(message: JsonRpcMessage): void {
    if (this.closeInfo) {
      this.logger.debug('dropped a response: connection closed');
      return;
    }
    void this.handled(this.enqueue(message, 'response'), 'response');
  }

  private replyError(id: RequestId | null, error: JsonRpcError): void {
    // The original puts `error` before `id`; key order is kept for byte-level parity.
    this.reply({ error: error.toJSON(), id });
  }

  private transportError(error: Error): void {
    if (FrameError.isInstance(error)) {
      this.logger.warn(
        `unreadable frame (${error.kind}): ${error.message}; starts ${JSON.stringify(error.excerpt)}`,
      );
      const reply = this.policy.frame(error);
      if (reply) this.replyError(null, reply);
      return;
    }
    this.logger.error('transport error', error);
  }

  private handleClose(info: CloseInfo): void {
    if (this.closeInfo) return;
    this.closeInfo = info;
    const reason = info.reason ? `: ${info.reason}` : '';
    for (const [id, entry] of this.pending) {
      entry.cleanup();
      entry.reject(
        new ConnectionError(
          'closed',
          `connection closed before ${entry.method} (id ${String(id)}) was answered${reason}`,
        ),
      );
    }
    this.pending.clear();
    for (const item of this.queue.splice(0)) {
      item.reject(new ConnectionError('closed', 'connection closed before the message was sent'));
    }
    for (const controller of this.inflight) controller.abort();
    this.inflight.clear();
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
