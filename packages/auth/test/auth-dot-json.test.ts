import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AuthStorageError,
  parseAuthDotJson,
  resolvedMode,
  serializeAuthDotJson,
  storageMode,
} from '../src/index.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('auth.json in the original layout', () => {
  it.each(['chatgpt.auth.json', 'apikey.auth.json', 'legacy-apikey.auth.json'])(
    '%s loads and re-saves byte for byte',
    (name) => {
      const text = fixture(name);
      expect(serializeAuthDotJson(parseAuthDotJson(text, name))).toBe(text);
    },
  );

  it('parses the id token into its claims', () => {
    const auth = parseAuthDotJson(fixture('chatgpt.auth.json'), 'chatgpt.auth.json');
    expect(auth.tokens?.idToken).toMatchObject({
      email: 'user@example.com',
      chatgptPlanType: { kind: 'known', plan: 'plus' },
      chatgptUserId: 'user-abc123',
      chatgptAccountId: 'acct-def456',
    });
    expect(auth.tokens?.accountId).toBe('acct-def456');
    expect(auth.lastRefresh).toBe('2025-08-06T20:41:36.232376Z');
  });

  it('keeps keys it does not know', () => {
    const text = JSON.stringify({ OPENAI_API_KEY: 'k', future_field: { a: 1 } }, null, 2);
    const auth = parseAuthDotJson(text, 'x');
    expect(auth.extra).toStrictEqual({ future_field: { a: 1 } });
    expect(serializeAuthDotJson(auth)).toBe(text);
  });

  it('names the file and the field when the shape is wrong', () => {
    expect(() => parseAuthDotJson('{"OPENAI_API_KEY": 42}', '/home/u/.codex/auth.json')).toThrow(
      /\/home\/u\/\.codex\/auth\.json has an unexpected shape \(OPENAI_API_KEY:/,
    );
    const torn = fixture('chatgpt.auth.json').slice(0, 200);
    let error: unknown;
    try {
      parseAuthDotJson(torn, '/tmp/auth.json');
    } catch (caught) {
      error = caught;
    }
    expect(AuthStorageError.isInstance(error) && error.code).toBe('corrupt');
    expect((error as Error).message).toContain('/tmp/auth.json is not valid JSON');
  });

  it('rejects an unreadable id token with a clear error', () => {
    const text = JSON.stringify({
      tokens: { id_token: 'nope', access_token: 'a', refresh_token: 'r' },
    });
    expect(() => parseAuthDotJson(text, 'f')).toThrow(/tokens\.id_token is not a readable JWT/);
  });
});

describe('modes', () => {
  it('resolves the mode: explicit, else apikey when a key is present, else chatgpt', () => {
    expect(resolvedMode({ authMode: 'chatgpt', openaiApiKey: 'k' })).toBe('chatgpt');
    expect(resolvedMode({ openaiApiKey: 'k' })).toBe('apikey');
    expect(resolvedMode({ openaiApiKey: null })).toBe('chatgpt');
  });

  it('keeps host-supplied ChatGPT tokens in memory whatever the configured store', () => {
    expect(storageMode({ authMode: 'chatgptAuthTokens', openaiApiKey: null }, 'file')).toBe(
      'ephemeral',
    );
    expect(storageMode({ authMode: 'chatgptAuthTokens', openaiApiKey: null }, 'keyring')).toBe(
      'ephemeral',
    );
    expect(storageMode({ authMode: 'apikey', openaiApiKey: 'k' }, 'keyring')).toBe('keyring');
  });
});
