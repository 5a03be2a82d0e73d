import { uuidv7 } from '@codex/common';
import type { core } from '@codex/protocol';
import type { ResponseItem } from '../../client/types.js';
import type { PersistedEventMsg } from './format.js';

/**
 * What goes into a rollout: the model-visible history (`response_item`) and a small subset of
 * the session's events, each in the payload shape the original writes (its
 * `rollout/src/policy.rs` and the files 0.169.0 wrote), so that the original rebuilds the
 * thread's turns from our files. Deltas, `*_begin` events, approvals, command output, errors
 * and warnings are not persisted: they are either in the history already or only matter live.
 */

/** Options of {@link persistedEvent}. */
export interface PersistedEventOptions {
  /** When the event happened (for `started_at` / `completed_at`). Default: now. */
  readonly now?: Date;
  /** The thread the rollout belongs to (completed items name it). */
  readonly threadId?: string;
}

/** The original's token counts: every field present, `null`s as 0. */
function wireUsage(usage: core.TokenUsage): Record<string, number> {
  return {
    input_tokens: usage.input_tokens,
    cached_input_tokens: usage.cached_input_tokens ?? 0,
    cache_write_input_tokens: 0,
    output_tokens: usage.output_tokens,
    reasoning_output_tokens: usage.reasoning_output_tokens ?? 0,
    total_tokens: usage.total_tokens,
  };
}

const unixSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * The `event_msg` payload to persist for `msg`, or `null` when the original does not persist
 * events of its kind. Our codex-ts-only fields (`item_id`, a flat `token_count`) are dropped.
 */
export function persistedEvent(
  msg: core.EventMsg,
  options: PersistedEventOptions = {},
): PersistedEventMsg | null {
  const now = options.now ?? new Date();
  switch (msg.type) {
    case 'user_message':
      return {
        type: msg.type,
        message: msg.message,
        images: msg.images ?? null,
        local_images: msg.local_images ?? [],
        text_elements: [],
      };
    case 'agent_message':
      return { type: msg.type, message: msg.message };
    case 'agent_reasoning':
      return { type: msg.type, text: msg.text };
    case 'token_count':
      return {
        type: msg.type,
        info: msg.info
          ? {
              total_token_usage: wireUsage(msg.info.total_token_usage),
              last_token_usage: wireUsage(msg.info.last_token_usage),
              last_usage_includes_reasoning: false,
              model_context_window: msg.info.model_context_window ?? null,
            }
          : null,
        rate_limits: null,
      };
    case 'task_started':
      return {
        type: msg.type,
        turn_id: msg.turn_id ?? '',
        started_at: unixSeconds(now),
        model_context_window: msg.model_context_window ?? null,
        collaboration_mode_kind: 'default',
      };
    case 'task_complete':
      return {
        type: msg.type,
        turn_id: msg.turn_id ?? '',
        last_agent_message: msg.last_agent_message ?? null,
        completed_at: unixSeconds(now),
      };
    case 'turn_aborted':
      return { type: msg.type, turn_id: msg.turn_id ?? null, reason: msg.reason };
    case 'patch_apply_end':
      return {
        type: msg.type,
        call_id: msg.call_id,
        turn_id: msg.turn_id ?? '',
        stdout: msg.stdout,
        stderr: msg.stderr,
        success: msg.success,
        changes: msg.changes ?? {},
        status: msg.status ?? (msg.success ? 'completed' : 'failed'),
      };
    case 'context_compacted':
      return { type: msg.type };
    case 'mcp_tool_call_end': {
      // 0.169.0 records MCP calls as completed turn items, not as `mcp_tool_call_end`.
      const ok = 'Ok' in msg.result ? msg.result.Ok : null;
      const ms = now.getTime();
      const durationMs = msg.duration.secs * 1000 + Math.round(msg.duration.nanos / 1e6);
      return {
        type: 'item_completed',
        thread_id: options.threadId ?? '',
        turn_id: msg.turn_id ?? '',
        item: {
          type: 'McpToolCall',
          id: msg.call_id,
          server: msg.invocation.server,
          tool: msg.invocation.tool,
          arguments: msg.invocation.arguments ?? null,
          status: ok && !ok.isError ? 'completed' : 'failed',
          ...(ok
            ? { result: ok }
            : { error: { message: 'Err' in msg.result ? msg.result.Err : '' } }),
          duration: msg.duration,
        },
        started_at_ms: ms - durationMs,
        completed_at_ms: ms,
      };
    }
    case 'session_configured':
    case 'agent_message_delta':
    case 'agent_reasoning_delta':
    case 'exec_command_begin':
    case 'exec_command_output_delta':
    case 'exec_command_end':
    case 'exec_approval_request':
    case 'apply_patch_approval_request':
    case 'patch_apply_begin':
    case 'turn_diff':
    case 'plan_update':
    case 'view_image_tool_call':
    case 'error':
    case 'stream_error':
    case 'background_event':
    case 'warning':
    case 'context_compaction_begin':
    case 'shutdown_complete':
    case 'mcp_tool_call_begin':
    case 'mcp_startup_update':
    case 'mcp_startup_complete':
    case 'elicitation_request':
    case 'dynamic_tool_call_request':
    case 'dynamic_tool_call_response':
    case 'hook_started':
    case 'hook_completed':
      return null;
  }
}

/** Where a paginated-file event is recorded: the thread and the turn in flight. */
export interface PaginatedEventContext {
  readonly threadId: string;
  /** The turn of the last `task_started` recorded. */
  readonly turnId: string | undefined;
  readonly now: Date;
}

/**
 * An event in the shape a `paginated` file holds it. There the original records the user's and
 * the agent's messages as completed turn items (`item_completed` with a `UserMessage` /
 * `AgentMessage`) instead of `user_message` / `agent_message`, and rebuilds a thread's turns
 * from those alone; other events are the same in both modes.
 */
export function paginatedEvent(
  payload: PersistedEventMsg,
  context: PaginatedEventContext,
): PersistedEventMsg {
  let item: Record<string, unknown>;
  if (payload.type === 'user_message') {
    const images = Array.isArray(payload.images) ? (payload.images as unknown[]) : [];
    const localImages = Array.isArray(payload.local_images)
      ? (payload.local_images as unknown[])
      : [];
    item = {
      type: 'UserMessage',
      id: uuidv7(context.now.getTime()),
      content: [
        { type: 'text', text: payload.message, text_elements: [] },
        ...images.map((url) => ({ type: 'image', image_url: url })),
        ...localImages.map((path) => ({ type: 'local_image', path })),
      ],
    };
  } else if (payload.type === 'agent_message')
    item = {
      type: 'AgentMessage',
      id: uuidv7(context.now.getTime()),
      content: [{ type: 'Text', text: payload.message }],
    };
  else return payload;
  const ms = context.now.getTime();
  return {
    type: 'item_completed',
    thread_id: context.threadId,
    turn_id: context.turnId ?? '',
    item,
    started_at_ms: ms,
    completed_at_ms: ms,
  };
}

/** Response item types that are never persisted: requests to the API, not history. */
const TRANSIENT_RESPONSE_ITEM_TYPES: ReadonlySet<ResponseItem['type']> = new Set([
  'compaction_trigger',
  'other',
]);

/** Whether a history item belongs in the rollout (all but the original's two exceptions). */
export const isPersistedResponseItem = (item: ResponseItem): boolean =>
  !TRANSIENT_RESPONSE_ITEM_TYPES.has(item.type);
