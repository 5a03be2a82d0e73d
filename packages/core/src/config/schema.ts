import { z } from 'zod';
import { WIRE_APIS } from '../providers.js';

export const APPROVAL_POLICIES = ['untrusted', 'on-failure', 'on-request', 'never'] as const;
/** When the agent asks before running a command. */
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];

export const SANDBOX_MODES = ['read-only', 'workspace-write', 'danger-full-access'] as const;
/** What commands may touch. */
export type SandboxMode = (typeof SANDBOX_MODES)[number];

export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

export const REASONING_SUMMARIES = ['auto', 'concise', 'detailed', 'none'] as const;
export type ReasoningSummary = (typeof REASONING_SUMMARIES)[number];

export const VERBOSITIES = ['low', 'medium', 'high'] as const;
export type Verbosity = (typeof VERBOSITIES)[number];

export const SHELL_ENVIRONMENT_INHERIT = ['all', 'core', 'none'] as const;
export type ShellEnvironmentInherit = (typeof SHELL_ENVIRONMENT_INHERIT)[number];

export const FORCED_LOGIN_METHODS = ['chatgpt', 'api'] as const;
export type ForcedLoginMethod = (typeof FORCED_LOGIN_METHODS)[number];

const CREDENTIAL_STORES = ['file', 'keyring', 'auto', 'ephemeral'] as const;

const count = z.number().int().min(0);
const stringMap = z.record(z.string(), z.string());

export const ModelProviderTomlSchema = z.strictObject({
  name: z.string().optional(),
  base_url: z.string().optional(),
  env_key: z.string().optional(),
  env_key_instructions: z.string().optional(),
  experimental_bearer_token: z.string().optional(),
  wire_api: z.enum(WIRE_APIS).optional(),
  query_params: stringMap.optional(),
  http_headers: stringMap.optional(),
  env_http_headers: stringMap.optional(),
  request_max_retries: count.optional(),
  stream_max_retries: count.optional(),
  stream_idle_timeout_ms: count.optional(),
  websocket_connect_timeout_ms: count.optional(),
  requires_openai_auth: z.boolean().optional(),
  supports_websockets: z.boolean().optional(),
});
export type ModelProviderToml = z.infer<typeof ModelProviderTomlSchema>;

const SandboxWorkspaceWriteTomlSchema = z.strictObject({
  writable_roots: z.array(z.string()).optional(),
  network_access: z.boolean().optional(),
  exclude_tmpdir_env_var: z.boolean().optional(),
  exclude_slash_tmp: z.boolean().optional(),
});

const ShellEnvironmentPolicyTomlSchema = z.strictObject({
  inherit: z.enum(SHELL_ENVIRONMENT_INHERIT).optional(),
  exclude: z.array(z.string()).optional(),
  set: stringMap.optional(),
  include_only: z.array(z.string()).optional(),
  ignore_default_excludes: z.boolean().optional(),
  experimental_use_profile: z.boolean().optional(),
});

/** Settings a profile may change; the same keys at the top level of config.toml. */
const profileFields = {
  model: z.string().optional(),
  model_provider: z.string().optional(),
  approval_policy: z.enum(APPROVAL_POLICIES).optional(),
  sandbox_mode: z.enum(SANDBOX_MODES).optional(),
  sandbox_workspace_write: SandboxWorkspaceWriteTomlSchema.optional(),
  model_reasoning_effort: z.enum(REASONING_EFFORTS).optional(),
  model_reasoning_summary: z.enum(REASONING_SUMMARIES).optional(),
  model_verbosity: z.enum(VERBOSITIES).optional(),
  base_instructions: z.string().optional(),
  developer_instructions: z.string().optional(),
  shell_environment_policy: ShellEnvironmentPolicyTomlSchema.optional(),
  project_doc_max_bytes: count.optional(),
  chatgpt_base_url: z.string().optional(),
};

export const ProfileTomlSchema = z.strictObject(profileFields);
export type ProfileToml = z.infer<typeof ProfileTomlSchema>;

/**
 * Keys the released original accepts that this package stores and returns (for `config/read`)
 * but does not interpret. They are not reported as unknown.
 */
export const PASSTHROUGH_KEYS = [
  'review_model',
  'model_context_window',
  'model_auto_compact_token_limit',
  'model_auto_compact_token_limit_scope',
  'approvals_reviewer',
  'web_search',
  'client_search_provider',
  'tools',
  'instructions',
  'compact_prompt',
  'service_tier',
  'analytics',
  'apps',
  'browser_use',
  'computer_use',
  'desktop',
  'allow_login_shell',
  'allow_symlinked_codex_home',
  'js_repl_node_module_dirs',
  'background_terminal_max_timeout',
  'log_dir',
  'marketplaces',
  'notice',
  'orchestrator',
  'sqlite_home',
  'project_doc_fallback_filenames',
  'file_opener',
  'projects',
  'realtime',
  'features',
  'hooks',
  'notify',
  'windows',
  'feedback',
  'ghost_snapshot',
  'otel',
  'hide_agent_reasoning',
  'show_raw_agent_reasoning',
  'permissions',
  'default_permissions',
  'include_environment_context',
  'include_permissions_instructions',
  'include_apps_instructions',
  'include_collaboration_mode_instructions',
  'mcp_servers',
  'mcp_oauth_credentials_store',
  'mcp_oauth_callback_port',
  'mcp_oauth_callback_url',
  'tui',
  'check_for_update_on_startup',
  'personality',
  'audio',
  'disable_paste_burst',
  'memories',
  'model_instructions_file',
  'experimental_compact_prompt_file',
  'agents',
  'project_root_markers',
  'skills',
  'tool_output_token_limit',
  'experimental_use_unified_exec_tool',
  'oss_provider',
  'history',
  'cloud',
  'plan_mode_reasoning_effort',
  'responses_api_metadata',
  'model_catalog_json',
] as const;

const passthroughFields = Object.fromEntries(
  PASSTHROUGH_KEYS.map((key) => [key, z.unknown().optional()]),
) as Record<(typeof PASSTHROUGH_KEYS)[number], z.ZodOptional<z.ZodUnknown>>;

export const ConfigTomlSchema = z.strictObject({
  ...profileFields,
  ...passthroughFields,
  profile: z.string().optional(),
  profiles: z.record(z.string(), ProfileTomlSchema).optional(),
  model_providers: z.record(z.string(), ModelProviderTomlSchema).optional(),
  cli_auth_credentials_store: z.enum(CREDENTIAL_STORES).optional(),
  forced_login_method: z.enum(FORCED_LOGIN_METHODS).optional(),
  forced_chatgpt_workspace_id: z.string().optional(),
  openai_base_url: z.string().optional(),
});
/** config.toml as written (snake_case keys), every key optional. */
export type ConfigToml = z.infer<typeof ConfigTomlSchema>;
