import { access } from 'node:fs/promises';
import { uuidv7 } from '@codex/common';
import {
  findRolloutPath,
  readThreadSummary,
  SessionError,
  type Thread,
  type ThreadSummary,
} from '@codex/core';
import { internalError, type v2 } from '@codex/protocol';
import type { ClientSession } from '../client-session.js';
import { refuse } from '../errors.js';
import { checkDynamicTools } from '../host-tools.js';
import type { LiveThread } from '../live-thread.js';
import type { AppServer } from '../server.js';
import { readAllTurns, readItems, readTurns } from '../thread-history.js';
import { sandboxPolicyV2, threadObject } from '../thread-view.js';
import type { HandlerTable } from './types.js';

const HYDRATION_DEPRECATED =
  'Full-history hydration is deprecated for paginated threads; omit `includeTurns` or set it to `false`, then page with `thread/turns/list` and `thread/items/list`.';
/**
 * Core waits this much longer than the client is given for a host tool call, so that the
 * server's own timeout (whose message tells the model what happened) is the one that fires.
 */
const CORE_TOOL_TIMEOUT_MARGIN_MS = 5_000;

const RESUME_HYDRATION_DEPRECATED =
  'Full-history hydration on resume is deprecated for paginated threads; use `excludeTurns: true`, then page with `thread/turns/list` and `thread/items/list`.';

/** Checks a thread id the way the original's UUID parser does, naming the bad character. */
export function checkThreadId(id: string): void {
  const text = id.startsWith('urn:uuid:') ? id.slice('urn:uuid:'.length) : id;
  for (let index = 0; index < text.length; index++) {
    const character = text[index] as string;
    if (!/[0-9a-fA-F-]/.test(character)) {
      throw refuse(
        `invalid thread id: invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${character}\` at ${index + 1}`,
      );
    }
  }
  const digits = text.replaceAll('-', '').length;
  if (digits !== 32) {
    throw refuse(
      `invalid thread id: invalid length: expected 32 hexadecimal digits, found ${digits}`,
    );
  }
}

/** The loaded thread `threadId`, or the original's "thread not found" refusal. */
export function loadedThread(server: AppServer, threadId: string): LiveThread {
  checkThreadId(threadId);
  const live = server.findLive(threadId);
  if (!live) throw refuse(`thread not found: ${threadId}`);
  return live;
}

async function storedPath(server: AppServer, threadId: string): Promise<string | undefined> {
  const live = server.findLive(threadId);
  if (live) {
    // What the thread has recorded is written before it is read back.
    await live.thread.flush();
    return live.thread.rolloutPath ?? undefined;
  }
  return findRolloutPath(server.codexHome, threadId);
}

/** The settings part of start / resume / fork results. */
function threadSettings(live: LiveThread) {
  const settings = live.thread.session.turnSettings;
  return {
    model: settings.model,
    modelProvider: live.thread.session.config.modelProviderId,
    serviceTier: null,
    disabledPluginIds: [],
    cwd: settings.cwd,
    runtimeWorkspaceRoots: [settings.cwd],
    instructionSources: [],
    approvalPolicy: settings.approvalPolicy as v2.AskForApproval,
    approvalsReviewer: 'user' as const,
    sandbox: sandboxPolicyV2(settings.sandboxPolicy),
    activePermissionProfile: null,
    reasoningEffort: settings.effort,
    multiAgentMode: 'explicitRequestOnly' as const,
  };
}

/** Sends `send` to the client once the current response has gone out. */
function afterResponse(send: () => void): void {
  setImmediate(send);
}

function announceStarted(session: ClientSession, thread: v2.Thread, release: () => void): void {
  afterResponse(() => {
    session.notify('thread/started', { thread });
    release();
  });
}

/**
 * Holds a thread's notifications (its MCP servers' start-up) until `release` is called: after
 * the response and what follows it (`thread/started`), as the original orders them. Released
 * at once when the handler fails.
 */
async function holdingEvents<T>(
  live: LiveThread,
  answer: (release: () => void) => Promise<T>,
): Promise<T> {
  let release: () => void = () => {};
  live.holdUntil(new Promise<void>((resolve) => (release = resolve)));
  try {
    return await answer(release);
  } catch (error) {
    release();
    throw error;
  }
}

/** Whether a thread could not load because a required MCP server failed to start. */
const isRequiredMcpFailure = (error: unknown): error is SessionError =>
  SessionError.isInstance(error) && error.code === 'mcp_required';

/**
 * A thread that could not start as the original reports it: a required MCP server that
 * failed is a fatal error of the session (-32603).
 */
function threadStartError(error: unknown): unknown {
  if (isRequiredMcpFailure(error)) {
    return internalError(
      `error creating thread: Fatal error: Failed to initialize session: ${error.message}`,
    );
  }
  return error;
}

/** The rollout of a thread that has one on disk yet (a new thread writes it on its first turn). */
async function materialized(server: AppServer, threadId: string, method: string): Promise<string> {
  const path = await storedPath(server, threadId);
  if (!path) throw refuse(`thread not loaded: ${threadId}`);
  try {
    await access(path);
  } catch {
    throw refuse(
      `thread ${threadId} is not materialized yet; ${method} is unavailable before first user message`,
    );
  }
  return path;
}

async function summaryOf(path: string | undefined): Promise<ThreadSummary | null> {
  return path ? readThreadSummary(path) : null;
}

/** v2 threads: start, resume, fork, rollback, list, read, pages, archive, names, subscriptions. */
export const threadHandlers: HandlerTable = {
  'thread/start': async (params, { server, session }) => {
    const dynamicTools = params.dynamicTools ?? [];
    checkDynamicTools(dynamicTools);
    const config = await server.threadConfig(params);
    const thread: Thread = await server
      .threads(session.clientName)
      .startThread({
        config,
        ephemeral: params.ephemeral ?? false,
        originator: session.clientName ?? undefined,
        source: 'vscode',
        userAgentSuffix: `${session.clientName}; ${session.clientVersion}`,
        dynamicTools,
        dynamicToolTimeoutMs: server.dynamicToolTimeoutMs + CORE_TOOL_TIMEOUT_MARGIN_MS,
      })
      .catch((error: unknown) => {
        throw threadStartError(error);
      });
    const live = server.liveThread(thread, { loaded: true });
    return holdingEvents(live, async (release) => {
      live.originator = session.clientName;
      if (dynamicTools.length > 0) live.hostTools(session);
      live.subscribe(session);
      const described = await server.describeLive(live);
      announceStarted(session, described, release);
      return { thread: described, ...threadSettings(live) };
    });
  },

  'thread/resume': async (params, { server, session }) => {
    if (!params.path) checkThreadId(params.threadId);
    let live = params.path ? undefined : server.findLive(params.threadId);
    if (!live) {
      const config = await server.threadConfig(params);
      const locator = params.path ? { path: params.path } : { threadId: params.threadId };
      const thread = await server
        .threads(session.clientName)
        .resumeThread(locator, { config, originator: session.clientName ?? undefined })
        .catch((error: unknown) => {
          if (isRequiredMcpFailure(error)) throw threadStartError(error);
          throw refuse(`thread not found: ${params.threadId} (${(error as Error).message})`);
        });
      live = server.liveThread(thread, { loaded: true });
    }
    const resumed = live;
    return holdingEvents(resumed, (release) => resume(resumed, release));

    async function resume(live: LiveThread, release: () => void) {
      const includeTurns = !params.excludeTurns;
      await live.thread.flush();
      const turns =
        includeTurns && live.thread.rolloutPath ? await readAllTurns(live.thread.rolloutPath) : [];
      const page =
        live.thread.rolloutPath && params.initialTurnsPage
          ? await readTurns(live.thread.rolloutPath, {
              direction: params.initialTurnsPage.sortDirection ?? 'desc',
              limit: params.initialTurnsPage.limit ?? null,
              itemsView: params.initialTurnsPage.itemsView ?? 'summary',
            })
          : null;
      if (includeTurns) {
        session.notify('deprecationNotice', {
          summary: RESUME_HYDRATION_DEPRECATED,
          details: null,
        });
      }
      session.notify('thread/status/changed', { threadId: live.id, status: live.status });
      live.subscribe(session);
      const described = await server.describeLive(live, turns);
      const usage = live.tokenUsage;
      afterResponse(() => {
        if (usage) session.notify('thread/tokenUsage/updated', usage);
        session.notify('thread/goal/cleared', { threadId: live.id });
        release();
      });
      return {
        thread: described,
        ...threadSettings(live),
        collaborationMode: null,
        initialTurnsPage: page
          ? { data: page.turns, nextCursor: page.nextCursor, backwardsCursor: null }
          : null,
        turnsBackwardsCursor: null,
        itemsBackwardsCursor: null,
      };
    }
  },

  'thread/fork': async (params, { server, session }) => {
    checkThreadId(params.threadId);
    const config = await server.threadConfig(params);
    const thread = await server
      .threads(session.clientName)
      .forkThread(
        { threadId: params.threadId },
        {
          config,
          ephemeral: params.ephemeral ?? false,
          originator: session.clientName ?? undefined,
          source: 'vscode',
        },
      )
      .catch((error: unknown) => {
        if (isRequiredMcpFailure(error)) throw threadStartError(error);
        throw refuse(`thread not found: ${params.threadId} (${(error as Error).message})`);
      });
    const live = server.liveThread(thread, { loaded: true });
    return holdingEvents(live, async (release) => {
      live.originator = session.clientName;
      live.subscribe(session);
      const turns =
        !params.excludeTurns && thread.rolloutPath ? await readAllTurns(thread.rolloutPath) : [];
      const described = await server.describeLive(live, turns);
      announceStarted(session, { ...described, turns: [] }, release);
      return { thread: described, ...threadSettings(live) };
    });
  },

  'thread/rollback': async (params, { server, session }) => {
    checkThreadId(params.threadId);
    const previous = server.findLive(params.threadId);
    if (previous?.activeTurnId) throw refuse('thread has an active turn; interrupt it first');
    const thread = await server
      .threads(session.clientName)
      .rollbackThread(params.threadId, params.numTurns)
      .catch((error: unknown) => {
        throw refuse(`cannot roll back thread ${params.threadId}: ${(error as Error).message}`);
      });
    const live = server.liveThread(thread);
    live.subscribe(session);
    const turns = thread.rolloutPath ? await readAllTurns(thread.rolloutPath) : [];
    return { thread: await server.describeLive(live, turns) };
  },

  'thread/list': async (params, { server }) => {
    const page = await server.threads().listThreads({
      limit: params.limit ?? null,
      cursor: params.cursor ?? null,
      archived: params.archived ?? null,
      cwd: params.cwd ?? null,
      modelProviders: params.modelProviders ?? null,
      defaultModelProvider: server.config.modelProviderId,
      searchTerm: params.searchTerm ?? null,
      sources: params.sourceKinds ?? null,
      useIndexOnly: params.useStateDbOnly ?? null,
    });
    const data = page.threads.map((summary) => {
      const live = server.findLive(summary.id);
      return threadObject(summary, live ? server.facts(live) : null);
    });
    return { data, nextCursor: page.nextCursor, backwardsCursor: null };
  },

  'thread/read': async (params, { server, session }) => {
    checkThreadId(params.threadId);
    const path = await storedPath(server, params.threadId);
    const live = server.findLive(params.threadId);
    const summary = await summaryOf(path);
    if (!summary && !live) throw refuse(`thread not loaded: ${params.threadId}`);
    const turns = params.includeTurns && path && summary ? await readAllTurns(path) : [];
    if (params.includeTurns) {
      session.notify('deprecationNotice', { summary: HYDRATION_DEPRECATED, details: null });
    }
    return { thread: threadObject(summary, live ? server.facts(live) : null, turns) };
  },

  'thread/turns/list': async (params, { server }) => {
    checkThreadId(params.threadId);
    const path = await materialized(server, params.threadId, 'thread/turns/list');
    const page = await readTurns(path, {
      direction: params.sortDirection ?? 'desc',
      limit: params.limit ?? null,
      cursor: params.cursor ?? null,
      itemsView: params.itemsView ?? 'summary',
    });
    return { data: page.turns, nextCursor: page.nextCursor, backwardsCursor: null };
  },

  'thread/items/list': async (params, { server }) => {
    checkThreadId(params.threadId);
    const path = await storedPath(server, params.threadId);
    if (!path) throw refuse(`thread not loaded: ${params.threadId}`);
    if (
      params.cursor !== undefined &&
      params.cursor !== null &&
      typeof params.cursor !== 'string'
    ) {
      throw refuse('Invalid request: anchored item cursors are not supported; pass `nextCursor`');
    }
    const page = await readItems(path, {
      turnId: params.turnId ?? null,
      cursor: params.cursor ?? null,
      limit: params.limit ?? null,
    });
    return { data: page.entries, nextCursor: page.nextCursor, backwardsCursor: null };
  },

  'thread/archive': async (params, { server, session }) => {
    checkThreadId(params.threadId);
    await server
      .threads()
      .archiveThread(params.threadId)
      .catch((error: unknown) => {
        throw refuse(`cannot archive thread ${params.threadId}: ${(error as Error).message}`);
      });
    afterResponse(() => session.notify('thread/archived', { threadId: params.threadId }));
    return {};
  },

  'thread/unarchive': async (params, { server, session }) => {
    checkThreadId(params.threadId);
    const summary = await server
      .threads()
      .unarchiveThread(params.threadId)
      .catch((error: unknown) => {
        throw refuse(`cannot unarchive thread ${params.threadId}: ${(error as Error).message}`);
      });
    afterResponse(() => session.notify('thread/unarchived', { threadId: params.threadId }));
    return { thread: threadObject(summary, null) };
  },

  'thread/name/set': async (params, { server, session }) => {
    checkThreadId(params.threadId);
    const name = params.name.trim();
    if (name.length === 0) throw refuse('thread name must not be empty');
    if (!(await storedPath(server, params.threadId)) && !server.findLive(params.threadId)) {
      throw refuse(`thread not found: ${params.threadId}`);
    }
    await server.threads().setThreadName(params.threadId, name);
    const live = server.findLive(params.threadId);
    afterResponse(() => {
      const update = { threadId: params.threadId, threadName: name };
      if (live) live.broadcast('thread/name/updated', update);
      if (!live?.isSubscribed(session)) session.notify('thread/name/updated', update);
    });
    return {};
  },

  'thread/loaded/list': (_params, { server }) => ({
    data: server.threads().listLoaded(),
    nextCursor: null,
  }),

  'thread/unsubscribe': (params, { server, session }) => {
    checkThreadId(params.threadId);
    const live = server.findLive(params.threadId);
    if (!live) return { status: 'notLoaded' };
    return { status: live.unsubscribe(session) ? 'unsubscribed' : 'notSubscribed' };
  },

  'thread/compact/start': (params, { server }) => {
    const live = loadedThread(server, params.threadId);
    live.thread.submit({ type: 'compact' });
    return {};
  },

  'thread/goal/get': (params) => {
    checkThreadId(params.threadId);
    return { goal: null };
  },

  'thread/backgroundTerminals/list': (params) => {
    checkThreadId(params.threadId);
    return { data: [], nextCursor: null };
  },

  'thread/readState/update': (params) => {
    checkThreadId(params.threadId);
    return { readState: { firstUnread: null, revision: uuidv7() } };
  },
};
