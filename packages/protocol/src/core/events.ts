import { z } from 'zod';
import { FileChangeSchema, ReasoningEffortSchema } from './policy.js';

/** Token counts for one model response or a running total. */
export const TokenUsageSchema = z.object({
  input_tokens: z.number().int().min(0),
  cached_input_tokens: z.number().int().min(0).nullable().optional(),
  output_tokens: z.number().int().min(0),
  reasoning_output_tokens: z.number().int().min(0).nullable().optional(),
  total_tokens: z.number().int().min(0),
});
/** Token counts for one model response or a running total. */
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

/** A step of the agent's plan. */
export const PlanItemSchema = z.object({
  step: z.string(),
  status: z.enum(['pending', 'in_progress', 'completed']),
});
/** A step of the agent's plan. */
export type PlanItem = z.infer<typeof PlanItemSchema>;

/** A Rust `Duration` as serde writes it. */
export const DurationSchema = z.object({
  secs: z.number().int().min(0),
  nanos: z.number().int().min(0),
});
/** A Rust `Duration` as serde writes it. */
export type Duration = z.infer<typeof DurationSchema>;

const event = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), ...shape });

/** Emitted once, first: the session is ready. */
export const SessionConfiguredEventSchema = event('session_configured', {
  session_id: z.string(),
  model: z.string(),
  reasoning_effort: ReasoningEffortSchema.nullable().optional(),
  history_log_id: z.number().int().min(0),
  history_entry_count: z.number().int().min(0),
  /** Events replayed from a resumed rollout. */
  initial_messages: z.array(z.unknown()).nullable().optional(),
  rollout_path: z.string().optional(),
});
/** A turn (task) began. */
export const TaskStartedEventSchema = event('task_started', {
  model_context_window: z.number().int().min(0).nullable().optional(),
});
/** A chunk of the assistant's message. */
export const AgentMessageDeltaEventSchema = event('agent_message_delta', { delta: z.string() });
/** The assistant's whole message. */
export const AgentMessageEventSchema = event('agent_message', { message: z.string() });
/** A chunk of the reasoning summary. */
export const AgentReasoningDeltaEventSchema = event('agent_reasoning_delta', { delta: z.string() });
/** The whole reasoning summary. */
export const AgentReasoningEventSchema = event('agent_reasoning', { text: z.string() });
/** A shell command started. */
export const ExecCommandBeginEventSchema = event('exec_command_begin', {
  call_id: z.string(),
  command: z.array(z.string()),
  cwd: z.string(),
  parsed_cmd: z.array(z.unknown()).optional(),
});
/** Output of a running command; `chunk` is base64 bytes. */
export const ExecCommandOutputDeltaEventSchema = event('exec_command_output_delta', {
  call_id: z.string(),
  stream: z.enum(['stdout', 'stderr']),
  chunk: z.string(),
});
/** A shell command finished. */
export const ExecCommandEndEventSchema = event('exec_command_end', {
  call_id: z.string(),
  stdout: z.string(),
  stderr: z.string(),
  aggregated_output: z.string().optional(),
  exit_code: z.number().int(),
  duration: DurationSchema,
  formatted_output: z.string().optional(),
});
/** The agent asks to run a command. */
export const ExecApprovalRequestEventSchema = event('exec_approval_request', {
  call_id: z.string(),
  command: z.array(z.string()),
  cwd: z.string(),
  reason: z.string().nullable().optional(),
});
/** The agent asks to apply a patch. */
export const ApplyPatchApprovalRequestEventSchema = event('apply_patch_approval_request', {
  call_id: z.string(),
  changes: z.record(z.string(), FileChangeSchema),
  reason: z.string().nullable().optional(),
  /** A folder the user may grant write access to for the rest of the session. */
  grant_root: z.string().nullable().optional(),
});
/** A patch is about to be applied. */
export const PatchApplyBeginEventSchema = event('patch_apply_begin', {
  call_id: z.string(),
  auto_approved: z.boolean(),
  changes: z.record(z.string(), FileChangeSchema),
});
/** A patch was applied (or failed). */
export const PatchApplyEndEventSchema = event('patch_apply_end', {
  call_id: z.string(),
  stdout: z.string(),
  stderr: z.string(),
  success: z.boolean(),
});
/** The turn's aggregated diff changed. */
export const TurnDiffEventSchema = event('turn_diff', { unified_diff: z.string() });
/** The agent updated its plan. */
export const PlanUpdateEventSchema = event('plan_update', {
  explanation: z.string().nullable().optional(),
  plan: z.array(PlanItemSchema),
});
/** Token usage after a model response. */
export const TokenCountEventSchema = event('token_count', TokenUsageSchema.shape);
/** A turn finished. */
export const TaskCompleteEventSchema = event('task_complete', {
  last_agent_message: z.string().nullable().optional(),
});
/** A turn was cut short. */
export const TurnAbortedEventSchema = event('turn_aborted', {
  reason: z.enum(['interrupted', 'replaced']),
});
/** A fatal error for the turn. */
export const ErrorEventSchema = event('error', { message: z.string() });
/** A transient stream error; the agent retries. */
export const StreamErrorEventSchema = event('stream_error', { message: z.string() });
/** Informational message from the agent runtime. */
export const BackgroundEventEventSchema = event('background_event', { message: z.string() });
/** The session has shut down; no more events follow. */
export const ShutdownCompleteEventSchema = event('shutdown_complete', {});

/** Everything a session emits, tagged by `type`. */
export const EventMsgSchema = z.discriminatedUnion('type', [
  SessionConfiguredEventSchema,
  TaskStartedEventSchema,
  AgentMessageDeltaEventSchema,
  AgentMessageEventSchema,
  AgentReasoningDeltaEventSchema,
  AgentReasoningEventSchema,
  ExecCommandBeginEventSchema,
  ExecCommandOutputDeltaEventSchema,
  ExecCommandEndEventSchema,
  ExecApprovalRequestEventSchema,
  ApplyPatchApprovalRequestEventSchema,
  PatchApplyBeginEventSchema,
  PatchApplyEndEventSchema,
  TurnDiffEventSchema,
  PlanUpdateEventSchema,
  TokenCountEventSchema,
  TaskCompleteEventSchema,
  TurnAbortedEventSchema,
  ErrorEventSchema,
  StreamErrorEventSchema,
  BackgroundEventEventSchema,
  ShutdownCompleteEventSchema,
]);
/** Everything a session emits. */
export type EventMsg = z.infer<typeof EventMsgSchema>;
/** The `type` tag of an event. */
export type EventMsgType = EventMsg['type'];
/** The event whose tag is `T`. */
export type EventMsgOf<T extends EventMsgType> = Extract<EventMsg, { type: T }>;

/** An event with the id of the submission that caused it. */
export const EventSchema = z.object({ id: z.string(), msg: EventMsgSchema });
/** An event with the id of the submission that caused it. */
export type Event = z.infer<typeof EventSchema>;

/** Every event tag, in declaration order. */
export const EVENT_MSG_TYPES: readonly EventMsgType[] = EventMsgSchema.options.map(
  (option) => option.shape.type.value,
);
