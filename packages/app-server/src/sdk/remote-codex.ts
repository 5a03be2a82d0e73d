import { defaultLogger, type Logger } from '@codex/common';
import {
  type ApprovalHandler,
  type ApprovalRequest,
  type ApprovalResults,
  approvalResult,
  type CodexApi,
  type CodexInputItem,
  CodexRunError,
  CodexThread,
  type CodexThreadOptions,
  type HostTool,
  type JsonSchema,
  runHostTool,
  type ThreadNotification,
  type ThreadTransport,
  type ThreadWireMessage,
  threadConfigRequest,
} from '@codex/core';
import type { v2 } from '@codex/protocol';
import {
  AppServerClient,
  type ConnectAppServerOptions,
  type SpawnAppServerOptions,
} from '../client.js';
import { APP_SERVER_VERSION } from '../version.js';

/** Options of every {@link RemoteCodex}. */
export interface RemoteCodexOptions {
  /** Decides approval requests of every thread (a thread's own `onApproval` wins). */
  readonly onApproval?: ApprovalHandler;
  /** How this client introduces itself in `initialize`. Default `codex_sdk_ts`. */
  readonly clientInfo?: v2.ClientInfo;
  /** Where the client and its threads log. Default the shared default logger. */
  readonly logger?: Logger;
  /**
   * How long an interrupted turn may take to end before its run ends without it (a server
   * that is paused or cut off never answers). Default 30 s.
   */
  readonly interruptTimeoutMs?: number;
}

/**
 * The SDK over a `codex-app-server`: the same API as `Codex` of `@codex/core` (threads, `run`,
 * `runStreamed`, approvals, host tools, `AbortSignal`), with the threads running in the server —
 * a child process over stdio ({@link RemoteCodex.spawn}) or a server on the network
 * ({@link RemoteCodex.connect}). Host tools still run in this process: the server calls back.
 *
 * ```ts
 * const codex = await RemoteCodex.connect('ws://127.0.0.1:4500', { token });
 * const thread = await codex.startThread({ cwd: '/srv/repo' });
 * const { finalResponse } = await thread.run('Summarise the README');
 * await codex.close();
 * ```
 */
export class RemoteCodex implements CodexApi {
  private readonly transports = new Map<string, RemoteThreadTransport>();
  private readonly threads = new Set<CodexThread>();
  private readonly logger: Logger;
  private closing: Promise<void> | null = null;
  private lost = false;

  private constructor(
    /** The app-server connection (for requests the SDK does not cover). */
    readonly client: AppServerClient,
    private readonly options: RemoteCodexOptions,
  ) {
    this.logger = options.logger ?? defaultLogger;
    client.onAnyNotification(({ method, params }) => {
      const threadId = (params as { threadId?: unknown } | null)?.threadId;
      if (typeof threadId !== 'string') return;
      this.transports
        .get(threadId)
        ?.deliver({ kind: 'notification', method, params } as ThreadNotification);
    });
    client.onServerRequest('item/commandExecution/requestApproval', (params) =>
      this.ask('commandExecution', params),
    );
    client.onServerRequest('item/fileChange/requestApproval', (params) =>
      this.ask('fileChange', params),
    );
    client.onServerRequest('mcpServer/elicitation/request', (params) =>
      this.ask('mcpElicitation', params),
    );
    client.onServerRequest('item/tool/call', (params) => this.callHostTool(params));
    client.closed.then(() => {
      this.lost = true;
      for (const transport of this.transports.values()) {
        transport.deliver({ kind: 'closed', reason: 'the connection to the app-server closed' });
      }
    }, this.logFailure('the app-server connection failed'));
  }

  /** Starts `codex-app-server` (this package's, unless `command` names another) as a child. */
  static async spawn(
    options: RemoteCodexOptions & SpawnAppServerOptions = {},
  ): Promise<RemoteCodex> {
    return RemoteCodex.over(await AppServerClient.spawn(options), options);
  }

  /** Connects to a `codex-app-server` listening on `ws://…` (`token` for its auth). */
  static async connect(
    url: string,
    options: RemoteCodexOptions & ConnectAppServerOptions = {},
  ): Promise<RemoteCodex> {
    return RemoteCodex.over(await AppServerClient.connect(url, options), options);
  }

  /** Takes over a client that has not been initialised yet; closing closes it. */
  static async over(
    client: AppServerClient,
    options: RemoteCodexOptions = {},
  ): Promise<RemoteCodex> {
    const remote = new RemoteCodex(client, options);
    try {
      await client.initialize(
        options.clientInfo ?? { name: 'codex_sdk_ts', title: null, version: APP_SERVER_VERSION },
      );
    } catch (error) {
      await client.close();
      throw error;
    }
    return remote;
  }

  /** Starts a thread in the server (`thread/start`); `hostTools` are registered with it. */
  async startThread(options: CodexThreadOptions = {}): Promise<CodexThread> {
    const { thread } = await this.client.request('thread/start', {
      ...threadSettings(options),
      ephemeral: options.ephemeral ?? null,
      dynamicTools: options.hostTools?.map(dynamicToolSpec) ?? null,
    });
    return this.wrap(thread.id, options);
  }

  /** Loads a stored thread in the server (`thread/resume`); it takes no new host tools. */
  async resumeThread(threadId: string, options: CodexThreadOptions = {}): Promise<CodexThread> {
    refuseLateHostTools(options, 'resumed');
    const { thread } = await this.client.request('thread/resume', {
      threadId,
      ...threadSettings(options),
      excludeTurns: true,
    });
    return this.wrap(thread.id, options);
  }

  /** Copies a stored thread into a new one in the server (`thread/fork`). */
  async forkThread(threadId: string, options: CodexThreadOptions = {}): Promise<CodexThread> {
    refuseLateHostTools(options, 'forked');
    const { thread } = await this.client.request('thread/fork', {
      threadId,
      ...threadSettings(options),
      ephemeral: options.ephemeral ?? false,
      excludeTurns: true,
    });
    return this.wrap(thread.id, options);
  }

  /** Closes every thread (running turns fail with `closed`), then the connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.threads].map((thread) => thread.close()));
      await this.client.close();
    })();
    return this.closing;
  }

  private wrap(threadId: string, options: CodexThreadOptions): CodexThread {
    const transport = new RemoteThreadTransport(
      this.client,
      threadId,
      options.hostTools ?? [],
      this.logger,
      () => this.transports.delete(threadId),
    );
    this.transports.set(threadId, transport);
    const thread = new CodexThread(transport, {
      onApproval: options.onApproval ?? this.options.onApproval,
      logger: this.logger,
      interruptTimeoutMs: this.options.interruptTimeoutMs,
    });
    this.threads.add(thread);
    if (this.lost) {
      transport.deliver({ kind: 'closed', reason: 'the connection to the app-server closed' });
    }
    return thread;
  }

  /** Hands an approval request to its thread; declines one for a thread this client lacks. */
  private ask<K extends ApprovalRequest['type']>(
    type: K,
    params: Extract<ApprovalRequest, { type: K }>['params'],
  ): Promise<ApprovalResults[K]> {
    const transport = this.transports.get(params.threadId);
    if (!transport) return Promise.resolve(approvalResult(type, 'decline'));
    return new Promise((resolve) => {
      transport.deliver({
        kind: 'approval',
        request: { type, params } as ApprovalRequest,
        respond: (answer) => resolve(approvalResult(type, answer)),
      });
    });
  }

  private async callHostTool(
    params: v2.DynamicToolCallParams,
  ): Promise<v2.DynamicToolCallResponse> {
    const transport = this.transports.get(params.threadId);
    const answer = await (transport?.runTool(params) ?? null);
    if (answer) return { contentItems: [...answer.contentItems], success: answer.success };
    return {
      contentItems: [
        { type: 'inputText', text: `no host tool named ${params.tool} in this client` },
      ],
      success: false,
    };
  }

  private logFailure(what: string): (error: unknown) => void {
    return (error) => this.logger.error(what, error);
  }
}

/** A thread's settings as `thread/start`, `thread/resume` and `thread/fork` take them. */
function threadSettings(options: CodexThreadOptions) {
  const { profile: _profile, config, ...settings } = threadConfigRequest(options);
  return { ...settings, config: config ? { ...config } : null };
}

function refuseLateHostTools(options: CodexThreadOptions, how: string): void {
  if (options.hostTools?.length) {
    throw new CodexRunError(
      'invalid_input',
      `host tools are registered when a remote thread starts; a ${how} thread cannot take new ones`,
    );
  }
}

/** A host tool as the `dynamicTools` entry that registers it. */
function dynamicToolSpec(tool: HostTool): v2.DynamicToolSpec {
  return {
    type: 'function',
    name: tool.name,
    description: tool.description,
    inputSchema: tool.parameters ?? { type: 'object', properties: {} },
  };
}

/** SDK input as v2 `UserInput`. */
function userInput(item: CodexInputItem): v2.UserInput {
  switch (item.type) {
    case 'text':
      return { type: 'text', text: item.text, text_elements: [] };
    case 'image':
      return { type: 'image', url: item.url };
    case 'localImage':
      return { type: 'localImage', path: item.path };
  }
}

/** One thread of a {@link RemoteCodex}: turns by request, its messages from the connection. */
class RemoteThreadTransport implements ThreadTransport {
  private sink: ((message: ThreadWireMessage) => void) | null = null;
  /** Aborted when their turn ends: the signals of host tool calls in flight. */
  private readonly turnSignals = new Map<string, AbortController>();

  constructor(
    private readonly client: AppServerClient,
    readonly threadId: string,
    private readonly hostTools: readonly HostTool[],
    private readonly logger: Logger,
    private readonly onClosed: () => void,
  ) {}

  open(sink: (message: ThreadWireMessage) => void): void {
    this.sink = sink;
  }

  deliver(message: ThreadWireMessage): void {
    if (message.kind === 'notification' && message.method === 'turn/completed') {
      const turnId = message.params.turn.id;
      this.turnSignals.get(turnId)?.abort();
      this.turnSignals.delete(turnId);
    }
    if (message.kind === 'closed') {
      for (const controller of this.turnSignals.values()) controller.abort();
      this.turnSignals.clear();
    }
    const { sink } = this;
    if (message.kind === 'closed') this.sink = null;
    if (sink) sink(message);
    else if (message.kind === 'approval') message.respond('decline');
  }

  async startTurn(
    input: readonly CodexInputItem[],
    outputSchema: JsonSchema | null,
  ): Promise<string> {
    const { turn } = await this.client.request('turn/start', {
      threadId: this.threadId,
      input: input.map(userInput),
      outputSchema,
    });
    return turn.id;
  }

  async interrupt(turnId: string): Promise<void> {
    await this.client.request('turn/interrupt', { threadId: this.threadId, turnId });
  }

  async close(): Promise<void> {
    this.onClosed();
    const open = this.sink !== null;
    this.sink = null;
    if (!open) return;
    await this.client.request('thread/unsubscribe', { threadId: this.threadId }).catch((error) => {
      // Expected when the connection is already gone: the server unloads the thread itself.
      this.logger.debug(`thread ${this.threadId}: unsubscribe failed`, error);
    });
  }

  /** Runs a host tool the server asked for; null when this thread has none of that name. */
  runTool(params: v2.DynamicToolCallParams) {
    const tool = this.hostTools.find((candidate) => candidate.name === params.tool);
    if (!tool || params.namespace) return null;
    let controller = this.turnSignals.get(params.turnId);
    if (!controller) {
      controller = new AbortController();
      this.turnSignals.set(params.turnId, controller);
    }
    return runHostTool(tool, params.arguments, {
      callId: params.callId,
      turnId: params.turnId,
      signal: controller.signal,
    });
  }
}
