import { z } from 'zod';

/** When the agent must ask before running a command (core / config.toml spelling). */
export const AskForApprovalSchema = z.union([
  z.enum(['untrusted', 'on-failure', 'on-request', 'never']),
  /** Fine-grained: each kind of prompt on (`true`: ask) or off (`false`: refuse without asking). */
  z.strictObject({
    granular: z.object({
      /** Commands and patches that need to leave the sandbox. */
      sandbox_approval: z.boolean(),
      /** Prompts required by exec-policy rules. */
      rules: z.boolean(),
      skill_approval: z.boolean().optional(),
      request_permissions: z.boolean().optional(),
      mcp_elicitations: z.boolean(),
    }),
  }),
]);
/** When the agent must ask before running a command. */
export type AskForApproval = z.infer<typeof AskForApprovalSchema>;

/** The sandbox mode named in `config.toml` and by `-s`. */
export const SandboxModeSchema = z.enum(['read-only', 'workspace-write', 'danger-full-access']);
/** The sandbox mode named in `config.toml` and by `-s`. */
export type SandboxMode = z.infer<typeof SandboxModeSchema>;

/** The sandbox a command runs under, tagged by `mode`. */
export const SandboxPolicySchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('danger-full-access') }),
  z.object({ mode: z.literal('read-only') }),
  /** The caller runs the agent inside its own sandbox: commands are not wrapped. */
  z.object({
    mode: z.literal('external-sandbox'),
    /** Whether the external sandbox lets commands reach the network. */
    network_access: z.boolean().optional(),
  }),
  z.object({
    mode: z.literal('workspace-write'),
    /** Extra folders the command may write, beside the cwd. */
    writable_roots: z.array(z.string()).optional(),
    /** Whether outbound network is allowed. */
    network_access: z.boolean().optional(),
    /** Leave `$TMPDIR` read-only. */
    exclude_tmpdir_env_var: z.boolean().optional(),
    /** Leave `/tmp` read-only. */
    exclude_slash_tmp: z.boolean().optional(),
  }),
]);
/** The sandbox a command runs under. */
export type SandboxPolicy = z.infer<typeof SandboxPolicySchema>;

/** How hard the model reasons. */
export const ReasoningEffortSchema = z.enum(['minimal', 'low', 'medium', 'high']);
/** How hard the model reasons. */
export type ReasoningEffort = z.infer<typeof ReasoningEffortSchema>;

/** How the model's reasoning is summarised. */
export const ReasoningSummarySchema = z.enum(['auto', 'concise', 'detailed', 'none']);
/** How the model's reasoning is summarised. */
export type ReasoningSummary = z.infer<typeof ReasoningSummarySchema>;

/** A user's answer to an exec or patch approval request. */
export const ReviewDecisionSchema = z.union([
  z.enum([
    'approved',
    /** Approved, and the same request is approved without asking for the rest of the session. */
    'approved_for_session',
    /** Refused; the model is told and the turn continues. */
    'denied',
    /** Nobody answered in time; treated as `denied`. */
    'timed_out',
    /** Refused, and the turn ends (`turn_aborted`). */
    'abort',
  ]),
  /** Approved, and an `allow` rule for this command prefix is added to `rules/default.rules`. */
  z.strictObject({
    approved_execpolicy_amendment: z.object({
      proposed_execpolicy_amendment: z.array(z.string()).min(1),
    }),
  }),
]);
/** A user's answer to an exec or patch approval request. */
export type ReviewDecision = z.infer<typeof ReviewDecisionSchema>;

/** One file's change in a patch, tagged by `type`. */
export const FileChangeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('add'), content: z.string() }),
  z.object({ type: z.literal('delete'), content: z.string() }),
  z.object({
    type: z.literal('update'),
    unified_diff: z.string(),
    move_path: z.string().nullable().optional(),
  }),
]);
/** One file's change in a patch. */
export type FileChange = z.infer<typeof FileChangeSchema>;

/** One piece of user input, tagged by `type`. */
export const InputItemSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  /** A pre-encoded `data:` URL or remote image URL. */
  z.object({ type: z.literal('image'), image_url: z.string() }),
  /** A local image path, read and encoded by the agent. */
  z.object({ type: z.literal('local_image'), path: z.string() }),
]);
/** One piece of user input. */
export type InputItem = z.infer<typeof InputItemSchema>;
