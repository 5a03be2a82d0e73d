import {
  type AuthCredentialsStoreMode,
  type AuthLogger,
  defaultAuthLogger,
  type KeyringBackend,
  loadAuthDotJson,
  planTypeToString,
  logout as removeStoredAuth,
} from '@codex/auth';
import { CLIENT_ID, DEFAULT_ISSUER } from './server.js';

/** Options shared by {@link logout} and {@link loginStatus}. */
export interface AccountOptions {
  readonly codexHome: string;
  /** Default `file`. */
  readonly storeMode?: AuthCredentialsStoreMode;
  readonly keyring?: KeyringBackend;
  readonly logger?: AuthLogger;
}

/** Options of {@link logout}. */
export interface LogoutOptions extends AccountOptions {
  /** Where to revoke the refresh token. Default `https://auth.openai.com`. */
  readonly issuer?: string;
  readonly clientId?: string;
  /** Skip revocation (offline logout). */
  readonly revoke?: boolean;
  readonly fetch?: typeof fetch;
}

/** What {@link logout} did. */
export interface LogoutResult {
  /** Whether stored credentials were removed. */
  readonly removed: boolean;
  /** Whether the issuer accepted the refresh token's revocation. */
  readonly revoked: boolean;
}

/**
 * Logs out: revokes the ChatGPT refresh token at the issuer (RFC 7009, best effort: a failure is
 * logged and logout goes on), then removes the credentials from every store.
 */
export async function logout(options: LogoutOptions): Promise<LogoutResult> {
  const logger = options.logger ?? defaultAuthLogger;
  const mode = options.storeMode ?? 'file';
  let revoked = false;
  if (options.revoke ?? true) {
    let refreshToken = '';
    try {
      refreshToken =
        (await loadAuthDotJson(options.codexHome, mode, { keyring: options.keyring, logger }))
          ?.tokens?.refreshToken ?? '';
    } catch (error) {
      logger.warn(`could not read the stored login to revoke it: ${(error as Error).message}`);
    }
    if (refreshToken.length > 0) {
      const url = new URL('/oauth/revoke', options.issuer ?? DEFAULT_ISSUER).toString();
      try {
        const response = await (options.fetch ?? fetch)(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            token: refreshToken,
            token_type_hint: 'refresh_token',
            client_id: options.clientId ?? CLIENT_ID,
          }).toString(),
          signal: AbortSignal.timeout(10_000),
        });
        // Only the status matters; a body that fails to arrive changes nothing.
        await response.arrayBuffer().catch(() => undefined);
        revoked = response.ok;
        if (!response.ok)
          logger.warn(`the issuer refused to revoke the refresh token (status ${response.status})`);
      } catch (error) {
        logger.warn(`could not revoke the refresh token at ${url}: ${(error as Error).message}`);
      }
    }
  }
  const removed = await removeStoredAuth(options.codexHome, mode, {
    keyring: options.keyring,
    logger,
  });
  return { removed, revoked };
}

/** Who is logged in, as `codex login status` reports it. */
export type LoginStatus =
  | { readonly loggedIn: false }
  | { readonly loggedIn: true; readonly mode: 'apikey'; readonly apiKeyHint: string }
  | {
      readonly loggedIn: true;
      readonly mode: 'chatgpt' | 'chatgptAuthTokens';
      readonly email: string | null;
      readonly accountId: string | null;
      readonly planType: string | null;
    };

/** The stored login (never the secret itself: API keys are shown as `sk-…last4`). */
export async function loginStatus(options: AccountOptions): Promise<LoginStatus> {
  const auth = await loadAuthDotJson(options.codexHome, options.storeMode ?? 'file', {
    keyring: options.keyring,
    logger: options.logger,
  });
  if (!auth) return { loggedIn: false };
  if (auth.openaiApiKey && !auth.tokens) {
    const key = auth.openaiApiKey;
    return {
      loggedIn: true,
      mode: 'apikey',
      apiKeyHint: key.length > 8 ? `${key.slice(0, 3)}…${key.slice(-4)}` : '…',
    };
  }
  if (!auth.tokens) return { loggedIn: false };
  const plan = auth.tokens.idToken.chatgptPlanType;
  return {
    loggedIn: true,
    mode: auth.authMode === 'chatgptAuthTokens' ? 'chatgptAuthTokens' : 'chatgpt',
    email: auth.tokens.idToken.email,
    accountId: auth.tokens.accountId ?? auth.tokens.idToken.chatgptAccountId,
    planType: plan ? planTypeToString(plan) : null,
  };
}
