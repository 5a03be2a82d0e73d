import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { AuthCredentialsStoreMode } from '@codex/auth';
import type { v2 } from '@codex/protocol';
import { type McpServerConfig, parseMcpServers } from '../mcp/config.js';
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
  versionOf,
} from './toml.js';
import { checkLayer, unknownKeysOf, type ValueProblem } from './validate.js';

/** The model used when config.toml names none. */
export const DEFAULT_MODEL = 'gpt-5.1-codex';
/** The default of `project_doc_max_bytes`: 32 KiB of AGENTS.md read at most. */
export const DEFAULT_PROJECT_DOC_MAX_BYTES = 32 * 1024;
/** The default of `chatgpt_base_url`. */
export const DEFAULT_CHATGPT_BASE_URL = 'https://chatgpt.com/backend-api/';
/** The user's config file's name, in `$CODEX_HOME`. */
export const CONFIG_TOML_FILE = 'config.toml';
/** The system-wide layer, below the user's config.toml. */
export const SYSTEM_CONFIG_FILE = '/etc/codex/config.toml';

/** `sandbox_workspace_write`, resolved. */
export interface SandboxWorkspaceWrite {
  /** Extra directories commands may write besides the working directory, made absolute. */
  readonly writableRoots: readonly string[];
  /** Whether commands may use the network. Default false. */
  readonly networkAccess: boolean;
  /** Leave `$TMPDIR` read-only. Default false. */
  readonly excludeTmpdirEnvVar: boolean;
  /** Leave `/tmp` read-only. Default false. */
  readonly excludeSlashTmp: boolean;
}

/** `shell_environment_policy`, resolved. */
export interface ShellEnvironmentPolicy {
  /** Which of this process's variables commands start from: `all` (default), `core` or `none`. */
  readonly inherit: ShellEnvironmentInherit;
  /** Glob patterns of variables to drop. */
  readonly exclude: readonly string[];
  /** Variables to set, after the others. */
  readonly set: Readonly<Record<string, string>>;
  /** When not empty, only variables matching these globs are kept. */
  readonly includeOnly: readonly string[];
  /** Keep variables whose names contain `KEY`, `SECRET` or `TOKEN`. Default false. */
  readonly ignoreDefaultExcludes: boolean;
  /** Run commands through the user's shell profile (`experimental_use_profile`). Default false. */
  readonly useProfile: boolean;
}

/** The effective configuration: every layer applied, every default filled in. Frozen. */
export interface Config {
  /** The Codex home directory. */
  readonly codexHome: string;
  /** `$CODEX_HOME/config.toml` (it need not exist). */
  readonly configFile: string;
  /** The working directory of new threads, absolute. Default `process.cwd()`. */
  readonly cwd: string;
  /** The model. Default {@link DEFAULT_MODEL}. */
  readonly model: string;
  /** The key of the provider in {@link modelProviders}. Default `openai`. */
  readonly modelProviderId: string;
  /** The provider the model is called through. */
  readonly modelProvider: ModelProviderInfo;
  /** Built-in providers with the user's `model_providers` merged over them. */
  readonly modelProviders: Readonly<Record<string, ModelProviderInfo>>;
  /** The selected profile, if any. */
  readonly profile: string | null;
  /** When the agent asks before acting. Default `on-request`. */
  readonly approvalPolicy: ApprovalPolicy;
  /** What commands may touch. Default `read-only`. */
  readonly sandboxMode: SandboxMode;
  /** Settings of the `workspace-write` sandbox. */
  readonly sandboxWorkspaceWrite: SandboxWorkspaceWrite;
  /** How hard the model thinks; `null` leaves it to the model. */
  readonly modelReasoningEffort: ReasoningEffort | null;
  /** Whether reasoning summaries are asked for. Default `auto`. */
  readonly modelReasoningSummary: ReasoningSummary;
  /** How long the answers are; `null` leaves it to the model. */
  readonly modelVerbosity: Verbosity | null;
  /** `instructions`: replaces the model's base instructions. */
  readonly baseInstructions: string | null;
  /** Extra developer-role instructions sent with every turn. */
  readonly developerInstructions: string | null;
  /** The environment commands run with. */
  readonly shellEnvironmentPolicy: ShellEnvironmentPolicy;
  /** Where credentials are kept. Default `file`. */
  readonly cliAuthCredentialsStore: AuthCredentialsStoreMode;
  /** The only login method allowed, or `null` for any. */
  readonly forcedLoginMethod: ForcedLoginMethod | null;
  /** The ChatGPT workspaces (account ids) a login must belong to; null when any will do. */
  readonly forcedChatgptWorkspaceId: string | readonly string[] | null;
  /** AGENTS.md bytes read at most. Default 32 KiB. */
  readonly projectDocMaxBytes: number;
  /** The ChatGPT backend's base URL. */
  readonly chatgptBaseUrl: string;
  /** The `[mcp_servers]` a thread starts, checked (disabled ones included), by name. */
  readonly mcpServers: readonly McpServerConfig[];
  /** The merged settings every layer gave (snake_case, validated), before defaults. */
  readonly toml: Readonly<ConfigToml>;
}

/** Typed overrides from API callers; they win over everything else. */
export interface ConfigOverrides {
  /** The model. */
  readonly model?: string;
  /** The provider's key in `model_providers`. */
  readonly modelProvider?: string;
  /** Selects `$CODEX_HOME/<profile>.config.toml` (like the original's `--profile`). */
  readonly profile?: string;
  /** The working directory. */
  readonly cwd?: string;
  /** When the agent asks before acting. */
  readonly approvalPolicy?: ApprovalPolicy;
  /** What commands may touch. */
  readonly sandboxMode?: SandboxMode;
  /** `instructions`. */
  readonly baseInstructions?: string;
  /** Extra developer-role instructions. */
  readonly developerInstructions?: string;
  /** How hard the model thinks. */
  readonly modelReasoningEffort?: ReasoningEffort;
  /** Whether reasoning summaries are asked for. */
  readonly modelReasoningSummary?: ReasoningSummary;
  /** How long the answers are. */
  readonly modelVerbosity?: Verbosity;
  /** Raw snake_case settings (e.g. a `thread/start` `config` map), applied last. */
  readonly config?: Readonly<Record<string, unknown>>;
}

/** Where a layer came from, as app-server v2 `ConfigLayerSource` names it. */
export type ConfigLayerSource = v2.ConfigLayerSource;
/** Layer identity, for `origins`. */
export type ConfigLayerMetadata = v2.ConfigLayerMetadata;

/** One layer and what it set (its TOML as JSON, unknown keys included). */
export interface ConfigLayer {
  /** Which layer this is. */
  readonly name: ConfigLayerSource;
  /** `sha256:` of the layer's content as canonical JSON, as the original computes it. */
  readonly version: string;
  /** What the layer set, its TOML as JSON. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** A problem that does not stop loading; shaped as `configWarning` notification params. */
export type ConfigWarning = v2.ConfigWarningNotification;

/** What {@link loadConfig} returns. */
export interface LoadedConfig {
  /** The effective configuration. */
  readonly config: Config;
  /** Every layer merged as written (unknown keys included), before defaults. */
  readonly mergedToml: Readonly<Record<string, unknown>>;
  /** Highest precedence first: session flags, profile, user, system (as `config/read`). */
  readonly layers: readonly ConfigLayer[];
  /** Dotted key path of every effective leaf value (`notify.0`) → the layer that set it. */
  readonly origins: Readonly<Record<string, ConfigLayerMetadata>>;
  /** Problems that did not stop loading, such as unknown keys. */
  readonly warnings: readonly ConfigWarning[];
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Default: `$CODEX_HOME`, else `~/.codex`. */
  readonly codexHome?: string;
  /** The system-wide file; default `/etc/codex/config.toml`, `null` for none. */
  readonly systemConfigFile?: string | null;
  /** `-c key.path=value` strings, in order; the value is TOML, else a literal string. */
  readonly cliOverrides?: readonly string[];
  /** Typed overrides; they win over every layer. */
  readonly overrides?: ConfigOverrides;
  /** Fail on unknown keys instead of warning (the original's `--strict-config`). */
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

/** Profile names the original accepts: a plain name, so that `<name>.config.toml` stays inside CODEX_HOME. */
const PROFILE_NAME = /^[A-Za-z0-9_-]+$/;

/** The file of profile `name`: `$CODEX_HOME/<name>.config.toml`. */
export function profileConfigFile(codexHome: string, name: string): string {
  return join(codexHome, `${name}.config.toml`);
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
  // Without a key the text may be a pasted value (a token): it is not repeated.
  if (equals <= 0)
    throw new ConfigError(
      'invalid_override',
      `invalid -c override: expected key=value, got ${equals === 0 ? 'no key before "="' : 'no "="'}`,
    );
  let path: string[];
  try {
    path = splitKeyPath(text.slice(0, equals));
  } catch (error) {
    // Not a key path, so perhaps part of a pasted value: described, not repeated.
    throw new ConfigError(
      'invalid_override',
      'invalid -c override: the text before "=" is not a key path (such as model or tui.theme)',
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

/** The value at `path` (array elements by index), or undefined. */
export function valueAtPath(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isPlainObject(node)) node = node[key];
    else return undefined;
  }
  return node;
}

const typedOverrideKeys: ReadonlyArray<[keyof ConfigOverrides, string]> = [
  ['model', 'model'],
  ['modelProvider', 'model_provider'],
  ['approvalPolicy', 'approval_policy'],
  ['sandboxMode', 'sandbox_mode'],
  ['baseInstructions', 'instructions'],
  ['developerInstructions', 'developer_instructions'],
  ['modelReasoningEffort', 'model_reasoning_effort'],
  ['modelReasoningSummary', 'model_reasoning_summary'],
  ['modelVerbosity', 'model_verbosity'],
];

/** Every leaf of `value` as a path: arrays by index (`notify.0`), empty tables as themselves. */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : isPlainObject(value)
      ? Object.entries(value)
      : [];
  if (entries.length === 0) return prefix.length > 0 ? [prefix] : [];
  return entries.flatMap(([key, item]) => leafPaths(item, [...prefix, key]));
}

/** A layer while loading: what it holds, where it came from, and how to point into it. */
interface SourceLayer {
  readonly layer: ConfigLayer;
  /** How warnings name it: `user (/path)`, `system (/path)`, `session-flags`. */
  readonly label: string;
  readonly file?: string;
  readonly document?: TomlDocument;
  /** Check its keys against the schema (not for a legacy profile table: its table was). */
  readonly checkKeys: boolean;
}

async function readOptionalFile(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError('io', `cannot read ${path}: ${(error as Error).message}`, {
      file: path,
      cause: error,
    });
  }
}

/** Parses config.toml text; syntax errors name the file, line and column (never the text). */
export function parseConfigText(text: string, file: string): TomlDocument {
  try {
    return parseTomlDocument(text);
  } catch (error) {
    if (TomlSyntaxError.isInstance(error))
      throw new ConfigError(
        'syntax',
        `${file}:${error.line}:${error.column}: invalid TOML: ${error.message}`,
        { file, line: error.line, cause: error },
      );
    throw error;
  }
}

async function fileLayer(
  file: string,
  name: ConfigLayerSource,
  label: string,
): Promise<SourceLayer & { exists: boolean }> {
  const text = await readOptionalFile(file);
  const document = parseConfigText(text ?? '', file);
  return {
    layer: { name, version: document.version, config: document.value },
    label: `${label} (${file})`,
    file,
    document,
    checkKeys: true,
    exists: text !== null,
  };
}

/**
 * Loads the configuration the way the original layers it, lowest first: the system file
 * (`/etc/codex/config.toml`), the user's config.toml, the selected profile
 * (`$CODEX_HOME/<profile>.config.toml`, else a legacy `[profiles.<profile>]` table), then
 * session flags (`-c` overrides, then typed overrides). Unknown keys become one warning (an
 * error when `strict`); invalid values fail naming the file, line and key.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const codexHome = resolve(options.codexHome ?? findCodexHome(env));
  const configFile = join(codexHome, CONFIG_TOML_FILE);
  const warnings: ConfigWarning[] = [];

  const sources: SourceLayer[] = [];
  const systemFile =
    options.systemConfigFile === undefined ? SYSTEM_CONFIG_FILE : options.systemConfigFile;
  if (systemFile !== null)
    sources.push(await fileLayer(systemFile, { type: 'system', file: systemFile }, 'system'));
  const user = await fileLayer(
    configFile,
    { type: 'user', file: configFile, profile: null },
    'user',
  );
  sources.push(user);

  // Session flags: -c overrides, then typed overrides, then a raw `config` map.
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

  const profile = await selectProfile(codexHome, configFile, user, sessionFlags, typed, warnings);
  if (profile) sources.push(profile);
  if (Object.keys(sessionFlags).length > 0)
    sources.push({
      layer: {
        name: { type: 'sessionFlags' },
        version: versionOf(sessionFlags),
        config: sessionFlags,
      },
      label: 'session-flags',
      checkKeys: true,
    });

  reportUnknownKeys(sources, options.strict ?? false, warnings);

  let merged: Record<string, unknown> = {};
  for (const source of sources) merged = deepMerge(merged, source.layer.config);
  const layers = [...sources].reverse();
  const originOf = (path: readonly string[]): SourceLayer | undefined =>
    layers.find((source) => valueAtPath(source.layer.config, path) !== undefined);

  // Values are checked once all layers are merged: a bad value a higher layer overrides is harmless.
  const checked = checkLayer(merged);
  if (checked.problems.length > 0) throw invalidValues(checked.problems, originOf);

  const origins: Record<string, ConfigLayerMetadata> = {};
  for (const path of leafPaths(merged)) {
    const source = originOf(path);
    if (source)
      origins[path.join('.')] = { name: source.layer.name, version: source.layer.version };
  }
  const config = resolveConfig(checked.value, {
    codexHome,
    configFile,
    cwd: typed.cwd,
    profile: profile ? profileNameOf(profile) : null,
    providerSetIn: originOf(['model_provider']),
    env,
  });
  return deepFreeze({
    config,
    mergedToml: merged,
    layers: layers.map((source) => source.layer),
    origins,
    warnings,
  });
}

const profileNameOf = (source: SourceLayer): string | null =>
  source.layer.name.type === 'user' ? (source.layer.name.profile ?? null) : null;

/**
 * The selected profile's layer: `$CODEX_HOME/<name>.config.toml`, else the legacy
 * `[profiles.<name>]` table of config.toml (with a deprecation warning). The name comes from
 * the typed option, else a `-c profile=` flag, else the legacy `profile = "<name>"` key.
 */
async function selectProfile(
  codexHome: string,
  configFile: string,
  user: SourceLayer,
  sessionFlags: Readonly<Record<string, unknown>>,
  typed: ConfigOverrides,
  warnings: ConfigWarning[],
): Promise<SourceLayer | null> {
  const fromSession = typeof sessionFlags.profile === 'string' ? sessionFlags.profile : undefined;
  const fromFile =
    typeof user.layer.config.profile === 'string' ? user.layer.config.profile : undefined;
  const name = typed.profile ?? fromSession ?? fromFile;
  if (name === undefined) return null;
  if (!PROFILE_NAME.test(name))
    throw new ConfigError(
      'invalid_value',
      `invalid profile name \`${name}\`: use a plain name such as \`work\` (letters, digits, \`-\`, \`_\`)`,
      { keyPath: 'profile' },
    );
  if (typed.profile === undefined && fromSession === undefined)
    warnings.push({
      summary: `\`profile = "${name}"\` in config.toml is deprecated`,
      details: `Select the profile when starting instead (\`--profile ${name}\`), and keep its settings in ${profileConfigFile(codexHome, name)}.`,
      path: configFile,
      range: user.document?.locate(['profile'])?.span ?? null,
    });
  const file = profileConfigFile(codexHome, name);
  const legacyTables = user.layer.config.profiles;
  const legacy = isPlainObject(legacyTables) ? legacyTables[name] : undefined;
  const fromProfileFile = await fileLayer(file, { type: 'user', file, profile: name }, 'user');
  if (fromProfileFile.exists) {
    if (legacy !== undefined)
      warnings.push({
        summary: `[profiles.${name}] in config.toml is ignored`,
        details: `Profile \`${name}\` is read from ${file}; remove the legacy table from config.toml.`,
        path: configFile,
        range: user.document?.locate(['profiles', name])?.span ?? null,
      });
    return fromProfileFile;
  }
  if (isPlainObject(legacy)) {
    warnings.push({
      summary: `[profiles.${name}] in config.toml is deprecated`,
      details: `Move these settings into ${file}; the original Codex no longer reads profile tables.`,
      path: configFile,
      range: user.document?.locate(['profiles', name])?.span ?? null,
    });
    return {
      layer: {
        name: { type: 'user', file: configFile, profile: name },
        version: versionOf(legacy),
        config: legacy,
      },
      label: `user (${configFile} [profiles.${name}])`,
      file: configFile,
      document: user.document,
      checkKeys: false,
    };
  }
  throw new ConfigError(
    'profile_not_found',
    `config profile \`${name}\` not found: there is no ${file} and no [profiles.${name}] in ${configFile}`,
    { file, keyPath: 'profile' },
  );
}

/** The unknown keys of every layer, as the original reports them: one warning, sorted, capped at 3. */
function reportUnknownKeys(
  sources: readonly SourceLayer[],
  strict: boolean,
  warnings: ConfigWarning[],
): void {
  const found: Array<{ source: SourceLayer; path: string[] }> = [];
  for (const source of sources)
    if (source.checkKeys)
      for (const path of unknownKeysOf(source.layer.config)) found.push({ source, path });
  if (found.length === 0) return;
  if (strict) {
    const [first] = found as [(typeof found)[number]];
    const key = formatKeyPath(first.path);
    const line = first.source.document?.locate(first.path)?.span.start;
    const where = first.source.file
      ? `${first.source.file}:${line?.line ?? 1}:${line?.column ?? 1}`
      : first.source.label;
    throw new ConfigError('unknown_key', `${where}: unknown configuration field \`${key}\``, {
      file: first.source.file,
      line: line?.line,
      keyPath: key,
    });
  }
  const shown = found
    .slice(0, 3)
    .map(({ source, path }) => `\n  ${source.label}: \`${path.join('.')}\` is ignored.`);
  const more = found.length > 3 ? `\n  ... and ${found.length - 3} more ignored settings.` : '';
  const plural = found.length === 1 ? 'setting' : 'settings';
  warnings.push({
    summary: `Codex is ignoring ${found.length} unrecognized configuration ${plural}. Check for typos or deprecated settings.${shown.join('')}${more}`,
    details: null,
  });
}

function invalidValues(
  problems: readonly ValueProblem[],
  originOf: (path: readonly string[]) => SourceLayer | undefined,
): ConfigError {
  const located = problems.map((problem) => {
    // A missing field has no origin of its own: the table that lacks it does.
    let source: SourceLayer | undefined;
    for (let length = problem.path.length; !source && length > 0; length--)
      source = originOf(problem.path.slice(0, length));
    const position = source?.document?.locate(problem.path)?.span.start;
    const where = source?.file
      ? `${source.file}:${position?.line ?? 1}:${position?.column ?? 1}`
      : (source?.label ?? 'config');
    return {
      text: `${where}: invalid value for \`${formatKeyPath(problem.path)}\`: ${problem.message}`,
      file: source?.file,
      line: position?.line,
      keyPath: formatKeyPath(problem.path),
    };
  });
  // In the order a reader meets them: by file (as first met), then by line.
  const fileOrder = new Map<string | undefined, number>();
  for (const item of located)
    if (!fileOrder.has(item.file)) fileOrder.set(item.file, fileOrder.size);
  located.sort(
    (a, b) =>
      (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || (a.line ?? 0) - (b.line ?? 0),
  );
  const first = located[0] as (typeof located)[number];
  return new ConfigError('invalid_value', located.map((item) => item.text).join('\n'), {
    file: first.file,
    line: first.line,
    keyPath: first.keyPath,
  });
}

function toProviderInfo(
  id: string,
  entry: ModelProviderToml,
  base: ModelProviderInfo | undefined,
): ModelProviderInfo {
  const name = entry.name ?? base?.name;
  if (name === undefined || name.length === 0)
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
    providerSetIn: SourceLayer | undefined;
    env: Readonly<Record<string, string | undefined>>;
  },
): Config {
  const builtIns = builtInModelProviders(toml.openai_base_url, context.env);
  const modelProviders: Record<string, ModelProviderInfo> = { ...builtIns };
  for (const [id, entry] of Object.entries(toml.model_providers ?? {}))
    modelProviders[id] = toProviderInfo(id, entry, builtIns[id]);
  const modelProviderId = toml.model_provider ?? OPENAI_PROVIDER_ID;
  const modelProvider = modelProviders[modelProviderId];
  if (!modelProvider) {
    const where = context.providerSetIn?.file ?? context.providerSetIn?.label ?? 'config';
    throw new ConfigError(
      'provider_not_found',
      `${where}: model_provider = "${modelProviderId}" names no provider: it is not built in (${Object.keys(builtIns).join(', ')}) and no [model_providers.${formatKeyPath([modelProviderId])}] defines it`,
      { file: context.providerSetIn?.file, keyPath: 'model_provider' },
    );
  }
  const cwd = resolve(context.cwd ?? process.cwd());
  const workspace = toml.sandbox_workspace_write ?? {};
  const shell = toml.shell_environment_policy ?? {};
  const workspaceIds = toml.forced_chatgpt_workspace_id;
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
    baseInstructions: toml.instructions ?? null,
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
    forcedChatgptWorkspaceId: workspaceIds ?? null,
    projectDocMaxBytes: toml.project_doc_max_bytes ?? DEFAULT_PROJECT_DOC_MAX_BYTES,
    chatgptBaseUrl: toml.chatgpt_base_url ?? DEFAULT_CHATGPT_BASE_URL,
    mcpServers: parseMcpServers(toml.mcp_servers ?? {}),
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

export type { SourceSpan };
