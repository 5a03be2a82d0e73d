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
  persistedEvent,
  RolloutError,
  type RolloutItem,
  RolloutRecorder,
  reconstructHistory,
  threadRolledBack,
  turnContextItem,
  turnSettingsOf,
} from './rollout/index.js';

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
      const payload = persistedEvent(msg);
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
      source: 'cli',
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
  /** Turns in the file (started turns that survive rollbacks are counted by the rebuild). */
  readonly turns: number;
}

/**
 * Reads a rollout and rebuilds its conversation (compactions and rollbacks applied). With
 * `upToTurn`, only the first `upToTurn` turns are kept (a fork from the middle).
 */
export async function loadThreadHistory(
  path: string,
  options: { readonly upToTurn?: number } = {},
): Promise<LoadedThreadHistory> {
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
