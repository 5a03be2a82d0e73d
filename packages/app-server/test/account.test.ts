import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeAccessToken, MockIssuer, MockResponsesServer, scripted } from '@codex/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ClientAuthRefresher,
  EXTERNAL_AUTH_REFRESH_TIMEOUT_MS,
} from '../src/account/auth-refresh-bridge.js';
import type { ClientSession } from '../src/client-session.js';
import type { AppServer } from '../src/server.js';
import { type Harness, type HarnessOptions, startHarness } from './harness.js';

let harness: Harness | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
  for (const close of closers.splice(0)) await close();
});

/** A harness whose default provider is OpenAI's, so accounts matter. */
function openaiHarness(options: HarnessOptions = {}): Promise<Harness> {
  return startHarness({
    ...options,
    server: { cliOverrides: ['model_provider="openai"'], ...options.server },
  });
}

/** Follows redirects by hand, as a browser would. */
async function browse(start: string): Promise<number[]> {
  const statuses: number[] = [];
  let url = start;
  for (;;) {
    const response = await fetch(url, { redirect: 'manual' });
    statuses.push(response.status);
    const location = response.headers.get('location');
    await response.arrayBuffer();
    if (response.status < 300 || response.status >= 400 || !location) return statuses;
    url = new URL(location, url).toString();
  }
}

/** Records the server side of every connection `server` accepts from now on. */
function captureSessions(server: AppServer): ClientSession[] {
  const sessions: ClientSession[] = [];
  const connect = server.connect.bind(server);
  server.connect = (transport) => {
    const session = connect(transport);
    sessions.push(session);
    return session;
  };
  return sessions;
}

const externalToken = (accountId: string) =>
  fakeAccessToken(3600, {
    email: 'host@example.com',
    'https://api.openai.com/auth': { chatgpt_account_id: accountId, chatgpt_user_id: 'user_host' },
  });

describe('account/read', () => {
  it('reports no account for a provider that takes no OpenAI auth (transcript f)', async () => {
    harness = await startHarness();
    const { client } = await harness.client();
    const expected = {
      account: null,
      userId: null,
      requiresOpenaiAuth: false,
      workspaceRouting: null,
    };
    expect(await client.request('account/read', {})).toStrictEqual(expected);
    expect(await client.request('account/read', { refreshToken: true })).toStrictEqual(expected);
  });
});

describe('API key login and logout', () => {
  it('saves the key, notifies every client, reads it back, and logs out', async () => {
    harness = await openaiHarness();
    const { client, notifications } = await harness.client();
    const other = await harness.client('other');
    expect(await client.request('account/read', {})).toMatchObject({
      account: null,
      requiresOpenaiAuth: true,
    });
    const updated = other.client.waitFor('account/updated');
    const result = await client.request('account/login/start', {
      type: 'apiKey',
      apiKey: 'sk-test-123',
    });
    expect(result).toStrictEqual({ type: 'apiKey' });
    expect(await updated).toStrictEqual({ authMode: 'apikey', planType: null });
    expect(notifications.find((n) => n.method === 'account/login/completed')?.params).toStrictEqual(
      { loginId: null, success: true, error: null },
    );
    const stored = JSON.parse(readFileSync(join(harness.home.path, 'auth.json'), 'utf8'));
    expect(stored.OPENAI_API_KEY).toBe('sk-test-123');
    expect(await client.request('account/read', {})).toMatchObject({
      account: { type: 'apiKey' },
    });

    const loggedOut = client.waitFor('account/updated', (p) => p.authMode === null);
    expect(await client.request('account/logout', undefined)).toStrictEqual({});
    await loggedOut;
    expect(existsSync(join(harness.home.path, 'auth.json'))).toBe(false);
    expect(await client.request('account/read', {})).toMatchObject({ account: null });
  });

  it('refuses an API key when ChatGPT login is forced', async () => {
    harness = await openaiHarness({
      server: { cliOverrides: ['model_provider="openai"', 'forced_login_method="chatgpt"'] },
    });
    const { client } = await harness.client();
    await expect(
      client.request('account/login/start', { type: 'apiKey', apiKey: 'sk-x' }),
    ).rejects.toMatchObject({
      code: -32600,
      message: 'API key login is disabled. Use ChatGPT login instead.',
    });
  });
});

describe('ChatGPT login', () => {
  async function withIssuer(): Promise<MockIssuer> {
    const issuer = await MockIssuer.start();
    closers.push(() => issuer.close());
    return issuer;
  }

  it('starts the login server, completes through the browser, and notifies', async () => {
    const issuer = await withIssuer();
    issuer.identity = { email: 'dev@example.com', accountId: 'acct_team', planType: 'team' };
    harness = await openaiHarness({ server: { issuer: issuer.origin, loginPort: 0 } });
    const { client } = await harness.client();
    const started = await client.request('account/login/start', { type: 'chatgpt' });
    if (started.type !== 'chatgpt') throw new Error(`unexpected ${started.type}`);
    expect(started.loginId).toMatch(/^[0-9a-f-]{36}$/);
    expect(started.authUrl.startsWith(`${issuer.origin}/oauth/authorize`)).toBe(true);
    const completed = client.waitFor('account/login/completed');
    const updated = client.waitFor('account/updated');
    expect(await browse(started.authUrl)).toStrictEqual([302, 302, 200]);
    expect(await completed).toStrictEqual({
      loginId: started.loginId,
      success: true,
      error: null,
    });
    expect(await updated).toStrictEqual({ authMode: 'chatgpt', planType: 'team' });
    expect(await client.request('account/read', {})).toMatchObject({
      account: { type: 'chatgpt', email: 'dev@example.com', planType: 'team' },
      requiresOpenaiAuth: true,
    });
  });

  it('cancels by login id, reporting the failed login', async () => {
    const issuer = await withIssuer();
    harness = await openaiHarness({ server: { issuer: issuer.origin, loginPort: 0 } });
    const { client } = await harness.client();
    const started = await client.request('account/login/start', { type: 'chatgpt' });
    if (started.type !== 'chatgpt') throw new Error(`unexpected ${started.type}`);
    const completed = client.waitFor('account/login/completed');
    expect(
      await client.request('account/login/cancel', {
        loginId: '01a20640-357e-77d0-a2ed-c4aaa2999665',
      }),
    ).toStrictEqual({ status: 'notFound' });
    expect(
      await client.request('account/login/cancel', { loginId: started.loginId }),
    ).toStrictEqual({ status: 'canceled' });
    expect(await completed).toMatchObject({ loginId: started.loginId, success: false });
    expect((await completed).error).toMatch(/^Login server error: /);
    await expect(
      client.request('account/login/cancel', { loginId: 'not-a-uuid' }),
    ).rejects.toMatchObject({ code: -32600, message: 'invalid login id: not-a-uuid' });
  });
});

describe('rate limits', () => {
  it('answers a snapshot in which nothing is known', async () => {
    harness = await startHarness();
    const { client } = await harness.client();
    const result = await client.request('account/rateLimits/read', undefined);
    expect(result.rateLimits).toMatchObject({ limitId: 'codex', primary: null, secondary: null });
  });
});

describe('externally managed ChatGPT tokens', () => {
  it('uses them in memory only and asks the client that gave them for new ones after a 401', async () => {
    const model = await MockResponsesServer.start();
    closers.push(() => model.close());
    harness = await startHarness({
      extraToml: [
        '[model_providers.authmock]',
        'name = "Auth Mock"',
        `base_url = "${model.url}"`,
        'wire_api = "responses"',
        'requires_openai_auth = true',
        'request_max_retries = 0',
        'stream_max_retries = 0',
      ].join('\n'),
    });
    const { client } = await harness.client();
    const first = externalToken('acct_1');
    const second = externalToken('acct_1');
    const result = await client.request('account/login/start', {
      type: 'chatgptAuthTokens',
      accessToken: first,
      chatgptAccountId: 'acct_1',
      chatgptPlanType: 'pro',
    });
    expect(result).toStrictEqual({ type: 'chatgptAuthTokens' });
    expect(existsSync(join(harness.home.path, 'auth.json'))).toBe(false);
    const asked: unknown[] = [];
    client.onServerRequest('account/chatgptAuthTokens/refresh', (params) => {
      asked.push(params);
      return { accessToken: second, chatgptAccountId: 'acct_1', chatgptPlanType: 'pro' };
    });
    model.enqueue(scripted.error(401, { message: 'expired' }), scripted.text('hello'));
    const thread = await client.request('thread/start', {
      cwd: harness.cwd,
      modelProvider: 'authmock',
    });
    const completed = client.waitFor('turn/completed');
    await client.request('turn/start', {
      threadId: thread.thread.id,
      input: [{ type: 'text', text: 'hi', text_elements: [] }],
    });
    expect((await completed).turn.status).toBe('completed');
    expect(asked).toStrictEqual([{ reason: 'unauthorized', previousAccountId: 'acct_1' }]);
    expect(model.requests.map((r) => r.headers.authorization)).toStrictEqual([
      `Bearer ${first}`,
      `Bearer ${second}`,
    ]);
    expect(model.requests[1]?.headers['chatgpt-account-id']).toBe('acct_1');
  });

  it('reports a refresh that times out, fails or loses its client in the original words', async () => {
    expect(EXTERNAL_AUTH_REFRESH_TIMEOUT_MS).toBe(10_000);
    harness = await startHarness();
    const sessions = captureSessions(harness.server);
    const { client } = await harness.client();
    const session = sessions[0] as ClientSession;
    const context = { reason: 'unauthorized', previousAccountId: 'acct_1' } as const;

    const stop = client.onServerRequest(
      'account/chatgptAuthTokens/refresh',
      () => new Promise(() => {}),
    );
    await expect(new ClientAuthRefresher(session, 1_000).refresh(context)).rejects.toThrow(
      'auth refresh request timed out after 1s',
    );
    stop();

    const stopFailing = client.onServerRequest('account/chatgptAuthTokens/refresh', () => {
      throw new Error('no tokens here');
    });
    await expect(new ClientAuthRefresher(session).refresh(context)).rejects.toThrow(
      /^auth refresh request failed: code=-?\d+ message=/,
    );
    stopFailing();

    client.onServerRequest('account/chatgptAuthTokens/refresh', () => {
      void client.close();
      return new Promise(() => {});
    });
    await expect(new ClientAuthRefresher(session).refresh(context)).rejects.toThrow(
      /^auth refresh request canceled: /,
    );
  });
});
