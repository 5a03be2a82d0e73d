import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultLogger, type Logger } from '@codex/common';
import { Connection, createLinkedPair, type RequestOptions, type Transport } from '@codex/jsonrpc';
import { StdioTransport } from '@codex/jsonrpc/stdio';
import { connectWebSocket } from '@codex/jsonrpc/websocket';
import type { v2 } from '@codex/protocol';
import type { AppServer } from './server.js';
import {
  type ClientRequestMethod,
  type ClientRequestParams,
  type ClientRequestResult,
  clientNotifications,
  clientRequests,
  type ServerNotificationMethod,
  type ServerNotificationParams,
  type ServerRequestMethod,
  type ServerRequestParams,
  type ServerRequestResult,
  serverNotifications,
  serverRequests,
} from './tables.js';

const clientIncoming = { requests: serverRequests, notifications: serverNotifications } as const;
const clientOutgoing = { requests: clientRequests, notifications: clientNotifications } as const;

/** One notification as a client received it. */
export interface ReceivedNotification {
  /** The notification's method. */
  readonly method: ServerNotificationMethod;
  /** Its params, validated against the method's schema. */
  readonly params: unknown;
}

/** Settings every {@link AppServerClient} takes. */
export interface AppServerClientOptions {
  /** How long a request waits for its answer. Default 60 s. */
  readonly requestTimeoutMs?: number;
  /** Where recovered problems go. Default `defaultLogger`. */
  readonly logger?: Logger;
}

/** Settings of {@link AppServerClient.spawn}. */
export interface SpawnAppServerOptions extends AppServerClientOptions {
  /** Default: this package's `codex-app-server` bin, run with the current Node. */
  readonly command?: string;
  /** Default: the bin's path (with the default command), nothing else. */
  readonly args?: readonly string[];
  /** The server's environment. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /** The server's working directory. Default: this process's. */
  readonly cwd?: string;
  /** Where the server's stderr goes. Default: inherited. */
  readonly stderr?: 'inherit' | 'ignore' | 'pipe';
  /** How long `close()` waits for the process to exit after its stdin ends. Default 10 s. */
  readonly exitTimeoutMs?: number;
}

/** Settings of {@link AppServerClient.connect}. */
export interface ConnectAppServerOptions extends AppServerClientOptions {
  /** Sent as `Authorization: Bearer <token>` (a capability token or signed JWT). */
  readonly token?: string;
  /** Extra HTTP headers of the WebSocket upgrade request. */
  readonly headers?: Record<string, string>;
}

/**
 * A typed client of `codex-app-server`, over a child process's stdio, a WebSocket, or in
 * process. Requests and notifications are checked against the protocol tables both ways.
 */
export class AppServerClient {
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();
  private readonly anyListeners = new Set<(notification: ReceivedNotification) => void>();
  /** Settles when the connection has closed. */
  readonly closed: Promise<void>;

  private constructor(
    private readonly connection: Connection<typeof clientIncoming, typeof clientOutgoing>,
    private readonly dispose: () => Promise<void>,
    /** The server process, when the client spawned one. */
    readonly process: ChildProcess | null = null,
  ) {
    this.closed = connection.closed.then(() => undefined);
    for (const method of Object.keys(serverNotifications) as ServerNotificationMethod[]) {
      (connection.onNotification as (m: string, h: (p: unknown) => void) => void)(
        method,
        (params) => this.deliver(method, params),
      );
    }
  }

  private static async over(
    transport: Transport,
    options: AppServerClientOptions,
    dispose: (
      connection: Connection<typeof clientIncoming, typeof clientOutgoing>,
    ) => Promise<void>,
    child: ChildProcess | null = null,
  ): Promise<AppServerClient> {
    const connection = new Connection(transport, {
      incoming: clientIncoming,
      outgoing: clientOutgoing,
      requestTimeoutMs: options.requestTimeoutMs,
      logger: options.logger ?? defaultLogger,
    });
    const client = new AppServerClient(connection, () => dispose(connection), child);
    await connection.listen();
    return client;
  }

  /** Starts `codex-app-server` as a child process and talks to it over its stdio. */
  static async spawn(options: SpawnAppServerOptions = {}): Promise<AppServerClient> {
    const command = options.command ?? process.execPath;
    const args = options.args ?? (options.command ? [] : [defaultBinPath()]);
    const child = spawn(command, [...args], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', options.stderr ?? 'inherit'],
    });
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      child.once('exit', () => resolve());
    });
    child.once('error', (error) => (options.logger ?? defaultLogger).error('app-server', error));
    const transport = new StdioTransport({
      input: child.stdout as NonNullable<typeof child.stdout>,
      output: child.stdin as NonNullable<typeof child.stdin>,
      endOutputOnClose: true,
    });
    return AppServerClient.over(
      transport,
      options,
      async (connection) => {
        await connection.close();
        child.stdin?.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), options.exitTimeoutMs ?? 10_000);
        await exited;
        clearTimeout(timer);
      },
      child,
    );
  }

  /** Connects to a `codex-app-server` listening on `ws://…`. */
  static async connect(
    url: string,
    options: ConnectAppServerOptions = {},
  ): Promise<AppServerClient> {
    const headers = { ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    const transport = await connectWebSocket(url, { headers });
    return AppServerClient.over(transport, options, (connection) => connection.close());
  }

  /** A client of an {@link AppServer} in this process, over an in-memory pair. */
  static async inProcess(
    server: AppServer,
    options: AppServerClientOptions = {},
  ): Promise<AppServerClient> {
    const [clientSide, serverSide] = createLinkedPair();
    server.connect(serverSide);
    return AppServerClient.over(clientSide, options, (connection) => connection.close());
  }

  /** `initialize` then `initialized`; returns the server's answer. */
  async initialize(
    clientInfo: v2.ClientInfo,
    capabilities?: v2.InitializeCapabilities,
  ): Promise<v2.InitializeResponse> {
    const result = await this.request('initialize', { clientInfo, capabilities });
    await this.connection.notify('initialized');
    return result;
  }

  /** Sends a request and waits for its typed result (a `JsonRpcError` on an error answer). */
  request<M extends ClientRequestMethod>(
    method: M,
    params: ClientRequestParams<M>,
    options?: RequestOptions,
  ): Promise<ClientRequestResult<M>> {
    const send = this.connection.request as (
      m: string,
      p: unknown,
      o?: RequestOptions,
    ) => Promise<ClientRequestResult<M>>;
    return send.call(this.connection, method, params, options);
  }

  /** Calls `handler` for each `method` notification. Returns the function that stops it. */
  onNotification<M extends ServerNotificationMethod>(
    method: M,
    handler: (params: ServerNotificationParams<M>) => void,
  ): () => void {
    let set = this.listeners.get(method);
    if (!set) {
      set = new Set();
      this.listeners.set(method, set);
    }
    const listener = handler as (params: unknown) => void;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Calls `handler` for every notification, in order. */
  onAnyNotification(handler: (notification: ReceivedNotification) => void): () => void {
    this.anyListeners.add(handler);
    return () => this.anyListeners.delete(handler);
  }

  /** Answers the server's `method` requests (approvals, token refresh) with `handler`. */
  onServerRequest<M extends ServerRequestMethod>(
    method: M,
    handler: (
      params: ServerRequestParams<M>,
    ) => ServerRequestResult<M> | Promise<ServerRequestResult<M>>,
  ): () => void {
    const register = this.connection.onRequest as (
      m: string,
      h: (p: unknown) => unknown,
    ) => () => void;
    return register.call(this.connection, method, (params) =>
      handler(params as ServerRequestParams<M>),
    );
  }

  /** Resolves with the params of the next `method` notification that `match` accepts. */
  waitFor<M extends ServerNotificationMethod>(
    method: M,
    match: (params: ServerNotificationParams<M>) => boolean = () => true,
    timeoutMs = 30_000,
  ): Promise<ServerNotificationParams<M>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`no ${method} notification within ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = this.onNotification(method, (params) => {
        if (!match(params)) return;
        clearTimeout(timer);
        stop();
        resolve(params);
      });
    });
  }

  /** Closes the connection (and, for a spawned server, waits for it to exit). */
  close(): Promise<void> {
    return this.dispose();
  }

  private deliver(method: ServerNotificationMethod, params: unknown): void {
    for (const listener of this.anyListeners) listener({ method, params });
    const set = this.listeners.get(method);
    if (set) for (const listener of set) listener(params);
  }
}

function defaultBinPath(): string {
  return fileURLToPath(new URL('./bin.js', import.meta.url));
}
