import type { v2 } from '@codex/protocol';
import { type LoadConfigOptions, type LoadedConfig, loadConfig } from './load.js';
import { isPlainObject } from './toml.js';

/**
 * The effective configuration as the original's `config/read` reports it: all 107 keys, in the
 * original's order, `null` where it leaves a value unset, its defaults elsewhere. The values
 * that follow are the original's defaults (0.169), apart from `features`, whose defaults name
 * the original's own feature flags: here only what the layers set is reported.
 */
const REPORTED_DEFAULTS: Readonly<Record<string, unknown>> = {
  model: null,
  review_model: null,
  model_context_window: null,
  model_auto_compact_token_limit: null,
  model_auto_compact_token_limit_scope: null,
  model_provider: null,
  approval_policy: null,
  approvals_reviewer: null,
  sandbox_mode: null,
  sandbox_workspace_write: null,
  forced_chatgpt_workspace_id: null,
  forced_login_method: null,
  web_search: null,
  client_search_provider: null,
  tools: null,
  instructions: null,
  developer_instructions: null,
  compact_prompt: null,
  model_reasoning_effort: null,
  model_reasoning_summary: null,
  model_verbosity: null,
  service_tier: null,
  analytics: null,
  apps: null,
  browser_use: null,
  computer_use: null,
  desktop: null,
  allow_symlinked_codex_home: null,
  mcp_servers: {},
  responses_api_metadata: null,
  openai_base_url: null,
  thread_unload_delay_secs: null,
  marketplaces: {},
  experimental_realtime_ws_backend_prompt: null,
  agents: null,
  cloud: null,
  memories: null,
  permissions: null,
  feedback: null,
  features: {},
  include_environment_context_time: true,
  personality: null,
  windows: null,
  experimental_compact_prompt_file: null,
  otel: null,
  background_terminal_max_timeout: 300_000,
  include_environment_context: true,
  sqlite_home: null,
  experimental_realtime_ws_model: null,
  project_doc_max_bytes: 32_768,
  file_opener: 'vscode',
  skills: null,
  js_repl_node_path: null,
  experimental_realtime_start_instructions: null,
  hide_agent_reasoning: false,
  project_doc_fallback_filenames: [],
  mcp_oauth_credentials_store: 'auto',
  mcp_enterprise_managed_auth: null,
  allow_login_shell: true,
  default_permissions: null,
  history: { persistence: 'save-all', max_bytes: null },
  plugins: {},
  disable_paste_burst: null,
  show_raw_agent_reasoning: null,
  daybreak: null,
  check_for_update_on_startup: null,
  notice: null,
  realtime: null,
  projects: null,
  orchestrator: null,
  model_instructions_file: null,
  tool_suggest: null,
  goals: null,
  experimental_thread_store_endpoint: null,
  tool_output_token_limit: null,
  experimental_thread_store: null,
  project_root_markers: ['.git'],
  log_dir: null,
  chatgpt_base_url: 'https://chatgpt.com/backend-api/',
  tui: null,
  include_apps_instructions: true,
  cli_auth_credentials_store: 'file',
  ghost_snapshot: null,
  mcp_optional_startup_grace_ms: null,
  mcp_oauth_callback_port: null,
  model_providers: {},
  experimental_realtime_webrtc_call_base_url: null,
  hooks: null,
  profile: null,
  js_repl_node_module_dirs: null,
  notify: null,
  apps_mcp_product_sku: null,
  audio: null,
  oss_provider: null,
  shell_environment_policy: {
    inherit: null,
    ignore_default_excludes: null,
    exclude: null,
    set: null,
    include_only: null,
    filters: null,
    experimental_use_profile: null,
  },
  auto_review: null,
  model_catalog_json: null,
  experimental_realtime_ws_base_url: null,
  experimental_realtime_ws_startup_context: null,
  include_permissions_instructions: true,
  plan_mode_reasoning_effort: null,
  profiles: {},
  include_collaboration_mode_instructions: true,
  mcp_oauth_callback_url: null,
  suppress_unstable_features_warning: null,
  model_post_turn_compact_threshold_percent: null,
  experimental_use_unified_exec_tool: null,
};

/** What a provider entry reports when set: every field, defaults filled in. */
const PROVIDER_DEFAULTS: Readonly<Record<string, unknown>> = {
  name: null,
  base_url: null,
  model_catalog_url: null,
  env_key: null,
  env_key_instructions: null,
  experimental_bearer_token: null,
  auth: null,
  gateway_oauth: null,
  aws: null,
  project_id: null,
  location: null,
  credential_file: null,
  wire_api: 'responses',
  capabilities: null,
  query_params: null,
  http_headers: null,
  env_http_headers: null,
  request_max_retries: null,
  stream_max_retries: null,
  stream_idle_timeout_ms: null,
  websocket_connect_timeout_ms: null,
  requires_openai_auth: false,
  supports_websockets: false,
  supports_standalone_web_search: false,
};

/** What a legacy `[profiles.<name>]` entry reports: its 30 fields, null when unset. */
const PROFILE_FIELDS = [
  'model',
  'service_tier',
  'model_provider',
  'approval_policy',
  'approvals_reviewer',
  'sandbox_mode',
  'model_reasoning_effort',
  'plan_mode_reasoning_effort',
  'model_reasoning_summary',
  'model_verbosity',
  'model_catalog_json',
  'personality',
  'chatgpt_base_url',
  'model_instructions_file',
  'js_repl_node_path',
  'js_repl_node_module_dirs',
  'experimental_compact_prompt_file',
  'include_permissions_instructions',
  'include_apps_instructions',
  'include_collaboration_mode_instructions',
  'include_environment_context',
  'include_environment_context_time',
  'experimental_use_unified_exec_tool',
  'tools',
  'web_search',
  'analytics',
  'tui',
  'windows',
  'features',
  'oss_provider',
] as const;

const SANDBOX_WORKSPACE_WRITE_DEFAULTS: Readonly<Record<string, unknown>> = {
  writable_roots: [],
  network_access: false,
  exclude_tmpdir_env_var: false,
  exclude_slash_tmp: false,
};

const withDefaults = (
  defaults: Readonly<Record<string, unknown>>,
  value: unknown,
): Record<string, unknown> => ({ ...defaults, ...(isPlainObject(value) ? value : {}) });

const mapValues = (
  value: unknown,
  each: (entry: unknown) => unknown,
): Record<string, unknown> | unknown =>
  isPlainObject(value)
    ? Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, each(entry)]))
    : value;

/** An approval policy as the original reports it (`on-failure` reads as `on-request`). */
function reportedApprovalPolicy(value: unknown): unknown {
  if (value === 'on-failure') return 'on-request';
  if (isPlainObject(value) && isPlainObject(value.granular))
    return {
      granular: {
        skill_approval: false,
        request_permissions: false,
        ...value.granular,
      },
    };
  if (isPlainObject(value)) return Object.keys(value)[0] ?? value;
  return value;
}

/** The effective `config` object of a `config/read` answer, for `loaded`. */
export function reportedConfig(loaded: LoadedConfig): v2.Config {
  const merged = loaded.mergedToml;
  const config: Record<string, unknown> = { ...REPORTED_DEFAULTS };
  for (const [key, value] of Object.entries(merged)) {
    // Like the original's typed config, the effective config holds known keys only; unknown
    // ones stay visible in `layers` and `origins`.
    if (!Object.hasOwn(REPORTED_DEFAULTS, key)) continue;
    const fallback = REPORTED_DEFAULTS[key];
    config[key] =
      isPlainObject(fallback) && isPlainObject(value) && key !== 'features'
        ? { ...fallback, ...value }
        : value;
  }
  config.features = { ...(isPlainObject(merged.features) ? merged.features : {}) };
  config.approval_policy = reportedApprovalPolicy(config.approval_policy);
  config.model_providers = mapValues(config.model_providers, (entry) =>
    withDefaults(PROVIDER_DEFAULTS, entry),
  );
  config.profiles = mapValues(config.profiles, (entry) => {
    const profile: Record<string, unknown> = {};
    const given = isPlainObject(entry) ? entry : {};
    for (const field of PROFILE_FIELDS) profile[field] = given[field] ?? null;
    if (profile.approval_policy !== null)
      profile.approval_policy = reportedApprovalPolicy(profile.approval_policy);
    return profile;
  });
  if (merged.sandbox_workspace_write !== undefined)
    config.sandbox_workspace_write = withDefaults(
      SANDBOX_WORKSPACE_WRITE_DEFAULTS,
      merged.sandbox_workspace_write,
    );
  return config as v2.Config;
}

/** Options of {@link readConfig}. */
export interface ReadConfigOptions extends LoadConfigOptions {
  /** Include every layer (highest precedence first) in the answer. */
  readonly includeLayers?: boolean;
}

/**
 * `config/read`: the effective configuration, the layer that set each value (`origins`, by
 * dotted path with array elements as `notify.0`) and, when asked, the layers themselves, as
 * the original reports them.
 */
export async function readConfig(options: ReadConfigOptions = {}): Promise<v2.ConfigReadResponse> {
  const loaded = await loadConfig(options);
  return configReadResponse(loaded, options.includeLayers ?? false);
}

/** The `config/read` answer for configuration already loaded. */
export function configReadResponse(
  loaded: LoadedConfig,
  includeLayers: boolean,
): v2.ConfigReadResponse {
  const response: v2.ConfigReadResponse = {
    config: reportedConfig(loaded),
    origins: { ...loaded.origins },
  };
  if (includeLayers)
    response.layers = loaded.layers.map((layer) => ({
      name: layer.name,
      version: layer.version,
      config: layer.config,
    }));
  return response;
}
