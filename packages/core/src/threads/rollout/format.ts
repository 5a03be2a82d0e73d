import type { ResponseItem } from '../../client/types.js';
import type { GitInfo as CollectedGitInfo } from '../../git/index.js';
import { parseJsonObject } from '../../json.js';

/**
 * The rollout file format, as the original Codex writes it: one JSON object per line,
 * `{"timestamp", "ordinal"?, "type", "payload"}` (plus `"metadata"` beside a `response_item`'s
 * payload). Field names are the original's snake_case ones, so both implementations read each
 * other's files. Payload types keep unknown fields (`[field: string]: unknown`): what the
 * original writes and we do not model survives a read.
 */

/** How the thread's history is stored: `paginated` files number every line (`ordinal`). */
export type HistoryMode = 'legacy' | 'paginated';

/** The history modes the original accepts; any other value in a first `session_meta` is refused. */
export const HISTORY_MODES: readonly HistoryMode[] = ['legacy', 'paginated'];

/** The repository the thread ran in, when its cwd is inside one. */
export type GitInfo = {
  readonly [Field in keyof CollectedGitInfo]?: CollectedGitInfo[Field] | null;
};

/**
 * Where a thread came from: `cli`, `vscode`, `exec`, `mcp`, or an object for sub-agents
 * (`{"subagent": …}`).
 */
export type SessionSource = string | { readonly [kind: string]: unknown };

/** The first line of every rollout: who started the thread, where, and with which instructions. */
export interface SessionMeta {
  /** The thread id (a UUID). */
  readonly id: string;
  /** The session the thread belongs to; the original writes the thread id again. */
  readonly session_id?: string;
  /** The thread this one was forked from. */
  readonly forked_from_id?: string | null;
  /** When the thread was created, RFC 3339 in UTC with milliseconds. */
  readonly timestamp: string;
  /** The thread's working directory (absolute). */
  readonly cwd: string;
  /** The client that started it (the `originator` header, e.g. `codex_vscode`). */
  readonly originator: string;
  /** The version of the program that wrote the file. */
  readonly cli_version: string;
  /** What kind of client started it (`cli`, `vscode`, `exec`, `mcp`, …). */
  readonly source: SessionSource;
  /** The `model_providers.<id>` the thread uses. */
  readonly model_provider?: string | null;
  /** The system instructions the thread was started with, reused on resume. */
  readonly base_instructions?: {
    /** The instructions' text. */
    readonly text: string;
  } | null;
  /** The client tools (`dynamicTools`) the thread was started with, reused on resume. */
  readonly dynamic_tools?: readonly unknown[] | null;
  /** Absent in files from before pagination: `legacy`. */
  readonly history_mode?: HistoryMode;
  /** The git branch, commit and remote of the working directory when the thread started. */
  readonly git?: GitInfo | null;
  readonly [field: string]: unknown;
}

/** A sandbox policy as the original writes it in a `turn_context` (tagged by `type`). */
export interface WireSandboxPolicy {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** The settings one turn ran with; the newest surviving one gives a resumed thread its defaults. */
export interface TurnContextItem {
  readonly turn_id?: string | null;
  readonly cwd: string;
  /** `untrusted` | `on-failure` | `on-request` | `never`, or `{"granular": {…}}`. */
  readonly approval_policy: unknown;
  readonly sandbox_policy: WireSandboxPolicy;
  readonly model: string;
  /** The reasoning effort (absent in the original's newest files, which keep it in `collaboration_mode`). */
  readonly effort?: string | null;
  /** The reasoning summary setting (`auto`, `concise`, `detailed`, `none`). */
  readonly summary: string;
  readonly [field: string]: unknown;
}

/** A compaction: the summary, and the history that replaces everything before it. */
export interface CompactedItem {
  /** The summary text. */
  readonly message: string;
  /** The new history; absent in legacy files, which are rebuilt from the user messages. */
  readonly replacement_history?: readonly ResponseItem[] | null;
  readonly [field: string]: unknown;
}

/** A persisted event: the original's `EventMsg` subset, tagged by `type` (see `policy.ts`). */
export interface PersistedEventMsg {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** The rollback marker: the last `num_turns` user turns are dropped from the history. */
export interface ThreadRolledBackEvent extends PersistedEventMsg {
  readonly type: 'thread_rolled_back';
  readonly num_turns: number;
}

/** One rollout record, tagged by `type`. */
export type RolloutItem =
  | {
      /** The thread's metadata (the first line). */
      readonly type: 'session_meta';
      /** The metadata. */
      readonly payload: SessionMeta;
    }
  | {
      /** A conversation item. */
      readonly type: 'response_item';
      /** The item. */
      readonly payload: ResponseItem;
      /** The original's harness metadata for the item; kept as read, never needed by us. */
      readonly metadata?: { readonly [field: string]: unknown };
    }
  | {
      /** A persisted event. */
      readonly type: 'event_msg';
      /** The event. */
      readonly payload: PersistedEventMsg;
    }
  | {
      /** The settings a turn ran with. */
      readonly type: 'turn_context';
      /** The settings. */
      readonly payload: TurnContextItem;
    }
  | {
      /** A compaction. */
      readonly type: 'compacted';
      /** The summary and the new history. */
      readonly payload: CompactedItem;
    }
  /**
   * A record this version does not model (`world_state`, `token_usage_record`, a legacy
   * `ghost_snapshot`, …). Readers skip it; written back as it was (`rolloutType`, `payload`).
   */
  | {
      /** A record this version does not model. */
      readonly type: 'unknown';
      /** The record's `type` as written. */
      readonly rolloutType: string;
      /** Its payload as read. */
      readonly payload: unknown;
    };

/** The `type` tags of the records this version models. */
export type KnownRolloutItemType = Exclude<RolloutItem['type'], 'unknown'>;

/** One line of a rollout file. */
export interface RolloutLine {
  /** When the record was made, RFC 3339 in UTC with milliseconds (`2026-11-23T02:33:21.081Z`). */
  readonly timestamp: string;
  /** The record's position in a `paginated` file, from 0; absent in `legacy` files. */
  readonly ordinal?: number;
  /** The record. */
  readonly item: RolloutItem;
}

/** A line's timestamp: RFC 3339, UTC, milliseconds, `Z`. */
export const rolloutTimestamp = (date: Date): string => date.toISOString();

/** The rollback marker for `numTurns` turns, as the original persists it. */
export function threadRolledBack(numTurns: number): RolloutItem {
  const payload: ThreadRolledBackEvent = { type: 'thread_rolled_back', num_turns: numTurns };
  return { type: 'event_msg', payload };
}

/** The line's JSON text, newline-terminated, keys in the original's order. */
export function serializeRolloutLine(line: RolloutLine): string {
  const { item } = line;
  const record: Record<string, unknown> = { timestamp: line.timestamp };
  if (line.ordinal !== undefined) record.ordinal = line.ordinal;
  record.type = item.type === 'unknown' ? item.rolloutType : item.type;
  record.payload = item.payload;
  if (item.type === 'response_item' && item.metadata !== undefined) record.metadata = item.metadata;
  return `${JSON.stringify(record)}\n`;
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A response item the original dropped long ago (undo snapshots); skipped wherever it appears. */
const LEGACY_RESPONSE_ITEM_TYPES: ReadonlySet<string> = new Set(['ghost_snapshot']);

const isResponseItem = (value: unknown): value is ResponseItem =>
  isObject(value) && typeof value.type === 'string';

const isLegacyResponseItem = (value: JsonObject): boolean =>
  LEGACY_RESPONSE_ITEM_TYPES.has(value.type as string);

/**
 * Parses one line of a rollout. `undefined` when it is not a rollout record at all (not JSON,
 * no `type`, or a payload of the wrong shape for its type): readers count it and go on, as the
 * original does. Records of types this version does not model come back as `unknown`.
 */
export function parseRolloutLine(text: string): RolloutLine | undefined {
  const value = parseJsonObject(text);
  if (value === null || typeof value.type !== 'string') return undefined;
  const item = parseItem(value.type, value.payload, value.metadata);
  if (!item) return undefined;
  const timestamp = typeof value.timestamp === 'string' ? value.timestamp : '';
  const { ordinal } = value;
  return Number.isSafeInteger(ordinal) && (ordinal as number) >= 0
    ? { timestamp, ordinal: ordinal as number, item }
    : { timestamp, item };
}

function parseItem(type: string, payload: unknown, metadata: unknown): RolloutItem | undefined {
  switch (type) {
    case 'session_meta': {
      if (!isObject(payload)) return undefined;
      // Old files name the thread only `session_id`.
      const id = typeof payload.id === 'string' ? payload.id : payload.session_id;
      if (typeof id !== 'string') return undefined;
      return { type, payload: { ...payload, id } as SessionMeta };
    }
    case 'response_item':
      if (!isResponseItem(payload)) return undefined;
      if (isLegacyResponseItem(payload)) return { type: 'unknown', rolloutType: type, payload };
      return isObject(metadata) ? { type, payload, metadata } : { type, payload };
    case 'event_msg':
      if (!isObject(payload) || typeof payload.type !== 'string') return undefined;
      return { type, payload: payload as PersistedEventMsg };
    case 'turn_context':
      if (!isObject(payload)) return undefined;
      return { type, payload: payload as TurnContextItem };
    case 'compacted': {
      if (!isObject(payload) || typeof payload.message !== 'string') return undefined;
      const history = payload.replacement_history;
      if (!Array.isArray(history)) return { type, payload: payload as CompactedItem };
      const replacement = history.filter(
        (entry): entry is ResponseItem => isResponseItem(entry) && !isLegacyResponseItem(entry),
      );
      const compacted: CompactedItem = {
        ...payload,
        message: payload.message,
        replacement_history: replacement,
      };
      return { type, payload: compacted };
    }
    default:
      return { type: 'unknown', rolloutType: type, payload };
  }
}
