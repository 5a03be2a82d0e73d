import { hostname } from 'node:os';
import { type Logger, settledWithin, uuidv7 } from '@codex/common';
import type {
  AuthManager,
  Config,
  LoadedConfig,
  Sandbox,
  Thread,
  ThreadConfigRequest,
  ThreadHostOptions,
  ThreadManager,
} from '@codex/core';
import { readThreadSummary, ThreadHost } from '@codex/core';
import type { ExecServerClient } from '@codex/exec-server/client';
import { Connection, type Transport } from '@codex/jsonrpc';
import type { v2 } from '@codex/protocol';
import { ClientSession } from './client-session.js';
import { DEFAULT_DYNAMIC_TOOL_TIMEOUT_MS, LiveThread } from './live-thread.js';
import { appServerErrorPolicy, attachHandlers, gate } from './processor.js';
import { serverIncoming, serverOutgoing } from './tables.js';
import { type LoadedThreadFacts, threadObject } from './thread-view.js';
import { APP_SERVER_VERSION } from './version.js';

/**
 * Options of {@link AppServer.create}: where threads come from ({@link ThreadHostOptions}: the
 * config, credentials, exec-server, sandbox), and the limits of each client connection.
 */
export interface AppServerOptions extends ThreadHostOptions {
  /** Largest accepted message, in bytes. Default 16 MiB. */
  readonly maxMessageBytes?: number;
  /** Requests one client may have running at once. Default 128. */
  readonly maxConcurrentRequests?: number;
  /** Requests one client may have waiting beyond those; past it, -32001. Default 1,024. */
  readonly maxWaitingRequests?: number;
  /**
   * Unsent bytes a client may fall behind by (it stopped reading) before it is disconnected,
   * so that one stalled client neither holds memory without bound nor slows the others.
   * Default 64 MiB.
   */
  readonly maxClientBacklogBytes?: number;
  /** Port of the ChatGPT login's callback server. Default 1455; 0 picks a free one. */
  readonly loginPort?: number;
  /**
   * How long a client has to answer `item/tool/call` (a host tool it registered in
   * `thread/start`) before the model is told the call timed out. Default 10 minutes, as
   * approvals.
   */
  readonly dynamicToolTimeoutMs?: number;
}

const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * The Codex app server: serves any number of client connections (stdio, WebSocket, Unix
 * socket, in process) over one thread manager. Transports hand it connections with
 * {@link connect}; it owns the threads, their subscribers and their approvals.
 */
export class AppServer {
  /** Where the server logs; the host's logger. */
  readonly logger: Logger;
  /** A UUIDv7 made at start-up, sent in `remoteControl/status/changed`. */
  readonly installationId = uuidv7();
  /** This machine's host name, sent in `remoteControl/status/changed`. */
  readonly serverName = hostname();
  private readonly live = new Map<string, LiveThread>();
  private readonly sessions = new Set<ClientSession>();
  private nextSessionId = 0;
  private closing: Promise<void> | null = null;
  private readonly shutdownHooks = new Set<() => Promise<void> | void>();

  private constructor(
    /** The settings the server was created with. */
    readonly options: AppServerOptions,

    /** The config, credentials, exec-server and thread manager (shared with other servers). */
    readonly host: ThreadHost,
  ) {
    this.logger = host.logger;
  }

  /** Loads the config (failing on an invalid one) and returns a server with no connection. */
  static async create(options: AppServerOptions = {}): Promise<AppServer> {
    const host = await ThreadHost.create(options);
    return new AppServer(options, host);
  }

  /** The config as loaded at start-up (threads load their own, with their overrides). */
  get loaded(): LoadedConfig {
    return this.host.loaded;
  }

  /** The effective config at start-up (the merged layers of {@link loaded}). */
  get config(): Config {
    return this.host.config;
  }

  /** The Codex home directory (`$CODEX_HOME`, default `~/.codex`). */
  get codexHome(): string {
    return this.host.codexHome;
  }

  /** The credentials every thread's model client uses, and what `account/*` reads and changes. */
  get auth(): AuthManager {
    return this.host.auth;
  }

  /** Connected clients. */
  get connectionCount(): number {
    return this.sessions.size;
  }

  /** The thread manager; created with the first client's name as the model requests' originator. */
  threads(originator?: string | null): ThreadManager {
    return this.host.threads(originator);
  }

  /** The exec-server client threads and `command/exec` share (in-process unless one was given). */
  execServer(): ExecServerClient {
    return this.host.execServer();
  }

  /** The machine's sandbox, probed once. */
  sandbox(): Promise<Sandbox> {
    return this.host.sandbox();
  }

  /** Runs `hook` during {@link shutdown}, after the threads unloaded. Returns its remover. */
  onShutdown(hook: () => Promise<void> | void): () => void {
    this.shutdownHooks.add(hook);
    return () => this.shutdownHooks.delete(hook);
  }

  /** Loads the config of one thread: the server's layers plus the client's overrides. */
  threadConfig(request: ThreadConfigRequest): Promise<Config> {
    return this.host.threadConfig(request);
  }

  /**
   * The served form of a loaded core thread (created on first use). `loaded`: this server just
   * started, resumed or forked it, so what it reported so far (its MCP servers starting) is
   * served too.
   */
  liveThread(thread: Thread, options: { readonly loaded?: boolean } = {}): LiveThread {
    let live = this.live.get(thread.id);
    if (!live) {
      live = new LiveThread(thread, {
        logger: this.logger,
        dynamicToolTimeoutMs: this.dynamicToolTimeoutMs,
        replay: options.loaded ?? false,
        onClosed: (closed) => {
          if (this.live.get(closed.id) === closed) this.live.delete(closed.id);
        },
      });
      this.live.set(thread.id, live);
    }
    return live;
  }

  /** A loaded thread by id, as served. */
  findLive(threadId: string): LiveThread | undefined {
    const live = this.live.get(threadId);
    if (live) return live;
    const thread = this.host.existingThreads?.getThread(threadId);
    return thread ? this.liveThread(thread) : undefined;
  }

  /** Facts about a loaded thread for its v2 `Thread` object. */
  facts(live: LiveThread, extra: { originator?: string | null } = {}): LoadedThreadFacts {
    const { thread } = live;
    const settings = thread.session.turnSettings;
    return {
      id: thread.id,
      cwd: settings.cwd,
      model: settings.model,
      modelProvider: thread.session.config.modelProviderId,
      reasoningEffort: settings.effort,
      path: thread.rolloutPath,
      ephemeral: thread.ephemeral,
      forkedFromId: thread.forkedFromId,
      originator: extra.originator ?? live.originator ?? 'codex_app_server',
      source: 'vscode',
      cliVersion: APP_SERVER_VERSION,
      createdAt: Math.floor(Date.now() / 1000),
      status: live.status,
    };
  }

  /** The v2 `Thread` of a loaded thread (its summary read from disk when there is one). */
  async describeLive(live: LiveThread, turns: v2.Turn[] = []): Promise<v2.Thread> {
    const summary = live.thread.rolloutPath
      ? await readThreadSummary(live.thread.rolloutPath).catch((error: unknown) => {
          this.logger.debug(`no summary for thread ${live.id} yet`, error);
          return null;
        })
      : null;
    return threadObject(summary, this.facts(live), turns);
  }

  /** Serves one client over `transport`. The connection starts reading at once. */
  connect(transport: Transport): ClientSession {
    if (this.closing) throw new Error('the app server is shutting down');
    let session: ClientSession | undefined;
    const connection = new Connection(transport, {
      incoming: serverIncoming,
      outgoing: serverOutgoing,
      errorPolicy: appServerErrorPolicy,
      logger: this.logger,
      maxConcurrentRequests: this.options.maxConcurrentRequests,
      maxWaitingRequests: this.options.maxWaitingRequests,
      nextRequestId: () => (session as ClientSession).allocateRequestId(),
      notificationExtras: () => ({ emittedAtMs: Date.now() }),
      beforeDispatch: (request) => gate(session as ClientSession, request.method),
    });
    session = new ClientSession(
      this.nextSessionId++,
      connection,
      this.logger,
      this.options.maxClientBacklogBytes,
    );
    const served = session;
    this.sessions.add(served);
    attachHandlers(this, served);
    connection.onClose(() => {
      this.sessions.delete(served);
      for (const live of this.live.values()) live.detach(served);
    });
    connection.listen().catch((error: unknown) => {
      this.logger.error('could not start reading from a client', error);
      void connection.close({ reason: 'transport failed to start' });
    });
    return served;
  }

  /** Sends a notification to every initialized client. */
  broadcastToAll(send: (session: ClientSession) => void): void {
    for (const session of this.sessions) if (session.initialized) send(session);
  }

  /**
   * Shuts down: running turns are interrupted, rollouts flushed, threads unloaded, clients
   * disconnected, child processes ended.
   */
  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      const running = [...this.live.values()].filter((live) => live.activeTurnId !== null);
      await Promise.all(
        running.map((live) =>
          settledWithin(
            live.interrupt().catch((error: unknown) => {
              this.logger.warn(`could not interrupt thread ${live.id}`, error);
            }),
            5_000,
          ),
        ),
      );
      await this.host.unloadAll();
      await Promise.all(
        [...this.shutdownHooks].map(async (hook) => {
          try {
            await hook();
          } catch (error) {
            this.logger.warn('a shutdown step failed', error);
          }
        }),
      );
      await Promise.all([...this.sessions].map((session) => session.connection.close()));
      await this.host.close();
    })();
    return this.closing;
  }

  /** How long a client has to answer `item/tool/call`. */
  get dynamicToolTimeoutMs(): number {
    return this.options.dynamicToolTimeoutMs ?? DEFAULT_DYNAMIC_TOOL_TIMEOUT_MS;
  }

  /** Largest accepted message, for transports. */
  get maxMessageBytes(): number {
    return this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }
}
