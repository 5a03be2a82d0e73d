import type { v2 } from '@codex/protocol';
import { z } from 'zod';
import { WIRE_APIS } from '../providers.js';
import { quoteIfShort } from './toml.js';

// The keys and value shapes here are those the released original (0.169) accepts, found by
// probing it: every name in its binary's serde field lists was written to a config.toml with
// a value of the wrong type, and it was known when the original refused the value rather than
// reporting an unknown field. Tables this package does not interpret accept any content.

/** When the agent asks before acting: a policy name, or `{ granular = {…} }`. */
export type ApprovalPolicy = v2.AskForApproval;
/** What commands may touch. */
export type SandboxMode = v2.SandboxMode;
/** How hard the model thinks: any non-empty string, passed to the API as written. */
export type ReasoningEffort = v2.ReasoningEffort;
/** Whether and how the model's reasoning is summarised (`auto`, `concise`, `detailed`, `none`). */
export type ReasoningSummary = v2.ReasoningSummary;
/** How long the model's answers are (`low`, `medium`, `high`). */
export type Verbosity = v2.Verbosity;
export type Personality = v2.Personality;
export type WebSearchMode = v2.WebSearchMode;
/** The only login method allowed (`chatgpt` or `api`). */
export type ForcedLoginMethod = v2.ForcedLoginMethod;

/** The simple approval policies config.toml accepts (`on-failure` reads as `on-request`). */
export const APPROVAL_POLICIES = ['untrusted', 'on-failure', 'on-request', 'never'] as const;
export const SANDBOX_MODES = ['read-only', 'workspace-write', 'danger-full-access'] as const;
/** The reasoning efforts current models advertise; config.toml takes any non-empty string. */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export const REASONING_SUMMARIES = ['auto', 'concise', 'detailed', 'none'] as const;
export const VERBOSITIES = ['low', 'medium', 'high'] as const;
export const SHELL_ENVIRONMENT_INHERIT = ['all', 'core', 'none'] as const;
export type ShellEnvironmentInherit = (typeof SHELL_ENVIRONMENT_INHERIT)[number];
export const FORCED_LOGIN_METHODS = ['chatgpt', 'api'] as const;
const CREDENTIAL_STORES = ['file', 'keyring', 'auto', 'ephemeral'] as const;

const string = z.string();
const nonEmpty = z.string().min(1, 'must not be empty');
const bool = z.boolean();
const integer = z.number().int();
const count = z.number().int().min(0);
const strings = z.array(z.string());
const stringMap = z.record(z.string(), z.string());
/** A table this package keeps (for `config/read`) but does not interpret. */
const table = z.record(z.string(), z.unknown());
const tableOf = <T extends z.ZodType>(entry: T) => z.record(z.string(), entry);

/** `approval_policy`: a name, `{ granular = {…} }`, or a name written as a table (`{ never = {} }`). */
const ApprovalPolicyTomlSchema = z.unknown().transform((value, context): ApprovalPolicy => {
  const names = ['untrusted', 'on-failure', 'on-request', 'granular', 'never'];
  const expected = `expected one of ${names.map((name) => `\`${name}\``).join(', ')}`;
  const simple = (name: string): ApprovalPolicy | undefined =>
    name === 'on-failure'
      ? 'on-request'
      : name === 'untrusted' || name === 'on-request' || name === 'never'
        ? name
        : undefined;
  if (typeof value === 'string') {
    const policy = simple(value);
    if (policy) return policy;
    context.issues.push({
      code: 'custom',
      input: value,
      message:
        value === 'granular'
          ? '`granular` needs its settings: approval_policy = { granular = { sandbox_approval = …, rules = …, mcp_elicitations = … } }'
          : `unknown policy ${quoteIfShort(value) ?? '(a long string)'}, ${expected}`,
    });
    return z.NEVER;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [name, settings] = entries[0] as [string, unknown];
      if (name === 'granular') {
        const parsed = GranularTomlSchema.safeParse(settings);
        if (parsed.success) return { granular: parsed.data };
        for (const issue of parsed.error.issues)
          context.issues.push({
            code: 'custom',
            input: settings,
            path: ['granular', ...issue.path],
            message:
              issue.code === 'invalid_type' && issue.input === undefined
                ? `missing field \`${String(issue.path.at(-1))}\``
                : issue.message,
          });
        return z.NEVER;
      }
      const policy = simple(name);
      if (policy) return policy;
    }
    context.issues.push({
      code: 'custom',
      input: value,
      message: `a table must hold exactly one policy, ${expected}`,
    });
    return z.NEVER;
  }
  context.issues.push({
    code: 'custom',
    input: value,
    message: `wanted a string or table, ${expected}`,
  });
  return z.NEVER;
});

const GranularTomlSchema = z.object({
  sandbox_approval: bool,
  rules: bool,
  mcp_elicitations: bool,
  skill_approval: bool.optional(),
  request_permissions: bool.optional(),
});

const ModelProviderTomlSchema = z.strictObject({
  name: string.optional(),
  base_url: string.optional(),
  model_catalog_url: string.optional(),
  env_key: string.optional(),
  env_key_instructions: string.optional(),
  experimental_bearer_token: string.optional(),
  project_id: string.optional(),
  location: string.optional(),
  credential_file: string.optional(),
  auth: table.optional(),
  gateway_oauth: table.optional(),
  aws: table.optional(),
  // The original takes only `responses`; `chat` is this package's addition for gateways.
  wire_api: z.enum(WIRE_APIS).optional(),
  capabilities: table.optional(),
  query_params: stringMap.optional(),
  http_headers: stringMap.optional(),
  env_http_headers: stringMap.optional(),
  request_max_retries: count.optional(),
  stream_max_retries: count.optional(),
  stream_idle_timeout_ms: count.optional(),
  websocket_connect_timeout_ms: count.optional(),
  requires_openai_auth: bool.optional(),
  supports_websockets: bool.optional(),
  supports_standalone_web_search: bool.optional(),
});
export type ModelProviderToml = z.infer<typeof ModelProviderTomlSchema>;

const SandboxWorkspaceWriteTomlSchema = z.strictObject({
  writable_roots: strings.optional(),
  network_access: bool.optional(),
  exclude_tmpdir_env_var: bool.optional(),
  exclude_slash_tmp: bool.optional(),
});

const ShellEnvironmentPolicyTomlSchema = z.strictObject({
  inherit: z.enum(SHELL_ENVIRONMENT_INHERIT).optional(),
  ignore_default_excludes: bool.optional(),
  experimental_use_profile: bool.optional(),
  exclude: strings.optional(),
  include_only: strings.optional(),
  set: stringMap.optional(),
  filters: z.unknown().optional(),
});

const HistoryTomlSchema = z.strictObject({
  persistence: z.enum(['save-all', 'none']).optional(),
  max_bytes: count.optional(),
});

const ProjectTomlSchema = z.strictObject({
  trust_level: z.enum(['trusted', 'untrusted']).optional(),
});

/** A feature flag: on/off, or a table of settings for the features that take one. */
const FeaturesTomlSchema = tableOf(z.union([bool, table]));

const APPROVALS_REVIEWERS = ['user', 'auto_review', 'guardian_subagent'] as const;
const PERSONALITIES = ['none', 'friendly', 'pragmatic'] as const;
const WEB_SEARCH_MODES = ['disabled', 'cached', 'indexed', 'live'] as const;

/** The 30 settings a legacy `[profiles.<name>]` table may hold. */
const profileFields = {
  model: string.optional(),
  service_tier: string.optional(),
  model_provider: string.optional(),
  approval_policy: ApprovalPolicyTomlSchema.optional(),
  approvals_reviewer: z.enum(APPROVALS_REVIEWERS).optional(),
  sandbox_mode: z.enum(SANDBOX_MODES).optional(),
  model_reasoning_effort: nonEmpty.optional(),
  plan_mode_reasoning_effort: nonEmpty.optional(),
  model_reasoning_summary: z.enum(REASONING_SUMMARIES).optional(),
  model_verbosity: z.enum(VERBOSITIES).optional(),
  model_catalog_json: string.optional(),
  personality: z.enum(PERSONALITIES).optional(),
  chatgpt_base_url: string.optional(),
  model_instructions_file: string.optional(),
  js_repl_node_path: string.optional(),
  js_repl_node_module_dirs: strings.optional(),
  experimental_compact_prompt_file: string.optional(),
  include_permissions_instructions: bool.optional(),
  include_apps_instructions: bool.optional(),
  include_collaboration_mode_instructions: bool.optional(),
  include_environment_context: bool.optional(),
  include_environment_context_time: bool.optional(),
  experimental_use_unified_exec_tool: bool.optional(),
  tools: table.optional(),
  web_search: z.enum(WEB_SEARCH_MODES).optional(),
  analytics: table.optional(),
  tui: table.optional(),
  windows: table.optional(),
  features: FeaturesTomlSchema.optional(),
  oss_provider: string.optional(),
};

export const ProfileTomlSchema = z.strictObject(profileFields);
export type ProfileToml = z.infer<typeof ProfileTomlSchema>;

/** Every key of the original's config.toml (106), with the shape of its value. */
export const ConfigTomlSchema = z.strictObject({
  ...profileFields,
  daybreak: bool.optional(),
  review_model: string.optional(),
  model_context_window: integer.optional(),
  model_auto_compact_token_limit: integer.optional(),
  model_auto_compact_token_limit_scope: z.enum(['total', 'body_after_prefix']).optional(),
  model_post_turn_compact_threshold_percent: count.max(255).optional(),
  auto_review: table.optional(),
  browser_use: table.optional(),
  computer_use: table.optional(),
  shell_environment_policy: ShellEnvironmentPolicyTomlSchema.optional(),
  allow_login_shell: bool.optional(),
  allow_symlinked_codex_home: bool.optional(),
  sandbox_workspace_write: SandboxWorkspaceWriteTomlSchema.optional(),
  default_permissions: string.optional(),
  permissions: table.optional(),
  notify: strings.optional(),
  instructions: string.optional(),
  developer_instructions: string.optional(),
  compact_prompt: string.optional(),
  forced_chatgpt_workspace_id: z.union([string, strings]).optional(),
  forced_login_method: z.enum(FORCED_LOGIN_METHODS).optional(),
  cli_auth_credentials_store: z.enum(CREDENTIAL_STORES).optional(),
  mcp_servers: tableOf(table).optional(),
  mcp_enterprise_managed_auth: table.optional(),
  mcp_oauth_credentials_store: z.enum(['auto', 'file', 'keyring']).optional(),
  mcp_oauth_callback_port: count.max(65_535).optional(),
  mcp_oauth_callback_url: string.optional(),
  mcp_optional_startup_grace_ms: count.optional(),
  model_providers: tableOf(ModelProviderTomlSchema).optional(),
  project_doc_max_bytes: count.optional(),
  project_doc_fallback_filenames: strings.optional(),
  tool_output_token_limit: count.optional(),
  background_terminal_max_timeout: count.optional(),
  thread_unload_delay_secs: count.optional(),
  /** Legacy profile selector: read as a fallback with a deprecation warning. */
  profile: string.optional(),
  /** Legacy profile tables: read as a fallback with a deprecation warning. */
  profiles: tableOf(ProfileTomlSchema).optional(),
  history: HistoryTomlSchema.optional(),
  sqlite_home: string.optional(),
  log_dir: string.optional(),
  file_opener: z.enum(['vscode', 'vscode-insiders', 'windsurf', 'cursor', 'none']).optional(),
  hide_agent_reasoning: bool.optional(),
  show_raw_agent_reasoning: bool.optional(),
  apps_mcp_product_sku: string.optional(),
  responses_api_metadata: stringMap.optional(),
  orchestrator: table.optional(),
  cloud: table.optional(),
  openai_base_url: string.optional(),
  audio: table.optional(),
  experimental_realtime_ws_base_url: string.optional(),
  experimental_realtime_webrtc_call_base_url: string.optional(),
  experimental_realtime_ws_model: string.optional(),
  realtime: table.optional(),
  experimental_realtime_ws_backend_prompt: string.optional(),
  experimental_realtime_ws_startup_context: string.optional(),
  experimental_realtime_start_instructions: string.optional(),
  experimental_thread_store_endpoint: string.optional(),
  experimental_thread_store: table.optional(),
  projects: tableOf(ProjectTomlSchema).optional(),
  tool_suggest: table.optional(),
  agents: table.optional(),
  goals: table.optional(),
  memories: table.optional(),
  skills: table.optional(),
  hooks: table.optional(),
  plugins: tableOf(table).optional(),
  marketplaces: tableOf(table).optional(),
  suppress_unstable_features_warning: bool.optional(),
  ghost_snapshot: table.optional(),
  project_root_markers: strings.optional(),
  check_for_update_on_startup: bool.optional(),
  disable_paste_burst: bool.optional(),
  feedback: table.optional(),
  apps: table.optional(),
  desktop: table.optional(),
  otel: table.optional(),
  notice: table.optional(),
});
/** config.toml as written (snake_case keys), every key optional. */
export type ConfigToml = z.infer<typeof ConfigTomlSchema>;

/** The top-level keys the original knows, for tests and tools that list them. */
export const KNOWN_CONFIG_KEYS: readonly string[] = Object.freeze(
  Object.keys(ConfigTomlSchema.shape),
);
