import { z } from 'zod';
import { DynamicToolCallOutputContentItemSchema, HookRunSummarySchema } from '../v2/index.js';
import {
  AskForApprovalSchema,
  FileChangeSchema,
  ReasoningEffortSchema,
  ReviewDecisionSchema,
  SandboxPolicySchema,
} from './policy.js';

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

/** The turn an event belongs to (a UUIDv7; the v2 `turnId`). Absent on events from before turns had ids. */
const turnId = z.string().optional();
/** The item an event belongs to: the Responses item id for model output (the v2 `itemId`). */
const itemId = z.string().optional();

/** Token usage of the last response and the running totals, as the original's `token_count.info`. */
export const TokenUsageInfoSchema = z.object({
  /** Summed over the whole thread. */
  total_token_usage: TokenUsageSchema,
  /** The last model response's usage. */
  last_token_usage: TokenUsageSchema,
  /** Summed over the current turn (codex-ts addition). */
  turn_token_usage: TokenUsageSchema.optional(),
  model_context_window: z.number().int().min(0).nullable().optional(),
});
/** Token usage of the last response and the running totals. */
export type TokenUsageInfo = z.infer<typeof TokenUsageInfoSchema>;

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
  /** The provider id from `config.toml` (`model_providers.<id>`). */
  model_provider_id: z.string().optional(),
  approval_policy: AskForApprovalSchema.optional(),
  sandbox_policy: SandboxPolicySchema.optional(),
  cwd: z.string().optional(),
});
/** A turn (task) began. */
export const TaskStartedEventSchema = event('task_started', {
  turn_id: turnId,
  model_context_window: z.number().int().min(0).nullable().optional(),
});
/** A chunk of the assistant's message. */
export const AgentMessageDeltaEventSchema = event('agent_message_delta', {
  delta: z.string(),
  turn_id: turnId,
  item_id: itemId,
});
/** The assistant's whole message. */
export const AgentMessageEventSchema = event('agent_message', {
  message: z.string(),
  turn_id: turnId,
  item_id: itemId,
});
/** A chunk of the reasoning summary. */
export const AgentReasoningDeltaEventSchema = event('agent_reasoning_delta', {
  delta: z.string(),
  turn_id: turnId,
  item_id: itemId,
  /** Which summary part the chunk belongs to. */
  summary_index: z.number().int().min(0).optional(),
});
/** The whole reasoning summary. */
export const AgentReasoningEventSchema = event('agent_reasoning', {
  text: z.string(),
  turn_id: turnId,
  item_id: itemId,
});
/** The user's input for a turn (or steering input delivered mid-turn) entered the conversation. */
export const UserMessageEventSchema = event('user_message', {
  message: z.string(),
  turn_id: turnId,
  item_id: itemId,
  /** Image URLs (remote or `data:`) sent with the message. */
  images: z.array(z.string()).nullable().optional(),
  /** Local image paths the user attached (sent to the model as data URLs). */
  local_images: z.array(z.string()).optional(),
});
/** How a command came to run. */
export const ExecCommandSourceSchema = z.enum([
  'agent',
  'user_shell',
  'unified_exec_startup',
  'unified_exec_interaction',
]);
/** How a command came to run. */
export type ExecCommandSource = z.infer<typeof ExecCommandSourceSchema>;
/** A shell command started. */
export const ExecCommandBeginEventSchema = event('exec_command_begin', {
  call_id: z.string(),
  command: z.array(z.string()),
  cwd: z.string(),
  parsed_cmd: z.array(z.unknown()).optional(),
  turn_id: turnId,
  source: ExecCommandSourceSchema.optional(),
  /** The exec-server process id, once started. */
  process_id: z.string().nullable().optional(),
  /** For `write_stdin`: the characters written. */
  interaction_input: z.string().nullable().optional(),
});
/** Output of a running command; `chunk` is base64 bytes. */
export const ExecCommandOutputDeltaEventSchema = event('exec_command_output_delta', {
  call_id: z.string(),
  stream: z.enum(['stdout', 'stderr']),
  chunk: z.string(),
  turn_id: turnId,
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
  turn_id: turnId,
  command: z.array(z.string()).optional(),
  cwd: z.string().optional(),
  process_id: z.string().nullable().optional(),
  source: ExecCommandSourceSchema.optional(),
  /** `declined` when an approval was refused; `failed` when it could not run or exited non-zero. */
  status: z.enum(['completed', 'failed', 'declined']).optional(),
});
/** The agent asks to run a command. */
export const ExecApprovalRequestEventSchema = event('exec_approval_request', {
  call_id: z.string(),
  command: z.array(z.string()),
  cwd: z.string(),
  reason: z.string().nullable().optional(),
  turn_id: turnId,
  /** The decisions the client may answer with. */
  available_decisions: z.array(ReviewDecisionSchema).optional(),
  /** A command prefix the user may allow from now on (an exec-policy rule). */
  proposed_execpolicy_amendment: z.array(z.string()).nullable().optional(),
});
/** The agent asks to apply a patch. */
export const ApplyPatchApprovalRequestEventSchema = event('apply_patch_approval_request', {
  call_id: z.string(),
  changes: z.record(z.string(), FileChangeSchema),
  reason: z.string().nullable().optional(),
  /** A folder the user may grant write access to for the rest of the session. */
  grant_root: z.string().nullable().optional(),
  turn_id: turnId,
  available_decisions: z.array(ReviewDecisionSchema).optional(),
});
/** A patch is about to be applied. */
export const PatchApplyBeginEventSchema = event('patch_apply_begin', {
  call_id: z.string(),
  auto_approved: z.boolean(),
  changes: z.record(z.string(), FileChangeSchema),
  turn_id: turnId,
});
/** A patch was applied (or failed). */
export const PatchApplyEndEventSchema = event('patch_apply_end', {
  call_id: z.string(),
  stdout: z.string(),
  stderr: z.string(),
  success: z.boolean(),
  turn_id: turnId,
  /** What the patch changed (what it would have changed, on failure). */
  changes: z.record(z.string(), FileChangeSchema).optional(),
  status: z.enum(['completed', 'failed', 'declined']).optional(),
});
/** The turn's aggregated diff changed. */
export const TurnDiffEventSchema = event('turn_diff', {
  unified_diff: z.string(),
  turn_id: turnId,
});
/** The agent updated its plan. */
export const PlanUpdateEventSchema = event('plan_update', {
  explanation: z.string().nullable().optional(),
  plan: z.array(PlanItemSchema),
  turn_id: turnId,
  call_id: z.string().optional(),
});
/** The agent attached a local image to the conversation (`view_image`). */
export const ViewImageToolCallEventSchema = event('view_image_tool_call', {
  call_id: z.string(),
  path: z.string(),
  turn_id: turnId,
});
/** Token usage after a model response. */
export const TokenCountEventSchema = event('token_count', {
  /** The last response's usage, flat (the v1 shape). */
  ...TokenUsageSchema.shape,
  turn_id: turnId,
  info: TokenUsageInfoSchema.nullable().optional(),
});
/** A turn finished. */
export const TaskCompleteEventSchema = event('task_complete', {
  last_agent_message: z.string().nullable().optional(),
  turn_id: turnId,
});
/** A turn was cut short. */
export const TurnAbortedEventSchema = event('turn_aborted', {
  reason: z.enum(['interrupted', 'replaced']),
  turn_id: turnId,
});
/** A fatal error for the turn. */
export const ErrorEventSchema = event('error', {
  message: z.string(),
  turn_id: turnId,
  /** A stable code to switch on (the model client's error codes, e.g. `rate_limited`). */
  code: z.string().optional(),
});
/** A transient stream error; the agent retries. */
export const StreamErrorEventSchema = event('stream_error', {
  message: z.string(),
  turn_id: turnId,
  code: z.string().optional(),
});
/** The conversation is being summarised to free context (automatically or by the `compact` op). */
export const ContextCompactionBeginEventSchema = event('context_compaction_begin', {
  turn_id: turnId,
  item_id: itemId,
});
/** The conversation was replaced by its summary. */
export const ContextCompactedEventSchema = event('context_compacted', {
  turn_id: turnId,
  item_id: itemId,
  /** Tokens in the context before the compaction, when known. */
  tokens_before: z.number().int().min(0).nullable().optional(),
});
/** An MCP tool call as the model made it: the server's and the tool's real names. */
export const McpInvocationSchema = z.object({
  server: z.string(),
  tool: z.string(),
  arguments: z.unknown().nullable().optional(),
});
/** An MCP tool call as the model made it. */
export type McpInvocation = z.infer<typeof McpInvocationSchema>;

/** What an MCP server answered to `tools/call` (its `CallToolResult`). */
export const McpCallToolResultSchema = z
  .object({
    content: z.array(z.unknown()),
    structuredContent: z.unknown().optional(),
    isError: z.boolean().nullable().optional(),
    _meta: z.unknown().optional(),
  })
  .passthrough();
/** What an MCP server answered to `tools/call`. */
export type McpCallToolResult = z.infer<typeof McpCallToolResultSchema>;

/** The agent is calling a tool of an MCP server. */
export const McpToolCallBeginEventSchema = event('mcp_tool_call_begin', {
  call_id: z.string(),
  invocation: McpInvocationSchema,
  turn_id: turnId,
  /** The tool's `readOnlyHint` annotation, when it has one (codex-ts addition, for v2 items). */
  read_only_hint: z.boolean().nullable().optional(),
});
/** An MCP tool call finished: the server's result (`Ok`), or why there is none (`Err`). */
export const McpToolCallEndEventSchema = event('mcp_tool_call_end', {
  call_id: z.string(),
  invocation: McpInvocationSchema,
  duration: DurationSchema,
  result: z.union([z.object({ Ok: McpCallToolResultSchema }), z.object({ Err: z.string() })]),
  turn_id: turnId,
  read_only_hint: z.boolean().nullable().optional(),
});
/** Where an MCP server is in its startup. */
export const McpStartupStatusSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('starting') }),
  z.object({ state: z.literal('ready') }),
  z.object({ state: z.literal('failed'), error: z.string() }),
  z.object({ state: z.literal('cancelled') }),
]);
/** Where an MCP server is in its startup. */
export type McpStartupStatus = z.infer<typeof McpStartupStatusSchema>;
/** An MCP server of the session changed state while starting. */
export const McpStartupUpdateEventSchema = event('mcp_startup_update', {
  server: z.string(),
  status: McpStartupStatusSchema,
});
/** Every MCP server of the session is ready or failed. */
export const McpStartupCompleteEventSchema = event('mcp_startup_complete', {
  ready: z.array(z.string()),
  failed: z.array(z.object({ server: z.string(), error: z.string() })),
  cancelled: z.array(z.string()),
});
/**
 * A question for the user on behalf of an MCP server: the server's own `elicitation/create`
 * (`meta` null), or whether to let the agent call one of its tools (`meta.codex_approval_kind`
 * `mcp_tool_call`). Answered with the `resolve_elicitation` op.
 */
export const ElicitationRequestEventSchema = event('elicitation_request', {
  server_name: z.string(),
  id: z.string(),
  turn_id: turnId,
  message: z.string(),
  requested_schema: z.unknown(),
  meta: z.record(z.string(), z.unknown()).nullable(),
});
/** The agent calls a tool the host registered; answered with the `dynamic_tool_response` op. */
export const DynamicToolCallRequestEventSchema = event('dynamic_tool_call_request', {
  call_id: z.string(),
  turn_id: turnId,
  namespace: z.string().nullable(),
  tool: z.string(),
  arguments: z.unknown(),
});
/** A host tool call finished. */
export const DynamicToolCallResponseEventSchema = event('dynamic_tool_call_response', {
  call_id: z.string(),
  turn_id: turnId,
  namespace: z.string().nullable(),
  tool: z.string(),
  arguments: z.unknown(),
  content_items: z.array(DynamicToolCallOutputContentItemSchema),
  success: z.boolean(),
  error: z.string().nullable(),
  duration: DurationSchema,
});
/** A hook command started. */
export const HookStartedEventSchema = event('hook_started', {
  turn_id: z.string().nullable(),
  run: HookRunSummarySchema,
});
/** A hook command finished. */
export const HookCompletedEventSchema = event('hook_completed', {
  turn_id: z.string().nullable(),
  run: HookRunSummarySchema,
});
/** Something the user should know that does not stop the turn. */
export const WarningEventSchema = event('warning', { message: z.string(), turn_id: turnId });
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
  UserMessageEventSchema,
  ExecCommandBeginEventSchema,
  ExecCommandOutputDeltaEventSchema,
  ExecCommandEndEventSchema,
  ExecApprovalRequestEventSchema,
  ApplyPatchApprovalRequestEventSchema,
  PatchApplyBeginEventSchema,
  PatchApplyEndEventSchema,
  TurnDiffEventSchema,
  PlanUpdateEventSchema,
  ViewImageToolCallEventSchema,
  TokenCountEventSchema,
  TaskCompleteEventSchema,
  TurnAbortedEventSchema,
  ErrorEventSchema,
  StreamErrorEventSchema,
  BackgroundEventEventSchema,
  WarningEventSchema,
  ContextCompactionBeginEventSchema,
  ContextCompactedEventSchema,
  ShutdownCompleteEventSchema,
  McpToolCallBeginEventSchema,
  McpToolCallEndEventSchema,
  McpStartupUpdateEventSchema,
  McpStartupCompleteEventSchema,
  ElicitationRequestEventSchema,
  DynamicToolCallRequestEventSchema,
  DynamicToolCallResponseEventSchema,
  HookStartedEventSchema,
  HookCompletedEventSchema,
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
