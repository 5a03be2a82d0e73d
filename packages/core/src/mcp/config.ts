import { ConfigError } from '../config/errors.js';

/** How an MCP server is reached. */
export type McpTransportConfig =
  | {
      /** A child process spoken to over its stdin and stdout. */
      readonly type: 'stdio';
      /** The program to run. */
      readonly command: string;
      /** Its arguments. */
      readonly args: readonly string[];
      /** Set in the server's environment. */
      readonly env: Readonly<Record<string, string>>;
      /** Copied from this process's environment when set. */
      readonly envVars: readonly string[];
      /** Default: the thread's working directory. */
      readonly cwd: string | null;
    }
  | {
      /** A server reached over MCP's streamable HTTP transport. */
      readonly type: 'streamable_http';
      /** The server's URL. */
      readonly url: string;
      /** The bearer token is read from this environment variable. */
      readonly bearerTokenEnvVar: string | null;
      /** Static headers sent with every request. */
      readonly httpHeaders: Readonly<Record<string, string>>;

      /** Header name → the environment variable holding its value. */
      readonly envHttpHeaders: Readonly<Record<string, string>>;
    };

/** One `[mcp_servers.<name>]` table, checked. */
export interface McpServerConfig {
  /** The server's name: the `<name>` of its table. */
  readonly name: string;
  /** How the server is reached. */
  readonly transport: McpTransportConfig;
  /** Whether threads start it. Default true. */
  readonly enabled: boolean;
  /** A thread does not start when a required server fails to. */
  readonly required: boolean;
  /** Starting and listing the tools. Default 10 s. */
  readonly startupTimeoutMs: number;
  /** One `tools/call`. Default 60 s. */
  readonly toolTimeoutMs: number;
  /** Only these raw tool names (null: all), then minus `disabledTools`. */
  readonly enabledTools: readonly string[] | null;
  /** Raw tool names never offered to the model. */
  readonly disabledTools: readonly string[];
  /** Whether calls need the user's approval: `auto` (by the approval policy), `prompt`, `approve`. */
  readonly defaultToolsApprovalMode: McpToolApprovalMode;
  /** `tools.<tool>.approval_mode`, by raw tool name. */
  readonly toolApprovalModes: Readonly<Record<string, McpToolApprovalMode>>;
}

/** Whether a tool's calls need the user's approval. */
export type McpToolApprovalMode = 'auto' | 'prompt' | 'approve';
const APPROVAL_MODES: readonly string[] = ['auto', 'prompt', 'approve'];

export const DEFAULT_MCP_STARTUP_TIMEOUT_MS = 10_000;
export const DEFAULT_MCP_TOOL_TIMEOUT_MS = 60_000;

const STDIO_ONLY = ['args', 'env', 'env_vars', 'cwd'] as const;
const HTTP_ONLY = [
  'bearer_token_env_var',
  'bearer_token',
  'http_headers',
  'env_http_headers',
  'oauth',
  'oauth_resource',
] as const;

type Table = Readonly<Record<string, unknown>>;
const isTable = (value: unknown): value is Table =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The `mcp_servers` tables of a config, checked as the released original checks them (its
 * messages, with `in \`mcp_servers.<name>\``): `command` makes a stdio server and `url` a
 * streamable HTTP one; a key of the other transport is refused; unknown keys are ignored.
 * Values are never quoted back.
 */
export function parseMcpServers(raw: unknown): McpServerConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!isTable(raw)) throw invalid('mcp_servers', 'invalid type: expected a table');
  return Object.entries(raw).map(([name, table]) => parseServer(name, table));
}

function parseServer(name: string, table: unknown): McpServerConfig {
  const where = `mcp_servers.${name}`;
  if (!isTable(table)) throw invalid(where, 'invalid type: expected a table');
  const read = new Reader(table, where);
  let transport: McpTransportConfig;
  if (table.command !== undefined) {
    for (const key of ['url', ...HTTP_ONLY])
      if (table[key] !== undefined) throw invalid(where, `${key} is not supported for stdio`);
    transport = {
      type: 'stdio',
      command: read.string('command') ?? '',
      args: read.strings('args') ?? [],
      env: read.stringTable('env') ?? {},
      envVars: read.envVars(),
      cwd: read.string('cwd') ?? null,
    };
  } else if (table.url !== undefined) {
    for (const key of STDIO_ONLY)
      if (table[key] !== undefined)
        throw invalid(where, `${key} is not supported for streamable_http`);
    if (table.bearer_token !== undefined)
      throw invalid(where, 'bearer_token is not supported for streamable_http');
    transport = {
      type: 'streamable_http',
      url: read.string('url') ?? '',
      bearerTokenEnvVar: read.string('bearer_token_env_var') ?? null,
      httpHeaders: read.stringTable('http_headers') ?? {},
      envHttpHeaders: read.stringTable('env_http_headers') ?? {},
    };
  } else {
    throw invalid(where, 'invalid transport');
  }
  return {
    name,
    transport,
    enabled: read.boolean('enabled') ?? true,
    required: read.boolean('required') ?? false,
    startupTimeoutMs:
      read.seconds('startup_timeout_sec') ??
      read.milliseconds('startup_timeout_ms') ??
      DEFAULT_MCP_STARTUP_TIMEOUT_MS,
    toolTimeoutMs: read.seconds('tool_timeout_sec') ?? DEFAULT_MCP_TOOL_TIMEOUT_MS,
    enabledTools: read.strings('enabled_tools') ?? null,
    disabledTools: read.strings('disabled_tools') ?? [],
    defaultToolsApprovalMode: read.approvalMode('default_tools_approval_mode') ?? 'auto',
    toolApprovalModes: toolApprovalModes(table.tools, `${where}.tools`),
  };
}

function toolApprovalModes(raw: unknown, where: string): Record<string, McpToolApprovalMode> {
  if (raw === undefined) return {};
  if (!isTable(raw)) throw invalid(where, 'invalid type: expected a table');
  const modes: Record<string, McpToolApprovalMode> = {};
  for (const [tool, table] of Object.entries(raw)) {
    if (!isTable(table)) throw invalid(`${where}.${tool}`, 'invalid type: expected a table');
    const mode = new Reader(table, `${where}.${tool}`).approvalMode('approval_mode');
    if (mode) modes[tool] = mode;
  }
  return modes;
}

function invalid(where: string, message: string): ConfigError {
  return new ConfigError('invalid_value', `${message} in \`${where}\``, { keyPath: where });
}

/** Typed reads of one table's keys; a wrong type names the key and what it expected. */
class Reader {
  constructor(
    private readonly table: Table,
    private readonly where: string,
  ) {}

  private wrong(key: string, expected: string): ConfigError {
    const value = this.table[key];
    const kind = Array.isArray(value)
      ? 'a sequence'
      : value === null
        ? 'null'
        : `a ${typeof value}`;
    return invalid(`${this.where}.${key}`, `invalid type: ${kind}, expected ${expected}`);
  }

  string(key: string): string | undefined {
    const value = this.table[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw this.wrong(key, 'a string');
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.table[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw this.wrong(key, 'a boolean');
    return value;
  }

  strings(key: string): string[] | undefined {
    const value = this.table[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
      throw this.wrong(key, 'a sequence of strings');
    return value;
  }

  stringTable(key: string): Record<string, string> | undefined {
    const value = this.table[key];
    if (value === undefined) return undefined;
    if (!isTable(value) || !Object.values(value).every((item) => typeof item === 'string'))
      throw this.wrong(key, 'a table of strings');
    return value as Record<string, string>;
  }

  approvalMode(key: string): McpToolApprovalMode | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (!APPROVAL_MODES.includes(value))
      throw invalid(
        `${this.where}.${key}`,
        'unknown variant, expected one of `auto`, `prompt`, `approve`',
      );
    return value as McpToolApprovalMode;
  }

  envVars(): string[] {
    const value = this.table.env_vars;
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw this.wrong('env_vars', 'a sequence');
    return value.map((entry) => {
      if (typeof entry === 'string') return entry;
      if (isTable(entry) && typeof entry.name === 'string') {
        const source = entry.source ?? 'local';
        if (source !== 'local' && source !== 'remote')
          throw invalid(
            `${this.where}.env_vars`,
            'unsupported env_vars source; expected `local` or `remote`',
          );
        return entry.name;
      }
      throw this.wrong('env_vars', 'a name or {name, source}');
    });
  }

  seconds(key: string): number | undefined {
    const value = this.table[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || Number.isNaN(value)) throw this.wrong(key, 'f64');
    if (value < 0)
      throw invalid(
        `${this.where}.${key}`,
        'cannot convert float seconds to Duration: value is negative',
      );
    return Math.round(value * 1000);
  }

  milliseconds(key: string): number | undefined {
    const value = this.table[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
      throw this.wrong(key, 'u64');
    return value;
  }
}
