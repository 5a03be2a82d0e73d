import { describe, expect, it } from 'vitest';
import {
  IdTokenInfoError,
  parseChatgptJwtClaims,
  planTypeFromRaw,
  planTypeToString,
} from '../src/index.js';
import { idToken } from './helpers.js';

describe('parseChatgptJwtClaims', () => {
  it('reads the auth and profile claims', async () => {
    const jwt = await idToken({
      email: 'user@example.com',
      'https://api.openai.com/auth': {
        chatgpt_plan_type: 'pro',
        chatgpt_user_id: 'user-123',
        chatgpt_account_id: 'acct-456',
      },
    });
    expect(parseChatgptJwtClaims(jwt)).toStrictEqual({
      email: 'user@example.com',
      chatgptPlanType: { kind: 'known', plan: 'pro' },
      chatgptUserId: 'user-123',
      chatgptAccountId: 'acct-456',
      rawJwt: jwt,
    });
  });

  it('falls back to the profile email and the legacy user_id', async () => {
    const jwt = await idToken({
      'https://api.openai.com/profile': { email: 'profile@example.com' },
      'https://api.openai.com/auth': { user_id: 'legacy-user' },
    });
    expect(parseChatgptJwtClaims(jwt)).toMatchObject({
      email: 'profile@example.com',
      chatgptUserId: 'legacy-user',
    });
  });

  it('gives nulls for missing claims', async () => {
    const jwt = await idToken({});
    expect(parseChatgptJwtClaims(jwt)).toStrictEqual({
      email: null,
      chatgptPlanType: null,
      chatgptUserId: null,
      chatgptAccountId: null,
      rawJwt: jwt,
    });
  });

  it('keeps an unknown plan verbatim and matches known plans case-insensitively', async () => {
    const jwt = await idToken({ 'https://api.openai.com/auth': { chatgpt_plan_type: 'ProMax' } });
    expect(parseChatgptJwtClaims(jwt).chatgptPlanType).toStrictEqual({
      kind: 'unknown',
      raw: 'ProMax',
    });
    expect(planTypeFromRaw('Plus')).toStrictEqual({ kind: 'known', plan: 'plus' });
    expect(planTypeToString(planTypeFromRaw('ProMax'))).toBe('ProMax');
  });

  it.each([
    ['two segments', 'aaa.bbb', 'segments'],
    ['four segments', 'a.b.c.d', 'segments'],
    ['an empty signature', 'eyJhbGciOiJIUzI1NiJ9.e30.', 'segments'],
    ['bad base64', 'eyJhbGciOiJIUzI1NiJ9.%%%%.sig', 'base64'],
    [
      'a payload that is not JSON',
      `eyJhbGciOiJIUzI1NiJ9.${Buffer.from('not json').toString('base64url')}.sig`,
      'json',
    ],
  ])('rejects %s with a typed error', (_name, jwt, kind) => {
    let thrown: unknown;
    try {
      parseChatgptJwtClaims(jwt);
    } catch (error) {
      thrown = error;
    }
    expect(IdTokenInfoError.isInstance(thrown)).toBe(true);
    expect((thrown as IdTokenInfoError).code).toBe(kind);
  });
});
