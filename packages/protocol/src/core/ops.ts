import { z } from 'zod';
import { DynamicToolCallOutputContentItemSchema } from '../v2/index.js';
import {
  AskForApprovalSchema,
  InputItemSchema,
  ReasoningEffortSchema,
  ReasoningSummarySchema,
  ReviewDecisionSchema,
  SandboxPolicySchema,
} from './policy.js';

/** Operations submitted to a session, tagged by `type`. */
export const OpSchema = z.discriminatedUnion('type', [
  /** Abort the running turn. */
  z.object({ type: z.literal('interrupt') }),
  /** Start a turn with the session's settings. */
  z.object({
    type: z.literal('user_input'),
    items: z.array(InputItemSchema),
    /** A JSON Schema the turn's final message must match. */
    final_output_json_schema: z.record(z.string(), z.unknown()).nullable().optional(),
  }),
  /** Start a turn with settings that apply from now on. */
  z.object({
    type: z.literal('user_turn'),
    items: z.array(InputItemSchema),
    cwd: z.string(),
    approval_policy: AskForApprovalSchema,
    sandbox_policy: SandboxPolicySchema,
    model: z.string(),
    effort: ReasoningEffortSchema.nullable().optional(),
    summary: ReasoningSummarySchema,
    /** A JSON Schema the turn's final message must match (this turn only). */
    final_output_json_schema: z.record(z.string(), z.unknown()).nullable().optional(),
  }),
  /** Change settings for later turns without starting one. */
  z.object({
    type: z.literal('override_turn_context'),
    cwd: z.string().optional(),
    approval_policy: AskForApprovalSchema.optional(),
    sandbox_policy: SandboxPolicySchema.optional(),
    model: z.string().optional(),
    effort: ReasoningEffortSchema.nullable().optional(),
    summary: ReasoningSummarySchema.optional(),
  }),
  /**
   * Answer an `exec_approval_request`: `id` is the request's `call_id` (or, for older clients, the
   * submission id of the event, when only one request is pending under it).
   */
  z.object({ type: z.literal('exec_approval'), id: z.string(), decision: ReviewDecisionSchema }),
  /** Answer an `apply_patch_approval_request`. */
  z.object({ type: z.literal('patch_approval'), id: z.string(), decision: ReviewDecisionSchema }),
  /** Append a line to the cross-session message history. */
  z.object({ type: z.literal('add_to_history'), text: z.string() }),
  /** Read one history entry. */
  z.object({
    type: z.literal('get_history_entry_request'),
    offset: z.number().int().min(0),
    log_id: z.number().int().min(0),
  }),
  /** Summarise the conversation now to free context (a turn of its own). */
  z.object({ type: z.literal('compact') }),
  /** Answer an `elicitation_request` (`request_id` is its `id`). */
  z.object({
    type: z.literal('resolve_elicitation'),
    server_name: z.string(),
    request_id: z.string(),
    decision: z.enum(['accept', 'decline', 'cancel']),
    content: z.unknown().optional(),
    meta: z.unknown().optional(),
  }),
  /** Answer a `dynamic_tool_call_request` (`id` is its `call_id`). */
  z.object({
    type: z.literal('dynamic_tool_response'),
    id: z.string(),
    response: z.object({
      content_items: z.array(DynamicToolCallOutputContentItemSchema),
      success: z.boolean(),
    }),
  }),
  /** Stop the session; `shutdown_complete` follows. */
  z.object({ type: z.literal('shutdown') }),
]);
/** Operations submitted to a session. */
export type Op = z.infer<typeof OpSchema>;
/** The `type` tag of an op. */
export type OpType = Op['type'];

/** An op with the id that its events will carry. */
export const SubmissionSchema = z.object({ id: z.string(), op: OpSchema });
/** An op with the id that its events will carry. */
export type Submission = z.infer<typeof SubmissionSchema>;
