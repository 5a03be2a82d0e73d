import type { Logger } from '@codex/common';
import type { Connection } from '@codex/jsonrpc';
import type { RequestId } from '@codex/protocol';
import type {
  ServerNotificationMethod,
  ServerNotificationParams,
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestResult,
  serverIncoming,
  serverOutgoing,
} from './tables.js';

/** A connection typed with the app-server's tables. */
export type AppServerConnection = Connection<typeof serverIncoming, typeof serverOutgoing>;

/**
 * Unsent bytes a client may fall behind by before it is disconnected: one slow client must not
 * make the server hold a thread's whole output for it.
 */
export const MAX_CLIENT_BACKLOG_BYTES = 64 * 1024 * 1024;

/** A server-to-client request in flight: its id (for `serverRequest/resolved`) and answer. */
export interface SentRequest<M extends ServerRequestMethod> {
  readonly id: RequestId;
  readonly result: Promise<ServerRequestResult<M>>;
}

/**
 * One client connection's session state (seed 001's `ConnectionSessionState`): whether it has
 * initialized, what it opted into and out of, the threads it follows. Outgoing messages to this
 * client go through here, so opt-outs and the backlog bound apply to every sender.
 */
export class ClientSession {
  /** Whether the client has sent `initialize`. */
  initialized = false;
  /** Whether the client set `capabilities.experimentalApi` in `initialize`. */
  experimentalApi = false;
  /** The `clientInfo.name` from `initialize`, or `null` before it. */
  clientName: string | null = null;
  /** The `clientInfo.version` from `initialize`, or `null` before it. */
  clientVersion: string | null = null;
  /** Notification methods the client opted out of (`capabilities.optOutNotificationMethods`). */
  readonly optedOut = new Set<string>();
  /** Threads whose v2 notifications this client receives. */
  readonly threads = new Set<string>();
  private nextServerRequestId = 0;
  private lastServerRequestId: RequestId = -1;
  private backlogged = false;

  constructor(
    /** The server's number for this connection, unique while it runs. */
    readonly id: number,
    /** The client's JSON-RPC connection. */
    readonly connection: AppServerConnection,

    private readonly logger: Logger,
    private readonly maxBacklogBytes = MAX_CLIENT_BACKLOG_BYTES,
  ) {}

  /** Used as the connection's `nextRequestId`: server request ids count from 0 per client. */
  readonly allocateRequestId = (): RequestId => {
    this.lastServerRequestId = this.nextServerRequestId++;
    return this.lastServerRequestId;
  };

  /** Whether the connection has closed. */
  get closed(): boolean {
    return this.connection.isClosed;
  }

  /** Sends a notification unless the client opted out of it or is gone. */
  notify<M extends ServerNotificationMethod>(method: M, params: ServerNotificationParams<M>): void {
    if (this.connection.isClosed || this.optedOut.has(method)) return;
    if (this.connection.queuedBytes > this.maxBacklogBytes) {
      this.dropSlowClient();
      return;
    }
    // The connection logs a failed send once; nothing else is owed to a notification.
    const notify = this.connection.notify as (m: string, p: unknown) => Promise<void>;
    void notify.call(this.connection, method, params);
  }

  /**
   * Sends a request that waits for the client as long as it takes (an approval waits for a
   * person); it fails when the connection closes or the answer does not match the schema.
   */
  request<M extends ServerRequestMethod>(
    method: M,
    params: ServerRequestParams<M>,
    timeoutMs = Number.POSITIVE_INFINITY,
  ): SentRequest<M> {
    const send = this.connection.request as (
      m: string,
      p: unknown,
      o: { timeoutMs: number },
    ) => Promise<ServerRequestResult<M>>;
    const result = send.call(this.connection, method, params, { timeoutMs });
    return { id: this.lastServerRequestId, result };
  }

  private dropSlowClient(): void {
    if (this.backlogged) return;
    this.backlogged = true;
    // Its unsent output is dropped, not flushed: it is not reading.
    this.logger.warn(
      `client ${this.clientName ?? this.id} fell ${this.maxBacklogBytes} bytes behind; disconnecting it`,
    );
    void this.connection.close(
      { reason: 'client too slow: output backlog exceeded' },
      { flushTimeoutMs: 0 },
    );
  }
}
