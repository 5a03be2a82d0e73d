import { open } from 'node:fs/promises';
import type { Logger } from '@codex/common';
import type { ResponseItem } from '../client/types.js';
import type { Config } from '../config/load.js';
import { collectGitInfo } from '../git/index.js';
import { CODEX_TS_VERSION } from '../providers.js';
import { BASE_INSTRUCTIONS } from '../session/instructions.js';
import type { SessionRecorder } from '../session/recorder.js';
import type { TurnSettings } from '../session/turn-context.js';
import {
  findRolloutPath,
  isPersistedResponseItem,
  loadRollout,
  parseRolloutLine,
  persistedEvent,
  RolloutError,
  type RolloutItem,
  RolloutRecorder,
  readRolloutLines,
  reconstructHistory,
  type SessionMeta,
  type SessionSource,
  threadRolledBack,
  turnContextItem,
  turnSettingsOf,
} from './rollout/index.js';
import { linesFromEnd } from './rollout/tail.js';

/** A thread's rollout, open for writing, and the session recorder that feeds it. */
export interface ThreadStorage {
  readonly path: string;
  readonly recorder: SessionRecorder;
  /** Flushes and releases the writer lock. */
  close(): Promise<void>;
  /** Writes what was recorded so far (fsync'd). */
  flush(): Promise<void>;
}

/** Feeds a session's conversation, events and turn settings into a rollout. */
function sessionRecorder(rollout: RolloutRecorder): SessionRecorder {
  const responseItems = (items: readonly ResponseItem[]): RolloutItem[] =>
    items.filter(isPersistedResponseItem).map((payload) => ({ type: 'response_item', payload }));
  return {
    appended(items) {
      rollout.record(responseItems(items));
    },
    replaced(items, summary) {
      rollout.record([
        { type: 'compacted', payload: { message: summary, replacement_history: [...items] } },
      ]);
    },
    event(msg) {
      const payload = persistedEvent(msg, { threadId: rollout.threadId });
      if (payload) rollout.record([{ type: 'event_msg', payload }]);
    },
    turnStarted(context) {
      rollout.record([
        { type: 'turn_context', payload: turnContextItem({ ...context, turnId: context.turnId }) },
      ]);
    },
    flush: () => rollout.flush(),
  };
}

const storageOf = (rollout: RolloutRecorder): ThreadStorage => ({
  path: rollout.path,
  recorder: sessionRecorder(rollout),
  close: () => rollout.close(),
  flush: () => rollout.flush(),
});

/**
 * Creates the rollout of a new thread (written on the first flush, at the end of its first
 * turn). A fork starts with the history it was forked with.
 */
export async function createThreadStorage(options: {
  readonly config: Config;
  readonly threadId: string;
  readonly originator?: string;
  readonly source?: SessionSource;
  readonly forkedFromId?: string;
  readonly history?: readonly ResponseItem[];
  readonly logger: Logger;
}): Promise<ThreadStorage> {
  const { config } = options;
  const git = await collectGitInfo(config.cwd).catch((error: unknown) => {
    options.logger.debug('no git info for the rollout', error);
    return null;
  });
  const rollout = await RolloutRecorder.create({
    codexHome: config.codexHome,
    threadId: options.threadId,
    meta: {
      cwd: config.cwd,
      originator: options.originator ?? 'codex_cli_rs',
      cli_version: CODEX_TS_VERSION,
      source: options.source ?? 'cli',
      model_provider: config.modelProviderId,
      base_instructions: { text: config.baseInstructions ?? BASE_INSTRUCTIONS },
      forked_from_id: options.forkedFromId ?? null,
      git,
    },
  });
  if (options.history?.length) {
    rollout.record(
      options.history.filter(isPersistedResponseItem).map((payload) => ({
        type: 'response_item' as const,
        payload,
      })),
    );
  }
  return storageOf(rollout);
}

/** Opens a stored thread's rollout to append to it (taking its writer lock). */
export async function openThreadStorage(options: {
  readonly path: string;
}): Promise<ThreadStorage> {
  return storageOf(await RolloutRecorder.open(options.path));
}

/** The rollout a thread id or path names. */
export async function resolveRolloutPath(
  codexHome: string,
  locator: { readonly threadId: string } | { readonly path: string },
): Promise<string> {
  if ('path' in locator) return locator.path;
  const path = await findRolloutPath(codexHome, locator.threadId);
  if (!path)
    throw new RolloutError(
      'not_found',
      `no rollout for thread ${locator.threadId} in ${codexHome}`,
    );
  return path;
}

/** A stored thread: its id, the conversation the next request carries, its last settings. */
export interface LoadedThreadHistory {
  readonly threadId: string;
  readonly history: ResponseItem[];
  readonly settings: Partial<TurnSettings>;
  /** Turns started in the file; null when it resumed from its last compaction without counting. */
  readonly turns: number | null;
}

/** The first record of a rollout: its `session_meta`. */
async function readMeta(path: string): Promise<SessionMeta> {
  for await (const line of readRolloutLines(path)) {
    if (line.item.type === 'session_meta') return line.item.payload;
    break;
  }
  throw new RolloutError('invalid', `${path} does not start with a session_meta record`);
}

/**
 * The records from the last compaction (with its replacement history) to the end, read
 * backwards so a long thread resumes without reading or holding its whole file; plus the newest
 * `turn_context` when none follows the compaction. Null when the file has no such compaction or
 * rolls back after it (the full replay handles those).
 */
async function tailFromLastCompaction(
  path: string,
): Promise<{ readonly tail: RolloutItem[]; readonly turnContext: RolloutItem | null } | null> {
  const handle = await open(path, 'r');
  try {
    const tail: RolloutItem[] = [];
    let compacted = false;
    let turnContext: RolloutItem | null = null;
    for await (const text of linesFromEnd(handle)) {
      const line = parseRolloutLine(text);
      if (!line) continue;
      const { item } = line;
      if (item.type === 'session_meta') return null;
      if (!compacted) {
        if (item.type === 'event_msg' && item.payload.type === 'thread_rolled_back') return null;
        tail.push(item);
        if (item.type === 'turn_context') turnContext = item;
        if (item.type === 'compacted' && item.payload.replacement_history) {
          compacted = true;
          if (turnContext) break;
        }
      } else if (item.type === 'turn_context') {
        turnContext = item;
        break;
      }
    }
    if (!compacted) return null;
    return { tail: tail.reverse(), turnContext };
  } finally {
    await handle.close();
  }
}

/**
 * Reads a rollout and rebuilds its conversation (compactions and rollbacks applied). A thread
 * that was compacted resumes from its last compaction, read from the end of the file. With
 * `upToTurn`, only the first `upToTurn` turns are kept (a fork from the middle).
 */
export async function loadThreadHistory(
  path: string,
  options: { readonly upToTurn?: number } = {},
): Promise<LoadedThreadHistory> {
  if (options.upToTurn === undefined) {
    const fast = await tailFromLastCompaction(path);
    if (fast) {
      const meta = await readMeta(path);
      const head =
        fast.turnContext && !fast.tail.includes(fast.turnContext) ? [fast.turnContext] : [];
      const { history, turnContext } = reconstructHistory([...head, ...fast.tail]);
      return {
        threadId: meta.id,
        history,
        settings: turnContext ? turnSettingsOf(turnContext) : {},
        turns: null,
      };
    }
  }
  const { meta, items } = await loadRollout(path);
  const turns = items.filter(
    (item) => item.type === 'event_msg' && item.payload.type === 'task_started',
  ).length;
  const cut =
    options.upToTurn !== undefined && options.upToTurn < turns
      ? [threadRolledBack(turns - Math.max(0, options.upToTurn))]
      : [];
  const { history, turnContext } = reconstructHistory([...items, ...cut]);
  return {
    threadId: meta.id,
    history,
    settings: turnContext ? turnSettingsOf(turnContext) : {},
    turns,
  };
}

/** Appends a rollback of the last `numTurns` turns to a stored thread (not loaded elsewhere). */
export async function appendRollback(path: string, numTurns: number): Promise<void> {
  const rollout = await RolloutRecorder.open(path);
  try {
    rollout.record([threadRolledBack(numTurns)]);
    await rollout.flush();
  } finally {
    await rollout.close();
  }
}
