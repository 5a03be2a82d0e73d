import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuthDotJson,
  deleteAuth,
  EphemeralAuthStorage,
  FileAuthStorage,
  loadAuthDotJson,
  loginWithApiKey,
  parseChatgptJwtClaims,
  saveAuth,
} from '../src/index.js';
import { idToken, tempHome } from './helpers.js';

let home: ReturnType<typeof tempHome>;
beforeEach(() => {
  home = tempHome();
});
afterEach(async () => {
  await new EphemeralAuthStorage(home.path).delete();
  home.dispose();
});

const silent = { logger: silentLogger };

describe('credential API', () => {
  it('logs in with an API key to auth.json and logs out', async () => {
    await loginWithApiKey(home.path, 'sk-abc', 'file', silent);
    expect(await loadAuthDotJson(home.path, 'file', silent)).toStrictEqual({
      authMode: 'apikey',
      openaiApiKey: 'sk-abc',
    });
    expect(await deleteAuth(home.path, 'file', silent)).toBe(true);
    expect(existsSync(join(home.path, 'auth.json'))).toBe(false);
    expect(await deleteAuth(home.path, 'file', silent)).toBe(false);
  });

  it('rejects an empty API key', async () => {
    await expect(loginWithApiKey(home.path, '  ', 'file', silent)).rejects.toThrow(/empty/);
  });

  it('keeps host-supplied ChatGPT tokens in memory only, and they win over the file', async () => {
    await loginWithApiKey(home.path, 'sk-file', 'file', silent);
    const jwt = await idToken({ 'https://api.openai.com/auth': { chatgpt_account_id: 'acct-1' } });
    const external: AuthDotJson = {
      authMode: 'chatgptAuthTokens',
      openaiApiKey: null,
      tokens: {
        idToken: parseChatgptJwtClaims(jwt),
        accessToken: jwt,
        refreshToken: '',
        accountId: 'acct-1',
      },
    };
    await saveAuth(home.path, external, 'file', silent);
    expect(await loadAuthDotJson(home.path, 'file', silent)).toStrictEqual(external);
    // The file still holds the API key: the tokens never touched disk.
    expect(await new FileAuthStorage(home.path).load()).toStrictEqual({
      authMode: 'apikey',
      openaiApiKey: 'sk-file',
    });
    await deleteAuth(home.path, 'file', silent);
    expect(await loadAuthDotJson(home.path, 'file', silent)).toBeNull();
  });
});

describe('auth.lock', () => {
  it('waits for a login or logout in progress elsewhere (the original holds auth.lock), and times out clearly', async () => {
    const lock = join(home.path, 'auth.lock');
    const holder = spawn('flock', ['--exclusive', lock, 'sh', '-c', 'echo locked; sleep 0.5'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const holderExited = new Promise((resolve) => holder.once('exit', resolve));
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    const timedOut = await loginWithApiKey(home.path, 'sk-1', 'file', {
      ...silent,
      authLockTimeoutMs: 100,
    }).catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ code: 'lock_timeout' });
    expect((timedOut as Error).message).toContain(lock);
    expect(existsSync(join(home.path, 'auth.json'))).toBe(false);
    const started = Date.now();
    await loginWithApiKey(home.path, 'sk-2', 'file', silent);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(await loadAuthDotJson(home.path, 'file', silent)).toMatchObject({
      openaiApiKey: 'sk-2',
    });
    await holderExited;
  });
});
