import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { ThreadConfigRequest } from '@codex/core';
import { type CodexAuth, gitDiffToRemote } from '@codex/core';
import { type core, internalError, type v1 } from '@codex/protocol';
import { accountService, type LoginOutcome } from '../account/account-service.js';
import type { ClientSession } from '../client-session.js';
import { refuse } from '../errors.js';
import type { LiveThread } from '../live-thread.js';
import type { AppServer } from '../server.js';
import type { HandlerTable } from './types.js';

/** `addConversationListener` subscriptions of each client: id → the conversation. */
const subscriptions = new WeakMap<ClientSession, Map<string, LiveThread>>();

function subscriptionsOf(session: ClientSession): Map<string, LiveThread> {
  let map = subscriptions.get(session);
  if (!map) {
    map = new Map();
    subscriptions.set(session, map);
  }
  return map;
}

/** A loaded conversation, or the seed's refusal. */
function conversation(server: AppServer, conversationId: string): LiveThread {
  const live = server.findLive(conversationId);
  if (!live) throw refuse(`conversation not found: ${conversationId}`);
  return live;
}

/** v1 input items (payload under `data`) as core's. */
function coreItems(items: readonly v1.InputItem[]): core.InputItem[] {
  return items.map((item): core.InputItem => {
    if (item.type === 'text') return { type: 'text', text: item.data.text };
    if (item.type === 'image') return { type: 'image', image_url: item.data.imageUrl };
    return { type: 'local_image', path: item.data.path };
  });
}

/** The v1 auth method of some credentials: host-supplied tokens are a ChatGPT login too. */
function authMethod(auth: CodexAuth | null): v1.AuthMode | null {
  const token = auth?.apiKey ?? auth?.tokens?.accessToken ?? '';
  if (!auth || token.length === 0) return null;
  return auth.mode === 'apikey' ? 'apikey' : 'chatgpt';
}

/** Tells every client how a v1 login ended (and the new auth method when it worked). */
function announceLogin(server: AppServer, outcome: LoginOutcome): void {
  server.broadcastToAll((session) => session.notify('loginChatGptComplete', outcome));
  if (outcome.success) {
    server.broadcastToAll((session) =>
      session.notify('authStatusChange', { authMethod: 'chatgpt' }),
    );
  }
}

/** The v1 conversation API (seed 000), over the same threads as v2. */
export const v1Handlers: HandlerTable = {
  newConversation: async (params, { server, session }) => {
    const request: ThreadConfigRequest = {
      profile: params.profile,
      cwd: params.cwd ? resolve(params.cwd) : null,
      model: params.model,
      approvalPolicy: params.approvalPolicy as ThreadConfigRequest['approvalPolicy'],
      sandbox: params.sandbox,
      config: params.config,
      baseInstructions: params.baseInstructions,
    };
    const config = await server.threadConfig(request).catch((error: unknown) => {
      throw refuse(`error deriving config: ${(error as Error).message}`);
    });
    const thread = await server
      .threads(session.clientName)
      .startThread({
        config,
        originator: session.clientName ?? undefined,
        source: 'vscode',
        userAgentSuffix: `${session.clientName}; ${session.clientVersion}`,
      })
      .catch((error: unknown) => {
        throw internalError(`error creating conversation: ${(error as Error).message}`);
      });
    const live = server.liveThread(thread);
    live.originator = session.clientName;
    return { conversationId: thread.id, model: thread.session.turnSettings.model };
  },

  sendUserMessage: (params, { server }) => {
    const live = conversation(server, params.conversationId);
    live.thread.submit({ type: 'user_input', items: coreItems(params.items) });
    return {};
  },

  sendUserTurn: (params, { server }) => {
    const live = conversation(server, params.conversationId);
    live.thread.submit({
      type: 'user_turn',
      items: coreItems(params.items),
      cwd: params.cwd,
      approval_policy: params.approvalPolicy,
      sandbox_policy: params.sandboxPolicy,
      model: params.model,
      effort: params.effort ?? null,
      summary: params.summary,
    });
    return {};
  },

  // Answered once the turn reports `turn_aborted`; an interrupt always aborts as `interrupted`.
  interruptConversation: async (params, { server }) => {
    const live = conversation(server, params.conversationId);
    if (!(await live.interrupt())) throw refuse('no active turn to interrupt');
    return { abortReason: 'interrupted' };
  },

  addConversationListener: (params, { server, session }) => {
    const live = conversation(server, params.conversationId);
    const subscriptionId = randomUUID();
    live.addListener(session);
    subscriptionsOf(session).set(subscriptionId, live);
    return { subscriptionId };
  },

  removeConversationListener: (params, { session }) => {
    const mine = subscriptionsOf(session);
    const live = mine.get(params.subscriptionId);
    if (!live) throw refuse(`subscription not found: ${params.subscriptionId}`);
    mine.delete(params.subscriptionId);
    live.removeListener(session);
    return {};
  },

  loginChatGpt: async (_params, { server }) => {
    const login = await accountService(server).startBrowserLogin((outcome) =>
      announceLogin(server, outcome),
    );
    return { loginId: login.loginId, authUrl: login.authUrl };
  },

  cancelLoginChatGpt: (params, { server }) => {
    if (!accountService(server).cancel(params.loginId)) {
      throw refuse(`login id not found: ${params.loginId}`);
    }
    return {};
  },

  logoutChatGpt: async (_params, { server }) => {
    await accountService(server).logout();
    setImmediate(() =>
      server.broadcastToAll((session) => session.notify('authStatusChange', { authMethod: null })),
    );
    return {};
  },

  getAuthStatus: async (_params, { server }) => {
    const auth = await accountService(server).current();
    return {
      authMethod: authMethod(auth),
      preferredAuthMethod: server.config.forcedLoginMethod === 'api' ? 'apikey' : 'chatgpt',
    };
  },

  gitDiffToRemote: async (params) => {
    try {
      return await gitDiffToRemote(params.cwd);
    } catch {
      throw refuse(`failed to compute git diff to remote for cwd: ${JSON.stringify(params.cwd)}`);
    }
  },
};
