import { realpath } from 'node:fs/promises';
import { defaultLogger, type Logger, uuidv7 } from '@codex/common';
import { ExecServerClient } from '@codex/exec-server/client';
import type { v2 } from '@codex/protocol';
import type { ModelAuthProvider } from '../auth/manager.js';
import { ModelClient } from '../client/model-client.js';
import type { ResponseItem } from '../client/types.js';
import type { Config } from '../config/load.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { EventQueue } from '../session/event-queue.js';
import { Session } from '../session/session.js';
import type { HostTool } from '../session/tools/dynamic.js';
import type { EventHubOptions } from './event-hub.js';
import {
  archiveThread,
  type ListThreadsOptions,
  listThreads,
  setThreadName,
  type ThreadPage,
  type ThreadSummary,
  unarchiveThread,
} from './index/index.js';
import { RolloutError, type SessionSource } from './rollout/index.js';
import {
  appendRollback,
  createThreadStorage,
  loadThreadHistory,
  openThreadStorage,
  resolveRolloutPath,
  type ThreadStorage,
} from './storage.js';
import { Thread } from './thread.js';

/** What happened to a thread, for servers that track them. */
export type ThreadLifecycleEvent =
  | {
      /** A new thread started. */
      readonly type: 'started';
      /** The thread's id. */
      readonly threadId: string;
      /** Its rollout file, or `null` for an ephemeral thread. */
      readonly rolloutPath: string | null;
    }
  | {
      /** A thread was resumed from its rollout. */
      readonly type: 'resumed';
      /** The thread's id. */
      readonly threadId: string;
      /** The rollout it was resumed from. */
      readonly rolloutPath: string;
    }
  | {
      /** A new thread was forked from another. */
      readonly type: 'forked';
      /** The new thread's id. */
      readonly threadId: string;
      /** The id of the thread it was forked from. */
      readonly forkedFromId: string;
      /** Its rollout file, or `null` for an ephemeral thread. */
      readonly rolloutPath: string | null;
    }
  | {
      /** A thread was unloaded from memory (its rollout stays). */
      readonly type: 'unloaded';
      /** The thread's id. */
      readonly threadId: string;
    };

/** Options of {@link ThreadManager}. */
export interface ThreadManagerOptions {
  /** The config threads start with (each call may pass its own). */
  readonly config: Config;
  /** The model client of every thread. Default: one per thread, from its config. */
  readonly modelClient?: ModelClient;
  /** Credentials of the threads' model clients (when `modelClient` is not given). */
  readonly auth?: ModelAuthProvider;
  /** Shared by every thread; default an in-process exec-server the manager owns. */
  readonly execServer?: ExecServerClient;
  /** Default: probed once for all threads. */
  readonly sandbox?: Sandbox;
  /** Unload a thread with no subscriber and no turn after this long. Default 30 minutes. */
  readonly idleUnloadMs?: number;
  /** Replay and subscriber bounds per thread. */
  readonly hub?: EventHubOptions;
  /** Environment for provider variables and API keys. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where threads log. Default `defaultLogger`. */
  readonly logger?: Logger;
  /** Written into new rollouts' `session_meta.originator`. Default `codex_cli_rs`. */
  readonly originator?: string;
}

/** Per-call settings of start, resume and fork. */
export interface ThreadStartOptions {
  /** Config for this thread (model, cwd, policies…); default the manager's. */
  readonly config?: Config;
  /** Keep the thread in memory only: no rollout. */
  readonly ephemeral?: boolean;
  /** Written into a new rollout's `session_meta.originator`; default the manager's. */
  readonly originator?: string;
  /** Written into a new rollout's `session_meta.source`. Default `cli`. */
  readonly source?: SessionSource;
  /** Appended to the model requests' user agent, e.g. `"my-editor; 1.2.3"`. */
  readonly userAgentSuffix?: string;
  /** Tools the client runs (`thread/start` `dynamicTools`); see `SessionOptions.dynamicTools`. */
  readonly dynamicTools?: readonly v2.DynamicToolSpec[];
  /** Tools this process runs, as plain functions; see `SessionOptions.hostTools`. */
  readonly hostTools?: readonly HostTool[];
  /** A client tool call nobody answers fails after this long. Default 10 minutes. */
  readonly dynamicToolTimeoutMs?: number;
}

/** Where a thread to resume or fork lives. */
export type ThreadLocator =
  | {
      /** The thread's id; its rollout is looked up under `$CODEX_HOME/sessions`. */
      readonly threadId: string;
    }
  | {
      /** The rollout file's path. */
      readonly path: string;
    };

/**
 * Runs many threads in one process: start, resume (by id or rollout path), fork, get, list the
 * loaded ones, unload. Each thread has its own session loop and rollout; they share one
 * exec-server and one sandbox probe.
 */
export class ThreadManager {
  private readonly threads = new Map<string, Thread>();
  /** Resumes in progress, by rollout path. */
  private readonly resuming = new Map<string, Promise<Thread>>();
  private readonly lifecycleQueue = new EventQueue<ThreadLifecycleEvent>();
  private readonly logger: Logger;
  private execClient: ExecServerClient | null = null;
  private sandbox: Promise<Sandbox> | null = null;

  constructor(private readonly options: ThreadManagerOptions) {
    this.logger = options.logger ?? defaultLogger;
  }

  /** Lifecycle events of every thread (one reader). */
  lifecycle(): AsyncIterable<ThreadLifecycleEvent> {
    return this.lifecycleQueue;
  }

  /** The loaded thread with this id, if any (it is not loaded from disk). */
  getThread(threadId: string): Thread | undefined {
    return this.threads.get(threadId);
  }

  /** Ids of the loaded threads. */
  listLoaded(): string[] {
    return [...this.threads.keys()];
  }

  /** Starts a new thread. */
  async startThread(options: ThreadStartOptions = {}): Promise<Thread> {
    const config = options.config ?? this.options.config;
    const threadId = uuidv7();
    const storage = await this.newStorage(config, threadId, options);
    const thread = await this.load({ config, threadId, storage, client: options });
    this.lifecycleQueue.push({ type: 'started', threadId, rolloutPath: thread.rolloutPath });
    return thread;
  }

  /** Resumes a stored thread: its history is what the next model request carries. */
  async resumeThread(locator: ThreadLocator, options: ThreadStartOptions = {}): Promise<Thread> {
    const config = options.config ?? this.options.config;
    // Two callers resuming the same thread at once get the same thread, loaded once (the
    // first caller's options apply).
    const found = await resolveRolloutPath(config.codexHome, locator);
    // One spelling per file (a missing one fails below, with the loader's error).
    const path = await realpath(found).catch(() => found);
    const pending = this.resuming.get(path);
    if (pending) return pending;
    const resuming = this.resumeFrom(path, config, options);
    this.resuming.set(path, resuming);
    try {
      return await resuming;
    } finally {
      this.resuming.delete(path);
    }
  }

  private async resumeFrom(
    path: string,
    config: Config,
    options: ThreadStartOptions,
  ): Promise<Thread> {
    const loaded = await loadThreadHistory(path);
    const existing = this.threads.get(loaded.threadId);
    if (existing) return existing;
    const storage = await openThreadStorage({ path });
    const thread = await this.load({
      config,
      threadId: loaded.threadId,
      storage,
      resume: { history: loaded.history, settings: loaded.settings },
      client: options,
    });
    this.lifecycleQueue.push({ type: 'resumed', threadId: thread.id, rolloutPath: path });
    return thread;
  }

  /**
   * Forks a stored or loaded thread into a new one (a new id, `forked_from_id` recorded), with
   * the history up to `upToTurn` turns (default all).
   */
  async forkThread(
    locator: ThreadLocator,
    options: ThreadStartOptions & { readonly upToTurn?: number } = {},
  ): Promise<Thread> {
    const config = options.config ?? this.options.config;
    // A loaded source thread writes what it has first, so the fork sees all of it.
    if ('threadId' in locator) await this.threads.get(locator.threadId)?.flush();
    const path = await resolveRolloutPath(config.codexHome, locator);
    const loaded = await loadThreadHistory(path, { upToTurn: options.upToTurn });
    const threadId = uuidv7();
    const storage = await this.newStorage(config, threadId, options, {
      forkedFromId: loaded.threadId,
      history: loaded.history,
    });
    const thread = await this.load({
      config,
      threadId,
      storage,
      resume: { history: loaded.history, settings: loaded.settings },
      forkedFromId: loaded.threadId,
      client: options,
    });
    this.lifecycleQueue.push({
      type: 'forked',
      threadId,
      forkedFromId: loaded.threadId,
      rolloutPath: thread.rolloutPath,
    });
    return thread;
  }

  /**
   * Drops the last `numTurns` turns of a stored thread (a persisted marker the original honours
   * too). A loaded thread is unloaded first and resumed after, so its next request carries the
   * shortened conversation.
   */
  async rollbackThread(
    threadId: string,
    numTurns: number,
    options: ThreadStartOptions = {},
  ): Promise<Thread> {
    if (!Number.isInteger(numTurns) || numTurns < 1)
      throw new RangeError(`numTurns must be a positive integer, got ${numTurns}`);
    const config = options.config ?? this.options.config;
    const loaded = this.threads.get(threadId);
    if (loaded?.session.busy)
      throw new RolloutError(
        'invalid',
        `thread ${threadId} is running a turn; interrupt it before a rollback`,
      );
    await loaded?.unload();
    const path = await resolveRolloutPath(config.codexHome, { threadId });
    await appendRollback(path, numTurns);
    return this.resumeThread({ path }, options);
  }

  /** Stored threads, newest first, with a cursor (see `listThreads`). */
  listThreads(options: Omit<ListThreadsOptions, 'codexHome'> = {}): Promise<ThreadPage> {
    return listThreads({ ...options, codexHome: this.options.config.codexHome });
  }

  /** Moves a thread to `archived_sessions/` (unloading it first). */
  async archiveThread(threadId: string): Promise<ThreadSummary> {
    await this.threads.get(threadId)?.unload();
    return archiveThread(this.options.config.codexHome, threadId);
  }

  /** Moves an archived thread back to `sessions/`. */
  unarchiveThread(threadId: string): Promise<ThreadSummary> {
    return unarchiveThread(this.options.config.codexHome, threadId);
  }

  /** Names a thread (`session_index.jsonl`, newest name wins). */
  setThreadName(threadId: string, name: string): Promise<void> {
    return setThreadName(this.options.config.codexHome, threadId, name);
  }

  /** Unloads a thread: shuts its session down and flushes its rollout. */
  async unloadThread(threadId: string): Promise<void> {
    await this.threads.get(threadId)?.unload();
  }

  /** Unloads every thread and closes the exec-server the manager owns. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.threads.values()].map((thread) => thread.unload()));
    if (this.execClient && !this.options.execServer) await this.execClient.close();
    this.lifecycleQueue.close();
  }

  /** The rollout of a new thread, or none for an ephemeral one. */
  private newStorage(
    config: Config,
    threadId: string,
    options: ThreadStartOptions,
    fork: { readonly forkedFromId?: string; readonly history?: readonly ResponseItem[] } = {},
  ): Promise<ThreadStorage | null> {
    if (options.ephemeral) return Promise.resolve(null);
    return createThreadStorage({
      config,
      threadId,
      originator: options.originator ?? this.options.originator,
      source: options.source,
      logger: this.logger,
      ...fork,
    });
  }

  private exec(): ExecServerClient {
    this.execClient ??=
      this.options.execServer ?? ExecServerClient.connectInProcess({ logger: this.logger });
    return this.execClient;
  }

  private probe(): Promise<Sandbox> {
    this.sandbox ??= this.options.sandbox
      ? Promise.resolve(this.options.sandbox)
      : Sandbox.probe(this.options.env ?? process.env);
    return this.sandbox;
  }

  private async load(options: {
    readonly config: Config;
    readonly threadId: string;
    readonly storage: ThreadStorage | null;
    readonly resume?: Parameters<typeof Session.start>[0]['resume'];
    readonly forkedFromId?: string;
    /** Who the thread's model requests say they come from. */
    readonly client?: Pick<
      ThreadStartOptions,
      'originator' | 'userAgentSuffix' | 'dynamicTools' | 'hostTools' | 'dynamicToolTimeoutMs'
    >;
  }): Promise<Thread> {
    const { storage } = options;
    const modelClient =
      this.options.modelClient ??
      ModelClient.fromConfig(options.config, {
        originator: options.client?.originator ?? this.options.originator,
        userAgentSuffix: options.client?.userAgentSuffix,
        ...(this.options.auth ? { auth: this.options.auth } : {}),
        env: this.options.env,
        logger: this.logger,
      });
    let session: Session;
    try {
      session = await Session.start({
        config: options.config,
        sessionId: options.threadId,
        modelClient,
        execServer: this.exec(),
        sandbox: await this.probe(),
        env: this.options.env,
        logger: this.logger,
        ...(storage ? { recorder: storage.recorder } : {}),
        ...(options.resume ? { resume: options.resume } : {}),
        ...(storage ? { transcriptPath: storage.path } : {}),
        dynamicTools: options.client?.dynamicTools,
        hostTools: options.client?.hostTools,
        dynamicToolTimeoutMs: options.client?.dynamicToolTimeoutMs,
      });
    } catch (error) {
      await storage?.close().catch((closeError: unknown) => {
        this.logger.warn(
          'could not release the rollout of a thread that failed to start',
          closeError,
        );
      });
      throw error;
    }
    const thread = new Thread({
      session,
      rolloutPath: storage?.path ?? null,
      closeStorage: storage ? () => storage.close() : undefined,
      flushStorage: storage ? () => storage.flush() : undefined,
      hub: this.options.hub,
      idleUnloadMs: this.options.idleUnloadMs ?? 30 * 60 * 1000,
      forkedFromId: options.forkedFromId ?? null,
      logger: this.logger,
      onUnloaded: (unloaded) => {
        if (this.threads.get(unloaded.id) === unloaded) this.threads.delete(unloaded.id);
        this.lifecycleQueue.push({ type: 'unloaded', threadId: unloaded.id });
      },
    });
    this.threads.set(thread.id, thread);
    return thread;
  }
}
