import { type Logger, LogThrottle, settledWithin } from '@codex/common';
import {
  parseArguments,
  RolloutError,
  type Thread,
  ThreadHost,
  type ThreadHostOptions,
} from '@codex/core';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, ListToolsRequestSchema, type Result } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { ApprovalAnswerSchema, type ApprovalElicitParams } from './approvals.js';
import { RequestError } from './errors.js';
import type { CodexNotification, RequestId } from './notifications.js';
import { STREAM_METHOD, ThreadStreams } from './streams.js';
import {
  CODEX_REPLY_TOOL,
  CODEX_TOOL,
  parseCodexArguments,
  parseReplyArguments,
  threadConfigRequest,
  toolDefinitions,
} from './tools.js';
import {
  type CodexToolResult,
  runTurnCall,
  type TurnCallContext,
  toolResult,
} from './turn-call.js';
import { MCP_SERVER_VERSION } from './version.js';
import { isApprovalTimeout, MAX_APPROVAL_TIMEOUT_MS } from './wait.js';

/** Options of {@link CodexMcpServer.create}. */
export interface CodexMcpServerOptions extends ThreadHostOptions {
  /**
   * Run threads on this host (shared with, say, an app-server in the same process) instead of
   * one of the server's own; the host's options then replace the ones above.
   */
  readonly host?: ThreadHost;
  /** An approval the client does not answer is declined after this long. Default 10 minutes. */
  readonly approvalTimeoutMs?: number;
}

/** The request an approval elicitation is. */
interface ApprovalElicitRequest {
  readonly method: 'elicitation/create';
  readonly params: ApprovalElicitParams;
}

type McpServer = Server<ApprovalElicitRequest, CodexNotification, Result>;

/** `tools/call` params (`_meta` and other extensions pass through). */
const CallToolParamsSchema = z.looseObject({
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()).optional(),
});

/** Where threads started by MCP clients say they came from (the rollout's `source`). */
const SESSION_SOURCE = 'mcp';
const DEFAULT_APPROVAL_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Codex as an MCP server: the `codex` tool starts a thread and runs a turn, `codex-reply` runs
 * another on a thread (resuming it from disk when it is not loaded); every core event goes to the
 * client as `codex/event`, approvals are asked by `elicitation/create`, and a cancelled call
 * interrupts its turn. `codex/stream` lets a client follow a thread: `notifications/initial_state`
 * first, then its live events.
 *
 * Serves any number of connections (each an MCP session) over one {@link ThreadHost}.
 */
export class CodexMcpServer {
  /** Where the server logs; the host's logger. */
  readonly logger: Logger;
  private readonly connections = new Set<McpConnection>();
  /** Threads with a turn run by a tool call (of any connection), and that call. */
  private readonly busy = new Map<string, RunningCall>();
  private closing: Promise<void> | null = null;

  private constructor(
    /** The config, credentials, exec-server and thread manager the server runs on. */
    readonly host: ThreadHost,
    private readonly ownsHost: boolean,
    /** An approval the client does not answer is declined after this many ms. */
    readonly approvalTimeoutMs: number,
  ) {
    this.logger = host.logger;
  }

  /** Loads the config (failing on an invalid one) unless a host is given. */
  static async create(options: CodexMcpServerOptions = {}): Promise<CodexMcpServer> {
    const timeout = options.approvalTimeoutMs;
    if (timeout !== undefined && !isApprovalTimeout(timeout)) {
      throw new RangeError(
        `approvalTimeoutMs must be a whole number of ms from 1 to ${MAX_APPROVAL_TIMEOUT_MS}`,
      );
    }
    const host = options.host ?? (await ThreadHost.create(options));
    return new CodexMcpServer(
      host,
      options.host === undefined,
      options.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
    );
  }

  /** Serves one client over `transport` (started here). Resolves once it reads. */
  async connect(transport: Transport): Promise<McpConnection> {
    if (this.closing) throw new Error('the MCP server is shutting down');
    const connection = new McpConnection(this);
    this.connections.add(connection);
    connection.onClose(() => this.connections.delete(connection));
    await connection.server.connect(transport);
    return connection;
  }

  /** Connected clients. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** The call running a turn on `threadId`, if any. */
  runningOn(threadId: string): RunningCall | undefined {
    return this.busy.get(threadId);
  }

  /** Marks `threadId` busy with `call`; false if another call has it. Synchronous. */
  claim(threadId: string, call: RunningCall): boolean {
    if (this.busy.has(threadId)) return false;
    this.busy.set(threadId, call);
    return true;
  }

  /** Marks `threadId` free again, if `call` is the one that claimed it. */
  release(threadId: string, call: RunningCall): void {
    if (this.busy.get(threadId) === call) this.busy.delete(threadId);
  }

  /**
   * Shuts down: running turns are interrupted (and recorded so) and clients disconnected; a host
   * the server made is then closed (threads unloaded, rollouts flushed, commands ended). A shared
   * host is left running for its other users (its idle threads unload on their own).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.connections].map((connection) => connection.close()));
      if (this.ownsHost) await this.host.close();
    })();
    return this.closing;
  }
}

/** A tool call running a turn. */
export interface RunningCall {
  /** The `tools/call` request's id. */
  readonly requestId: RequestId;
  /** The thread the turn runs on. */
  readonly thread: Thread;
  /** Aborted when the client cancels the call. */
  readonly signal: AbortSignal;
  /** Settles when the call has answered (never rejects). */
  readonly done: Promise<unknown>;
}

/** Tool calls one client may have running at once. */
const MAX_CALLS_PER_CONNECTION = 64;
/** How long closing waits for the client's running calls to end. */
const SHUTDOWN_WAIT_MS = 15_000;
/** How long a call waits for a cancelled call on the same thread to wind down. */
const CANCELLED_CALL_WAIT_MS = 10_000;

/** One client's MCP session: its running calls and the threads it streams. */
export class McpConnection {
  /** The MCP SDK server speaking to this client. */
  readonly server: McpServer;
  private readonly calls = new Map<RequestId, RunningCall>();
  private readonly streams: ThreadStreams;
  private readonly closeHandlers: Array<() => void> = [];
  private closing: Promise<void> | null = null;

  constructor(private readonly owner: CodexMcpServer) {
    this.server = new Server(
      { name: 'codex-mcp-server', title: 'Codex', version: MCP_SERVER_VERSION },
      { capabilities: { tools: { listChanged: true } } },
    );
    this.streams = new ThreadStreams(this.server, owner.logger, (threadId) =>
      this.loadThread(threadId),
    );
    // A client can send garbage at will: one line per kind of problem per 10 s, with a count.
    const throttle = new LogThrottle(owner.logger);
    // A parse error's message may quote the input (a secret pasted by mistake): only its kind
    // is logged. Other errors (a response that could not be sent) are ours, logged as they are.
    this.server.onerror = (error) => {
      if (error.name === 'SyntaxError' || error.name === 'ZodError')
        throttle.warn(error.name, `bad input from the MCP client (${error.name}), skipped`);
      else throttle.warn(error.name, 'MCP connection error', error);
    };
    this.server.onclose = () => {
      void this.shutDown().catch((error: unknown) =>
        owner.logger.error('could not clean up after an MCP client left', error),
      );
    };
    this.server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: toolDefinitions().map((tool) => ({ ...tool })),
    }));
    // tools/call and codex/stream are routed here rather than through the SDK's schemas, so
    // that bad params get -32602 and a message naming the field (not a zod dump as -32603).
    this.server.fallbackRequestHandler = async (request, extra) => {
      switch (request.method) {
        case 'tools/call': {
          const parsed = parseArguments(CallToolParamsSchema, request.params ?? {});
          if (!parsed.success)
            throw RequestError.invalidParams(`Invalid tools/call params: ${parsed.problem}`);
          const { name, arguments: args } = parsed.data;
          return this.callTool(name, args, extra.requestId, extra.signal);
        }
        case STREAM_METHOD:
          return this.streams.handle(request.params);
        default:
          throw new RequestError(ErrorCode.MethodNotFound, `Method not found: ${request.method}`);
      }
    };
  }

  /** Runs `handler` once the client is gone. */
  onClose(handler: () => void): void {
    this.closeHandlers.push(handler);
  }

  /** Interrupts this client's running turns, stops its streams and disconnects it. */
  async close(): Promise<void> {
    await this.server.close();
    await this.shutDown();
  }

  /** Runs once; every caller waits for the same clean-up. */
  private shutDown(): Promise<void> {
    this.closing ??= this.cleanUp();
    return this.closing;
  }

  private async cleanUp(): Promise<void> {
    this.streams.closeAll();
    for (const { thread } of this.calls.values()) {
      try {
        thread.submit({ type: 'interrupt' });
      } catch (error) {
        this.owner.logger.warn(`could not interrupt thread ${thread.id}`, error);
      }
    }
    const calls = Promise.all([...this.calls.values()].map((call) => call.done));
    if (!(await settledWithin(calls, SHUTDOWN_WAIT_MS)))
      this.owner.logger.warn('running calls did not end in time; closing anyway');
    for (const handler of this.closeHandlers.splice(0)) handler();
  }

  private async callTool(
    name: string,
    args: unknown,
    requestId: RequestId,
    signal: AbortSignal,
  ): Promise<CodexToolResult | { content: Array<{ type: 'text'; text: string }>; isError: true }> {
    if (this.closing)
      throw new RequestError(ErrorCode.ConnectionClosed, 'The server is shutting down');
    if (this.calls.size >= MAX_CALLS_PER_CONNECTION) {
      return {
        content: [
          {
            type: 'text',
            text: `Too many calls at once: ${MAX_CALLS_PER_CONNECTION} are running; wait for one to finish.`,
          },
        ],
        isError: true,
      };
    }
    if (name !== CODEX_TOOL && name !== CODEX_REPLY_TOOL) {
      const known = `this server has '${CODEX_TOOL}' and '${CODEX_REPLY_TOOL}'`;
      return {
        content: [{ type: 'text', text: `Unknown tool '${name}'; ${known}` }],
        isError: true,
      };
    }
    const started = name === CODEX_TOOL ? await this.startThread(args) : await this.reply(args);
    if ('error' in started)
      return { content: [{ type: 'text', text: started.error }], isError: true };
    const { thread, prompt, isNew } = started;
    // A call cancelled a moment ago is still winding its turn down: wait for it (bounded).
    const previous = this.owner.runningOn(thread.id);
    if (previous?.signal.aborted) await settledWithin(previous.done, CANCELLED_CALL_WAIT_MS);
    const busyWith = this.owner.runningOn(thread.id);
    if (busyWith !== undefined || (!isNew && thread.session.busy)) {
      const by = busyWith === undefined ? '' : ` (request ${String(busyWith.requestId)})`;
      return toolResult(
        thread.id,
        `Thread ${thread.id} is already running a turn${by}; wait for it to finish or cancel it.`,
        true,
      );
    }
    let finished = () => {};
    const call: RunningCall = {
      requestId,
      thread,
      signal,
      done: new Promise<void>((resolve) => {
        finished = resolve;
      }),
    };
    this.owner.claim(thread.id, call);
    this.calls.set(requestId, call);
    try {
      return await runTurnCall(thread, prompt, this.turnContext(requestId, signal), {
        replay: isNew,
      });
    } finally {
      this.calls.delete(requestId);
      this.owner.release(thread.id, call);
      finished();
    }
  }

  private turnContext(requestId: RequestId, signal: AbortSignal): TurnCallContext {
    return {
      requestId,
      signal,
      canElicit: supportsFormElicitation(this.server.getClientCapabilities()?.elicitation),
      approvalTimeoutMs: this.owner.approvalTimeoutMs,
      logger: this.owner.logger,
      send: (notification) =>
        this.server.notification(notification, { relatedRequestId: requestId }),
      elicit: (params, options) =>
        this.server.request({ method: 'elicitation/create', params }, ApprovalAnswerSchema, {
          signal: options.signal,
          timeout: options.timeoutMs,
          relatedRequestId: requestId,
        }),
    };
  }

  /** `codex`: a new thread with the call's settings. */
  private async startThread(
    args: unknown,
  ): Promise<{ thread: Thread; prompt: string; isNew: true } | { error: string }> {
    const parsed = parseCodexArguments(args);
    if (!parsed.ok) return { error: parsed.message };
    const { host } = this.owner;
    try {
      const config = await host.threadConfig(threadConfigRequest(parsed.value));
      const thread = await host.threads().startThread({
        config,
        source: SESSION_SOURCE,
        userAgentSuffix: this.userAgentSuffix(),
      });
      return { thread, prompt: parsed.value.prompt, isNew: true };
    } catch (error) {
      this.owner.logger.warn('could not start a thread for a codex call', error);
      return { error: `Failed to start the Codex session: ${messageOf(error)}` };
    }
  }

  /** `codex-reply`: the thread, loaded or resumed from its rollout. */
  private async reply(
    args: unknown,
  ): Promise<{ thread: Thread; prompt: string; isNew: false } | { error: string }> {
    const parsed = parseReplyArguments(args);
    if (!parsed.ok) return { error: parsed.message };
    try {
      const thread = await this.loadThread(parsed.value.threadId);
      return { thread, prompt: parsed.value.prompt, isNew: false };
    } catch (error) {
      const { threadId } = parsed.value;
      if (error instanceof RolloutError && error.code === 'not_found')
        return { error: `Session not found for thread_id: ${threadId}` };
      this.owner.logger.warn(`codex-reply could not load thread ${threadId}`, error);
      return { error: `Failed to load thread ${threadId}: ${messageOf(error)}` };
    }
  }

  /** A loaded thread, or the stored one resumed (after a restart too). */
  private async loadThread(threadId: string): Promise<Thread> {
    const { host } = this.owner;
    const threads = host.threads();
    const loaded = threads.getThread(threadId);
    if (loaded) return loaded;
    const config = await host.threadConfig();
    return threads.resumeThread(
      { threadId },
      { config, source: SESSION_SOURCE, userAgentSuffix: this.userAgentSuffix() },
    );
  }

  /** `name; version` of the client, appended to the model requests' user agent. */
  private userAgentSuffix(): string | undefined {
    const client = this.server.getClientVersion();
    return client ? `${client.name}; ${client.version}` : undefined;
  }
}

/**
 * Whether a client's `elicitation` capability covers forms: `{}` (as before the spec had modes)
 * or `{form: …}`; a client that declared only `{url: …}` cannot show one.
 */
function supportsFormElicitation(capability: unknown): boolean {
  if (typeof capability !== 'object' || capability === null) return false;
  return 'form' in capability || !('url' in capability);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
