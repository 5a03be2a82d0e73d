import type { core } from '@codex/protocol';
import type { JsonSchema } from '../client/types.js';
import type { Config } from '../config/load.js';

/** The settings a turn runs with. */
export interface TurnSettings {
  /** The working directory of commands, absolute. */
  readonly cwd: string;
  /** When the agent asks before acting. */
  readonly approvalPolicy: core.AskForApproval;
  /** What commands may touch. */
  readonly sandboxPolicy: core.SandboxPolicy;
  /** The model. */
  readonly model: string;
  /** How hard the model thinks; `null` leaves it to the model. */
  readonly effort: core.ReasoningEffort | null;
  /** Whether reasoning summaries are asked for. */
  readonly summary: core.ReasoningSummary;
}

/** One turn's settings, with its id and the turn-only output schema. */
export interface TurnContext extends TurnSettings {
  /** The turn's id. */
  readonly turnId: string;
  /** The submission that started the turn: every event of the turn carries it. */
  readonly submissionId: string;
  /** A JSON Schema the final message must match, or `null`. */
  readonly outputSchema: JsonSchema | null;
}

const EFFORTS = new Set<string>(['minimal', 'low', 'medium', 'high']);
const SUMMARIES = new Set<string>(['auto', 'concise', 'detailed', 'none']);

/** The sandbox policy a config asks for, in the core protocol's shape. */
export function sandboxPolicyOf(config: Config): core.SandboxPolicy {
  switch (config.sandboxMode) {
    case 'danger-full-access':
      return { mode: 'danger-full-access' };
    case 'workspace-write': {
      const settings = config.sandboxWorkspaceWrite;
      return {
        mode: 'workspace-write',
        writable_roots: [...settings.writableRoots],
        network_access: settings.networkAccess,
        exclude_tmpdir_env_var: settings.excludeTmpdirEnvVar,
        exclude_slash_tmp: settings.excludeSlashTmp,
      };
    }
    default:
      return { mode: 'read-only' };
  }
}

/** The session's starting settings, from the config. */
export function settingsFromConfig(config: Config): TurnSettings {
  const effort = config.modelReasoningEffort;
  const summary = config.modelReasoningSummary;
  return {
    cwd: config.cwd,
    approvalPolicy: config.approvalPolicy,
    sandboxPolicy: sandboxPolicyOf(config),
    model: config.model,
    effort: effort !== null && EFFORTS.has(effort) ? (effort as core.ReasoningEffort) : null,
    summary: SUMMARIES.has(summary) ? (summary as core.ReasoningSummary) : 'auto',
  };
}

/** The settings with the op's fields laid over them (absent fields keep their value). */
export function overrideSettings(
  settings: TurnSettings,
  overrides: {
    readonly cwd?: string;
    readonly approval_policy?: core.AskForApproval;
    readonly sandbox_policy?: core.SandboxPolicy;
    readonly model?: string;
    readonly effort?: core.ReasoningEffort | null;
    readonly summary?: core.ReasoningSummary;
  },
): TurnSettings {
  return {
    cwd: overrides.cwd ?? settings.cwd,
    approvalPolicy: overrides.approval_policy ?? settings.approvalPolicy,
    sandboxPolicy: overrides.sandbox_policy ?? settings.sandboxPolicy,
    model: overrides.model ?? settings.model,
    effort: overrides.effort === undefined ? settings.effort : overrides.effort,
    summary: overrides.summary ?? settings.summary,
  };
}
