import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MockIssuer } from '../src/index.js';

let issuer: MockIssuer;
beforeEach(async () => {
  issuer = await MockIssuer.start();
});
afterEach(async () => {
  await issuer.close();
});

const refresh = (token: string) =>
  fetch(issuer.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: token, client_id: 'c' }),
  });

describe('MockIssuer', () => {
  it('issues RS256 tokens that verify against its JWKS, with the claims Codex reads', async () => {
    const response = await refresh(issuer.issueRefreshToken());
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      id_token: string;
      access_token: string;
      refresh_token: string;
    };
    const keys = createRemoteJWKSet(new URL(`${issuer.origin}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(body.id_token, keys, {
      issuer: issuer.origin,
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({
      email: 'user@example.com',
      'https://api.openai.com/auth': { chatgpt_account_id: 'acct_mock', chatgpt_plan_type: 'plus' },
    });
    const access = await jwtVerify(body.access_token, keys);
    expect((access.payload.exp ?? 0) - (access.payload.iat ?? 0)).toBe(3600);
  });

  it('rotates refresh tokens: a second use is refused as reused', async () => {
    const token = issuer.issueRefreshToken();
    expect((await refresh(token)).status).toBe(200);
    const again = await refresh(token);
    expect(again.status).toBe(401);
    expect(await again.json()).toEqual({
      error: { code: 'refresh_token_reused', message: 'refresh token already used' },
    });
    expect(issuer.refreshCount).toBe(2);
  });
});
