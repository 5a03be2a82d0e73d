import type { CodexAuth } from '@codex/core';
import { type AccountService, accountService, accountUpdate } from '../account/account-service.js';
import { refuse } from '../errors.js';
import type { AppServer } from '../server.js';
import type { HandlerTable } from './types.js';

/** The rate-limit snapshot when the backend has not reported one: every field unknown. */
const UNKNOWN_RATE_LIMITS = {
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
} as const;

/** Tells every client a login ended and, when it worked, what is now in force (v2 words). */
function announceLogin(
  server: AppServer,
  service: AccountService,
  outcome: { loginId: string | null; success: boolean; error: string | null },
): void {
  server.broadcastToAll((session) => session.notify('account/login/completed', outcome));
  if (!outcome.success) return;
  void service.current().then((auth) => announceAccount(server, auth));
}

function announceAccount(server: AppServer, auth: CodexAuth | null): void {
  const update = accountUpdate(auth);
  server.broadcastToAll((session) => session.notify('account/updated', update));
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** After the response has gone out. */
const afterResponse = (send: () => void) => setImmediate(send);

/** v2 accounts: read, log in (four ways), cancel, log out, rate limits. */
export const accountHandlers: HandlerTable = {
  'account/read': (params, { server }) => accountService(server).read(params.refreshToken ?? false),

  'account/login/start': async (params, { server, session }) => {
    const service = accountService(server);
    switch (params.type) {
      case 'apiKey': {
        await service.loginWithApiKey(params.apiKey);
        afterResponse(() =>
          announceLogin(server, service, { loginId: null, success: true, error: null }),
        );
        return { type: 'apiKey' };
      }
      case 'chatgpt': {
        const login = await service.startBrowserLogin((outcome) =>
          announceLogin(server, service, outcome),
        );
        return { type: 'chatgpt', loginId: login.loginId, authUrl: login.authUrl };
      }
      case 'chatgptDeviceCode': {
        const login = await service.startDeviceCodeLogin((outcome) =>
          announceLogin(server, service, outcome),
        );
        return { type: 'chatgptDeviceCode', ...login };
      }
      case 'chatgptAuthTokens': {
        await service.useExternalTokens(session, {
          accessToken: params.accessToken,
          chatgptAccountId: params.chatgptAccountId,
          chatgptPlanType: params.chatgptPlanType ?? null,
        });
        afterResponse(() =>
          announceLogin(server, service, { loginId: null, success: true, error: null }),
        );
        return { type: 'chatgptAuthTokens' };
      }
      default:
        throw refuse(`Invalid request: login type \`${params.type}\` is not supported`);
    }
  },

  'account/login/cancel': (params, { server }) => {
    if (!UUID.test(params.loginId)) throw refuse(`invalid login id: ${params.loginId}`);
    return { status: accountService(server).cancel(params.loginId) ? 'canceled' : 'notFound' };
  },

  'account/logout': async (_params, { server }) => {
    const remaining = await accountService(server).logout();
    afterResponse(() => announceAccount(server, remaining));
    return {};
  },

  // There is no usage backend to ask: the snapshot says nothing is known, as the original's
  // `account/rateLimits/updated` does for providers without one.
  'account/rateLimits/read': () => ({
    rateLimits: { ...UNKNOWN_RATE_LIMITS },
    rateLimitsByLimitId: null,
  }),
};
