import { CodexError } from '@codex/common';
import { OAuthError } from './oauth.js';

/** Why a token refresh failed. */
export type RefreshTokenErrorCode =
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

const PERMANENT: ReadonlySet<RefreshTokenErrorCode> = new Set([
  'expired',
  'reused',
  'revoked',
  'rejected',
  'logged_out',
  'not_chatgpt',
  'external_unavailable',
]);

/** A failed token refresh; permanent failures say to log in again. Nothing is deleted. */
export class RefreshTokenError extends CodexError<RefreshTokenErrorCode> {
  static override readonly brand = 'codex.core.RefreshTokenError';

  /** True when retrying cannot help: the user has to log in again. */
  get permanent(): boolean {
    return PERMANENT.has(this.code);
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

/** What a failed refresh grant means for the user, with the original's messages. */
export function refreshFailure(error: unknown): RefreshTokenError {
  if (!OAuthError.isInstance(error))
    return new RefreshTokenError('transient', `the token refresh failed: ${String(error)}`, {
      cause: error,
    });
  if (error.code === 'rejected') {
    switch (error.oauthError) {
      case 'refresh_token_expired':
        return new RefreshTokenError('expired', REFRESH_TOKEN_EXPIRED_MESSAGE, { cause: error });
      case 'refresh_token_reused':
        return new RefreshTokenError('reused', REFRESH_TOKEN_REUSED_MESSAGE, { cause: error });
      case 'refresh_token_invalidated':
        return new RefreshTokenError('revoked', REFRESH_TOKEN_REVOKED_MESSAGE, { cause: error });
      default:
        if (error.status === 401)
          return new RefreshTokenError('rejected', REFRESH_TOKEN_REJECTED_MESSAGE, {
            cause: error,
          });
    }
  }
  return new RefreshTokenError('transient', error.message, { cause: error });
}
