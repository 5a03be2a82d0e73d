import { core } from '@codex/protocol';
import type { TurnSettings } from '../../session/turn-context.js';
import type { TurnContextItem, WireSandboxPolicy } from './format.js';

/**
 * `turn_context` records in both directions: our turn settings (camelCase, the sandbox tagged
 * by `mode`) to the original's record (snake_case, tagged by `type`, network access of an
 * external sandbox as `enabled` / `restricted`), and back for a resumed thread's defaults.
 */

function wireSandboxPolicy(policy: core.SandboxPolicy): WireSandboxPolicy {
  switch (policy.mode) {
    case 'danger-full-access':
    case 'read-only':
      return { type: policy.mode };
    case 'external-sandbox':
      return {
        type: policy.mode,
        network_access: policy.network_access ? 'enabled' : 'restricted',
      };
    case 'workspace-write':
      return {
        type: policy.mode,
        writable_roots: policy.writable_roots ?? [],
        network_access: policy.network_access ?? false,
        exclude_tmpdir_env_var: policy.exclude_tmpdir_env_var ?? false,
        exclude_slash_tmp: policy.exclude_slash_tmp ?? false,
      };
  }
}

function sandboxPolicyOf(wire: unknown): core.SandboxPolicy | undefined {
  if (typeof wire !== 'object' || wire === null) return undefined;
  const { type, ...rest } = wire as { type?: unknown; [field: string]: unknown };
  if (type === 'external-sandbox')
    return { mode: type, network_access: rest.network_access === 'enabled' };
  const parsed = core.SandboxPolicySchema.safeParse({ ...rest, mode: type });
  return parsed.success ? parsed.data : undefined;
}

/** The `turn_context` record of a turn that runs with `settings`. */
export function turnContextItem(
  settings: TurnSettings & { readonly turnId?: string },
): TurnContextItem {
  return {
    ...(settings.turnId === undefined ? {} : { turn_id: settings.turnId }),
    cwd: settings.cwd,
    approval_policy: settings.approvalPolicy,
    sandbox_policy: wireSandboxPolicy(settings.sandboxPolicy),
    model: settings.model,
    ...(settings.effort === null ? {} : { effort: settings.effort }),
    summary: settings.summary,
  };
}

/** The effort of a record: its own field, or (the original's newest files) its collaboration mode's. */
function effortOf(item: TurnContextItem): unknown {
  if (item.effort !== undefined) return item.effort;
  const mode = item.collaboration_mode as { settings?: { reasoning_effort?: unknown } } | undefined;
  return mode?.settings?.reasoning_effort;
}

/**
 * The settings a `turn_context` record names, as resume defaults: each field only when the
 * record has it in a form this version knows (an effort of `none`, say, is left out).
 */
export function turnSettingsOf(item: TurnContextItem): Partial<TurnSettings> {
  const settings: { -readonly [K in keyof TurnSettings]?: TurnSettings[K] } = {};
  if (typeof item.cwd === 'string') settings.cwd = item.cwd;
  if (typeof item.model === 'string') settings.model = item.model;
  const approval = core.AskForApprovalSchema.safeParse(item.approval_policy);
  if (approval.success) settings.approvalPolicy = approval.data;
  const sandbox = sandboxPolicyOf(item.sandbox_policy);
  if (sandbox) settings.sandboxPolicy = sandbox;
  const effort = effortOf(item);
  if (effort === null) settings.effort = null;
  else {
    const parsed = core.ReasoningEffortSchema.safeParse(effort);
    if (parsed.success) settings.effort = parsed.data;
  }
  const summary = core.ReasoningSummarySchema.safeParse(item.summary);
  if (summary.success) settings.summary = summary.data;
  return settings;
}
