import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
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
  /** Claims of the id tokens this issuer hands out. */
  identity = { email: 'user@example.com', accountId: 'acct_mock', planType: 'plus' };
  /** The next authorize request is answered with `error=access_denied`. */
  denyNext = false;
  /** `auto`: authorize redirects back at once; `page`: it shows a consent page with buttons. */
  consent: 'auto' | 'page' = 'auto';
  private readonly pendingConsents = new Map<string, URLSearchParams>();
  /** Seconds between device-code polls the issuer asks for (fractions allowed, for tests). */
  deviceInterval = 5;
  /** Answers to the next device-code polls, in order; afterwards: pending until approved. */
  readonly deviceScript: Array<'pending' | 'slow_down' | 'access_denied' | 'expired_token'> = [];
  /** Tokens revoked through `/oauth/revoke`, in order. */
  readonly revoked: string[] = [];
  /** When each device-code poll arrived (ms since epoch). */
  readonly devicePolls: number[] = [];
  private readonly devices = new Map<string, { userCode: string; approved: boolean }>();
  private readonly codes = new Map<
    string,
    { challenge: string; redirectUri: string; clientId: string }
  >();

  private constructor(
    private readonly local: LocalServer,
    private readonly signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'],
    /** The public key that verifies issued tokens (also served at `/.well-known/jwks.json`). */
    readonly publicJwk: JWK,
  ) {}

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
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    instance = new MockIssuer(local, privateKey, {
      ...(await exportJWK(publicKey)),
      kid: 'mock-1',
      alg: 'RS256',
      use: 'sig',
    });
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
    if (req.method === 'GET' && path === '/.well-known/jwks.json') {
      this.json(res, 200, { keys: [this.publicJwk] });
      return;
    }
    if (req.method === 'GET' && path === '/oauth/authorize') {
      this.authorize(new URL(req.url ?? '/', this.origin).searchParams, res);
      return;
    }
    if (req.method === 'POST' && path === '/oauth/authorize/decide') {
      const form = new URLSearchParams(text);
      const pending = this.pendingConsents.get(form.get('request') ?? '');
      this.pendingConsents.delete(form.get('request') ?? '');
      if (!pending) {
        this.json(res, 400, { error: 'unknown consent request' });
        return;
      }
      if (form.get('decision') !== 'allow') this.denyNext = true;
      this.authorize(pending, res, true);
      return;
    }
    if (req.method === 'POST' && path === '/oauth/revoke') {
      const form = new URLSearchParams(text);
      const token = form.get('token') ?? '';
      this.revoked.push(token);
      this.valid.delete(token); // RFC 7009: unknown tokens are not an error
      res.writeHead(200);
      res.end();
      return;
    }
    if (req.method === 'POST' && path === '/oauth/device/code') {
      this.startDevice(res);
      return;
    }
    if (req.method === 'GET' && path === '/device') {
      const userCode = new URL(req.url ?? '/', this.origin).searchParams.get('user_code') ?? '';
      const approved = this.approveDevice(userCode);
      this.json(res, approved ? 200 : 404, { approved });
      return;
    }
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
    if (body.grant_type === 'urn:ietf:params:oauth:grant-type:device_code') {
      await this.pollDevice(body, res);
      return;
    }
    if (body.grant_type === 'authorization_code') {
      await this.exchangeCode(body, res);
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
    this.json(res, 200, await this.tokens());
  }

  /** An RS256-signed JWT from this issuer. */
  async sign(claims: JwtClaims, lifetimeSeconds: number): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'mock-1', typ: 'JWT' })
      .setIssuer(this.origin)
      .setIssuedAt()
      .setExpirationTime(`${lifetimeSeconds}s`)
      .setJti(randomBytes(6).toString('hex'))
      .sign(this.signingKey);
  }

  /** Signed tokens with the claims the original reads: email, and the auth claim's account, plan and user. */
  private async tokens() {
    const auth = {
      chatgpt_account_id: this.identity.accountId,
      chatgpt_plan_type: this.identity.planType,
      chatgpt_user_id: 'user_mock',
    };
    return {
      id_token: await this.sign(
        {
          email: this.identity.email,
          aud: 'app_EMoamEEZ73f0CkXaXp7hrann',
          'https://api.openai.com/auth': auth,
        },
        3600,
      ),
      access_token: await this.sign(
        {
          'https://api.openai.com/auth': auth,
          'https://api.openai.com/profile': { email: this.identity.email },
          scp: ['openid', 'profile', 'email', 'offline_access'],
        },
        this.accessTokenLifetime,
      ),
      refresh_token: this.issueRefreshToken(),
    };
  }

  /** Approves the device login showing `userCode` (what the user does in a browser). */
  approveDevice(userCode: string): boolean {
    for (const device of this.devices.values()) {
      if (device.userCode !== userCode) continue;
      device.approved = true;
      return true;
    }
    return false;
  }

  private startDevice(res: ServerResponse): void {
    const deviceCode = `dc_${randomBytes(12).toString('hex')}`;
    const userCode =
      `${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}`.toUpperCase();
    this.devices.set(deviceCode, { userCode, approved: false });
    this.json(res, 200, {
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: `${this.origin}/device`,
      verification_uri_complete: `${this.origin}/device?user_code=${userCode}`,
      expires_in: 600,
      interval: this.deviceInterval,
    });
  }

  private async pollDevice(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    this.devicePolls.push(Date.now());
    const device = this.devices.get(typeof body.device_code === 'string' ? body.device_code : '');
    if (!device) {
      this.json(res, 400, { error: 'invalid_grant' });
      return;
    }
    const scripted = this.deviceScript.shift();
    if (scripted !== undefined && scripted !== 'pending') {
      this.json(res, 400, { error: scripted });
      return;
    }
    if (scripted === 'pending' || !device.approved) {
      this.json(res, 400, { error: 'authorization_pending' });
      return;
    }
    this.devices.delete(typeof body.device_code === 'string' ? body.device_code : '');
    this.json(res, 200, await this.tokens());
  }

  /** Auto-consents: redirects back with a one-time code bound to the PKCE challenge. */
  private authorize(params: URLSearchParams, res: ServerResponse, consented = false): void {
    const redirectUri = params.get('redirect_uri');
    const state = params.get('state');
    const challenge = params.get('code_challenge');
    const clientId = params.get('client_id');
    if (
      !redirectUri ||
      !state ||
      !challenge ||
      !clientId ||
      params.get('response_type') !== 'code' ||
      params.get('code_challenge_method') !== 'S256'
    ) {
      this.json(res, 400, { error: 'invalid_request' });
      return;
    }
    if (this.consent === 'page' && !consented) {
      const id = randomBytes(8).toString('hex');
      this.pendingConsents.set(id, params);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html><head><title>Mock sign-in</title></head><body><h1>Allow Codex to sign in as ${this.identity.email}?</h1>` +
          `<form method="post" action="/oauth/authorize/decide"><input type="hidden" name="request" value="${id}">` +
          '<button id="allow" name="decision" value="allow">Allow</button> <button id="deny" name="decision" value="deny">Deny</button></form></body></html>',
      );
      return;
    }
    const target = new URL(redirectUri);
    target.searchParams.set('state', state);
    if (this.denyNext) {
      this.denyNext = false;
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'the user declined');
    } else {
      const code = `code_${randomBytes(12).toString('hex')}`;
      this.codes.set(code, { challenge, redirectUri, clientId });
      target.searchParams.set('code', code);
    }
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  /** The authorization_code grant, checking the redirect URI, client and PKCE verifier. */
  private async exchangeCode(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const code = typeof body.code === 'string' ? body.code : '';
    const pending = this.codes.get(code);
    this.codes.delete(code);
    const verifier = typeof body.code_verifier === 'string' ? body.code_verifier : '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (
      !pending ||
      pending.redirectUri !== body.redirect_uri ||
      pending.clientId !== body.client_id ||
      pending.challenge !== challenge
    ) {
      this.json(res, 400, {
        error: 'invalid_grant',
        error_description: 'bad code, redirect_uri, client_id or code_verifier',
      });
      return;
    }
    this.json(res, 200, await this.tokens());
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
