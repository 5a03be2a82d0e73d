import type { core, MethodOf, TableParams, v2 } from '@codex/protocol';
import {
  agentMessageItem,
  type CommandExecutionInput,
  commandActionsForArgv,
  commandActionsFromParsed,
  commandExecutionItem,
  commandExecutionSource,
  contextCompactionItem,
  durationMs,
  dynamicToolCallItem,
  fileChangeItem,
  fileUpdateChanges,
  imageViewItem,
  inProgressTurn,
  LOCAL_ENVIRONMENT_ID,
  mcpToolCallItem,
  mcpToolCallResult,
  reasoningItem,
  shellJoin,
  type ThreadItemOf,
  turnPlanStep,
  unixSeconds,
  userMessageItem,
} from './items.js';

type ServerNotifications = typeof v2.serverNotificationsV2;
type ServerRequests = typeof v2.serverRequestsV2;

/** A v2 server notification method. */
export type ServerNotificationMethod = MethodOf<ServerNotifications>;

/** The approval requests the translator asks the server to send to the thread's client. */
export type ApprovalMethod =
  | 'item/commandExecution/requestApproval'
  | 'item/fileChange/requestApproval';

/** A notification to send: its method and params, typed from the v2 table. */
export type NotificationOf<M extends ServerNotificationMethod> = {
  /** A notification. */
  readonly kind: 'notification';
  /** Its v2 method. */
  readonly method: M;
  /** Its params. */
  readonly params: TableParams<ServerNotifications, M>;
};

/**
 * An approval to ask the client for: the server sends it as a server-to-client request (its
 * own request id), answers core by `callId`, then sends `serverRequest/resolved` and the
 * status change from {@link ThreadEventTranslator.approvalAnswered}.
 */
export type ApprovalOf<M extends ApprovalMethod> = {
  /** An approval request. */
  readonly kind: 'approval';
  /** Its v2 method. */
  readonly method: M;
  /** The core call id the answer goes to (`exec_approval` / `patch_approval` op id). */
  readonly callId: string;
  /** The request's params. */
  readonly params: TableParams<ServerRequests, M>;
};

/**
 * A question for the user on behalf of an MCP server (its own `elicitation/create`, or whether
 * to let the agent call one of its tools): sent as `mcpServer/elicitation/request`, answered to
 * core with `resolve_elicitation`, then {@link ThreadEventTranslator.approvalAnswered} by `key`.
 */
export interface ElicitationMessage {
  /** An MCP server's question. */
  readonly kind: 'elicitation';
  /** The v2 method it is sent as. */
  readonly method: 'mcpServer/elicitation/request';
  /** Names the request among the thread's pending ones (see {@link elicitationKey}). */
  readonly key: string;
  /** The MCP server asking. */
  readonly serverName: string;
  /** Core's id of the request (`resolve_elicitation.request_id`). */
  readonly requestId: string;
  /** The request's params. */
  readonly params: v2.McpServerElicitationRequestParams;
}

/**
 * A call of a tool the client registered (`dynamicTools`): sent as `item/tool/call` to that
 * client, answered to core with `dynamic_tool_response` by `callId`.
 */
export interface ToolCallMessage {
  /** A client tool call. */
  readonly kind: 'toolCall';
  /** The v2 method it is sent as. */
  readonly method: 'item/tool/call';
  /** The core call id the answer goes to. */
  readonly callId: string;
  /** The request's params. */
  readonly params: v2.DynamicToolCallParams;
}

/** One message the server sends for a core event. */
export type TranslatedMessage =
  | { [M in ServerNotificationMethod]: NotificationOf<M> }[ServerNotificationMethod]
  | { [M in ApprovalMethod]: ApprovalOf<M> }[ApprovalMethod]
  | ElicitationMessage
  | ToolCallMessage;

/** The key of an elicitation among a thread's pending requests: its server and core id. */
export const elicitationKey = (serverName: string, requestId: string): string =>
  `elicitation:${serverName}\u0000${requestId}`;

/** Options of {@link ThreadEventTranslator}. */
export interface ThreadEventTranslatorOptions {
  /** The thread whose events are translated; its id goes into every message. */
  readonly threadId: string;
  /** The clock (unix ms). Default `Date.now`. */
  readonly now?: () => number;
}

function notification<M extends ServerNotificationMethod>(
  method: M,
  params: TableParams<ServerNotifications, M>,
): NotificationOf<M> {
  return { kind: 'notification', method, params };
}

/** A command item between its start and its end. */
interface CommandState {
  readonly argv: readonly string[];
  readonly cwd: string;
  commandActions: v2.CommandAction[];
  source: v2.CommandExecutionSource;
  processId: string | null;
  readonly startedAtMs: number;
  /** Decodes output chunks, keeping a UTF-8 sequence split across chunks whole. */
  decoder: InstanceType<typeof TextDecoder> | null;
}

/** An MCP or host tool call between its start and its end. */
interface ToolCallState {
  readonly startedAtMs: number;
}

/** A file-change item between its start and its end. */
interface PatchState {
  changes: v2.FileUpdateChange[];
  readonly startedAtMs: number;
}

/** The reasoning item being streamed. Only its finished summary parts are kept, not deltas. */
interface ReasoningState {
  readonly id: string;
  readonly startedAtMs: number;
  /** The summary part the last delta belonged to. */
  summaryIndex: number;
  /** Finished summary parts (`agent_reasoning`), in order. */
  readonly summary: string[];
}

/** What one turn in flight needs to be told to the client. */
interface TurnState {
  readonly id: string;
  readonly startedAtMs: number;
  /** Agent messages started and not completed: id → startedAtMs. */
  readonly openMessages: Map<string, number>;
  /** Completed agent messages: the `summary` items of `turn/completed`. */
  readonly agentMessages: ThreadItemOf<'agentMessage'>[];
  reasoning: ReasoningState | null;
  readonly commands: Map<string, CommandState>;
  readonly patches: Map<string, PatchState>;
  /** MCP and host tool calls begun and not ended, by call id. */
  readonly toolCalls: Map<string, ToolCallState>;
  /** Compactions started and not completed: item id → startedAtMs. */
  readonly compactions: Map<string, number>;
  /** The error that failed the turn, reported when it completes. */
  error: v2.TurnError | null;
  /** For items core sent without an id. */
  nextLocalId: number;
}

// Events that neither belong to an item nor start one: they leave a streamed reasoning item open.
const ITEM_NEUTRAL_EVENTS: ReadonlySet<core.EventMsgType> = new Set([
  'session_configured',
  'token_count',
  'warning',
  'error',
  'stream_error',
  'plan_update',
  'turn_diff',
  'background_event',
  'shutdown_complete',
  'mcp_startup_update',
  'mcp_startup_complete',
]);

const CORE_DECISIONS: Readonly<
  Record<Exclude<core.ReviewDecision, object>, v2.CommandExecutionApprovalDecision | null>
> = {
  approved: 'accept',
  approved_for_session: 'acceptForSession',
  denied: 'decline',
  abort: 'cancel',
  // Not something a client answers: the session's own verdict when nobody does.
  timed_out: null,
};

/** Core's `available_decisions` as the v2 ones the client may answer with. */
export function availableDecisions(
  decisions: readonly core.ReviewDecision[],
): v2.CommandExecutionApprovalDecision[] {
  return decisions.flatMap((decision): v2.CommandExecutionApprovalDecision[] => {
    if (typeof decision === 'object') {
      const amendment = decision.approved_execpolicy_amendment.proposed_execpolicy_amendment;
      return [{ acceptWithExecpolicyAmendment: { execpolicy_amendment: [...amendment] } }];
    }
    const mapped = CORE_DECISIONS[decision];
    return mapped === null ? [] : [mapped];
  });
}

// Core's model error codes (`ModelErrorCode`) as the v2 `codexErrorInfo`.
const ERROR_INFO: Readonly<Record<string, v2.CodexErrorInfo>> = {
  unauthorized: 'unauthorized',
  not_logged_in: 'unauthorized',
  usage_limit: 'usageLimitExceeded',
  usage_not_included: 'usageLimitExceeded',
  quota_exceeded: 'usageLimitExceeded',
  context_window_exceeded: 'contextWindowExceeded',
  rate_limited: 'rateLimitExceeded',
  server_error: 'internalServerError',
  bad_request: 'badRequest',
  connection_failed: { httpConnectionFailed: { httpStatusCode: null } },
  stream_disconnected: { responseStreamDisconnected: { httpStatusCode: null } },
  response_failed: 'other',
  incomplete: 'other',
};

/** A core error (message and code) as the v2 `TurnError`. */
export function turnError(message: string, code: string | undefined): v2.TurnError {
  return {
    message,
    codexErrorInfo: code === undefined ? null : (ERROR_INFO[code] ?? 'other'),
    additionalDetails: null,
  };
}

/** Core token counts as the v2 breakdown (absent counts are 0; core has no cache writes). */
function usageBreakdown(usage: core.TokenUsage): v2.TokenUsageBreakdown {
  return {
    totalTokens: usage.total_tokens,
    inputTokens: usage.input_tokens,
    cachedInputTokens: usage.cached_input_tokens ?? 0,
    cacheWriteInputTokens: 0,
    outputTokens: usage.output_tokens,
    reasoningOutputTokens: usage.reasoning_output_tokens ?? 0,
  };
}

/**
 * The rate-limit update the original sends after every model response and on interrupt: with
 * an API-key provider it knows nothing, so every field but the limit id is null.
 */
function unknownRateLimits(): v2.RateLimitSnapshot {
  return {
    limitId: 'codex',
    limitName: null,
    normalModelSlug: null,
    primary: null,
    secondary: null,
    credits: null,
    individualLimit: null,
    spendControlReached: null,
    planType: null,
    rateLimitReachedType: null,
  };
}

function decodeBase64(chunk: string): Uint8Array {
  const binary = atob(chunk);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/**
 * Turns one thread's core events into the v2 notifications and approval requests the released
 * app-server sends for them, in its order. Pure: no I/O, no timers; per-turn state is dropped
 * when the turn ends, and streamed text is never kept (the finished message carries it).
 */
/** Events within a tool call: a usage held for the calls stays held through them. */
const TOOL_CALL_PROGRESS = new Set<core.EventMsgType>([
  'exec_approval_request',
  'exec_command_begin',
  'exec_command_output_delta',
  'apply_patch_approval_request',
  'patch_apply_begin',
  'turn_diff',
  'mcp_tool_call_begin',
  'elicitation_request',
  'dynamic_tool_call_request',
  'mcp_startup_update',
  'mcp_startup_complete',
]);

/** Events that end a tool call: a held usage follows the last of them. */
const TOOL_CALL_ENDS = new Set<core.EventMsgType>([
  'exec_command_end',
  'patch_apply_end',
  'mcp_tool_call_end',
  'dynamic_tool_call_response',
]);

/** Events that begin a tool call (one of {@link TOOL_CALL_ENDS} ends it). */
const TOOL_CALL_BEGINS = new Set<core.EventMsgType>([
  'exec_command_begin',
  'patch_apply_begin',
  'mcp_tool_call_begin',
  'dynamic_tool_call_request',
]);

/** Hooks that run around a tool call: like its progress, they keep a held usage held. */
const TOOL_HOOKS: ReadonlySet<v2.HookEventName> = new Set<v2.HookEventName>([
  'preToolUse',
  'permissionRequest',
  'postToolUse',
]);

/** Whether `msg` belongs to a tool call in flight (a held usage stays held through it). */
function isToolCallProgress(msg: core.EventMsg): boolean {
  if (msg.type === 'hook_started' || msg.type === 'hook_completed') {
    return TOOL_HOOKS.has(msg.run.eventName);
  }
  return TOOL_CALL_PROGRESS.has(msg.type);
}

/**
 * Turns one thread's core events into what the v2 wire shows: item and turn notifications,
 * approval requests, MCP elicitations and client tool calls. It keeps the state that needs (the
 * turn in flight, its items, the pending approvals), so give it every event of the thread, in
 * order.
 */
export class ThreadEventTranslator {
  private readonly threadId: string;
  private readonly now: () => number;
  private turn: TurnState | null = null;
  private threadStatus: v2.ThreadStatus = { type: 'idle' };
  /** Call ids of approvals asked and not answered. */
  private readonly pendingApprovals = new Set<string>();
  /** A response's usage, held until the tool calls it asked for have finished. */
  private heldUsage: TranslatedMessage[] | null = null;
  /** Tool calls begun and not ended. */
  private openCalls = 0;

  constructor(options: ThreadEventTranslatorOptions) {
    this.threadId = options.threadId;
    this.now = options.now ?? Date.now;
  }

  /** The turn in flight, or null between turns. */
  get activeTurnId(): string | null {
    return this.turn?.id ?? null;
  }

  /** The thread's status as last announced. */
  get status(): v2.ThreadStatus {
    return this.threadStatus;
  }

  /** The messages for one core event (none for events the v2 wire does not show). */
  translate(event: core.Event): TranslatedMessage[] {
    const { msg } = event;
    if (msg.type === 'token_count') {
      // The original reports a response's usage once the tools it called have run: held
      // while the calls of that response are in flight, then sent after the last one.
      const usage: TranslatedMessage[] = [];
      this.tokenCount(usage, msg);
      this.heldUsage = usage.length > 0 ? usage : this.heldUsage;
      return [];
    }
    const messages = this.translateEvent(event);
    const held = this.heldUsage;
    if (held === null || isToolCallProgress(msg)) return messages;
    if (!TOOL_CALL_ENDS.has(msg.type)) {
      this.heldUsage = null;
      return [...held, ...messages];
    }
    if (this.openCalls > 0) return messages;
    this.heldUsage = null;
    return [...messages, ...held];
  }

  private translateEvent(event: core.Event): TranslatedMessage[] {
    const { msg } = event;
    const out: TranslatedMessage[] = [];
    if (TOOL_CALL_BEGINS.has(msg.type)) this.openCalls++;
    if (TOOL_CALL_ENDS.has(msg.type) && this.openCalls > 0) this.openCalls--;
    if (!ITEM_NEUTRAL_EVENTS.has(msg.type)) this.finishReasoning(out, msg);
    switch (msg.type) {
      case 'task_started':
        this.startTurn(out, msg.turn_id ?? `turn-${event.id}`);
        break;
      case 'user_message':
        this.userMessage(out, msg);
        break;
      case 'agent_message_delta':
        this.agentMessageDelta(out, msg);
        break;
      case 'agent_message':
        this.agentMessage(out, msg);
        break;
      case 'agent_reasoning_delta':
        this.reasoningDelta(out, msg);
        break;
      case 'agent_reasoning':
        this.reasoningPart(out, msg);
        break;
      case 'exec_approval_request':
        this.execApproval(out, msg);
        break;
      case 'exec_command_begin':
        this.execBegin(out, msg);
        break;
      case 'exec_command_output_delta':
        this.execOutput(out, msg);
        break;
      case 'exec_command_end':
        this.execEnd(out, msg);
        break;
      case 'apply_patch_approval_request':
        this.patchApproval(out, msg);
        break;
      case 'patch_apply_begin':
        this.patchBegin(out, msg);
        break;
      case 'patch_apply_end':
        this.patchEnd(out, msg);
        break;
      case 'turn_diff':
        out.push(
          notification('turn/diff/updated', {
            threadId: this.threadId,
            turnId: this.turnIdOf(msg),
            diff: msg.unified_diff,
          }),
        );
        break;
      case 'plan_update':
        out.push(
          notification('turn/plan/updated', {
            threadId: this.threadId,
            turnId: this.turnIdOf(msg),
            explanation: msg.explanation ?? null,
            plan: msg.plan.map(turnPlanStep),
          }),
        );
        break;
      case 'view_image_tool_call': {
        const at = this.now();
        const item = imageViewItem({
          id: msg.call_id,
          path: msg.path,
          startedAtMs: at,
          completedAtMs: null,
        });
        this.itemStarted(out, this.turnIdOf(msg), item, at);
        this.itemCompleted(out, this.turnIdOf(msg), { ...item, completedAtMs: at }, at);
        break;
      }
      case 'token_count':
        this.tokenCount(out, msg);
        break;
      case 'context_compaction_begin':
        this.compactionBegin(out, msg);
        break;
      case 'context_compacted':
        this.compactionEnd(out, msg);
        break;
      case 'warning':
        out.push(notification('warning', { threadId: this.threadId, message: msg.message }));
        break;
      case 'error': {
        const error = turnError(msg.message, msg.code);
        if (this.turn !== null) this.turn.error = error;
        out.push(this.errorNotification(msg, error, false));
        break;
      }
      case 'stream_error':
        out.push(this.errorNotification(msg, turnError(msg.message, msg.code), true));
        break;
      case 'task_complete':
        this.completeTurn(out);
        break;
      case 'turn_aborted':
        this.abortTurn(out);
        break;
      case 'mcp_tool_call_begin':
        this.mcpBegin(out, msg);
        break;
      case 'mcp_tool_call_end':
        this.mcpEnd(out, msg);
        break;
      case 'elicitation_request':
        this.elicitation(out, msg);
        break;
      case 'dynamic_tool_call_request':
        this.dynamicToolCall(out, msg);
        break;
      case 'dynamic_tool_call_response':
        this.dynamicToolResponse(out, msg);
        break;
      case 'mcp_startup_update':
        out.push(
          notification('mcpServer/startupStatus/updated', {
            threadId: this.threadId,
            name: msg.server,
            status: msg.status.state,
            error: msg.status.state === 'failed' ? msg.status.error : null,
            failureReason: null,
          }),
        );
        break;
      case 'hook_started':
      case 'hook_completed':
        out.push(
          notification(msg.type === 'hook_started' ? 'hook/started' : 'hook/completed', {
            threadId: this.threadId,
            turnId: msg.turn_id ?? this.turn?.id ?? null,
            run: msg.run,
          }),
        );
        break;
      case 'session_configured':
      case 'background_event':
      case 'shutdown_complete':
      case 'mcp_startup_complete':
        break;
    }
    return out;
  }

  /**
   * The status change to send once the client has answered the approval for `callId` (after
   * `serverRequest/resolved`); none when it was not pending or others still wait.
   */
  approvalAnswered(callId: string): TranslatedMessage[] {
    if (!this.pendingApprovals.delete(callId)) return [];
    const out: TranslatedMessage[] = [];
    if (this.turn !== null) this.setStatus(out, this.activeStatus());
    return out;
  }

  // ---- turns ----

  private startTurn(out: TranslatedMessage[], turnId: string): void {
    const startedAtMs = this.now();
    this.turn = {
      id: turnId,
      startedAtMs,
      openMessages: new Map(),
      agentMessages: [],
      reasoning: null,
      commands: new Map(),
      patches: new Map(),
      toolCalls: new Map(),
      compactions: new Map(),
      error: null,
      nextLocalId: 0,
    };
    this.pendingApprovals.clear();
    this.setStatus(out, this.activeStatus());
    out.push(
      notification('turn/started', {
        threadId: this.threadId,
        turn: inProgressTurn(turnId, unixSeconds(startedAtMs)),
      }),
    );
  }

  private completeTurn(out: TranslatedMessage[]): void {
    const turn = this.turn;
    if (turn === null) return;
    const at = this.now();
    this.endTurn(out);
    out.push(
      notification('turn/completed', {
        threadId: this.threadId,
        turn: {
          id: turn.id,
          rootTurnId: turn.id,
          items: turn.agentMessages,
          itemsView: 'summary',
          status: turn.error === null ? 'completed' : 'failed',
          error: turn.error,
          startedAt: unixSeconds(turn.startedAtMs),
          completedAt: unixSeconds(at),
          durationMs: at - turn.startedAtMs,
        },
      }),
    );
  }

  /** An interrupted turn reports no items, and its unfinished items are never completed. */
  private abortTurn(out: TranslatedMessage[]): void {
    const turn = this.turn;
    if (turn === null) return;
    const at = this.now();
    out.push(notification('account/rateLimits/updated', { rateLimits: unknownRateLimits() }));
    this.endTurn(out);
    out.push(
      notification('turn/completed', {
        threadId: this.threadId,
        turn: {
          id: turn.id,
          rootTurnId: turn.id,
          items: [],
          itemsView: 'notLoaded',
          status: 'interrupted',
          error: null,
          startedAt: unixSeconds(turn.startedAtMs),
          completedAt: unixSeconds(at),
          durationMs: at - turn.startedAtMs,
        },
      }),
    );
  }

  private endTurn(out: TranslatedMessage[]): void {
    this.turn = null;
    this.pendingApprovals.clear();
    this.setStatus(out, { type: 'idle' });
  }

  private activeStatus(): v2.ThreadStatus {
    return {
      type: 'active',
      activeFlags: this.pendingApprovals.size > 0 ? ['waitingOnApproval'] : [],
    };
  }

  /** Announces `status` when it differs from the last one announced. */
  private setStatus(out: TranslatedMessage[], status: v2.ThreadStatus): void {
    if (JSON.stringify(status) === JSON.stringify(this.threadStatus)) return;
    this.threadStatus = status;
    out.push(notification('thread/status/changed', { threadId: this.threadId, status }));
  }

  private turnIdOf(msg: { readonly turn_id?: string | undefined }): string {
    return msg.turn_id ?? this.turn?.id ?? '';
  }

  /** An id for an item core sent without one, unique within the thread's turn. */
  private localItemId(turnId: string): string {
    const index = this.turn === null ? 0 : this.turn.nextLocalId++;
    return `${turnId}-item-${index}`;
  }

  // ---- item lifecycle ----

  private itemStarted(
    out: TranslatedMessage[],
    turnId: string,
    item: v2.ThreadItem,
    startedAtMs: number,
  ): void {
    out.push(notification('item/started', { item, threadId: this.threadId, turnId, startedAtMs }));
  }

  private itemCompleted(
    out: TranslatedMessage[],
    turnId: string,
    item: v2.ThreadItem,
    completedAtMs: number,
  ): void {
    out.push(
      notification('item/completed', {
        item,
        threadId: this.threadId,
        turnId,
        contentTokenCount: null,
        completedAtMs,
      }),
    );
  }

  private userMessage(out: TranslatedMessage[], msg: core.EventMsgOf<'user_message'>): void {
    const turnId = this.turnIdOf(msg);
    const at = this.now();
    const item = userMessageItem({
      id: msg.item_id ?? this.localItemId(turnId),
      message: msg.message,
      images: msg.images,
      localImages: msg.local_images,
      startedAtMs: at,
      completedAtMs: null,
    });
    this.itemStarted(out, turnId, item, at);
    this.itemCompleted(out, turnId, { ...item, completedAtMs: at }, at);
  }

  /** The id of the agent message a delta or message without `item_id` belongs to. */
  private agentMessageId(turnId: string, itemId: string | undefined): string {
    if (itemId !== undefined) return itemId;
    const open = this.turn?.openMessages.keys().next();
    return open === undefined || open.done ? this.localItemId(turnId) : open.value;
  }

  private startAgentMessage(out: TranslatedMessage[], turnId: string, id: string): number {
    const startedAtMs = this.now();
    this.turn?.openMessages.set(id, startedAtMs);
    const item = agentMessageItem({ id, text: '', startedAtMs, completedAtMs: null });
    this.itemStarted(out, turnId, item, startedAtMs);
    return startedAtMs;
  }

  private agentMessageDelta(
    out: TranslatedMessage[],
    msg: core.EventMsgOf<'agent_message_delta'>,
  ): void {
    const turnId = this.turnIdOf(msg);
    const itemId = this.agentMessageId(turnId, msg.item_id);
    if (this.turn?.openMessages.has(itemId) !== true) this.startAgentMessage(out, turnId, itemId);
    out.push(
      notification('item/agentMessage/delta', {
        threadId: this.threadId,
        turnId,
        itemId,
        delta: msg.delta,
      }),
    );
  }

  private agentMessage(out: TranslatedMessage[], msg: core.EventMsgOf<'agent_message'>): void {
    const turnId = this.turnIdOf(msg);
    const id = this.agentMessageId(turnId, msg.item_id);
    const startedAtMs = this.turn?.openMessages.get(id) ?? this.startAgentMessage(out, turnId, id);
    this.turn?.openMessages.delete(id);
    const completedAtMs = this.now();
    const item = agentMessageItem({ id, text: msg.message, startedAtMs, completedAtMs });
    this.turn?.agentMessages.push(item);
    this.itemCompleted(out, turnId, item, completedAtMs);
  }

  // ---- reasoning ----

  private startReasoning(out: TranslatedMessage[], turnId: string, id: string): ReasoningState {
    const reasoning: ReasoningState = {
      id,
      startedAtMs: this.now(),
      summaryIndex: 0,
      summary: [],
    };
    if (this.turn !== null) this.turn.reasoning = reasoning;
    const item = reasoningItem({
      id,
      summary: [],
      content: [],
      startedAtMs: reasoning.startedAtMs,
      completedAtMs: null,
    });
    this.itemStarted(out, turnId, item, reasoning.startedAtMs);
    return reasoning;
  }

  /** The open reasoning item when `itemId` is its id (or absent), else null. */
  private openReasoning(itemId: string | undefined): ReasoningState | null {
    const reasoning = this.turn?.reasoning ?? null;
    if (reasoning === null || (itemId !== undefined && reasoning.id !== itemId)) return null;
    return reasoning;
  }

  private reasoningDelta(
    out: TranslatedMessage[],
    msg: core.EventMsgOf<'agent_reasoning_delta'>,
  ): void {
    const turnId = this.turnIdOf(msg);
    const reasoning =
      this.openReasoning(msg.item_id) ??
      this.startReasoning(out, turnId, msg.item_id ?? this.localItemId(turnId));
    const summaryIndex = msg.summary_index ?? reasoning.summaryIndex;
    if (summaryIndex > reasoning.summaryIndex) {
      reasoning.summaryIndex = summaryIndex;
      out.push(
        notification('item/reasoning/summaryPartAdded', {
          threadId: this.threadId,
          turnId,
          itemId: reasoning.id,
          summaryIndex,
        }),
      );
    }
    out.push(
      notification('item/reasoning/summaryTextDelta', {
        threadId: this.threadId,
        turnId,
        itemId: reasoning.id,
        delta: msg.delta,
        summaryIndex,
      }),
    );
  }

  /**
   * One finished summary part. Core sends one per part, back to back, so the item completes
   * when the next event that is not part of it arrives (see `finishReasoning`).
   */
  private reasoningPart(out: TranslatedMessage[], msg: core.EventMsgOf<'agent_reasoning'>): void {
    const turnId = this.turnIdOf(msg);
    const reasoning =
      this.openReasoning(msg.item_id) ??
      this.startReasoning(out, turnId, msg.item_id ?? this.localItemId(turnId));
    reasoning.summary.push(msg.text);
  }

  /**
   * Completes the open reasoning item before an event that is not part of it. An item that only
   * streamed deltas (its summary never arrived: interrupted, or a retried stream) is dropped.
   */
  private finishReasoning(out: TranslatedMessage[], msg: core.EventMsg): void {
    const turn = this.turn;
    const reasoning = turn?.reasoning ?? null;
    if (turn === null || reasoning === null) return;
    if (
      (msg.type === 'agent_reasoning' || msg.type === 'agent_reasoning_delta') &&
      (msg.item_id === undefined || msg.item_id === reasoning.id)
    ) {
      return;
    }
    turn.reasoning = null;
    if (reasoning.summary.length === 0) return;
    const completedAtMs = this.now();
    const item = reasoningItem({
      id: reasoning.id,
      summary: reasoning.summary,
      content: [],
      startedAtMs: reasoning.startedAtMs,
      completedAtMs,
    });
    this.itemCompleted(out, turn.id, item, completedAtMs);
  }

  // ---- commands ----

  private commandItem(
    id: string,
    command: CommandState,
    end: Partial<CommandExecutionInput> = {},
  ): ThreadItemOf<'commandExecution'> {
    return commandExecutionItem({
      id,
      argv: command.argv,
      cwd: command.cwd,
      commandActions: command.commandActions,
      source: command.source,
      status: 'inProgress',
      processId: command.processId,
      startedAtMs: command.startedAtMs,
      completedAtMs: null,
      ...end,
    });
  }

  private startCommand(
    out: TranslatedMessage[],
    turnId: string,
    callId: string,
    command: CommandState,
  ): void {
    this.turn?.commands.set(callId, command);
    this.itemStarted(out, turnId, this.commandItem(callId, command), command.startedAtMs);
  }

  private execApproval(
    out: TranslatedMessage[],
    msg: core.EventMsgOf<'exec_approval_request'>,
  ): void {
    const turnId = this.turnIdOf(msg);
    this.pendingApprovals.add(msg.call_id);
    this.setStatus(out, this.activeStatus());
    let command = this.turn?.commands.get(msg.call_id);
    if (command === undefined) {
      command = {
        argv: msg.command,
        cwd: msg.cwd,
        commandActions: commandActionsForArgv(msg.command),
        source: 'agent',
        processId: null,
        startedAtMs: this.now(),
        decoder: null,
      };
      this.startCommand(out, turnId, msg.call_id, command);
    }
    const decisions = msg.available_decisions;
    out.push({
      kind: 'approval',
      method: 'item/commandExecution/requestApproval',
      callId: msg.call_id,
      params: {
        kind: 'command',
        threadId: this.threadId,
        turnId,
        itemId: msg.call_id,
        startedAtMs: command.startedAtMs,
        environmentId: LOCAL_ENVIRONMENT_ID,
        reason: msg.reason ?? null,
        command: shellJoin(msg.command),
        cwd: msg.cwd,
        commandActions: command.commandActions,
        proposedExecpolicyAmendment: msg.proposed_execpolicy_amendment ?? null,
        ...(decisions === undefined ? {} : { availableDecisions: availableDecisions(decisions) }),
      },
    });
  }

  private execBegin(out: TranslatedMessage[], msg: core.EventMsgOf<'exec_command_begin'>): void {
    const commandActions = commandActionsFromParsed(msg.parsed_cmd, msg.command);
    const source = commandExecutionSource(msg.source);
    const started = this.turn?.commands.get(msg.call_id);
    if (started !== undefined) {
      // Started when approval was asked: the item keeps its start; the end reports the rest.
      started.commandActions = commandActions;
      started.source = source;
      started.processId = msg.process_id ?? started.processId;
      return;
    }
    this.startCommand(out, this.turnIdOf(msg), msg.call_id, {
      argv: msg.command,
      cwd: msg.cwd,
      commandActions,
      source,
      processId: msg.process_id ?? null,
      startedAtMs: this.now(),
      decoder: null,
    });
  }

  private execOutput(
    out: TranslatedMessage[],
    msg: core.EventMsgOf<'exec_command_output_delta'>,
  ): void {
    const command = this.turn?.commands.get(msg.call_id);
    const bytes = decodeBase64(msg.chunk);
    let delta: string;
    if (command === undefined) {
      delta = new TextDecoder().decode(bytes);
    } else {
      command.decoder ??= new TextDecoder();
      delta = command.decoder.decode(bytes, { stream: true });
    }
    if (delta === '') return;
    out.push(
      notification('item/commandExecution/outputDelta', {
        threadId: this.threadId,
        turnId: this.turnIdOf(msg),
        itemId: msg.call_id,
        delta,
      }),
    );
  }

  private execEnd(out: TranslatedMessage[], msg: core.EventMsgOf<'exec_command_end'>): void {
    const turnId = this.turnIdOf(msg);
    this.settleApproval(out, msg.call_id);
    let command = this.turn?.commands.get(msg.call_id);
    if (command === undefined) {
      command = {
        argv: msg.command ?? [],
        cwd: msg.cwd ?? '',
        commandActions: commandActionsForArgv(msg.command ?? []),
        source: commandExecutionSource(msg.source),
        processId: null,
        startedAtMs: this.now(),
        decoder: null,
      };
      this.startCommand(out, turnId, msg.call_id, command);
    }
    this.turn?.commands.delete(msg.call_id);
    const status = msg.status ?? (msg.exit_code === 0 ? 'completed' : 'failed');
    const declined = status === 'declined';
    const completedAtMs = this.now();
    const item = this.commandItem(msg.call_id, command, {
      status,
      source: msg.source === undefined ? command.source : commandExecutionSource(msg.source),
      processId: msg.process_id ?? command.processId,
      aggregatedOutput: declined ? null : (msg.aggregated_output ?? `${msg.stdout}${msg.stderr}`),
      exitCode: declined ? null : msg.exit_code,
      durationMs: declined ? null : durationMs(msg.duration),
      completedAtMs,
    });
    this.itemCompleted(out, turnId, item, completedAtMs);
  }

  /** An item ended while its approval was still pending (core's timeout): no longer waiting. */
  private settleApproval(out: TranslatedMessage[], callId: string): void {
    if (this.pendingApprovals.delete(callId) && this.turn !== null) {
      this.setStatus(out, this.activeStatus());
    }
  }

  // ---- patches ----

  private startPatch(
    out: TranslatedMessage[],
    turnId: string,
    callId: string,
    changes: v2.FileUpdateChange[],
  ): PatchState {
    const patch: PatchState = { changes, startedAtMs: this.now() };
    this.turn?.patches.set(callId, patch);
    const item = fileChangeItem({
      id: callId,
      changes,
      status: 'inProgress',
      startedAtMs: patch.startedAtMs,
      completedAtMs: null,
    });
    this.itemStarted(out, turnId, item, patch.startedAtMs);
    return patch;
  }

  private patchApproval(
    out: TranslatedMessage[],
    msg: core.EventMsgOf<'apply_patch_approval_request'>,
  ): void {
    const turnId = this.turnIdOf(msg);
    this.pendingApprovals.add(msg.call_id);
    this.setStatus(out, this.activeStatus());
    const patch =
      this.turn?.patches.get(msg.call_id) ??
      this.startPatch(out, turnId, msg.call_id, fileUpdateChanges(msg.changes));
    out.push({
      kind: 'approval',
      method: 'item/fileChange/requestApproval',
      callId: msg.call_id,
      params: {
        threadId: this.threadId,
        turnId,
        itemId: msg.call_id,
        startedAtMs: patch.startedAtMs,
        reason: msg.reason ?? null,
        grantRoot: msg.grant_root ?? null,
      },
    });
  }

  private patchBegin(out: TranslatedMessage[], msg: core.EventMsgOf<'patch_apply_begin'>): void {
    const changes = fileUpdateChanges(msg.changes);
    const started = this.turn?.patches.get(msg.call_id);
    if (started !== undefined) {
      started.changes = changes;
      return;
    }
    this.startPatch(out, this.turnIdOf(msg), msg.call_id, changes);
  }

  private patchEnd(out: TranslatedMessage[], msg: core.EventMsgOf<'patch_apply_end'>): void {
    const turnId = this.turnIdOf(msg);
    this.settleApproval(out, msg.call_id);
    const changes = msg.changes === undefined ? null : fileUpdateChanges(msg.changes);
    const patch =
      this.turn?.patches.get(msg.call_id) ??
      this.startPatch(out, turnId, msg.call_id, changes ?? []);
    this.turn?.patches.delete(msg.call_id);
    const completedAtMs = this.now();
    const item = fileChangeItem({
      id: msg.call_id,
      changes: changes ?? patch.changes,
      status: msg.status ?? (msg.success ? 'completed' : 'failed'),
      startedAtMs: patch.startedAtMs,
      completedAtMs,
    });
    this.itemCompleted(out, turnId, item, completedAtMs);
  }

  // ---- MCP and host tool calls ----

  /** When the call began (now, for an end without a begin, whose item then starts too). */
  private toolCallStart(callId: string): number | undefined {
    const state = this.turn?.toolCalls.get(callId);
    this.turn?.toolCalls.delete(callId);
    return state?.startedAtMs;
  }

  private mcpBegin(out: TranslatedMessage[], msg: core.EventMsgOf<'mcp_tool_call_begin'>): void {
    const startedAtMs = this.now();
    this.turn?.toolCalls.set(msg.call_id, { startedAtMs });
    const item = mcpToolCallItem({
      id: msg.call_id,
      server: msg.invocation.server,
      tool: msg.invocation.tool,
      status: 'inProgress',
      arguments: msg.invocation.arguments,
      readOnlyHint: msg.read_only_hint,
      startedAtMs,
      completedAtMs: null,
    });
    this.itemStarted(out, this.turnIdOf(msg), item, startedAtMs);
  }

  private mcpEnd(out: TranslatedMessage[], msg: core.EventMsgOf<'mcp_tool_call_end'>): void {
    const turnId = this.turnIdOf(msg);
    const item = {
      id: msg.call_id,
      server: msg.invocation.server,
      tool: msg.invocation.tool,
      arguments: msg.invocation.arguments,
      readOnlyHint: msg.read_only_hint,
    };
    let startedAtMs = this.toolCallStart(msg.call_id);
    if (startedAtMs === undefined) {
      startedAtMs = this.now();
      const started = mcpToolCallItem({
        ...item,
        status: 'inProgress',
        startedAtMs,
        completedAtMs: null,
      });
      this.itemStarted(out, turnId, started, startedAtMs);
    }
    const ok = 'Ok' in msg.result ? msg.result.Ok : null;
    const completedAtMs = this.now();
    const completed = mcpToolCallItem({
      ...item,
      status: ok !== null && ok.isError !== true ? 'completed' : 'failed',
      result: ok === null ? null : mcpToolCallResult(ok),
      error: 'Err' in msg.result ? msg.result.Err : null,
      durationMs: durationMs(msg.duration),
      startedAtMs,
      completedAtMs,
    });
    this.itemCompleted(out, turnId, completed, completedAtMs);
  }

  private elicitation(out: TranslatedMessage[], msg: core.EventMsgOf<'elicitation_request'>): void {
    const key = elicitationKey(msg.server_name, msg.id);
    this.pendingApprovals.add(key);
    if (this.turn !== null) this.setStatus(out, this.activeStatus());
    out.push({
      kind: 'elicitation',
      method: 'mcpServer/elicitation/request',
      key,
      serverName: msg.server_name,
      requestId: msg.id,
      params: {
        threadId: this.threadId,
        turnId: msg.turn_id ?? this.turn?.id ?? null,
        serverName: msg.server_name,
        mode: 'form',
        _meta: msg.meta,
        message: msg.message,
        // Core passes on the server's schema as it came; the client reads it as a form.
        requestedSchema: msg.requested_schema as v2.McpElicitationSchema,
      },
    });
  }

  private dynamicToolCall(
    out: TranslatedMessage[],
    msg: core.EventMsgOf<'dynamic_tool_call_request'>,
  ): void {
    const turnId = this.turnIdOf(msg);
    const startedAtMs = this.now();
    this.turn?.toolCalls.set(msg.call_id, { startedAtMs });
    const item = dynamicToolCallItem({
      id: msg.call_id,
      namespace: msg.namespace,
      tool: msg.tool,
      arguments: msg.arguments,
      status: 'inProgress',
      startedAtMs,
      completedAtMs: null,
    });
    this.itemStarted(out, turnId, item, startedAtMs);
    out.push({
      kind: 'toolCall',
      method: 'item/tool/call',
      callId: msg.call_id,
      params: {
        threadId: this.threadId,
        turnId,
        callId: msg.call_id,
        namespace: msg.namespace,
        tool: msg.tool,
        arguments: msg.arguments,
      },
    });
  }

  private dynamicToolResponse(
    out: TranslatedMessage[],
    msg: core.EventMsgOf<'dynamic_tool_call_response'>,
  ): void {
    const turnId = this.turnIdOf(msg);
    const call = {
      id: msg.call_id,
      namespace: msg.namespace,
      tool: msg.tool,
      arguments: msg.arguments,
    };
    let startedAtMs = this.toolCallStart(msg.call_id);
    if (startedAtMs === undefined) {
      startedAtMs = this.now();
      const started = dynamicToolCallItem({
        ...call,
        status: 'inProgress',
        startedAtMs,
        completedAtMs: null,
      });
      this.itemStarted(out, turnId, started, startedAtMs);
    }
    const completedAtMs = this.now();
    const item = dynamicToolCallItem({
      ...call,
      status: msg.success ? 'completed' : 'failed',
      contentItems: msg.content_items,
      success: msg.success,
      durationMs: durationMs(msg.duration),
      startedAtMs,
      completedAtMs,
    });
    this.itemCompleted(out, turnId, item, completedAtMs);
  }

  // ---- compaction ----

  private startCompaction(out: TranslatedMessage[], turnId: string, id: string): number {
    const startedAtMs = this.now();
    this.turn?.compactions.set(id, startedAtMs);
    const item = contextCompactionItem({ id, startedAtMs, completedAtMs: null });
    this.itemStarted(out, turnId, item, startedAtMs);
    return startedAtMs;
  }

  private compactionBegin(
    out: TranslatedMessage[],
    msg: core.EventMsgOf<'context_compaction_begin'>,
  ): void {
    const turnId = this.turnIdOf(msg);
    this.startCompaction(out, turnId, msg.item_id ?? this.localItemId(turnId));
  }

  /** The compaction's item completes; `thread/compacted` is its older, deprecated twin. */
  private compactionEnd(out: TranslatedMessage[], msg: core.EventMsgOf<'context_compacted'>): void {
    const turnId = this.turnIdOf(msg);
    const open = this.turn?.compactions.keys().next();
    const id =
      msg.item_id ??
      (open === undefined || open.done === true ? this.localItemId(turnId) : open.value);
    const startedAtMs = this.turn?.compactions.get(id) ?? this.startCompaction(out, turnId, id);
    this.turn?.compactions.delete(id);
    const completedAtMs = this.now();
    this.itemCompleted(
      out,
      turnId,
      contextCompactionItem({ id, startedAtMs, completedAtMs }),
      completedAtMs,
    );
    out.push(notification('thread/compacted', { threadId: this.threadId, turnId }));
  }

  // ---- usage and errors ----

  private tokenCount(out: TranslatedMessage[], msg: core.EventMsgOf<'token_count'>): void {
    if (msg.info) {
      out.push(
        notification('thread/tokenUsage/updated', {
          threadId: this.threadId,
          turnId: this.turnIdOf(msg),
          tokenUsage: {
            total: usageBreakdown(msg.info.total_token_usage),
            last: usageBreakdown(msg.info.last_token_usage),
            modelContextWindow: msg.info.model_context_window ?? null,
          },
        }),
      );
    }
    out.push(notification('account/rateLimits/updated', { rateLimits: unknownRateLimits() }));
  }

  private errorNotification(
    msg: { readonly turn_id?: string | undefined },
    error: v2.TurnError,
    willRetry: boolean,
  ): TranslatedMessage {
    return notification('error', {
      error,
      willRetry,
      threadId: this.threadId,
      turnId: this.turnIdOf(msg),
    });
  }
}
