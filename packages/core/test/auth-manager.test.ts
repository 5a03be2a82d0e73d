import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAuthDotJson, parseChatgptJwtClaims, saveAuth } from '@codex/auth';
import { silentLogger } from '@codex/common';
import {
  fakeAccessToken,
  fakeIdToken,
  MockIssuer,
  MockResponsesServer,
  scripted,
} from '@codex/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  REFRESH_TOKEN_EXPIRED_MESSAGE,
  REFRESH_TOKEN_REUSED_MESSAGE,
} from '../src/auth/refresh.js';
import {
  AuthManager,
  type AuthManagerOptions,
  AuthStorageError,
  ModelClient,
  RefreshTokenError,
} from '../src/index.js';
import { bundleFixture, runFixture } from './helpers.js';

const quiet = silentLogger;
let home: string;
let issuer: MockIssuer;

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'codex-auth-manager-'));
  issuer = await MockIssuer.start();
});
afterEach(async () => {
  await issuer.close();
  rmSync(home, { recursive: true, force: true });
});

const manager = (options: Partial<AuthManagerOptions> = {}) =>
  new AuthManager({
    codexHome: home,
    env: {},
    refreshTokenUrl: issuer.tokenUrl,
    logger: quiet,
    ...options,
  });

/** Stores a ChatGPT login whose access token expires in `expiresIn` seconds. */
async function storeChatgptLogin(
  expiresIn: number,
  accountId = 'acct_1',
): Promise<{ accessToken: string; refreshToken: string }> {
  const accessToken = fakeAccessToken(expiresIn);
  const refreshToken = issuer.issueRefreshToken();
  await saveAuth(
    home,
    {
      authMode: 'chatgpt',
      openaiApiKey: null,
      tokens: {
        idToken: parseChatgptJwtClaims(fakeIdToken({ accountId, email: 'dev@example.com' })),
        accessToken,
        refreshToken,
        accountId,
      },
      lastRefresh: '2026-01-01T00:00:00Z',
    },
    'file',
  );
  return { accessToken, refreshToken };
}

/** A client of the OpenAI provider at `baseUrl` (no retries), with `auth` for credentials. */
const chatgptClient = (baseUrl: string, auth: AuthManager) =>
  new ModelClient({
    provider: {
      name: 'OpenAI',
      baseUrl,
      wireApi: 'responses',
      requiresOpenaiAuth: true,
      supportsWebsockets: false,
      requestMaxRetries: 0,
      streamMaxRetries: 0,
    },
    auth,
    logger: quiet,
  });

const storedAccessToken = async () => (await loadAuthDotJson(home, 'file'))?.tokens?.accessToken;

describe('AuthManager: resolution', () => {
  it('prefers CODEX_API_KEY, then stored credentials, then OPENAI_API_KEY', async () => {
    expect(await manager().auth()).toBeNull();
    expect(await manager({ env: { OPENAI_API_KEY: 'sk-env' } }).auth()).toMatchObject({
      mode: 'apikey',
      apiKey: 'sk-env',
      source: 'env:OPENAI_API_KEY',
    });
    await storeChatgptLogin(3600);
    const stored = await manager({ env: { OPENAI_API_KEY: 'sk-env' } }).auth();
    expect(stored).toMatchObject({
      mode: 'chatgpt',
      source: 'storage',
      accountId: 'acct_1',
      email: 'dev@example.com',
      planType: 'plus',
    });
    const codex = manager({ env: { CODEX_API_KEY: 'sk-codex', OPENAI_API_KEY: 'sk-env' } });
    expect(await codex.auth()).toMatchObject({
      mode: 'apikey',
      apiKey: 'sk-codex',
      source: 'env:CODEX_API_KEY',
    });
    expect(codex.authMode).toBe('apikey');
    expect(
      await manager({ env: { CODEX_API_KEY: 'sk-codex' }, enableCodexApiKeyEnv: false }).auth(),
    ).toMatchObject({ mode: 'chatgpt' });
  });

  it('applies forced_login_method and forced_chatgpt_workspace_id, saying why', async () => {
    await storeChatgptLogin(3600, 'acct_other');
    const forcedApi = manager({ forcedLoginMethod: 'api', env: { OPENAI_API_KEY: 'sk-env' } });
    expect((await forcedApi.auth())?.mode).toBe('apikey');
    expect(forcedApi.lastIssue).toBe(
      'API key login is required (forced_login_method = "api"); the ChatGPT login is ignored',
    );
    const forcedChatgpt = manager({ forcedLoginMethod: 'chatgpt', env: { CODEX_API_KEY: 'sk' } });
    expect((await forcedChatgpt.auth())?.mode).toBe('chatgpt');
    const workspace = manager({ forcedChatgptWorkspaceId: 'acct_team' });
    expect(await workspace.auth()).toBeNull();
    expect(workspace.lastIssue).toBe(
      'login is restricted to workspace acct_team, but the stored ChatGPT login belongs to acct_other; log in again with that workspace',
    );
  });

  it('keeps going with a clear issue when auth.json is torn', async () => {
    writeFileSync(join(home, 'auth.json'), '{"OPENAI_API_KEY": "sk-');
    const torn = manager({ env: { OPENAI_API_KEY: 'sk-env' } });
    expect((await torn.auth())?.source).toBe('env:OPENAI_API_KEY');
    expect(torn.lastIssue).toContain('is not valid JSON');
    expect(readFileSync(join(home, 'auth.json'), 'utf8')).toBe('{"OPENAI_API_KEY": "sk-');
  });
});

describe('AuthManager: refresh', () => {
  it('refreshes a token that is about to expire and stores the rotated tokens', async () => {
    const before = await storeChatgptLogin(60);
    const auth = await manager().auth();
    expect(issuer.refreshCount).toBe(1);
    expect(issuer.requests[0]?.body).toEqual({
      client_id: 'app_EMoamEEZ73f0CkXaXp7hrann',
      grant_type: 'refresh_token',
      refresh_token: before.refreshToken,
      scope: 'openid profile email',
    });
    expect(auth?.tokens?.accessToken).not.toBe(before.accessToken);
    const stored = await loadAuthDotJson(home, 'file');
    expect(stored?.tokens?.accessToken).toBe(auth?.tokens?.accessToken);
    expect(stored?.tokens?.refreshToken).not.toBe(before.refreshToken);
    expect(stored?.tokens?.accountId).toBe('acct_1');
    expect(Date.parse(stored?.lastRefresh ?? '')).toBeGreaterThan(
      Date.parse('2026-01-02T00:00:00Z'),
    );
    // A fresh token is not refreshed again.
    await manager().auth();
    expect(issuer.refreshCount).toBe(1);
  });

  it('after a 401 from the model, refreshes once and retries with the new token', async () => {
    const before = await storeChatgptLogin(3600);
    const model = await MockResponsesServer.start();
    try {
      model.enqueue(
        scripted.error(401, { message: 'token revoked upstream' }),
        scripted.text('hello'),
      );
      const client = chatgptClient(model.url, manager());
      const events = [];
      for await (const event of client.stream({ input: [] }, { model: 'm' }))
        events.push(event.type);
      expect(events.at(-1)).toBe('completed');
      expect(issuer.refreshCount).toBe(1);
      expect(model.requests[0]?.headers.authorization).toBe(`Bearer ${before.accessToken}`);
      expect(model.requests[1]?.headers.authorization).toBe(`Bearer ${await storedAccessToken()}`);
      expect(model.requests[1]?.headers['chatgpt-account-id']).toBe('acct_1');
    } finally {
      await model.close();
    }
  });

  it('after a 401 with auth.lock held elsewhere, fails with the lock timeout, not "unreachable"', async () => {
    await storeChatgptLogin(3600);
    const model = await MockResponsesServer.start();
    // Another process holds auth.lock (the holder locks `<its first argument>.lock`).
    const holder = spawn(
      process.execPath,
      [await bundleFixture('config-holder'), join(home, 'auth'), '', '60000'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise((resolve) => holder.stdout?.once('data', resolve));
      model.enqueue(scripted.error(401, { message: 'token revoked upstream' }));
      const client = chatgptClient(model.url, manager({ refreshTimeoutMs: 150 }));
      const error = await (async () => {
        for await (const _ of client.stream({ input: [] }, { model: 'm' })) {
          // no events expected
        }
      })().catch((caught: unknown) => caught);
      expect(AuthStorageError.isInstance(error) && error.code).toBe('lock_timeout');
      expect((error as Error).message).toContain('auth.lock');
      expect(model.requests).toHaveLength(1);
      expect(issuer.refreshCount).toBe(0);
    } finally {
      holder.kill('SIGKILL');
      await model.close();
    }
  });

  it('reports permanent refresh failures as "log in again" and deletes nothing', async () => {
    const before = await storeChatgptLogin(3600);
    const text = readFileSync(join(home, 'auth.json'), 'utf8');
    issuer.failNext(401, { error: { code: 'refresh_token_expired', message: 'expired' } });
    const error = await manager()
      .refreshToken()
      .catch((caught: unknown) => caught);
    expect(
      RefreshTokenError.isInstance(error) && [error.code, error.permanent, error.message],
    ).toEqual(['expired', true, REFRESH_TOKEN_EXPIRED_MESSAGE]);
    expect(readFileSync(join(home, 'auth.json'), 'utf8')).toBe(text);
    expect(await storedAccessToken()).toBe(before.accessToken);
  });

  it('uses tokens another manager already refreshed instead of spending the refresh token again', async () => {
    const before = await storeChatgptLogin(3600);
    const slow = manager();
    const stale = await slow.auth();
    expect(stale?.tokens?.accessToken).toBe(before.accessToken);
    await manager().refreshToken(); // another process rotates the tokens
    expect(issuer.refreshCount).toBe(1);
    const adopted = await slow.refreshAfterUnauthorized(stale as NonNullable<typeof stale>);
    expect(issuer.refreshCount).toBe(1);
    expect(adopted?.tokens?.accessToken).toBe(await storedAccessToken());
    // Spending the old refresh token would have been refused:
    issuer.issueRefreshToken(); // unrelated; the old one stays used
    const reuse = await fetch(issuer.tokenUrl, {
      method: 'POST',
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: before.refreshToken }),
    });
    expect(reuse.status).toBe(401);
    expect(REFRESH_TOKEN_REUSED_MESSAGE).toContain('already used');
  });

  it('two processes refreshing at once send one refresh request to the issuer', async () => {
    await storeChatgptLogin(3600);
    issuer.delayMs = 300; // keep the first refresh in flight while the second process arrives
    const child = await bundleFixture('refresh-child');
    const outputs = await Promise.all([
      runFixture(child, [home, issuer.tokenUrl]),
      runFixture(child, [home, issuer.tokenUrl]),
    ]);
    const results = outputs.map(
      (output) => JSON.parse(output.trim()) as { ok: boolean; accessToken?: string },
    );
    expect(results.every((result) => result.ok)).toBe(true);
    expect(issuer.refreshCount).toBe(1);
    expect(results[0]?.accessToken).toBe(results[1]?.accessToken);
    expect(results[0]?.accessToken).toBe(await storedAccessToken());
  });
});

describe('AuthManager: external tokens', () => {
  it('keeps host tokens in memory and refreshes them through the host', async () => {
    const auth = manager();
    const first = fakeAccessToken(3600, {
      'https://api.openai.com/auth': { chatgpt_plan_type: 'pro' },
    });
    const current = await auth.setExternalTokens({
      accessToken: first,
      chatgptAccountId: 'acct_host',
    });
    expect(current).toMatchObject({
      mode: 'chatgptAuthTokens',
      source: 'external',
      accountId: 'acct_host',
      planType: 'pro',
    });
    expect(await loadAuthDotJson(home, 'file').catch(() => null)).toMatchObject({
      authMode: 'chatgptAuthTokens',
    });
    expect(() => readFileSync(join(home, 'auth.json'))).toThrow(/ENOENT/);

    const noRefresher = await auth
      .refreshAfterUnauthorized(current)
      .catch((caught: unknown) => caught);
    expect((noRefresher as Error).message).toBe(
      'the ChatGPT tokens supplied by the host expired and no refresher is set; the host must supply new tokens',
    );

    const second = fakeAccessToken(3600);
    const contexts: unknown[] = [];
    auth.setExternalAuthRefresher({
      refresh: async (context) => {
        contexts.push(context);
        return { accessToken: second, chatgptAccountId: 'acct_host', chatgptPlanType: 'team' };
      },
    });
    const refreshed = await auth.refreshAfterUnauthorized(current);
    expect(contexts).toEqual([{ reason: 'unauthorized', previousAccountId: 'acct_host' }]);
    expect(refreshed).toMatchObject({ mode: 'chatgptAuthTokens', planType: 'team' });
    expect(refreshed?.tokens?.accessToken).toBe(second);
    expect(issuer.refreshCount).toBe(0);
    await auth.logout();
    expect(await auth.reload()).toBeNull();
  });
});
