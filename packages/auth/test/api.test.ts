import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AuthDotJson,
  deleteAuth,
  EphemeralAuthStorage,
  FileAuthStorage,
  loadAuthDotJson,
  loginWithApiKey,
  logout,
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

const silent = { logger: { warn: () => {}, debug: () => {} } };

describe('credential API', () => {
  it('logs in with an API key to auth.json and logs out', async () => {
    await loginWithApiKey(home.path, 'sk-abc', 'file', silent);
    expect(await loadAuthDotJson(home.path, 'file', silent)).toStrictEqual({
      authMode: 'apikey',
      openaiApiKey: 'sk-abc',
    });
    expect(await logout(home.path, 'file', silent)).toBe(true);
    expect(existsSync(join(home.path, 'auth.json'))).toBe(false);
    expect(await logout(home.path, 'file', silent)).toBe(false);
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
