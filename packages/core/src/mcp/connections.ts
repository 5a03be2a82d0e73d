import { type ChildProcess, spawn } from 'node:child_process';
import { CodexError, defaultLogger, type Logger, settledWithin } from '@codex/common';
import { orphanGuard } from '@codex/exec-server/client';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type {
  CallToolResult,
  ElicitRequest,
  ElicitResult,
  Implementation,
  JSONRPCMessage,
  ServerCapabilities,
  Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig } from './config.js';

/** Where one server is in its life. */
export type McpServerState = 'starting' | 'ready' | 'failed' | 'disabled';

/** One configured server as a thread sees it. */
export interface McpServerStatus {
  /** The server's name in config.toml. */
  readonly name: string;
  /** Where it is in its life. */
  readonly state: McpServerState;
  /** Why it failed (the original's words). */
  readonly error: string | null;
  /** Its tools (after `enabled_tools` / `disabled_tools`), once ready. */
  readonly tools: readonly Tool[];
  /** What the server said it is in `initialize`, once ready. */
  readonly serverInfo: Implementation | null;
  /** The capabilities it announced, once ready. */
  readonly capabilities: ServerCapabilities | null;
  /** Its `instructions` (how to use its tools), once ready. */
  readonly instructions: string | null;
  /** Its configuration. */
  readonly config: McpServerConfig;
}

/** A question a server asks the user (`elicitation/create`), as the SDK parsed it. */
export type McpElicitation = ElicitRequest['params'];
/** The user's answer to an {@link McpElicitation}. */
export type McpElicitationAnswer = ElicitResult;

/** Why an MCP tool call ended without a result. */
export type McpCallErrorCode =
  /** No configured server has that name. */
  | 'unknown_server'
  /** The server did not start, failed, or has been stopped. */
  | 'not_running'
  /** No answer within the server's `tool_timeout_sec`. */
  | 'timeout'
  /** The connection to the server closed during the call. */
  | 'closed'
  /** The server answered with an error. */
  | 'server_error';

/** A call that ended without a result: the message is the reason, as the model is told it. */
export class McpCallError extends CodexError<McpCallErrorCode> {
  static override readonly brand = 'codex.core.McpCallError';
}

/** Options of {@link McpConnections.start}. */
export interface McpConnectionsOptions {
  /** Where stdio servers run unless their config says. */
  readonly cwd: string;
  /** What `env_vars` and header variables are read from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logger?: Logger;
  /** Reported to servers in `initialize`. */
  readonly clientVersion?: string;
  /** Told of every state change. */
  readonly onStatus?: (status: McpServerStatus) => void;
  /**
   * Answers a server's `elicitation/create` (default: declined). Aborted when the server
   * cancels the request or goes away.
   */
  /**
   * The longest message (one line of JSON) a stdio server may send; a longer one ends the
   * connection. Default 64 Mi characters.
   */
  readonly maxMessageChars?: number;
  readonly onElicitation?: (
    server: string,
    request: McpElicitation,
    signal: AbortSignal,
  ) => Promise<McpElicitationAnswer>;
}

/** The longest message a stdio server may send (a line of JSON). */
const DEFAULT_MAX_MESSAGE_CHARS = 64 * 1024 * 1024;

/** Variables a stdio server inherits (the rest of this process's environment stays here). */
const INHERITED = ['HOME', 'LANG', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'TMPDIR', 'USER'];

interface Connection {
  status: McpServerStatus;
  client: Client | null;
  readonly config: McpServerConfig;
}

/**
 * A thread's MCP servers: all started at once, each with its startup timeout; one failing or
 * dying never affects the others or the thread (its status says why, and calls to it fail with
 * a clear error). {@link close} ends every server and whatever it started: stdio servers run in
 * a process group of their own, which is killed, and which dies with this process if it is
 * killed first.
 */
export class McpConnections {
  private readonly connections = new Map<string, Connection>();
  private readonly started: Promise<void>;
  private readonly logger: Logger;
  private closed = false;

  private constructor(
    servers: readonly McpServerConfig[],
    private readonly options: McpConnectionsOptions,
  ) {
    this.logger = options.logger ?? defaultLogger;
    for (const config of servers) {
      const state = config.enabled ? 'starting' : 'disabled';
      this.connections.set(config.name, {
        config,
        client: null,
        status: {
          name: config.name,
          state,
          error: null,
          tools: [],
          serverInfo: null,
          capabilities: null,
          instructions: null,
          config,
        },
      });
    }
    this.started = Promise.all(
      [...this.connections.values()]
        .filter((connection) => connection.config.enabled)
        .map((connection) => this.connect(connection)),
    ).then(() => undefined);
  }

  /** Starts every enabled server; see {@link ready}. */
  static start(
    servers: readonly McpServerConfig[],
    options: McpConnectionsOptions,
  ): McpConnections {
    return new McpConnections(servers, options);
  }

  /** Settles once every server is ready or failed. Never rejects. */
  ready(): Promise<void> {
    return this.started;
  }

  /** Every configured server, by name. */
  statuses(): McpServerStatus[] {
    return [...this.connections.values()]
      .map((connection) => connection.status)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Calls `tool` on `server` within the server's tool timeout; rejects with an
   * {@link McpCallError} whose message is the cause the model is told.
   */
  async call(
    server: string,
    tool: string,
    args: Record<string, unknown> | undefined,
    signal?: AbortSignal,
    meta?: Record<string, unknown>,
  ): Promise<CallToolResult> {
    const connection = this.connections.get(server);
    const client = connection?.client;
    if (!connection)
      throw new McpCallError('unknown_server', `no MCP server is named \`${server}\``);
    if (!client || connection.status.state !== 'ready') {
      const why = connection?.status.error ?? `MCP server \`${server}\` is not running`;
      throw new McpCallError('not_running', why);
    }
    const timeoutMs = connection.config.toolTimeoutMs;
    try {
      const params = { name: tool, arguments: args, ...(meta ? { _meta: meta } : {}) };
      return (await client.callTool(params, undefined, {
        timeout: timeoutMs,
        signal,
      })) as CallToolResult;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === -32001)
        throw new McpCallError(
          'timeout',
          `timed out awaiting tools/call after ${timeoutMs / 1000}s`,
        );
      if (code === -32000 || (error instanceof Error && /closed/i.test(error.message)))
        throw new McpCallError('closed', 'Transport closed');
      const message =
        error instanceof Error ? error.message.replace(/^MCP error /, '') : String(error);
      throw new McpCallError('server_error', `Mcp error: ${message}`);
    }
  }

  /** Ends every server (and what it started). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.connections.values()].map(async (connection) => {
        const client = connection.client;
        connection.client = null;
        await client?.close().catch((error: unknown) => {
          this.logger.debug(`closing MCP server ${connection.config.name}`, error);
        });
      }),
    );
  }

  private update(connection: Connection, status: Partial<McpServerStatus>): void {
    connection.status = { ...connection.status, ...status };
    this.options.onStatus?.(connection.status);
  }

  private async connect(connection: Connection): Promise<void> {
    const { config } = connection;
    this.update(connection, { state: 'starting' });
    const [{ Client }, { ElicitRequestSchema }, transport] = await Promise.all([
      import('@modelcontextprotocol/sdk/client/index.js'),
      import('@modelcontextprotocol/sdk/types.js'),
      this.transportFor(config),
    ]);
    const client = new Client(
      { name: 'codex-mcp-client', title: 'Codex', version: this.options.clientVersion ?? '0.0.0' },
      { capabilities: { elicitation: { form: {}, url: {} } } },
    );
    client.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
      const ask = this.options.onElicitation;
      if (!ask) return { action: 'decline' };
      return ask(config.name, request.params, extra.signal);
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), config.startupTimeoutMs);
    });
    const handshake = (async () => {
      await client.connect(transport);
      const listed = await client.listTools();
      return listed.tools;
    })();
    try {
      const outcome = await Promise.race([handshake, timedOut]);
      if (outcome === 'timeout') {
        handshake.catch(() => {});
        throw new Error(
          `MCP client for \`${config.name}\` timed out after ${config.startupTimeoutMs / 1000} seconds. Add or adjust \`startup_timeout_sec\` in your config.toml:\n[mcp_servers.${config.name}]\nstartup_timeout_sec = XX`,
        );
      }
      if (this.closed) throw new Error('closed while starting');
      connection.client = client;
      client.onclose = () => {
        if (connection.client !== client) return;
        connection.client = null;
        this.update(connection, { state: 'failed', error: 'Transport closed' });
      };
      this.update(connection, {
        state: 'ready',
        tools: outcome.filter((tool) => allowed(config, tool.name)),
        serverInfo: client.getServerVersion() ?? null,
        capabilities: client.getServerCapabilities() ?? null,
        instructions: client.getInstructions() ?? null,
      });
    } catch (error) {
      await client.close().catch(() => {});
      const reason = osErrorText(error) ?? (error instanceof Error ? error.message : String(error));
      const message = reason.startsWith('MCP client for')
        ? reason
        : `MCP client for \`${config.name}\` failed to start: MCP startup failed: ${reason}`;
      this.logger.warn(message);
      this.update(connection, { state: 'failed', error: message });
    } finally {
      clearTimeout(timer);
    }
  }

  private async transportFor(config: McpServerConfig): Promise<Transport> {
    const env = this.options.env ?? process.env;
    const transport = config.transport;
    if (transport.type === 'stdio') {
      const childEnv: Record<string, string> = {};
      for (const key of [...INHERITED, ...transport.envVars]) {
        const value = env[key];
        if (value !== undefined) childEnv[key] = value;
      }
      Object.assign(childEnv, transport.env);
      return new GroupStdioTransport(
        transport.command,
        transport.args,
        childEnv,
        transport.cwd ?? this.options.cwd,
        this.logger,
        this.options.maxMessageChars ?? DEFAULT_MAX_MESSAGE_CHARS,
      );
    }
    const { StreamableHTTPClientTransport } = await import(
      '@modelcontextprotocol/sdk/client/streamableHttp.js'
    );
    const headers: Record<string, string> = { ...transport.httpHeaders };
    for (const [header, variable] of Object.entries(transport.envHttpHeaders)) {
      const value = env[variable];
      if (value !== undefined) headers[header] = value;
    }
    if (transport.bearerTokenEnvVar) {
      const token = env[transport.bearerTokenEnvVar];
      if (token === undefined)
        throw new Error(`environment variable ${transport.bearerTokenEnvVar} is not set`);
      headers.Authorization = `Bearer ${token}`;
    }
    return new StreamableHTTPClientTransport(new URL(transport.url), { requestInit: { headers } });
  }
}

/** How the original words the spawn failures users hit most (Rust's `io::Error` text). */
function osErrorText(error: unknown): string | null {
  switch ((error as { code?: unknown } | null)?.code) {
    case 'ENOENT':
      return 'No such file or directory (os error 2)';
    case 'EACCES':
      return 'Permission denied (os error 13)';
    default:
      return null;
  }
}

function allowed(config: McpServerConfig, tool: string): boolean {
  if (config.enabledTools && !config.enabledTools.includes(tool)) return false;
  return !config.disabledTools.includes(tool);
}

/**
 * MCP over a child's stdin/stdout, the child leading a process group of its own (so that what
 * it starts — `npx` and the server it runs — is ended with it) and guarded against outliving
 * this process.
 */
class GroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private child: ChildProcess | null = null;
  /** The pieces of the line still unfinished (joined once, when its newline comes). */
  private partial: string[] = [];
  private partialChars = 0;
  /** Set once a message was too long: the rest of the output is ignored until the end. */
  private overflowed = false;

  constructor(
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly env: Record<string, string>,
    private readonly cwd: string,
    private readonly logger: Logger,
    private readonly maxMessageChars: number,
  ) {}

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      orphanGuard(this.logger).prepare();
      const child = spawn(this.command, [...this.args], {
        env: this.env,
        cwd: this.cwd,
        detached: true,
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      this.child = child;
      if (child.pid !== undefined) orphanGuard(this.logger).track(child.pid);
      child.once('error', (error) => {
        reject(error);
        this.onerror?.(error);
      });
      child.once('spawn', () => resolve());
      child.once('close', () => {
        if (child.pid !== undefined) orphanGuard().release(child.pid);
        this.child = null;
        this.onclose?.();
      });
      child.stdin?.on('error', (error) => this.onerror?.(error));
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => this.receive(chunk));
    });
  }

  /** Splits what the server wrote into lines: each chunk is scanned once, whatever its line. */
  private receive(chunk: string): void {
    if (this.overflowed) return;
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline >= 0; newline = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, newline);
      const line = this.partial.length > 0 ? this.partial.join('') + piece : piece;
      this.partial = [];
      this.partialChars = 0;
      start = newline + 1;
      this.deliver(line.replace(/\r$/, ''));
    }
    if (start === chunk.length) return;
    const rest = start === 0 ? chunk : chunk.slice(start);
    this.partial.push(rest);
    this.partialChars += rest.length;
    if (this.partialChars > this.maxMessageChars) {
      this.overflowed = true;
      this.partial = [];
      this.partialChars = 0;
      this.onerror?.(
        new Error(`a message from the MCP server is over ${this.maxMessageChars} characters`),
      );
      this.close().catch((error: unknown) => this.logger.debug('closing an MCP server', error));
    }
  }

  private deliver(line: string): void {
    if (line.trim() === '') return;
    try {
      this.onmessage?.(JSON.parse(line) as JSONRPCMessage);
    } catch (error) {
      this.onerror?.(error as Error);
    }
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin) return reject(new Error('Not connected'));
      if (stdin.write(`${JSON.stringify(message)}\n`)) resolve();
      else stdin.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined) return;
    child.stdin?.end();
    const pid = child.pid;
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pid, signal);
      } catch {
        // Gone already.
      }
    };
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), 2_000);
    // Bounded: a descendant that left the group can hold the pipes open.
    await settledWithin(exited, 5_000);
    clearTimeout(timer);
    // What the server left running in its group goes too.
    signalGroup('SIGKILL');
  }
}

/**
 * The MCP servers of a config as a fresh start finds them: each is started (stdio servers in
 * the config's cwd unless their own), listed once every one is ready or failed, and stopped.
 */
export async function listMcpServers(
  config: { readonly mcpServers: readonly McpServerConfig[]; readonly cwd: string },
  options: Omit<McpConnectionsOptions, 'cwd' | 'onStatus'> = {},
): Promise<McpServerStatus[]> {
  const connections = McpConnections.start(config.mcpServers, { ...options, cwd: config.cwd });
  try {
    await connections.ready();
    return connections.statuses();
  } finally {
    await connections.close();
  }
}
