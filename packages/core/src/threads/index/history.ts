import { open } from 'node:fs/promises';
import { asString, type JsonObject } from '../../json.js';
import { cursorOffset, decodeCursor, encodeCursor, invalidCursor } from './cursor.js';
import { ThreadIndexError } from './errors.js';
import { readLinesBackward, readLinesForward } from './line-reader.js';
import { isMissing } from './rollout-files.js';
import {
  parseRolloutRecord,
  peekRecordType,
  type RolloutRecord,
  userMessageText,
} from './rollout-records.js';

/** Turns per page when none is asked for, and the most a page returns (the original's). */
export const DEFAULT_TURN_PAGE_SIZE = 50;
export const MAX_TURN_PAGE_SIZE = 200;
/** Items per page when none is asked for, and the most a page returns. */
export const DEFAULT_ITEM_PAGE_SIZE = 100;
export const MAX_ITEM_PAGE_SIZE = 1_000;

/** How a turn ended: `in_progress` when its rollout has no end marker for it (yet). */
export type TurnStatus = 'completed' | 'interrupted' | 'in_progress';

/** One turn of a rollout, without its items (page them with `listItems` and `itemsCursor`). */
export interface TurnSummary {
  /**
   * The turn id of its `task_started`; for a turn inferred from a user message in a rollout
   * without turn markers, `rollout-<byte offset of its first line>`.
   */
  turnId: string;
  /** True when `task_started` opened it; false when inferred from a user message. */
  explicit: boolean;
  /** How the turn ended. */
  status: TurnStatus;
  /** `started_at` / `completed_at` as recorded (seconds since the epoch). */
  startedAt: number | null;
  /** `completed_at` as recorded (seconds since the epoch); null while in progress or unknown. */
  completedAt: number | null;
  /** How long the turn took, in ms, as recorded; null when unknown. */
  durationMs: number | null;
  /** Items in the turn (model-visible history plus persisted item events). */
  itemCount: number;
  /** The turn's first real user message. */
  userMessage: string | null;
  /** `last_agent_message` of its `task_complete`. */
  lastAgentMessage: string | null;
  /** A `listItems` cursor at the turn's first line, filtered to this turn. */
  itemsCursor: string;
}

/** One page of turns. */
export interface TurnPage {
  /** The turns, in the order asked for. */
  turns: TurnSummary[];
  /** Pass back as `cursor` (with the same `direction`) for the next page; null on the last. */
  nextCursor: string | null;
}

/** One history item: a `response_item`, a persisted item `event_msg`, or a `compacted` record. */
export interface HistoryItem {
  /** The turn it belongs to (see `TurnSummary.turnId`); null outside any turn. */
  turnId: string | null;
  /** Byte offset of its line: stable for the life of the file, usable as a key. */
  offset: number;
  /** The line's timestamp, RFC 3339; null when the line has none. */
  timestamp: string | null;
  /** The line's position in a `paginated` rollout; null in `legacy` ones. */
  ordinal: number | null;
  /** Which kind of record the item is. */
  type: 'response_item' | 'event_msg' | 'compacted';
  /** The record's payload, as written. */
  payload: JsonObject;
}

/** One page of items, oldest first. */
export interface ItemPage {
  /** The items. */
  items: HistoryItem[];
  /** Pass back as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}

/** Options of {@link listTurns}. */
export interface ListTurnsOptions {
  /**
   * Where to go on from: a previous page's `nextCursor`. Default the start (or the end, `desc`).
   */
  cursor?: string | null;
  /** Turns per page. Default 50, at most 200. */
  limit?: number | null;
  /**
   * `asc` (default): oldest first, read forward from the cursor. `desc`: newest first, read
   * backwards from the end, so the latest turns of a huge rollout cost what they weigh.
   * A rollback marker removes the turns it names; read `asc`, it can only remove turns of the
   * page it is read in (earlier pages were already returned).
   */
  direction?: 'asc' | 'desc' | null;
}

/** Options of {@link listItems}. */
export interface ListItemsOptions {
  /** Only the items of this turn. */
  turnId?: string | null;
  /**
   * Where to go on from: a previous page's `nextCursor` or a turn's `itemsCursor`. Default the
   * start.
   */
  cursor?: string | null;
  /** Items per page. Default 100, at most 1,000. */
  limit?: number | null;
}

// Event messages that are history items; the rest (token counts, settings, turn markers) are not.
const ITEM_EVENTS = new Set([
  'user_message',
  'agent_message',
  'agent_reasoning',
  'agent_reasoning_raw_content',
  'item_completed',
  'patch_apply_end',
  'exec_command_end',
  'mcp_tool_call_end',
  'web_search_end',
  'view_image_tool_call',
  'context_compacted',
  'entered_review_mode',
  'exited_review_mode',
  'error',
]);
const TURN_START_EVENTS = new Set(['task_started', 'turn_started']);
const TURN_COMPLETE_EVENTS = new Set(['task_complete', 'turn_complete']);
const TURN_ABORTED_EVENT = 'turn_aborted';
const ROLLBACK_EVENT = 'thread_rolled_back';

/** What one rollout line means to turn paging. */
type LineMeaning =
  | { kind: 'turn_start'; turnId: string | null; startedAt: number | null }
  | {
      kind: 'turn_end';
      status: TurnStatus;
      completedAt: number | null;
      durationMs: number | null;
      lastAgentMessage: string | null;
    }
  | { kind: 'rollback'; turns: number }
  /**
   * `userSide`: the user's message or context injected with it (user / developer role), as
   * opposed to the model's output. `record` is null when not asked for and not parsed.
   */
  | { kind: 'item'; userMessage: string | null; userSide: boolean; record: RolloutRecord | null }
  | { kind: 'other' };

const OTHER: LineMeaning = { kind: 'other' };

function classify(text: string, needRecord: boolean): LineMeaning {
  const peeked = peekRecordType(text);
  // Model items are the bulk of a rollout: skip parsing those that cannot be user-side.
  if (peeked === 'response_item' && !needRecord && !USER_SIDE_ROLE.test(text)) {
    return { kind: 'item', userMessage: null, userSide: false, record: null };
  }
  if (peeked !== null && peeked !== 'response_item' && peeked !== 'event_msg') {
    if (peeked !== 'compacted') return OTHER;
  }
  const record = parseRolloutRecord(text);
  if (record === null) return OTHER;
  if (record.type === 'response_item' || record.type === 'compacted') {
    const role = record.type === 'response_item' ? asString(record.payload.role) : null;
    const userSide =
      asString(record.payload.type) === 'message' && (role === 'user' || role === 'developer');
    return { kind: 'item', userMessage: userMessageText(record), userSide, record };
  }
  if (record.type !== 'event_msg') return OTHER;
  const { payload } = record;
  const eventType = asString(payload.type) ?? '';
  if (TURN_START_EVENTS.has(eventType)) {
    return {
      kind: 'turn_start',
      turnId: asString(payload.turn_id),
      startedAt: num(payload.started_at),
    };
  }
  if (TURN_COMPLETE_EVENTS.has(eventType) || eventType === TURN_ABORTED_EVENT) {
    return {
      kind: 'turn_end',
      status: eventType === TURN_ABORTED_EVENT ? 'interrupted' : 'completed',
      completedAt: num(payload.completed_at),
      durationMs: num(payload.duration_ms),
      lastAgentMessage: asString(payload.last_agent_message),
    };
  }
  if (eventType === ROLLBACK_EVENT) {
    const turns = num(payload.num_turns);
    return { kind: 'rollback', turns: turns === null ? 0 : Math.max(0, Math.floor(turns)) };
  }
  if (ITEM_EVENTS.has(eventType)) {
    // `user_message` and `item_completed`/UserMessage repeat the user's response item: being
    // user-side, they join its turn (and carry the preview of rollouts without response items).
    const userMessage = userMessageText(record);
    return { kind: 'item', userMessage, userSide: userMessage !== null, record };
  }
  return OTHER;
}

const USER_SIDE_ROLE = /"role":"(?:user|developer)"/;

const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/** A turn being assembled. */
interface PendingTurn {
  turnId: string | null;
  explicit: boolean;
  status: TurnStatus;
  startedAt: number | null;
  completedAt: number | null;
  durationMs: number | null;
  itemCount: number;
  userMessage: string | null;
  lastAgentMessage: string | null;
  /** Offset of its first line. */
  start: number;
  /** Whether the item added last (in reading order) was user-side. */
  lastItemUserSide: boolean;
  /** Whether its start marker has been read. */
  sawStart: boolean;
}

function pendingTurn(start: number, explicit: boolean): PendingTurn {
  return {
    turnId: null,
    explicit,
    status: explicit ? 'in_progress' : 'completed',
    startedAt: null,
    completedAt: null,
    durationMs: null,
    itemCount: 0,
    userMessage: null,
    lastAgentMessage: null,
    start,
    lastItemUserSide: false,
    sawStart: explicit,
  };
}

function finishedTurn(turn: PendingTurn): TurnSummary {
  const turnId = turn.turnId ?? implicitTurnId(turn.start);
  return {
    turnId,
    explicit: turn.explicit,
    status: turn.status,
    startedAt: turn.startedAt,
    completedAt: turn.completedAt,
    durationMs: turn.durationMs,
    itemCount: turn.itemCount,
    userMessage: turn.userMessage,
    lastAgentMessage: turn.lastAgentMessage,
    itemsCursor: encodeCursor('items', { o: turn.start, t: turnId }),
  };
}

const implicitTurnId = (offset: number): string => `rollout-${offset}`;
const IMPLICIT_TURN_ID = /^rollout-(\d+)$/;

/**
 * A page of a rollout's turns, read as a stream: `asc` reads forward from the cursor and stops
 * at the first line of the next page; `desc` reads backwards from the end (or the cursor).
 * Memory stays at one read chunk plus one line, whatever the file's size.
 */
export async function listTurns(path: string, options: ListTurnsOptions = {}): Promise<TurnPage> {
  const limit = pageSize(options.limit, DEFAULT_TURN_PAGE_SIZE, MAX_TURN_PAGE_SIZE);
  const descending = options.direction === 'desc';
  let offset: number | null = null;
  let skip = 0;
  if (options.cursor) {
    const fields = decodeCursor('turns', options.cursor);
    if (fields.d !== (descending ? 'desc' : 'asc')) throw invalidCursor(options.cursor);
    offset = cursorOffset(fields, 'o', options.cursor);
    if (descending) skip = cursorOffset(fields, 's', options.cursor);
    await assertLineBoundary(path, offset, options.cursor);
  }
  try {
    return descending
      ? await turnsBackward(path, offset ?? undefined, limit, skip)
      : await turnsForward(path, offset ?? 0, limit);
  } catch (error) {
    throw readError(path, error);
  }
}

async function turnsForward(path: string, start: number, limit: number): Promise<TurnPage> {
  const turns: TurnSummary[] = [];
  let current: PendingTurn | null = null;
  const finish = () => {
    if (current !== null) turns.push(finishedTurn(current));
    current = null;
  };
  for await (const line of readLinesForward(path, start)) {
    if (!line.complete) break; // torn, or still being written: not history yet
    const meaning = classify(line.text, false);
    if (opensTurnForward(current, meaning)) {
      finish();
      if (turns.length >= limit) {
        return { turns, nextCursor: encodeCursor('turns', { d: 'asc', o: line.offset }) };
      }
      current = pendingTurn(line.offset, meaning.kind === 'turn_start');
    }
    const turn = current as PendingTurn | null;
    switch (meaning.kind) {
      case 'turn_start':
        if (turn !== null) {
          turn.turnId = meaning.turnId;
          turn.startedAt = meaning.startedAt;
        }
        break;
      case 'turn_end':
        if (turn !== null) {
          endTurn(turn, meaning);
          finish();
        }
        break;
      case 'rollback':
        finish();
        turns.splice(Math.max(0, turns.length - meaning.turns));
        break;
      case 'item':
        if (turn !== null) addItem(turn, meaning, false);
        break;
      case 'other':
        break;
    }
  }
  finish();
  return { turns, nextCursor: null };
}

/** Whether this line, read forward, starts a new turn. */
function opensTurnForward(current: PendingTurn | null, meaning: LineMeaning): boolean {
  if (meaning.kind === 'turn_start') return true;
  if (meaning.kind !== 'item') return false;
  if (current === null) return true;
  return (
    !current.explicit &&
    splitsImplicitTurn(current.itemCount > 0 && !current.lastItemUserSide, meaning)
  );
}

/**
 * Without turn markers, a turn boundary lies between a model-side item and the user-side item
 * after it, so a user message, its `user_message` event and the context injected with it stay
 * in one turn. Read forward: `afterModelSide` is "the previous item was model-side".
 */
function splitsImplicitTurn(afterModelSide: boolean, meaning: LineMeaning): boolean {
  return afterModelSide && meaning.kind === 'item' && meaning.userSide;
}

function endTurn(turn: PendingTurn, meaning: Extract<LineMeaning, { kind: 'turn_end' }>): void {
  turn.explicit = true;
  turn.status = meaning.status;
  turn.completedAt = meaning.completedAt;
  turn.durationMs = meaning.durationMs;
  turn.lastAgentMessage = meaning.lastAgentMessage;
}

function addItem(
  turn: PendingTurn,
  meaning: Extract<LineMeaning, { kind: 'item' }>,
  backwards: boolean,
): void {
  turn.itemCount++;
  turn.lastItemUserSide = meaning.userSide;
  // Forward, the first one wins; backwards, the last one seen is the first one.
  if (meaning.userMessage !== null && (backwards || turn.userMessage === null)) {
    turn.userMessage = meaning.userMessage;
  }
}

async function turnsBackward(
  path: string,
  end: number | undefined,
  limit: number,
  skipFromCursor: number,
): Promise<TurnPage> {
  const turns: TurnSummary[] = [];
  let current: PendingTurn | null = null;
  // Turns still to drop for rollback markers already read (a marker follows what it removes).
  let skip = skipFromCursor;
  const finish = () => {
    if (current === null) return;
    // An end marker with nothing before it is a stray one: read forward, it is ignored.
    const stray = !current.sawStart && current.itemCount === 0;
    if (stray) {
      // nothing to list, nothing to drop
    } else if (skip > 0) skip--;
    else turns.push(finishedTurn(current));
    current = null;
  };
  for await (const line of readLinesBackward(path, end)) {
    if (!line.complete) continue;
    const meaning = classify(line.text, false);
    if (meaning.kind === 'rollback') {
      finish();
      skip += meaning.turns;
      continue;
    }
    if (
      meaning.kind === 'turn_end' &&
      current?.explicit === true &&
      current.itemCount === 0 &&
      !current.sawStart
    ) {
      endTurn(current, meaning); // a repeated end marker: the earlier one counts, as forward
      continue;
    }
    // Read backwards, a turn opens at its end marker, at anything while none is open, and (for
    // turns without markers) at a model-side item just before a user-side one.
    const opens =
      meaning.kind === 'turn_end' ||
      (current === null && (meaning.kind === 'item' || meaning.kind === 'turn_start')) ||
      (current !== null &&
        !current.explicit &&
        current.lastItemUserSide &&
        meaning.kind === 'item' &&
        !meaning.userSide);
    if (opens) {
      finish();
      if (turns.length >= limit) {
        return {
          turns,
          nextCursor: encodeCursor('turns', { d: 'desc', o: line.end, s: skip }),
        };
      }
      current = pendingTurn(line.offset, false);
    }
    const turn = current as PendingTurn | null;
    if (turn === null) continue;
    switch (meaning.kind) {
      case 'turn_end':
        endTurn(turn, meaning);
        break;
      case 'turn_start':
        if (!turn.explicit) turn.status = 'in_progress'; // started, never ended
        turn.explicit = true;
        turn.sawStart = true;
        turn.turnId = meaning.turnId;
        turn.startedAt = meaning.startedAt;
        turn.start = line.offset;
        finish();
        break;
      case 'item':
        addItem(turn, meaning, true);
        turn.start = line.offset;
        break;
      case 'other':
        break;
    }
  }
  finish();
  return { turns, nextCursor: null };
}

/**
 * A page of a rollout's items, oldest first, read forward from the cursor (or from the start of
 * `turnId`'s turn). The cursor is a byte offset: page N does not re-read pages 1…N-1.
 */
export async function listItems(path: string, options: ListItemsOptions = {}): Promise<ItemPage> {
  const limit = pageSize(options.limit, DEFAULT_ITEM_PAGE_SIZE, MAX_ITEM_PAGE_SIZE);
  let state: ItemScanState;
  if (options.cursor) {
    state = decodeItemsCursor(options.cursor);
    if (options.turnId && state.filter !== null && state.filter !== options.turnId) {
      throw invalidCursor(options.cursor);
    }
    await assertLineBoundary(path, state.offset, options.cursor);
  } else {
    state = {
      offset: 0,
      filter: options.turnId || null,
      turn: null,
      explicit: false,
      lastWasUser: false,
      hasItems: false,
    };
  }
  try {
    if (state.filter !== null && !options.cursor) {
      const start = await findTurnStart(path, state.filter);
      if (start === null) {
        throw new ThreadIndexError('not_found', `no turn ${state.filter} in ${path}`, { path });
      }
      state.offset = start;
    }
    return await itemsForward(path, state, limit);
  } catch (error) {
    throw readError(path, error);
  }
}

/** Where an item scan stands: enough to resume at `offset` in the right turn. */
interface ItemScanState {
  offset: number;
  /** Only this turn's items; the scan ends with the turn. */
  filter: string | null;
  /** The open turn's id; null when none is open. */
  turn: string | null;
  explicit: boolean;
  /** Whether the open turn's last item was user-side (see `splitsImplicitTurn`). */
  lastWasUser: boolean;
  hasItems: boolean;
}

function decodeItemsCursor(cursor: string): ItemScanState {
  const fields = decodeCursor('items', cursor);
  const filter = fields.t ?? null;
  const turn = fields.c ?? null;
  if (filter !== null && typeof filter !== 'string') throw invalidCursor(cursor);
  if (turn !== null && typeof turn !== 'string') throw invalidCursor(cursor);
  return {
    offset: cursorOffset(fields, 'o', cursor),
    filter,
    turn,
    explicit: fields.x === true,
    lastWasUser: fields.u === true,
    hasItems: fields.h === true,
  };
}

/** The offset of the first line of turn `turnId`, or null when the rollout has no such turn. */
async function findTurnStart(path: string, turnId: string): Promise<number | null> {
  const implicit = IMPLICIT_TURN_ID.exec(turnId);
  if (implicit) return Number(implicit[1]);
  for await (const line of readLinesForward(path)) {
    if (!line.complete) break;
    // Only a line that mentions the id can be its start: most lines are never parsed.
    if (!line.text.includes(turnId)) continue;
    const meaning = classify(line.text, false);
    if (meaning.kind === 'turn_start' && meaning.turnId === turnId) return line.offset;
  }
  return null;
}

async function itemsForward(path: string, state: ItemScanState, limit: number): Promise<ItemPage> {
  const items: HistoryItem[] = [];
  let { turn, explicit, lastWasUser, hasItems } = state;
  let entered = false; // whether the filtered turn has been reached
  const cursorHere = (offset: number) =>
    encodeCursor('items', {
      o: offset,
      t: state.filter,
      c: turn,
      x: explicit,
      u: lastWasUser,
      h: hasItems,
    });
  for await (const line of readLinesForward(path, state.offset)) {
    if (!line.complete) break;
    const meaning = classify(line.text, true);
    const opens =
      meaning.kind === 'turn_start' ||
      (meaning.kind === 'item' &&
        (turn === null || (!explicit && splitsImplicitTurn(hasItems && !lastWasUser, meaning))));
    if (opens) {
      if (state.filter !== null && entered) break; // the filtered turn is over
      if (state.filter === null && meaning.kind === 'item' && items.length >= limit) {
        return { items, nextCursor: cursorHere(line.offset) };
      }
      explicit = meaning.kind === 'turn_start';
      turn = (meaning.kind === 'turn_start' ? meaning.turnId : null) ?? implicitTurnId(line.offset);
      lastWasUser = false;
      hasItems = false;
    }
    if (state.filter !== null && turn === state.filter) entered = true;
    switch (meaning.kind) {
      case 'turn_end':
        if (entered) return { items, nextCursor: null };
        turn = null;
        explicit = false;
        break;
      case 'rollback':
        turn = null;
        explicit = false;
        break;
      case 'item': {
        if (state.filter !== null && !entered) break;
        if (items.length >= limit) return { items, nextCursor: cursorHere(line.offset) };
        lastWasUser = meaning.userSide;
        hasItems = true;
        const record = meaning.record;
        if (record !== null) {
          items.push({
            turnId: turn,
            offset: line.offset,
            timestamp: record.timestamp,
            ordinal: record.ordinal,
            type: record.type as HistoryItem['type'],
            payload: record.payload,
          });
        }
        break;
      }
      case 'turn_start':
      case 'other':
        break;
    }
  }
  return { items, nextCursor: null };
}

function pageSize(limit: number | null | undefined, fallback: number, max: number): number {
  if (limit === null || limit === undefined || limit === 0) return fallback;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new ThreadIndexError(
      'invalid_argument',
      `limit must be a positive integer, not ${limit}`,
    );
  }
  return Math.min(limit, max);
}

/** A cursor's offset must fall inside the file, at the start of a line. */
async function assertLineBoundary(path: string, offset: number, cursor: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw readError(path, error);
  }
  try {
    const { size } = await handle.stat();
    if (offset > size) throw invalidCursor(cursor);
    if (offset === 0) return;
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset - 1);
    if (byte[0] !== 0x0a) throw invalidCursor(cursor);
  } finally {
    await handle.close();
  }
}

function readError(path: string, error: unknown): unknown {
  if (ThreadIndexError.isInstance(error)) return error;
  if (isMissing(error)) {
    return new ThreadIndexError('not_found', `no rollout at ${path}`, { path, cause: error });
  }
  return new ThreadIndexError('io', `cannot read ${path}`, { path, cause: error });
}
