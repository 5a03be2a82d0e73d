import { asRecord } from '../json.js';

const marker = Symbol.for('codex.core.RefreshTokenError');

/** Why a token refresh failed. */
export type RefreshTokenFailure =
  /** The refresh token expired: log in again. */
  | 'expired'
  /** The refresh token was already used (by another client): log in again. */
  | 'reused'
  /** The refresh token was revoked: log in again. */
  | 'revoked'
  /** The issuer refused the refresh token for another reason: log in again. */
  | 'rejected'
  /** The stored login is gone. */
  | 'logged_out'
  /** There are no ChatGPT tokens (API key login). */
  | 'not_chatgpt'
  /** Host-supplied tokens expired and the host cannot be asked for new ones. */
  | 'external_unavailable'
  /** Network trouble or a server error: trying again later may work. */
  | 'transient';

const PERMANENT: ReadonlySet<RefreshTokenFailure> = new Set([
  'expired',
  'reused',
  'revoked',
  'rejected',
  'logged_out',
  'not_chatgpt',
  'external_unavailable',
]);

/** A failed token refresh; permanent failures say to log in again. Nothing is deleted. */
export class RefreshTokenError extends Error {
  readonly [marker] = true;
  readonly reason: RefreshTokenFailure;
  /** True when retrying cannot help: the user has to log in again. */
  readonly permanent: boolean;

  constructor(reason: RefreshTokenFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RefreshTokenError';
    this.reason = reason;
    this.permanent = PERMANENT.has(reason);
  }

  static isInstance(value: unknown): value is RefreshTokenError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}

export const REFRESH_TOKEN_EXPIRED_MESSAGE =
  'Your access token could not be refreshed because your refresh token has expired. Please log out and sign in again.';
export const REFRESH_TOKEN_REUSED_MESSAGE =
  'Your access token could not be refreshed because your refresh token was already used. Please log out and sign in again.';
export const REFRESH_TOKEN_REVOKED_MESSAGE =
  'Your access token could not be refreshed because your refresh token was revoked. Please log out and sign in again.';
export const REFRESH_TOKEN_REJECTED_MESSAGE =
  'Your access token could not be refreshed. Please log out and sign in again.';

/** New tokens from the issuer; absent fields keep their old values. */
export interface RefreshedTokens {
  readonly idToken: string | null;
  readonly accessToken: string;
  readonly refreshToken: string | null;
}

/** The error code of an OAuth error body: `{"error": "x"}`, `{"error": {"code": "x"}}` or `{"code": "x"}`. */
function errorCode(body: unknown): string | null {
  const record = asRecord(body);
  if (typeof record.error === 'string') return record.error;
  const nested = asRecord(record.error);
  if (typeof nested.code === 'string') return nested.code;
  if (typeof record.code === 'string') return record.code;
  return null;
}

/** POSTs a `refresh_token` grant to the issuer. */
export async function requestTokenRefresh(options: {
  readonly url: string;
  readonly clientId: string;
  readonly refreshToken: string;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}): Promise<RefreshedTokens> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        client_id: options.clientId,
        grant_type: 'refresh_token',
        refresh_token: options.refreshToken,
        scope: 'openid profile email',
      }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw new RefreshTokenError(
      'transient',
      `could not reach ${options.url} to refresh the token: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const text = await response.text().catch(() => '');
  let body: unknown = null;
  try {
    body = text.length > 0 ? JSON.parse(text) : null;
  } catch {
    // Non-JSON bodies are reported as text below.
  }
  if (response.status === 401 || response.status === 400) {
    switch (errorCode(body)) {
      case 'refresh_token_expired':
        throw new RefreshTokenError('expired', REFRESH_TOKEN_EXPIRED_MESSAGE);
      case 'refresh_token_reused':
        throw new RefreshTokenError('reused', REFRESH_TOKEN_REUSED_MESSAGE);
      case 'refresh_token_invalidated':
        throw new RefreshTokenError('revoked', REFRESH_TOKEN_REVOKED_MESSAGE);
      default:
        if (response.status === 401)
          throw new RefreshTokenError('rejected', REFRESH_TOKEN_REJECTED_MESSAGE);
    }
  }
  if (!response.ok)
    throw new RefreshTokenError(
      'transient',
      `token refresh failed with status ${response.status}: ${text.slice(0, 500) || response.statusText}`,
    );
  const record = asRecord(body);
  if (typeof record.access_token !== 'string' || record.access_token.length === 0)
    throw new RefreshTokenError('transient', 'the token endpoint answered without an access_token');
  return {
    idToken: typeof record.id_token === 'string' ? record.id_token : null,
    accessToken: record.access_token,
    refreshToken: typeof record.refresh_token === 'string' ? record.refresh_token : null,
  };
}
