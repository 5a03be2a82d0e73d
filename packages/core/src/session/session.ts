import { defaultLogger, type Logger, uuidv7 } from '@codex/common';
import { ExecServerClient } from '@codex/exec-server/client';
import { core, type v2 } from '@codex/protocol';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ModelClient } from '../client/model-client.js';
import type { JsonSchema, ResponseItem } from '../client/types.js';
import type { Config } from '../config/load.js';
import { combineInstructions, discoverProjectDocs } from '../config/project-doc.js';
import { Hooks } from '../hooks/index.js';
import {
  McpCallError,
  McpConnections,
  type McpElicitation,
  type McpElicitationAnswer,
  type McpServerStatus,
} from '../mcp/connections.js';
import { mcpToolHandlers } from '../mcp/tool-handlers.js';
import { loadBashParser } from '../sandbox/safe-command.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { shellEnvironment } from '../sandbox/shell-environment.js';
import { UnifiedExecManager } from '../tools/unified-exec/index.js';
import { Approvals, DEFAULT_APPROVAL_TIMEOUT_MS } from './approvals.js';
import { Conversation } from './conversation.js';
import { SessionError } from './errors.js';
import { EventQueue } from './event-queue.js';
import { type ExecPolicyRules, loadExecPolicyRules } from './exec-policy-rules.js';
import { PendingAnswers } from './pending.js';
import { contextChanged, contextMessages, isSettingsMessage } from './prompt.js';
import type { SessionRecorder } from './recorder.js';
import type { ToolHandler } from './tool-call.js';
import {
  type DynamicToolAnswer,
  dynamicToolHandlers,
  type HostTool,
  hostToolHandlers,
} from './tools/dynamic.js';
import type { ToolServices } from './tools/index.js';
import { TurnRunner } from './turn.js';
import {
  overrideSettings,
  settingsFromConfig,
  type TurnContext,
  type TurnSettings,
} from './turn-context.js';
import { TurnHooks } from './turn-hooks.js';

/** Where the session runs commands. */
export type ExecServerOption =
  | ExecServerClient
  | {
      /** The exec-server's `ws://` URL. */
      readonly url: string;
      /** Sent as `Authorization: Bearer <token>`. */
      readonly token?: string;
      /** Bound on opening the socket, in ms. Default 10 s. */
      readonly connectTimeoutMs?: number;
    };

/** Options of {@link Session.start}. */
export interface SessionOptions {
  /** The effective config: model, provider, policies, sandbox, MCP servers. */
  readonly config: Config;
  /** Default: `ModelClient.fromConfig(config)`. */
  readonly modelClient?: ModelClient;
  /**
   * Where commands run: a connected client (the caller keeps ownership), a remote exec-server
   * to connect to over WebSocket, or (default) an exec-server inside this process.
   */
  readonly execServer?: ExecServerOption;
  /** An approval nobody answers is declined after this long. Default 10 minutes. */
  readonly approvalTimeoutMs?: number;
  /** The session id (a UUIDv7 by default). */
  readonly sessionId?: string;
  /** Environment for commands and the model client. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Persists the thread (the thread layer passes its rollout recorder). */
  readonly recorder?: SessionRecorder;
  /** Continue a conversation: its history, and the settings it last ran with. */
  readonly resume?: {
    /** The conversation's items, oldest first. */
    readonly history: readonly ResponseItem[];
    /** The settings of its last turn. */
    readonly settings?: Partial<TurnSettings>;
  };
  /** The sandbox for confined policies. Default: probe the machine (bubblewrap on Linux). */
  readonly sandbox?: Sandbox;
  /**
   * Bytes of unread events above which the session stops reading the model stream until the
   * reader catches up. Default 8 MiB.
   */
  readonly maxPendingEventBytes?: number;
  /** Where the session logs. Default `defaultLogger`. */
  readonly logger?: Logger;
  /**
   * Tools the client runs (`thread/start` `dynamicTools`): a call emits
   * `dynamic_tool_call_request` and waits for the `dynamic_tool_response` op.
   */
  readonly dynamicTools?: readonly v2.DynamicToolSpec[];
  /** Tools this process runs: plain functions the model calls like any other tool. */
  readonly hostTools?: readonly HostTool[];
  /** A client tool call nobody answers fails after this long. Default 10 minutes. */
  readonly dynamicToolTimeoutMs?: number;
  /**
   * The user's hooks. Default: those `$CODEX_HOME/hooks.json`, `[hooks]` in the config and the
   * trusted project's `.codex/` define; `false`: none run.
   */
  readonly hooks?: Hooks | false;
  /** The thread's rollout file, which hooks are told of (`transcript_path`). */
  readonly transcriptPath?: string;
}

/** The answer to an `elicitation_request` (the MCP `ElicitResult`). */
type ElicitationAnswer = McpElicitationAnswer;

interface ActiveTurn {
  readonly turnId: string;
  readonly submissionId: string;
  readonly runner: TurnRunner;
  readonly done: Promise<void>;
}

/**
 * One conversation with the agent. Submit ops with {@link submit}; read what happens with
 * {@link events} or {@link nextEvent}. The first event is `session_configured`; each turn then
 * emits `task_started` … `task_complete` (or `turn_aborted`), every event tagged with the id of
 * the submission that started the turn.
 *
 * Events are never dropped: a reader that falls behind slows the model stream down instead.
 */
export class Session {
  /** The session's (and its thread's) id. */
  readonly id: string;
  private readonly queue: EventQueue<core.Event>;
  private readonly approvals: Approvals;
  private readonly history: Conversation;
  private settings: TurnSettings;
  /** The settings the conversation's context messages describe. */
  private describedSettings: TurnSettings | null = null;
  private nextSubmission = 1;
  private active: ActiveTurn | null = null;
  private closed = false;
  private shutdownDone: Promise<void> | null = null;
  private readonly usage = { thread: emptyUsage() };
  /** Tokens in the context at the last model response (compaction compares it to the limit). */
  private readonly contextTokens = { value: 0 };
  /** The latest context messages (a compacted history starts with them). */
  private contextItems: ResponseItem[] = [];
  private readonly logger: Logger;
  private readonly services: ToolServices;
  private lastTurn: Promise<void> = Promise.resolve();
  /** The config's MCP servers (null: none configured). */
  private mcp: McpConnections | null = null;
  /** Questions for the user on behalf of MCP servers, by `<server>\0<id>`. */
  private readonly elicitations = new PendingAnswers<ElicitationAnswer>();
  private elicitationCount = 0;
  /** No turn with user input has started yet (`SessionStart` hooks run with the first). */
  private firstTurn = true;
  /** MCP tools the user allowed for the rest of the session, as `<server>\0<tool>`. */
  private readonly mcpApproved = new Set<string>();
  /** Client tool calls waiting for their answers, by call id. */
  private readonly dynamicAnswers = new PendingAnswers<DynamicToolAnswer>();
  /** The client's and the host's tools (fixed for the session). */
  private readonly ownTools: readonly ToolHandler[];

  private constructor(
    private readonly options: SessionOptions,
    private readonly modelClient: ModelClient,
    private readonly exec: ExecServerClient,
    private readonly ownsExec: boolean,
    private readonly unifiedExec: UnifiedExecManager,
    private readonly userInstructions: string | null,
    /** The sandbox commands run in under confined policies. */
    readonly sandbox: Sandbox,
    execPolicy: ExecPolicyRules,
    private readonly hooks: Hooks | null,
  ) {
    this.logger = options.logger ?? defaultLogger;
    this.queue = new EventQueue(options.maxPendingEventBytes);
    this.history = new Conversation(options.resume?.history ?? [], options.recorder);
    this.id = options.sessionId ?? uuidv7();
    this.settings = { ...settingsFromConfig(options.config), ...options.resume?.settings };
    if (options.resume) {
      // The resumed conversation already describes these settings and holds its context.
      this.describedSettings = this.settings;
      this.contextItems = options.resume.history.filter(
        (item) => item.type === 'message' && (item.role === 'developer' || isSettingsMessage(item)),
      );
    }
    this.approvals = new Approvals(
      options.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
      this.logger,
    );
    this.services = {
      config: options.config,
      exec,
      unifiedExec,
      env: shellEnvironment(options.env ?? process.env, options.config.shellEnvironmentPolicy),
      logger: this.logger,
      runningCommands: new Map(),
      sandbox,
      execPolicy,
      state: { sandboxWarned: false },
      extraTools: () => this.extraTools(),
    };
    this.ownTools = [
      ...dynamicToolHandlers(options.dynamicTools ?? [], {
        answers: this.dynamicAnswers,
        timeoutMs: options.dynamicToolTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
      }),
      ...hostToolHandlers(options.hostTools ?? []),
    ];
  }

  /** Starts a session: connects to the exec-server and emits `session_configured`. */
  static async start(options: SessionOptions): Promise<Session> {
    const logger = options.logger ?? defaultLogger;
    // Scripts are judged (safe commands, exec-policy rules) with the bash grammar.
    await loadBashParser().catch((error: unknown) => {
      logger.warn('could not load the bash grammar; every shell script will need approval', error);
    });
    // A rules file that does not load fails the start, naming the file and line.
    const execPolicy = await loadExecPolicyRules(options.config.codexHome, logger);
    const { exec, owned } = await connectExecServer(options.execServer, logger);
    const docs = await discoverProjectDocs({
      cwd: options.config.cwd,
      codexHome: options.config.codexHome,
      maxBytes: options.config.projectDocMaxBytes,
    }).catch((error: unknown) => {
      logger.warn('could not read AGENTS.md; continuing without project instructions', error);
      return null;
    });
    const modelClient =
      options.modelClient ??
      ModelClient.fromConfig(options.config, { env: options.env, logger: options.logger });
    const unifiedExec = new UnifiedExecManager({
      client: exec,
      logger,
      // Commands see the environment `shell_environment_policy` allows (no credentials by default).
      env: shellEnvironment(options.env ?? process.env, options.config.shellEnvironmentPolicy),
    });
    const session = new Session(
      options,
      modelClient,
      exec,
      owned,
      unifiedExec,
      docs ? combineInstructions(docs) : null,
      options.sandbox ?? (await Sandbox.probe(options.env ?? process.env)),
      execPolicy,
      options.hooks === false
        ? null
        : (options.hooks ??
            (await Hooks.load({
              codexHome: options.config.codexHome,
              cwd: options.config.cwd,
              toml: options.config.toml as Record<string, unknown>,
              env: options.env ?? process.env,
              logger,
            }))),
    );
    session.emit('0', {
      type: 'session_configured',
      session_id: session.id,
      model: session.settings.model,
      reasoning_effort: session.settings.effort,
      history_log_id: 0,
      history_entry_count: 0,
      model_provider_id: options.config.modelProviderId,
      approval_policy: session.settings.approvalPolicy,
      sandbox_policy: session.settings.sandboxPolicy,
      cwd: session.settings.cwd,
    });
    await session.startMcpServers();
    return session;
  }

  /**
   * Starts the config's MCP servers (each reported with `mcp_startup_update`, then
   * `mcp_startup_complete`). Turns wait for them before their first model request. When a
   * `required` server fails, the session shuts down and this throws.
   */
  private async startMcpServers(): Promise<void> {
    const servers = this.options.config.mcpServers;
    if (servers.length === 0) return;
    let startupDone = false;
    const mcp = McpConnections.start(servers, {
      cwd: this.settings.cwd,
      env: this.options.env ?? process.env,
      logger: this.logger,
      onStatus: (status) => {
        // Startup only: a server that dies later is told to whoever calls it.
        if (status.state === 'disabled' || startupDone) return;
        this.emit('0', {
          type: 'mcp_startup_update',
          server: status.name,
          status:
            status.state === 'failed'
              ? { state: 'failed', error: status.error ?? 'failed' }
              : { state: status.state },
        });
      },
      onElicitation: (server, request, signal) => this.serverElicitation(server, request, signal),
    });
    this.mcp = mcp;
    const reported = mcp.ready().then(() => {
      startupDone = true;
      const statuses = mcp.statuses();
      this.emit('0', {
        type: 'mcp_startup_complete',
        ready: statuses.filter((entry) => entry.state === 'ready').map((entry) => entry.name),
        failed: statuses.flatMap((entry) =>
          entry.state === 'failed' ? [{ server: entry.name, error: entry.error ?? '' }] : [],
        ),
        cancelled: [],
      });
    });
    if (!servers.some((server) => server.required && server.enabled)) return;
    await reported;
    const failed = mcp
      .statuses()
      .filter((status) => status.config.required && status.state === 'failed');
    if (failed.length === 0) return;
    await this.shutdown();
    throw new SessionError(
      'mcp_required',
      `required MCP servers failed to initialize: ${failed
        .map((status) => `${status.name}: ${status.error}`)
        .join('; ')}`,
    );
  }

  /** The tools beyond the built-ins, once the MCP servers have started. */
  private async extraTools(): Promise<readonly ToolHandler[]> {
    const mcp = this.mcp;
    if (!mcp) return this.ownTools;
    await mcp.ready();
    const mcpTools = mcpToolHandlers({
      mcp,
      approvedForSession: this.mcpApproved,
      elicit: (invocation, request) => {
        invocation.emit({
          type: 'elicitation_request',
          server_name: request.server,
          id: request.id,
          turn_id: invocation.turn.turnId,
          message: request.message,
          requested_schema: request.requestedSchema,
          meta: request.meta,
        });
        return this.waitForElicitation(request.server, request.id, invocation.signal);
      },
    });
    return [...mcpTools, ...this.ownTools];
  }

  private waitForElicitation(
    server: string,
    id: string,
    signal: AbortSignal,
  ): Promise<ElicitationAnswer> {
    return this.elicitations.wait(`${server}\0${id}`, {
      timeoutMs: this.options.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
      signal,
      onTimeout: () => {
        this.logger.warn(`nobody answered the question of MCP server ${server} in time; declined`);
        return { action: 'decline' };
      },
      onAbort: () => ({ action: 'cancel' }),
    });
  }

  /**
   * A server's own question for the user (`elicitation/create`), asked in the turn that runs:
   * declined when no turn runs or the approval policy is `never` (nobody to ask), and for URL
   * elicitations, which clients cannot show yet.
   */
  private async serverElicitation(
    server: string,
    request: McpElicitation,
    signal: AbortSignal,
  ): Promise<ElicitationAnswer> {
    const active = this.active;
    if (!active || this.settings.approvalPolicy === 'never' || request.mode === 'url') {
      this.logger.debug(`declined a question from MCP server ${server}: nobody can answer it now`);
      return { action: 'decline' };
    }
    const id = `elicitation_${++this.elicitationCount}`;
    this.emit(active.submissionId, {
      type: 'elicitation_request',
      server_name: server,
      id,
      turn_id: active.turnId,
      message: request.message,
      requested_schema: request.requestedSchema,
      meta: null,
    });
    return this.waitForElicitation(server, id, signal);
  }

  /** Every configured MCP server and where it is (empty when none is configured). */
  mcpServers(): readonly McpServerStatus[] {
    return this.mcp?.statuses() ?? [];
  }

  /**
   * Calls a tool of one of the session's MCP servers directly (no model, no approval), within
   * the server's tool timeout. Rejects with an `McpCallError` naming why.
   */
  async callMcpTool(
    server: string,
    tool: string,
    args?: Record<string, unknown>,
    options: {
      readonly signal?: AbortSignal;
      /** Sent as the request's `_meta`. */
      readonly meta?: Record<string, unknown>;
    } = {},
  ): Promise<CallToolResult> {
    if (!this.mcp) throw new McpCallError('unknown_server', `no MCP server is named \`${server}\``);
    await this.mcp.ready();
    return this.mcp.call(server, tool, args, options.signal, options.meta);
  }

  /** The settings the next turn will use. */
  get turnSettings(): TurnSettings {
    return this.settings;
  }

  /** The conversation as the model will next see it (context messages first). */
  get conversation(): readonly ResponseItem[] {
    return this.history.items;
  }

  /** Approximate bytes of events emitted but not read yet. */
  get pendingEventBytes(): number {
    return this.queue.queuedBytes;
  }

  /** The config the session started with. */
  get config(): Config {
    return this.options.config;
  }

  /** Whether a turn is running. */
  get busy(): boolean {
    return this.active !== null;
  }

  /**
   * Resolves once no turn is running or queued, and what they recorded is flushed to the
   * rollout (turns flush at their end). Never rejects.
   */
  whenIdle(): Promise<void> {
    return this.lastTurn;
  }

  /**
   * The id of the turn running or about to run (set as soon as `submit` starts one, before its
   * `task_started`), or null when idle. Servers answer "turn started" requests with it.
   */
  get activeTurnId(): string | null {
    return this.active?.turnId ?? null;
  }

  /**
   * Queues an op and returns its submission id, which the events it causes carry. Throws a
   * `SessionError` naming the bad field when the op is malformed, or `closed` after shutdown.
   * User input during a turn is delivered to the model at its next step.
   */
  submit(op: core.Op): string {
    if (this.closed) throw new SessionError('closed', 'the session has shut down');
    const parsed = core.OpSchema.safeParse(op);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `\`${issue.path.join('.')}\`` : 'the op';
      throw new SessionError(
        'invalid_op',
        `invalid op: ${where}: ${issue?.message ?? 'malformed'}`,
      );
    }
    const id = String(this.nextSubmission++);
    this.dispatch(id, parsed.data);
    return id;
  }

  /** Every event, in order, until the session shuts down. One reader at a time. */
  events(): AsyncIterable<core.Event> {
    return this.queue;
  }

  /** The next event; `undefined` once the session has shut down and every event was read. */
  nextEvent(): Promise<core.Event | undefined> {
    return this.queue.next();
  }

  /** Shuts the session down (as the `shutdown` op) and resolves when it is done. */
  shutdown(): Promise<void> {
    if (!this.closed) this.submit({ type: 'shutdown' });
    return this.shutdownDone ?? Promise.resolve();
  }

  private dispatch(id: string, op: core.Op): void {
    switch (op.type) {
      case 'user_input':
        this.userInput(id, op.items, this.settings, op.final_output_json_schema ?? null);
        return;
      case 'user_turn': {
        this.settings = overrideSettings(this.settings, op);
        this.userInput(id, op.items, this.settings, op.final_output_json_schema ?? null);
        return;
      }
      case 'compact':
        this.startTurn(id, [], this.settings, null, true);
        return;
      case 'override_turn_context':
        this.settings = overrideSettings(this.settings, op);
        return;
      case 'interrupt':
        if (this.active) this.active.runner.interrupt();
        else this.approvals.abortAll();
        return;
      case 'exec_approval':
        this.approvals.answer('exec', op.id, op.decision);
        return;
      case 'patch_approval':
        this.approvals.answer('patch', op.id, op.decision);
        return;
      case 'resolve_elicitation': {
        const answer: ElicitationAnswer = {
          action: op.decision,
          ...(op.decision === 'accept' && isRecord(op.content) ? { content: op.content } : {}),
          ...(isRecord(op.meta) ? { _meta: op.meta } : {}),
        } as ElicitationAnswer;
        if (!this.elicitations.settle(`${op.server_name}\0${op.request_id}`, answer))
          this.logger.warn(
            `ignoring an answer for ${op.server_name} question ${op.request_id}: no such question is waiting`,
          );
        return;
      }
      case 'dynamic_tool_response':
        if (
          !this.dynamicAnswers.settle(op.id, {
            contentItems: op.response.content_items,
            success: op.response.success,
          })
        )
          this.logger.warn(`ignoring an answer for tool call ${op.id}: no such call is waiting`);
        return;
      case 'add_to_history':
      case 'get_history_entry_request':
        this.logger.debug(`ignoring ${op.type}: the cross-session history is not kept yet`);
        return;
      case 'shutdown':
        this.shutdownDone = this.shutdownNow(id);
        return;
    }
  }

  private userInput(
    submissionId: string,
    items: readonly core.InputItem[],
    settings: TurnSettings,
    outputSchema: Readonly<Record<string, unknown>> | null,
  ): void {
    // A turn that has decided to finish no longer takes input: this input starts the next one.
    if (this.active?.runner.steer(items)) return;
    this.startTurn(submissionId, items, settings, outputSchema, false);
  }

  private startTurn(
    submissionId: string,
    items: readonly core.InputItem[],
    settings: TurnSettings,
    outputSchema: Readonly<Record<string, unknown>> | null,
    compactOnly: boolean,
  ): void {
    const context: TurnContext = {
      ...settings,
      turnId: uuidv7(),
      submissionId,
      outputSchema: outputSchema as JsonSchema | null,
    };
    const hooks = this.hooks;
    const runner = new TurnRunner({
      context,
      history: this.history,
      initialInput: items,
      modelClient: this.modelClient,
      services: this.services,
      approvals: this.approvals,
      threadUsage: this.usage.thread,
      sessionId: this.id,
      emit: (msg) => this.emit(submissionId, msg),
      waitForReader: () => this.queue.waitForRoom(),
      logger: this.logger,
      contextItems: () => this.contextItems,
      contextTokens: this.contextTokens,
      compactOnly,
      ...(hooks
        ? {
            hooks: (signal: AbortSignal) =>
              new TurnHooks(
                hooks,
                { sessionId: this.id, transcriptPath: this.options.transcriptPath ?? null },
                context,
                (msg) => this.emit(submissionId, msg),
                signal,
              ),
          }
        : {}),
      ...(this.firstTurn && !compactOnly
        ? { sessionStart: this.options.resume ? ('resume' as const) : ('startup' as const) }
        : {}),
    });
    if (!compactOnly) this.firstTurn = false;
    // The context messages go in when the turn starts, after any turn still finishing.
    const recorder = this.options.recorder;
    const done = this.lastTurn.then(async () => {
      this.refreshContextMessages(context);
      recorder?.turnStarted(context);
      await runner.run();
      // Durable at turn boundaries: a crash loses at most the turn in flight.
      await recorder?.flush().catch((error: unknown) => {
        this.logger.error(`could not persist turn ${context.turnId}`, error);
      });
    });
    const active: ActiveTurn = { turnId: context.turnId, submissionId, runner, done };
    this.active = active;
    this.lastTurn = done
      .catch((error: unknown) => {
        this.logger.error(`turn ${context.turnId} failed unexpectedly`, error);
      })
      .finally(() => {
        if (this.active === active) this.active = null;
      });
  }

  /** Puts the context messages in the conversation, again when the settings they describe change. */
  private refreshContextMessages(context: TurnContext): void {
    if (this.describedSettings && !contextChanged(this.describedSettings, context)) return;
    const messages = contextMessages({
      settings: context,
      previous: this.describedSettings,
      config: this.options.config,
      userInstructions: this.describedSettings ? null : this.userInstructions,
      env: this.options.env ?? process.env,
    });
    this.history.push(...messages);
    // A compacted history restarts from the full context: base instructions included.
    this.contextItems = this.describedSettings
      ? [...this.contextItems.filter((item) => !isSettingsMessage(item)), ...messages]
      : messages;
    this.describedSettings = context;
  }

  private async shutdownNow(submissionId: string): Promise<void> {
    this.closed = true;
    this.active?.runner.interrupt();
    this.approvals.abortAll();
    await this.lastTurn.catch(() => undefined);
    await this.options.recorder?.flush().catch((error: unknown) => {
      this.logger.error('could not persist the session at shutdown', error);
    });
    this.elicitations.settleAll({ action: 'cancel' });
    await this.closeMcp();
    // Terminates every command and stops listening to the client (which may be the caller's).
    await this.unifiedExec.close().catch((error: unknown) => {
      this.logger.warn('could not terminate every command at shutdown', error);
    });
    if (this.ownsExec)
      await this.exec.close().catch((error: unknown) => {
        this.logger.warn('could not close the exec-server connection', error);
      });
    this.emit(submissionId, { type: 'shutdown_complete' });
    this.queue.close();
  }

  /** Ends every MCP server of the session (and whatever each started). */
  private async closeMcp(): Promise<void> {
    const mcp = this.mcp;
    if (!mcp) return;
    await mcp.close().catch((error: unknown) => {
      this.logger.warn('could not stop every MCP server', error);
    });
  }

  private emit(id: string, msg: core.EventMsg): void {
    this.options.recorder?.event(msg);
    this.queue.push({ id, msg });
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function emptyUsage(): core.TokenUsage {
  return {
    input_tokens: 0,
    cached_input_tokens: 0,
    output_tokens: 0,
    reasoning_output_tokens: 0,
    total_tokens: 0,
  };
}

async function connectExecServer(
  option: ExecServerOption | undefined,
  logger: Logger,
): Promise<{ exec: ExecServerClient; owned: boolean }> {
  if (option instanceof ExecServerClient) return { exec: option, owned: false };
  if (option === undefined)
    return { exec: ExecServerClient.connectInProcess({ logger }), owned: true };
  try {
    const exec = await ExecServerClient.connectWebSocket(option.url, {
      token: option.token,
      connectTimeoutMs: option.connectTimeoutMs,
      clientName: 'codex-ts-core',
      logger,
    });
    return { exec, owned: true };
  } catch (error) {
    throw new SessionError(
      'exec_server',
      `could not connect to the exec-server at ${option.url}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
