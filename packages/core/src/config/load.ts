import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { AuthCredentialsStoreMode } from '@codex/auth';
import {
  builtInModelProviders,
  type ModelProviderInfo,
  OPENAI_PROVIDER_ID,
  type WireApi,
} from '../providers.js';
import { ConfigError } from './errors.js';
import type {
  ApprovalPolicy,
  ConfigToml,
  ForcedLoginMethod,
  ModelProviderToml,
  ReasoningEffort,
  ReasoningSummary,
  SandboxMode,
  ShellEnvironmentInherit,
  Verbosity,
} from './schema.js';
import {
  formatKeyPath,
  isPlainObject,
  parseTomlDocument,
  parseTomlValue,
  type SourceSpan,
  type TomlDocument,
  TomlSyntaxError,
} from './toml.js';
import { checkLayer, type ValueProblem } from './validate.js';

export const DEFAULT_MODEL = 'gpt-5.1-codex';
export const DEFAULT_PROJECT_DOC_MAX_BYTES = 32 * 1024;
export const DEFAULT_CHATGPT_BASE_URL = 'https://chatgpt.com/backend-api/';
export const CONFIG_TOML_FILE = 'config.toml';

/** `sandbox_workspace_write`, resolved. */
export interface SandboxWorkspaceWrite {
  readonly writableRoots: readonly string[];
  readonly networkAccess: boolean;
  readonly excludeTmpdirEnvVar: boolean;
  readonly excludeSlashTmp: boolean;
}

/** `shell_environment_policy`, resolved. */
export interface ShellEnvironmentPolicy {
  readonly inherit: ShellEnvironmentInherit;
  readonly exclude: readonly string[];
  readonly set: Readonly<Record<string, string>>;
  readonly includeOnly: readonly string[];
  readonly ignoreDefaultExcludes: boolean;
  readonly useProfile: boolean;
}

/** The effective configuration: every layer applied, every default filled in. Frozen. */
export interface Config {
  readonly codexHome: string;
  /** `$CODEX_HOME/config.toml` (it need not exist). */
  readonly configFile: string;
  readonly cwd: string;
  readonly model: string;
  readonly modelProviderId: string;
  readonly modelProvider: ModelProviderInfo;
  /** Built-in providers with the user's `model_providers` merged over them. */
  readonly modelProviders: Readonly<Record<string, ModelProviderInfo>>;
  /** The selected profile, if any. */
  readonly profile: string | null;
  readonly approvalPolicy: ApprovalPolicy;
  readonly sandboxMode: SandboxMode;
  readonly sandboxWorkspaceWrite: SandboxWorkspaceWrite;
  readonly modelReasoningEffort: ReasoningEffort | null;
  readonly modelReasoningSummary: ReasoningSummary;
  readonly modelVerbosity: Verbosity | null;
  readonly baseInstructions: string | null;
  readonly developerInstructions: string | null;
  readonly shellEnvironmentPolicy: ShellEnvironmentPolicy;
  readonly cliAuthCredentialsStore: AuthCredentialsStoreMode;
  readonly forcedLoginMethod: ForcedLoginMethod | null;
  readonly forcedChatgptWorkspaceId: string | null;
  readonly projectDocMaxBytes: number;
  readonly chatgptBaseUrl: string;
  /** The merged TOML (snake_case), as `config/read` reports it. */
  readonly toml: Readonly<ConfigToml>;
}

/** Typed overrides from API callers; they win over everything else. */
export interface ConfigOverrides {
  readonly model?: string;
  readonly modelProvider?: string;
  readonly profile?: string;
  readonly cwd?: string;
  readonly approvalPolicy?: ApprovalPolicy;
  readonly sandboxMode?: SandboxMode;
  readonly baseInstructions?: string;
  readonly developerInstructions?: string;
  readonly modelReasoningEffort?: ReasoningEffort;
  readonly modelReasoningSummary?: ReasoningSummary;
  readonly modelVerbosity?: Verbosity;
  /** Raw snake_case settings (e.g. a `thread/start` `config` map), applied last. */
  readonly config?: Readonly<Record<string, unknown>>;
}

/** Where a layer came from, shaped as app-server v2 `ConfigLayerSource`. */
export type ConfigLayerSource =
  | { readonly type: 'user'; readonly file: string; readonly profile: string | null }
  | { readonly type: 'sessionFlags' };

/** One layer and what it set. */
export interface ConfigLayer {
  readonly name: ConfigLayerSource;
  /** `sha256:<hex>` of the layer's content. */
  readonly version: string;
  readonly config: Readonly<Record<string, unknown>>;
}

/** Layer identity, for `origins`. */
export interface ConfigLayerMetadata {
  readonly name: ConfigLayerSource;
  readonly version: string;
}

/** A problem that does not stop loading; shaped as `configWarning` notification params. */
export interface ConfigWarning {
  readonly summary: string;
  readonly details?: string;
  readonly path?: string;
  readonly range?: SourceSpan;
}

/** What {@link loadConfig} returns. */
export interface LoadedConfig {
  readonly config: Config;
  /** Lowest precedence first. */
  readonly layers: readonly ConfigLayer[];
  /** Dotted key path of every effective leaf value → the layer that set it. */
  readonly origins: Readonly<Record<string, ConfigLayerMetadata>>;
  readonly warnings: readonly ConfigWarning[];
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Default: `$CODEX_HOME`, else `~/.codex`. */
  readonly codexHome?: string;
  /** `-c key.path=value` strings, in order; the value is TOML, else a literal string. */
  readonly cliOverrides?: readonly string[];
  readonly overrides?: ConfigOverrides;
  /** Fail on unknown keys instead of warning. */
  readonly strict?: boolean;
  /** Environment for `CODEX_HOME` and provider variables. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** `$CODEX_HOME` when set (made absolute), else `~/.codex`. */
export function findCodexHome(env: Readonly<Record<string, string | undefined>> = process.env) {
  const fromEnv = env.CODEX_HOME;
  if (fromEnv !== undefined && fromEnv.trim().length > 0) return resolve(fromEnv);
  return join(homedir(), '.codex');
}

/** `sha256:<hex>` of `content`: the version of a layer or file. */
export function contentVersion(content: string): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/** Splits a dotted key path; segments may be quoted (`projects."/a.b".trust_level`). */
export function splitKeyPath(keyPath: string): string[] {
  const trimmed = keyPath.trim();
  if (trimmed.length === 0) throw new TypeError('the key path is empty');
  try {
    const value = parseTomlDocument(`${trimmed} = 0\n`).value;
    const path: string[] = [];
    let node: unknown = value;
    while (isPlainObject(node)) {
      const keys = Object.keys(node);
      if (keys.length !== 1) break;
      const key = keys[0] as string;
      path.push(key);
      node = node[key];
    }
    return path;
  } catch (cause) {
    throw new TypeError(`\`${keyPath}\` is not a valid key path`, { cause });
  }
}

/** Parses one `-c key.path=value` override. */
export function parseCliOverride(text: string): [string[], unknown] {
  const equals = text.indexOf('=');
  if (equals <= 0)
    throw new ConfigError(
      'invalid_override',
      `invalid -c override \`${text}\`: expected key=value`,
    );
  let path: string[];
  try {
    path = splitKeyPath(text.slice(0, equals));
  } catch (error) {
    throw new ConfigError(
      'invalid_override',
      `invalid -c override \`${text}\`: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const raw = text.slice(equals + 1).trim();
  let value: unknown;
  try {
    value = parseTomlValue(raw);
  } catch {
    value = raw; // not TOML: a literal string, as the original CLI does
  }
  return [path, value];
}

/** Sets `value` at `path` inside `target`, creating tables on the way. */
export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown) {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!isPlainObject(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/** Recursive merge: tables merge key by key; anything else in `over` replaces. */
export function deepMerge(
  base: Readonly<Record<string, unknown>>,
  over: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = result[key];
    result[key] =
      isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return result;
}

const typedOverrideKeys: ReadonlyArray<[keyof ConfigOverrides, string]> = [
  ['model', 'model'],
  ['modelProvider', 'model_provider'],
  ['profile', 'profile'],
  ['approvalPolicy', 'approval_policy'],
  ['sandboxMode', 'sandbox_mode'],
  ['baseInstructions', 'base_instructions'],
  ['developerInstructions', 'developer_instructions'],
  ['modelReasoningEffort', 'model_reasoning_effort'],
  ['modelReasoningSummary', 'model_reasoning_summary'],
  ['modelVerbosity', 'model_verbosity'],
];

function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (!isPlainObject(value)) return prefix.length > 0 ? [prefix] : [];
  const entries = Object.entries(value);
  if (entries.length === 0) return prefix.length > 0 ? [prefix] : [];
  return entries.flatMap(([key, item]) => leafPaths(item, [...prefix, key]));
}

function invalidValues(
  problems: readonly ValueProblem[],
  where: (path: readonly string[]) => { label: string; line?: number },
  file?: string,
): ConfigError {
  const first = problems[0] as ValueProblem;
  const text = problems
    .map(
      (problem) =>
        `${where(problem.path).label}: invalid value for \`${formatKeyPath(problem.path)}\`: ${problem.message}`,
    )
    .join('\n');
  return new ConfigError('invalid_value', text, {
    file,
    line: where(first.path).line,
    keyPath: formatKeyPath(first.path),
  });
}

/**
 * Loads config.toml and applies, lowest first: defaults, config.toml, the selected profile,
 * `-c` overrides, then typed overrides. Unknown keys become warnings (errors when `strict`);
 * invalid values fail with the key, file, line and allowed values.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const codexHome = resolve(options.codexHome ?? findCodexHome(env));
  const configFile = join(codexHome, CONFIG_TOML_FILE);
  const warnings: ConfigWarning[] = [];

  // 1. The user's file.
  let text = '';
  try {
    text = await readFile(configFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new ConfigError('io', `cannot read ${configFile}: ${(error as Error).message}`, {
        file: configFile,
        cause: error,
      });
  }
  const document = parseConfigText(text, configFile);
  const fileCheck = checkLayer(document.value);
  const lineOf = (path: readonly string[]) => document.locate(path)?.span.start.line;
  if (fileCheck.problems.length > 0)
    throw invalidValues(
      fileCheck.problems,
      (path) => {
        const line = lineOf(path) ?? 1;
        return { label: `${configFile}:${line}`, line };
      },
      configFile,
    );
  const byLine = [...fileCheck.unknownKeys].sort((a, b) => (lineOf(a) ?? 0) - (lineOf(b) ?? 0));
  for (const path of byLine) {
    const location = document.locate(path);
    const key = formatKeyPath(path);
    if (options.strict)
      throw new ConfigError(
        'unknown_key',
        `${configFile}:${location?.span.start.line ?? 1}: unknown key \`${key}\``,
        { file: configFile, line: location?.span.start.line, keyPath: key },
      );
    warnings.push({
      summary: `Unknown key \`${key}\` in config.toml is ignored`,
      details: `${configFile}:${location?.span.start.line ?? 1}: \`${key}\` is not a setting this version knows; check the spelling`,
      path: configFile,
      ...(location ? { range: location.span } : {}),
    });
  }

  // 2. Session flags: -c overrides, then typed overrides.
  const session: Record<string, unknown> = {};
  for (const override of options.cliOverrides ?? []) {
    const [path, value] = parseCliOverride(override);
    setPath(session, path, value);
  }
  const typed = options.overrides ?? {};
  for (const [field, key] of typedOverrideKeys) {
    const value = typed[field];
    if (value !== undefined) session[key] = value;
  }
  const sessionFlags = deepMerge(session, (typed.config ?? {}) as Record<string, unknown>);
  const sessionCheck = checkLayer(sessionFlags);
  if (sessionCheck.problems.length > 0)
    throw invalidValues(sessionCheck.problems, () => ({ label: 'override' }));
  for (const path of sessionCheck.unknownKeys) {
    const key = formatKeyPath(path);
    if (options.strict)
      throw new ConfigError('unknown_key', `override: unknown key \`${key}\``, { keyPath: key });
    warnings.push({ summary: `Unknown key \`${key}\` in overrides is ignored` });
  }

  // 3. The selected profile.
  const fileValue = fileCheck.value;
  const profileName = sessionCheck.value.profile ?? fileValue.profile ?? null;
  let profileValue: Record<string, unknown> = {};
  if (profileName !== null) {
    const found = fileValue.profiles?.[profileName];
    if (!found)
      throw new ConfigError(
        'profile_not_found',
        `config profile \`${profileName}\` not found in ${configFile}`,
        { file: configFile, keyPath: `profiles.${formatKeyPath([profileName])}` },
      );
    profileValue = found;
  }

  const fileVersion = contentVersion(text);
  const layers: ConfigLayer[] = [
    {
      name: { type: 'user', file: configFile, profile: null },
      version: fileVersion,
      config: fileValue,
    },
  ];
  if (profileName !== null)
    layers.push({
      name: { type: 'user', file: configFile, profile: profileName },
      version: fileVersion,
      config: profileValue,
    });
  layers.push({
    name: { type: 'sessionFlags' },
    version: contentVersion(JSON.stringify(sessionCheck.value)),
    config: sessionCheck.value,
  });

  let merged: Record<string, unknown> = {};
  const origins: Record<string, ConfigLayerMetadata> = {};
  for (const layer of layers) {
    merged = deepMerge(merged, layer.config);
    for (const path of leafPaths(layer.config))
      origins[path.join('.')] = { name: layer.name, version: layer.version };
  }
  const config = resolveConfig(merged as ConfigToml, {
    codexHome,
    configFile,
    cwd: typed.cwd,
    profile: profileName,
    env,
  });
  return deepFreeze({ config, layers, origins, warnings });
}

/** Parses config.toml text; syntax errors name the file, line and column. */
export function parseConfigText(text: string, file: string): TomlDocument {
  try {
    return parseTomlDocument(text);
  } catch (error) {
    if (error instanceof TomlSyntaxError)
      throw new ConfigError(
        'syntax',
        `${file}:${error.line}:${error.column}: invalid TOML: ${error.message}`,
        { file, line: error.line, cause: error },
      );
    throw error;
  }
}

function toProviderInfo(
  id: string,
  entry: ModelProviderToml,
  base: ModelProviderInfo | undefined,
): ModelProviderInfo {
  const name = entry.name ?? base?.name;
  if (name === undefined)
    throw new ConfigError(
      'invalid_value',
      `model provider \`${id}\` needs a \`name\` (model_providers.${formatKeyPath([id])}.name)`,
      { keyPath: `model_providers.${formatKeyPath([id])}.name` },
    );
  const pick = <T>(value: T | undefined, fallback: T | undefined) => value ?? fallback;
  const info: Record<string, unknown> = {
    name,
    baseUrl: pick(entry.base_url, base?.baseUrl),
    envKey: pick(entry.env_key, base?.envKey),
    envKeyInstructions: pick(entry.env_key_instructions, base?.envKeyInstructions),
    experimentalBearerToken: pick(entry.experimental_bearer_token, base?.experimentalBearerToken),
    wireApi: (entry.wire_api ?? base?.wireApi ?? 'responses') satisfies WireApi,
    queryParams: pick(entry.query_params, base?.queryParams),
    httpHeaders: pick(entry.http_headers, base?.httpHeaders),
    envHttpHeaders: pick(entry.env_http_headers, base?.envHttpHeaders),
    requestMaxRetries: pick(entry.request_max_retries, base?.requestMaxRetries),
    streamMaxRetries: pick(entry.stream_max_retries, base?.streamMaxRetries),
    streamIdleTimeoutMs: pick(entry.stream_idle_timeout_ms, base?.streamIdleTimeoutMs),
    websocketConnectTimeoutMs: pick(
      entry.websocket_connect_timeout_ms,
      base?.websocketConnectTimeoutMs,
    ),
    requiresOpenaiAuth: entry.requires_openai_auth ?? base?.requiresOpenaiAuth ?? false,
    supportsWebsockets: entry.supports_websockets ?? base?.supportsWebsockets ?? false,
  };
  for (const key of Object.keys(info)) if (info[key] === undefined) delete info[key];
  return info as unknown as ModelProviderInfo;
}

function resolveConfig(
  toml: ConfigToml,
  context: {
    codexHome: string;
    configFile: string;
    cwd: string | undefined;
    profile: string | null;
    env: Readonly<Record<string, string | undefined>>;
  },
): Config {
  const builtIns = builtInModelProviders(toml.openai_base_url, context.env);
  const modelProviders: Record<string, ModelProviderInfo> = { ...builtIns };
  for (const [id, entry] of Object.entries(toml.model_providers ?? {}))
    modelProviders[id] = toProviderInfo(id, entry, builtIns[id]);
  const modelProviderId = toml.model_provider ?? OPENAI_PROVIDER_ID;
  const modelProvider = modelProviders[modelProviderId];
  if (!modelProvider)
    throw new ConfigError(
      'provider_not_found',
      `Model provider \`${modelProviderId}\` not found: it is not built in (${Object.keys(builtIns).join(', ')}) and config.toml has no [model_providers.${formatKeyPath([modelProviderId])}]`,
      { file: context.configFile, keyPath: 'model_provider' },
    );
  const cwd = resolve(context.cwd ?? process.cwd());
  const workspace = toml.sandbox_workspace_write ?? {};
  const shell = toml.shell_environment_policy ?? {};
  return {
    codexHome: context.codexHome,
    configFile: context.configFile,
    cwd,
    model: toml.model ?? DEFAULT_MODEL,
    modelProviderId,
    modelProvider,
    modelProviders,
    profile: context.profile,
    approvalPolicy: toml.approval_policy ?? 'on-request',
    sandboxMode: toml.sandbox_mode ?? 'read-only',
    sandboxWorkspaceWrite: {
      writableRoots: (workspace.writable_roots ?? []).map((root) =>
        isAbsolute(root) ? root : resolve(cwd, root),
      ),
      networkAccess: workspace.network_access ?? false,
      excludeTmpdirEnvVar: workspace.exclude_tmpdir_env_var ?? false,
      excludeSlashTmp: workspace.exclude_slash_tmp ?? false,
    },
    modelReasoningEffort: toml.model_reasoning_effort ?? null,
    modelReasoningSummary: toml.model_reasoning_summary ?? 'auto',
    modelVerbosity: toml.model_verbosity ?? null,
    baseInstructions: toml.base_instructions ?? null,
    developerInstructions: toml.developer_instructions ?? null,
    shellEnvironmentPolicy: {
      inherit: shell.inherit ?? 'all',
      exclude: shell.exclude ?? [],
      set: shell.set ?? {},
      includeOnly: shell.include_only ?? [],
      ignoreDefaultExcludes: shell.ignore_default_excludes ?? false,
      useProfile: shell.experimental_use_profile ?? false,
    },
    cliAuthCredentialsStore: toml.cli_auth_credentials_store ?? 'file',
    forcedLoginMethod: toml.forced_login_method ?? null,
    forcedChatgptWorkspaceId: toml.forced_chatgpt_workspace_id ?? null,
    projectDocMaxBytes: toml.project_doc_max_bytes ?? DEFAULT_PROJECT_DOC_MAX_BYTES,
    chatgptBaseUrl: toml.chatgpt_base_url ?? DEFAULT_CHATGPT_BASE_URL,
    toml,
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
