import { CodexError } from '@codex/common';
import { asRecord } from '../json.js';

/** The ChatGPT OAuth issuer. */
export const DEFAULT_ISSUER = 'https://auth.openai.com';
/** The Codex CLI's public OAuth client. */
export const CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann';
/** Scopes of a login: `offline_access` for a refresh token. */
export const LOGIN_SCOPES = 'openid profile email offline_access';
/** The RFC 8628 grant type. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Why an OAuth request failed. */
export type OAuthErrorCode =
  /** The issuer could not be reached (network, timeout). */
  | 'unreachable'
  /** The issuer refused the request; `oauthError` holds its error code (`invalid_grant`, …). */
  | 'rejected'
  /** The issuer failed (5xx): trying again later may work. */
  | 'server_error'
  /** The answer was not the JSON the grant promises. */
  | 'invalid_response';

/** A failed OAuth request. Messages name the endpoint and the issuer's error, never a token. */
export class OAuthError extends CodexError<OAuthErrorCode> {
  static override readonly brand = 'codex.core.OAuthError';
  /** The HTTP status, when there was an answer. */
  readonly status: number | undefined;
  /** The OAuth `error` code in the answer (`refresh_token_expired`, `slow_down`, …). */
  readonly oauthError: string | undefined;

  constructor(
    code: OAuthErrorCode,
    message: string,
    details: { status?: number; oauthError?: string; cause?: unknown } = {},
  ) {
    super(code, message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.status = details.status;
    this.oauthError = details.oauthError;
  }
}

/** Tokens from a login (code or device grant). */
export interface LoginTokens {
  /** The id token (a JWT with the account's claims). */
  readonly idToken: string;
  /** The access token sent to the ChatGPT backend. */
  readonly accessToken: string;
  /** Trades for new tokens when the access token expires. */
  readonly refreshToken: string;
}

/** Tokens from a refresh; absent fields keep their old values. */
export interface RefreshedTokens {
  /** The new id token, or `null` to keep the old one. */
  readonly idToken: string | null;
  /** The new access token. */
  readonly accessToken: string;
  /** The new refresh token, or `null` to keep the old one. */
  readonly refreshToken: string | null;
}

/** A started device authorization (RFC 8628): what to show the user and how to poll. */
export interface DeviceAuthorization {
  /** The code polled with; never shown to the user. */
  readonly deviceCode: string;
  /** The code the user enters on the verification page. */
  readonly userCode: string;
  /** The page where the user enters the code. */
  readonly verificationUri: string;
  /** The page with the code filled in, when the issuer provides one. */
  readonly verificationUriComplete: string | null;
  /** How long the codes stay valid, in seconds. */
  readonly expiresInSeconds: number;
  /** How long to wait between polls, in seconds. */
  readonly intervalSeconds: number;
}

/** One poll of a device authorization. */
export type DevicePoll =
  | {
      /** The user approved. */
      readonly status: 'approved';
      /** The login's tokens. */
      readonly tokens: LoginTokens;
    }
  | {
      /** Not yet answered: poll again after the interval. */
      readonly status: 'pending';
    }
  | {
      /** Polling too fast: add to the interval and poll again. */
      readonly status: 'slow_down';
    }
  | {
      /** The codes expired. */
      readonly status: 'expired';
    }
  | {
      /** The user refused. */
      readonly status: 'denied';
    };

/** Settings of an {@link OAuthClient}. */
export interface OAuthClientOptions {
  /** The issuer's origin. Default `https://auth.openai.com`. */
  readonly issuer?: string;
  /** The OAuth client id. Default {@link CLIENT_ID}. */
  readonly clientId?: string;
  /**
   * Where refresh grants go. Default `CODEX_REFRESH_TOKEN_URL_OVERRIDE` from `env`, else
   * `{issuer}/oauth/token`.
   */
  readonly refreshTokenUrl?: string;
  /** Limit on each request. Default 30 s. */
  readonly timeoutMs?: number;
  /** Environment for `CODEX_REFRESH_TOKEN_URL_OVERRIDE`. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The `fetch` to use (tests). Default the global one. */
  readonly fetch?: typeof fetch;
}

/** What {@link OAuthClient.authorizeUrl} needs. */
export interface AuthorizeUrlParams {
  /** Where the issuer sends the browser back with the code (the loopback server). */
  readonly redirectUri: string;
  /** The PKCE S256 challenge of the verifier later sent with the code. */
  readonly codeChallenge: string;
  /** An unguessable value the redirect must carry back (CSRF protection). */
  readonly state: string;
  /** Sent as `originator`, like the original. */
  readonly originator: string;
  /** Refuse logins into any other ChatGPT workspace (the authorize page enforces it). */
  readonly allowedWorkspaceId?: string | null;
}

const nonBlank = (value: string | undefined) =>
  value !== undefined && value.trim().length > 0 ? value.trim() : undefined;

/** The OAuth `error` of an answer: `{"error":"x"}`, `{"error":{"code":"x"}}` or `{"code":"x"}`. */
function oauthErrorOf(body: unknown): string | undefined {
  const record = asRecord(body);
  if (typeof record.error === 'string') return record.error;
  const nested = asRecord(record.error);
  if (typeof nested.code === 'string') return nested.code;
  if (typeof record.code === 'string') return record.code;
  return undefined;
}

function describeOf(body: unknown): string | undefined {
  const record = asRecord(body);
  if (typeof record.error_description === 'string') return record.error_description;
  const nested = asRecord(record.error);
  return typeof nested.message === 'string' ? nested.message : undefined;
}

/**
 * The OAuth client of the ChatGPT login: the authorize URL, the authorization-code grant
 * (PKCE), the refresh grant, the device grant (RFC 8628) and revocation (RFC 7009). It holds
 * no policy: callers decide what a failure means (`AuthManager` for refreshes, the login flows
 * for the rest). It lives in `@codex/core` because the auth manager needs the refresh grant
 * and `@codex/login` (which depends on core) the others; in `@codex/auth` it would put HTTP in
 * the storage package.
 */
export class OAuthClient {
  /** The issuer's origin. */
  readonly issuer: string;
  /** The OAuth client id. */
  readonly clientId: string;
  private readonly options: OAuthClientOptions;

  constructor(options: OAuthClientOptions = {}) {
    this.options = options;
    this.issuer = options.issuer ?? DEFAULT_ISSUER;
    this.clientId = options.clientId ?? CLIENT_ID;
  }

  /** The token endpoint. */
  get tokenUrl(): string {
    return new URL('/oauth/token', this.issuer).toString();
  }

  private get refreshUrl(): string {
    return (
      this.options.refreshTokenUrl ??
      nonBlank((this.options.env ?? process.env).CODEX_REFRESH_TOKEN_URL_OVERRIDE) ??
      this.tokenUrl
    );
  }

  /** The authorize URL with the original's parameters. */
  authorizeUrl(params: AuthorizeUrlParams): string {
    const url = new URL('/oauth/authorize', this.issuer);
    const entries: Array<[string, string]> = [
      ['response_type', 'code'],
      ['client_id', this.clientId],
      ['redirect_uri', params.redirectUri],
      ['scope', LOGIN_SCOPES],
      ['code_challenge', params.codeChallenge],
      ['code_challenge_method', 'S256'],
      ['id_token_add_organizations', 'true'],
      ['codex_cli_simplified_flow', 'true'],
      ['state', params.state],
      ['originator', params.originator],
    ];
    if (params.allowedWorkspaceId)
      entries.push(['allowed_workspace_id', params.allowedWorkspaceId]);
    for (const [key, value] of entries) url.searchParams.set(key, value);
    return url.toString();
  }

  /** The authorization-code grant (form POST to `{issuer}/oauth/token`). */
  async exchangeCode(params: {
    readonly code: string;
    readonly redirectUri: string;
    readonly codeVerifier: string;
  }): Promise<LoginTokens> {
    const answer = await this.post(this.tokenUrl, 'form', {
      grant_type: 'authorization_code',
      code: params.code,
      redirect_uri: params.redirectUri,
      client_id: this.clientId,
      code_verifier: params.codeVerifier,
    });
    if (answer.status !== 200) throw this.refusal('the code exchange', answer);
    return this.loginTokens(answer.body);
  }

  /** The refresh grant (JSON POST, as the original sends it). */
  async refresh(refreshToken: string): Promise<RefreshedTokens> {
    const answer = await this.post(this.refreshUrl, 'json', {
      client_id: this.clientId,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      scope: 'openid profile email',
    });
    if (answer.status !== 200) throw this.refusal('the token refresh', answer);
    const body = asRecord(answer.body);
    if (typeof body.access_token !== 'string' || body.access_token.length === 0)
      throw new OAuthError(
        'invalid_response',
        `the token endpoint answered the refresh without an access_token`,
      );
    return {
      idToken: typeof body.id_token === 'string' ? body.id_token : null,
      accessToken: body.access_token,
      refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : null,
    };
  }

  /** Starts a device authorization (`{issuer}/oauth/device/code`). */
  async startDeviceAuthorization(): Promise<DeviceAuthorization> {
    const url = new URL('/oauth/device/code', this.issuer).toString();
    const answer = await this.post(url, 'form', { client_id: this.clientId, scope: LOGIN_SCOPES });
    if (answer.status !== 200) throw this.refusal('starting a device login', answer);
    const body = asRecord(answer.body);
    const { device_code: deviceCode, user_code: userCode, verification_uri: uri } = body;
    if (typeof deviceCode !== 'string' || typeof userCode !== 'string' || typeof uri !== 'string')
      throw new OAuthError(
        'invalid_response',
        `${url} answered without device_code, user_code and verification_uri`,
      );
    return {
      deviceCode,
      userCode,
      verificationUri: uri,
      verificationUriComplete:
        typeof body.verification_uri_complete === 'string' ? body.verification_uri_complete : null,
      expiresInSeconds: typeof body.expires_in === 'number' ? body.expires_in : 900,
      intervalSeconds: typeof body.interval === 'number' ? body.interval : 5,
    };
  }

  /** Polls a device authorization once. */
  async pollDeviceAuthorization(deviceCode: string): Promise<DevicePoll> {
    const answer = await this.post(this.tokenUrl, 'form', {
      grant_type: DEVICE_CODE_GRANT,
      device_code: deviceCode,
      client_id: this.clientId,
    });
    if (answer.status === 200) return { status: 'approved', tokens: this.loginTokens(answer.body) };
    switch (oauthErrorOf(answer.body)) {
      case 'authorization_pending':
        return { status: 'pending' };
      case 'slow_down':
        return { status: 'slow_down' };
      case 'expired_token':
        return { status: 'expired' };
      case 'access_denied':
        return { status: 'denied' };
      default:
        throw this.refusal('the device login', answer);
    }
  }

  /** Revokes a refresh token (RFC 7009); true when the issuer accepted. */
  async revoke(refreshToken: string): Promise<boolean> {
    const url = new URL('/oauth/revoke', this.issuer).toString();
    const answer = await this.post(url, 'form', {
      token: refreshToken,
      token_type_hint: 'refresh_token',
      client_id: this.clientId,
    });
    if (answer.status === 200) return true;
    throw this.refusal('the revocation', answer);
  }

  private loginTokens(body: unknown): LoginTokens {
    const {
      id_token: idToken,
      access_token: accessToken,
      refresh_token: refreshToken,
    } = asRecord(body);
    if (
      typeof idToken !== 'string' ||
      typeof accessToken !== 'string' ||
      typeof refreshToken !== 'string'
    )
      throw new OAuthError(
        'invalid_response',
        'the token endpoint did not return id_token, access_token and refresh_token',
      );
    return { idToken, accessToken, refreshToken };
  }

  private refusal(what: string, answer: { status: number; body: unknown; url: string }) {
    const oauthError = oauthErrorOf(answer.body);
    const description = describeOf(answer.body);
    const detail = [oauthError, description].filter(Boolean).join(': ') || 'no details';
    return new OAuthError(
      answer.status >= 500 ? 'server_error' : 'rejected',
      `${answer.url} refused ${what} with status ${answer.status} (${detail})`,
      { status: answer.status, oauthError },
    );
  }

  private async post(
    url: string,
    encoding: 'form' | 'json',
    fields: Record<string, string>,
  ): Promise<{ status: number; body: unknown; url: string }> {
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: {
          'content-type':
            encoding === 'form' ? 'application/x-www-form-urlencoded' : 'application/json',
          accept: 'application/json',
        },
        body: encoding === 'form' ? new URLSearchParams(fields).toString() : JSON.stringify(fields),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new OAuthError('unreachable', `could not reach ${url}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const text = await response.text().catch(() => '');
    let body: unknown = null;
    try {
      body = text.length > 0 ? JSON.parse(text) : null;
    } catch {
      if (response.status === 200)
        throw new OAuthError('invalid_response', `${url} answered with something other than JSON`, {
          status: response.status,
        });
    }
    return { status: response.status, body, url };
  }
}
