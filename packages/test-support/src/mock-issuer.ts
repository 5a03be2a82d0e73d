import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type LocalServer, readBody, startLocalServer } from './local-server.js';

/** Claims for {@link fakeJwt}; `exp`/`iat` are seconds. */
export type JwtClaims = Record<string, unknown>;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned JWT-shaped token holding `claims` (Codex reads claims without verifying). */
export function fakeJwt(claims: JwtClaims): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.${Buffer.from('sig').toString('base64url')}`;
}

/** A ChatGPT-style id token for `email` in `accountId`. */
export function fakeIdToken(
  options: { email?: string; accountId?: string; planType?: string; userId?: string } = {},
): string {
  return fakeJwt({
    email: options.email ?? 'user@example.com',
    'https://api.openai.com/auth': {
      chatgpt_account_id: options.accountId ?? 'acct_mock',
      chatgpt_plan_type: options.planType ?? 'plus',
      chatgpt_user_id: options.userId ?? 'user_mock',
    },
  });
}

/** An access token expiring `expiresInSeconds` from now (negative: already expired). */
export function fakeAccessToken(expiresInSeconds: number, extra: JwtClaims = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return fakeJwt({
    iat: now,
    exp: now + expiresInSeconds,
    jti: randomBytes(6).toString('hex'),
    ...extra,
  });
}

/** A request the issuer received. */
export interface IssuerRequest {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/**
 * A local OAuth issuer for refresh tests: `POST /oauth/token` with a `refresh_token` grant.
 * Refresh tokens rotate: each one is accepted once, and a second use answers
 * `refresh_token_reused` exactly like the real issuer. Listens on 127.0.0.1.
 */
export class MockIssuer {
  readonly requests: IssuerRequest[] = [];
  private readonly valid = new Set<string>();
  private readonly used = new Set<string>();
  private readonly failures: Array<{ status: number; body: unknown }> = [];
  /** Pause before answering a refresh (to overlap concurrent refreshes). */
  delayMs = 0;
  /** Lifetime of issued access tokens, seconds. */
  accessTokenLifetime = 3600;

  private constructor(private readonly local: LocalServer) {}

  /** e.g. `http://127.0.0.1:40123` */
  get origin(): string {
    return this.local.origin;
  }

  /** The token endpoint URL. */
  get tokenUrl(): string {
    return `${this.origin}/oauth/token`;
  }

  /** How many refresh grants reached the issuer. */
  get refreshCount(): number {
    return this.requests.filter((request) => request.body.grant_type === 'refresh_token').length;
  }

  static async start(): Promise<MockIssuer> {
    let instance: MockIssuer | undefined;
    const local = await startLocalServer('mock-issuer', async (req, res) => {
      await instance?.handle(req, res);
    });
    instance = new MockIssuer(local);
    return instance;
  }

  /** Registers a refresh token the issuer will accept once. */
  issueRefreshToken(token = `rt_${randomBytes(8).toString('hex')}`): string {
    this.valid.add(token);
    return token;
  }

  /** Makes the next token request fail with this status and body. */
  failNext(status: number, body: unknown): this {
    this.failures.push({ status, body });
    return this;
  }

  close(): Promise<void> {
    return this.local.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
    } catch {
      body = Object.fromEntries(new URLSearchParams(text));
    }
    const path = (req.url ?? '').split('?')[0] ?? '';
    this.requests.push({ path, body });
    if (req.method !== 'POST' || path !== '/oauth/token') {
      this.json(res, 404, { error: 'not_found' });
      return;
    }
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const failure = this.failures.shift();
    if (failure) {
      this.json(res, failure.status, failure.body);
      return;
    }
    if (body.grant_type !== 'refresh_token' || typeof body.refresh_token !== 'string') {
      this.json(res, 400, { error: 'unsupported_grant_type' });
      return;
    }
    const presented = body.refresh_token;
    if (this.used.has(presented)) {
      this.json(res, 401, {
        error: { code: 'refresh_token_reused', message: 'refresh token already used' },
      });
      return;
    }
    if (!this.valid.has(presented)) {
      this.json(res, 401, {
        error: { code: 'refresh_token_invalidated', message: 'unknown refresh token' },
      });
      return;
    }
    this.valid.delete(presented);
    this.used.add(presented);
    this.json(res, 200, {
      id_token: fakeIdToken(),
      access_token: fakeAccessToken(this.accessTokenLifetime),
      refresh_token: this.issueRefreshToken(),
    });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
