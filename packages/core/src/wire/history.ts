import type { core, v2 } from '@codex/protocol';
import type { HistoryItem, TurnSummary } from '../threads/index/index.js';
import {
  agentMessageItem,
  commandActionsFromParsed,
  commandExecutionItem,
  commandExecutionSource,
  contextCompactionItem,
  durationMs,
  dynamicToolCallItem,
  fileChangeItem,
  fileUpdateChanges,
  type ItemTimes,
  imageViewItem,
  mcpToolCallItem,
  mcpToolCallResult,
  planItem,
  reasoningItem,
  type ThreadItemOf,
  userMessageItem,
  webSearchItem,
} from './items.js';

/**
 * A thread's stored history (a rollout's items, as core's `listItems` pages them) as v2 items
 * and turns, for `thread/read`, `thread/resume`, `thread/turns/list` and `thread/items/list`.
 *
 * Like the original, turns are rebuilt from the persisted events, not from the model-visible
 * `response_item`s: our legacy files hold `user_message` / `agent_message` / `patch_apply_end`
 * …, the original's paginated files hold `item_completed` with core `TurnItem`s. A file may hold
 * both shapes; in a turn that has `item_completed` items the legacy message events are skipped
 * as duplicates.
 */

type Json = Record<string, unknown>;

const asObject = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
const asText = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const asInteger = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) ? value : null;
const asTexts = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The id of an item stored without one: stable for the life of the file (its byte offset). */
export const historyItemId = (offset: number): string => `item-${offset}`;

/** Unix ms of a record's ISO timestamp, or null. */
function timestampMs(timestamp: string | null): number | null {
  if (timestamp === null) return null;
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? null : ms;
}

/** A path the original stored as a `file://` URL (command cwd) as a plain path. */
function pathOf(value: unknown): string {
  const text = asText(value) ?? '';
  if (!text.startsWith('file://')) return text;
  try {
    return decodeURIComponent(text.slice('file://'.length));
  } catch {
    return text.slice('file://'.length);
  }
}

const camelCase = (text: string): string =>
  text.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());

const COMMAND_STATUSES: ReadonlySet<string> = new Set([
  'inProgress',
  'completed',
  'failed',
  'declined',
]);
const COMMAND_SOURCES: ReadonlySet<string> = new Set([
  'agent',
  'user_shell',
  'unified_exec_startup',
  'unified_exec_interaction',
]);

/** A stored item status (`in_progress` or `inProgress`) as the v2 one; `completed` otherwise. */
function itemStatus(value: unknown): v2.CommandExecutionStatus {
  const status = camelCase(asText(value) ?? 'completed');
  return COMMAND_STATUSES.has(status) ? (status as v2.CommandExecutionStatus) : 'completed';
}

function commandSource(value: unknown): v2.CommandExecutionSource {
  const source = asText(value);
  return commandExecutionSource(
    source !== null && COMMAND_SOURCES.has(source) ? (source as core.ExecCommandSource) : undefined,
  );
}

/** A stored duration: a serde `{secs, nanos}` or plain milliseconds. */
function storedDurationMs(duration: unknown, milliseconds: unknown): number | null {
  const ms = asInteger(milliseconds);
  if (ms !== null) return ms;
  const value = asObject(duration);
  const secs = asInteger(value.secs);
  const nanos = asInteger(value.nanos);
  return secs === null || nanos === null ? null : durationMs({ secs, nanos });
}

/** Stored patch changes (`{path: {type, content | unified_diff, move_path}}`), unknown entries left out. */
function storedChanges(value: unknown): v2.FileUpdateChange[] {
  const changes: Record<string, core.FileChange> = {};
  for (const [path, raw] of Object.entries(asObject(value))) {
    const change = asObject(raw);
    const type = asText(change.type);
    const content = asText(change.content);
    const diff = asText(change.unified_diff);
    if ((type === 'add' || type === 'delete') && content !== null) {
      changes[path] = { type, content };
    } else if (type === 'update' && diff !== null) {
      changes[path] = { type, unified_diff: diff, move_path: asText(change.move_path) };
    }
  }
  return fileUpdateChanges(changes);
}

const TOOL_CALL_STATUSES: ReadonlySet<string> = new Set(['inProgress', 'completed', 'failed']);

/** A stored MCP / host tool call status as the v2 one; `completed` otherwise. */
function toolCallStatus(value: unknown): v2.McpToolCallStatus {
  const status = camelCase(asText(value) ?? 'completed');
  return TOOL_CALL_STATUSES.has(status) ? (status as v2.McpToolCallStatus) : 'completed';
}

/** A stored MCP `CallToolResult` as a v2 item's `result`, or null when there is none. */
function storedMcpResult(value: unknown): v2.McpToolCallResult | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const result = value as Json;
  return mcpToolCallResult({
    content: asArray(result.content),
    structuredContent: result.structuredContent ?? result.structured_content,
    _meta: result._meta,
  });
}

const CONTENT_ITEM_TYPES: Readonly<Record<string, string>> = {
  inputText: 'inputText',
  input_text: 'inputText',
  inputImage: 'inputImage',
  input_image: 'inputImage',
  inputAudio: 'inputAudio',
  input_audio: 'inputAudio',
};

/** Stored host tool output items (camelCase or snake_case) as v2 ones; unknown ones left out. */
function storedContentItems(value: unknown): v2.DynamicToolCallOutputContentItem[] | null {
  if (!Array.isArray(value)) return null;
  return value.flatMap((raw): v2.DynamicToolCallOutputContentItem[] => {
    const part = asObject(raw);
    switch (CONTENT_ITEM_TYPES[asText(part.type) ?? '']) {
      case 'inputText': {
        const text = asText(part.text);
        return text === null ? [] : [{ type: 'inputText', text }];
      }
      case 'inputImage': {
        const url = asText(part.imageUrl) ?? asText(part.image_url);
        return url === null ? [] : [{ type: 'inputImage', imageUrl: url }];
      }
      case 'inputAudio': {
        const url = asText(part.audioUrl) ?? asText(part.audio_url);
        return url === null ? [] : [{ type: 'inputAudio', audioUrl: url }];
      }
      default:
        return [];
    }
  });
}

/** A stored text element (`byte_range` or `byteRange`) as the v2 one. */
function textElement(value: unknown): v2.TextElement | null {
  const element = asObject(value);
  const range = asObject(element.byteRange ?? element.byte_range);
  const start = asInteger(range.start);
  const end = asInteger(range.end);
  if (start === null || end === null) return null;
  return { byteRange: { start, end }, placeholder: asText(element.placeholder) };
}

/** Core `UserInput` parts of a stored `UserMessage` as v2 ones. */
function userInputs(content: unknown): v2.UserInput[] {
  return asArray(content).flatMap((raw): v2.UserInput[] => {
    const part = asObject(raw);
    switch (part.type) {
      case 'text': {
        const elements = asArray(part.text_elements).flatMap((entry) => textElement(entry) ?? []);
        return [{ type: 'text', text: asText(part.text) ?? '', text_elements: elements }];
      }
      case 'image': {
        const url = asText(part.image_url) ?? asText(part.url);
        return url === null ? [] : [{ type: 'image', url }];
      }
      case 'local_image':
      case 'localImage': {
        const path = asText(part.path);
        return path === null ? [] : [{ type: 'localImage', path }];
      }
      default:
        return [];
    }
  });
}

const MESSAGE_PHASES: ReadonlySet<string> = new Set([
  'commentary',
  'partial_answer',
  'final_answer',
]);

/** A stored web search action (snake_case tags) as the v2 one. */
function webSearchAction(value: unknown): v2.WebSearchAction | null {
  const action = asObject(value);
  const url = asText(action.url);
  switch (action.type) {
    case 'search':
      return { type: 'search', query: asText(action.query), queries: asTexts(action.queries) };
    case 'open_page':
      return { type: 'openPage', url };
    case 'find_in_page':
      return { type: 'findInPage', url, pattern: asText(action.pattern) };
    case 'other':
      return { type: 'other' };
    default:
      return null;
  }
}

/**
 * A core `TurnItem` (the `item` of a stored `item_completed`, PascalCase tags) as a v2 item;
 * null for kinds the v2 wire does not show.
 */
function itemFromTurnItem(raw: unknown, times: ItemTimes): v2.ThreadItem | null {
  const item = asObject(raw);
  const id = asText(item.id);
  if (id === null) return null;
  switch (item.type) {
    case 'UserMessage':
      return {
        ...userMessageItem({ id, message: '', ...times }),
        content: userInputs(item.content),
      };
    case 'AgentMessage': {
      const text = asArray(item.content)
        .map((part) => asObject(part))
        .filter((part) => part.type === 'Text' || part.type === 'text')
        .map((part) => asText(part.text) ?? '')
        .join('');
      const phase = asText(item.phase);
      const message = agentMessageItem({ id, text, ...times });
      return phase !== null && MESSAGE_PHASES.has(phase)
        ? { ...message, phase: phase as v2.MessagePhase }
        : message;
    }
    case 'Reasoning':
      return reasoningItem({
        id,
        summary: asTexts(item.summary_text),
        content: asTexts(item.raw_content),
        ...times,
      });
    case 'CommandExecution': {
      const argv = Array.isArray(item.command)
        ? asTexts(item.command)
        : [asText(item.command) ?? ''];
      const status = itemStatus(item.status);
      return commandExecutionItem({
        id,
        argv,
        cwd: pathOf(item.cwd),
        commandActions: commandActionsFromParsed(asArray(item.parsed_cmd), argv),
        source: commandSource(item.source),
        status,
        processId: asText(item.process_id),
        aggregatedOutput: asText(item.aggregated_output),
        exitCode: asInteger(item.exit_code),
        durationMs: storedDurationMs(item.duration, item.duration_ms),
        ...times,
      });
    }
    case 'FileChange':
      return fileChangeItem({
        id,
        changes: storedChanges(item.changes),
        status: itemStatus(item.status),
        ...times,
      });
    case 'WebSearch':
      return webSearchItem({
        id,
        query: asText(item.query) ?? '',
        action: webSearchAction(item.action),
        ...times,
      });
    case 'ImageView':
      return imageViewItem({ id, path: pathOf(item.path), ...times });
    case 'Plan':
      return planItem({ id, text: asText(item.text) ?? '', ...times });
    case 'ContextCompaction':
      return contextCompactionItem({ id, ...times });
    case 'McpToolCall': {
      const error = asObject(item.error);
      return mcpToolCallItem({
        id,
        server: asText(item.server) ?? '',
        tool: asText(item.tool) ?? '',
        status: toolCallStatus(item.status),
        arguments: item.arguments ?? null,
        readOnlyHint: typeof item.read_only_hint === 'boolean' ? item.read_only_hint : null,
        result: storedMcpResult(item.result),
        error: asText(error.message),
        durationMs: storedDurationMs(item.duration, item.duration_ms),
        ...times,
      });
    }
    case 'DynamicToolCall':
      return dynamicToolCallItem({
        id,
        namespace: asText(item.namespace),
        tool: asText(item.tool) ?? '',
        arguments: item.arguments ?? null,
        status: toolCallStatus(item.status),
        contentItems: storedContentItems(item.content_items ?? item.contentItems),
        success: typeof item.success === 'boolean' ? item.success : null,
        durationMs: storedDurationMs(item.duration, item.duration_ms),
        ...times,
      });
    default:
      return null;
  }
}

/** The text of an assistant `response_item` message (its `output_text` parts). */
function assistantText(payload: Json): string | null {
  if (payload.type !== 'message' || payload.role !== 'assistant') return null;
  return asArray(payload.content)
    .map((part) => asObject(part))
    .filter((part) => part.type === 'output_text')
    .map((part) => asText(part.text) ?? '')
    .join('');
}

/** The completed items that hold a turn's messages (a tool call item says nothing of them). */
const MESSAGE_ITEM_TYPES: ReadonlySet<unknown> = new Set(['UserMessage', 'AgentMessage']);

/** Turns whose messages are stored as `item_completed` (the legacy events there are duplicates). */
function turnsWithCompletedItems(items: readonly HistoryItem[]): Set<string> {
  const turns = new Set<string>();
  for (const entry of items) {
    if (
      entry.turnId !== null &&
      entry.type === 'event_msg' &&
      entry.payload.type === 'item_completed' &&
      MESSAGE_ITEM_TYPES.has(asObject(entry.payload.item).type)
    ) {
      turns.add(entry.turnId);
    }
  }
  return turns;
}

/** Consecutive stored reasoning events, gathered into one item. */
interface OpenReasoning {
  readonly entry: v2.ThreadItemEntry;
  readonly summary: string[];
  readonly content: string[];
}

/**
 * The v2 items of stored history items, oldest first, each with its turn and lifecycle times.
 * Ids are the stored ones (`item_id`, `call_id`, the `TurnItem` id); a legacy `agent_message`
 * takes the id of the assistant `response_item` stored with it; anything else gets
 * {@link historyItemId} of its offset, so the same file always gives the same ids.
 */
export function threadItemsFromHistory(items: readonly HistoryItem[]): v2.ThreadItemEntry[] {
  const entries: v2.ThreadItemEntry[] = [];
  const withCompletedItems = turnsWithCompletedItems(items);
  // A legacy agent message still waiting for its response item's id; consecutive reasoning.
  let unnamedMessage: v2.ThreadItemEntry | null = null;
  let reasoning: OpenReasoning | null = null;

  const push = (turnId: string, item: v2.ThreadItem): v2.ThreadItemEntry => {
    const entry = {
      turnId,
      item,
      startedAtMs: item.startedAtMs ?? null,
      completedAtMs: item.completedAtMs ?? null,
    };
    entries.push(entry);
    reasoning = null;
    return entry;
  };

  for (const stored of items) {
    const turnId = stored.turnId;
    if (turnId === null) continue; // outside any turn: context, not conversation
    const at = timestampMs(stored.timestamp);
    const times: ItemTimes = { startedAtMs: at, completedAtMs: at };
    const { payload } = stored;
    if (stored.type === 'response_item') {
      const text = assistantText(payload);
      const id = asText(payload.id);
      if (text !== null && id !== null && unnamedMessage?.turnId === turnId) {
        const message = unnamedMessage.item as ThreadItemOf<'agentMessage'>;
        if (message.text === text) unnamedMessage.item = { ...message, id };
        unnamedMessage = null;
      }
      continue;
    }
    if (stored.type !== 'event_msg') continue;
    const legacyMessages = !withCompletedItems.has(turnId);
    const storedId = asText(payload.item_id) ?? asText(payload.call_id);
    const id = storedId ?? historyItemId(stored.offset);
    switch (payload.type) {
      case 'user_message':
        if (legacyMessages) {
          push(
            turnId,
            userMessageItem({
              id,
              message: asText(payload.message) ?? '',
              images: asTexts(payload.images),
              localImages: asTexts(payload.local_images),
              ...times,
            }),
          );
        }
        break;
      case 'agent_message':
        if (legacyMessages) {
          const entry = push(
            turnId,
            agentMessageItem({ id, text: asText(payload.message) ?? '', ...times }),
          );
          unnamedMessage = storedId === null ? entry : null;
        }
        break;
      case 'agent_reasoning':
      case 'agent_reasoning_raw_content': {
        const text = asText(payload.text) ?? '';
        const open: OpenReasoning | null = reasoning;
        const current: OpenReasoning =
          open !== null && open.entry.turnId === turnId
            ? open
            : {
                entry: push(turnId, reasoningItem({ id, summary: [], content: [], ...times })),
                summary: [],
                content: [],
              };
        (payload.type === 'agent_reasoning' ? current.summary : current.content).push(text);
        current.entry.item = reasoningItem({
          id: current.entry.item.id,
          summary: current.summary,
          content: current.content,
          startedAtMs: current.entry.startedAtMs ?? null,
          completedAtMs: at,
        });
        current.entry.completedAtMs = at;
        reasoning = current;
        break;
      }
      case 'item_completed': {
        const item = itemFromTurnItem(payload.item, {
          startedAtMs: asInteger(payload.started_at_ms) ?? at,
          completedAtMs: asInteger(payload.completed_at_ms) ?? at,
        });
        if (item !== null) push(turnId, item);
        break;
      }
      case 'exec_command_end': {
        const argv = asTexts(payload.command);
        const status = itemStatus(
          payload.status ?? (asInteger(payload.exit_code) === 0 ? 'completed' : 'failed'),
        );
        const declined = status === 'declined';
        push(
          turnId,
          commandExecutionItem({
            id,
            argv,
            cwd: pathOf(payload.cwd),
            commandActions: commandActionsFromParsed(asArray(payload.parsed_cmd), argv),
            source: commandSource(payload.source),
            status,
            processId: asText(payload.process_id),
            aggregatedOutput: declined
              ? null
              : (asText(payload.aggregated_output) ??
                `${asText(payload.stdout) ?? ''}${asText(payload.stderr) ?? ''}`),
            exitCode: declined ? null : asInteger(payload.exit_code),
            durationMs: declined ? null : storedDurationMs(payload.duration, payload.duration_ms),
            ...times,
          }),
        );
        break;
      }
      case 'patch_apply_end':
        push(
          turnId,
          fileChangeItem({
            id,
            changes: storedChanges(payload.changes),
            status: itemStatus(
              payload.status ?? (payload.success === true ? 'completed' : 'failed'),
            ),
            ...times,
          }),
        );
        break;
      case 'view_image_tool_call':
        push(turnId, imageViewItem({ id, path: pathOf(payload.path), ...times }));
        break;
      case 'web_search_end':
        push(
          turnId,
          webSearchItem({
            id,
            query: asText(payload.query) ?? '',
            action: webSearchAction(payload.action),
            ...times,
          }),
        );
        break;
      case 'context_compacted':
        push(turnId, contextCompactionItem({ id, ...times }));
        break;
      default:
        break;
    }
  }
  return entries;
}

/** A stored `codex_error_info` (snake_case, as the original persists it) as the v2 one. */
function codexErrorInfo(value: unknown): v2.CodexErrorInfo | null {
  if (typeof value === 'string') return camelCase(value);
  const variant = Object.entries(asObject(value))[0];
  if (variant === undefined) return null;
  const [name, details] = variant;
  const fields = asObject(details);
  const httpStatusCode = asInteger(fields.http_status_code ?? fields.httpStatusCode);
  const info: Record<string, { httpStatusCode: number | null }> = {
    [camelCase(name)]: { httpStatusCode },
  };
  // The variants with an HTTP status (`httpConnectionFailed`, …) all have this shape; the
  // schema's open `{}` arm takes any other, so the cast only names which arm it is.
  return info as v2.CodexErrorInfo;
}

/** The error that failed each turn, from the stored `error` events (the last one counts). */
export function turnErrorsFromHistory(items: readonly HistoryItem[]): Map<string, v2.TurnError> {
  const errors = new Map<string, v2.TurnError>();
  for (const stored of items) {
    if (stored.turnId === null || stored.type !== 'event_msg') continue;
    if (stored.payload.type !== 'error') continue;
    errors.set(stored.turnId, {
      message: asText(stored.payload.message) ?? '',
      codexErrorInfo: codexErrorInfo(stored.payload.codex_error_info),
      additionalDetails: null,
    });
  }
  return errors;
}

/** How much of a turn's items to return. */
export type HistoryItemsView = v2.TurnItemsView;

// The items a `summary` view keeps: the conversation, not the work in between.
const SUMMARY_ITEM_TYPES: ReadonlySet<v2.ThreadItem['type']> = new Set([
  'userMessage',
  'agentMessage',
]);

/** The items a view of a turn shows: all (`full`), the messages (`summary`) or none. */
export function itemsForView(
  items: readonly v2.ThreadItem[],
  view: HistoryItemsView,
): v2.ThreadItem[] {
  switch (view) {
    case 'full':
      return [...items];
    case 'summary':
      return items.filter((item) => SUMMARY_ITEM_TYPES.has(item.type));
    case 'notLoaded':
      return [];
  }
}

const TURN_STATUSES: Readonly<Record<TurnSummary['status'], v2.TurnStatus>> = {
  completed: 'completed',
  interrupted: 'interrupted',
  in_progress: 'inProgress',
};

/** Options of {@link turnFromSummary}. */
export interface TurnFromSummaryOptions {
  /** Default `full` when items are given; always `notLoaded` without them. */
  readonly itemsView?: HistoryItemsView;
  /** The error that failed the turn (see {@link turnErrorsFromHistory}). */
  readonly error?: v2.TurnError | null;
}

/**
 * A stored turn as a v2 `Turn`: times in unix seconds as recorded, its items in the requested
 * view (none, `notLoaded`, when `items` is null). A completed turn with an error is `failed`.
 */
export function turnFromSummary(
  summary: TurnSummary,
  items: readonly v2.ThreadItem[] | null,
  options: TurnFromSummaryOptions = {},
): v2.Turn {
  const itemsView: HistoryItemsView = items === null ? 'notLoaded' : (options.itemsView ?? 'full');
  const error = options.error ?? null;
  const status = TURN_STATUSES[summary.status];
  return {
    id: summary.turnId,
    rootTurnId: summary.turnId,
    items: itemsForView(items ?? [], itemsView),
    itemsView,
    status: error !== null && status === 'completed' ? 'failed' : status,
    error,
    startedAt: summary.startedAt,
    completedAt: summary.completedAt,
    durationMs: summary.durationMs,
  };
}

/**
 * Whether a stored turn is one to show: not the context core writes before a thread's first
 * `task_started`, which `listTurns` reports as an implicit turn without a user message.
 */
export const isConversationTurn = (summary: TurnSummary): boolean =>
  summary.explicit || summary.userMessage !== null;

/**
 * Turns with their items from one read of history: `history` holds the stored items of (at
 * least) these turns, e.g. a whole `listItems` walk for `thread/read`, or each turn's own
 * items for `thread/turns/list`. Context-only turns (see {@link isConversationTurn}) are left
 * out.
 */
export function turnsFromHistory(
  summaries: readonly TurnSummary[],
  history: readonly HistoryItem[],
  itemsView: HistoryItemsView = 'full',
): v2.Turn[] {
  const byTurn = new Map<string, v2.ThreadItem[]>();
  for (const entry of threadItemsFromHistory(history)) {
    const list = byTurn.get(entry.turnId);
    if (list === undefined) byTurn.set(entry.turnId, [entry.item]);
    else list.push(entry.item);
  }
  const errors = turnErrorsFromHistory(history);
  return summaries.filter(isConversationTurn).map((summary) =>
    turnFromSummary(
      summary,
      itemsView === 'notLoaded' ? null : (byTurn.get(summary.turnId) ?? []),
      {
        itemsView,
        error: errors.get(summary.turnId) ?? null,
      },
    ),
  );
}
