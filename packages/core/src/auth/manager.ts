import {
  type AuthCredentialsStoreMode,
  type AuthDotJson,
  type AuthMode,
  createAuthStorage,
  deleteAuth,
  EphemeralAuthStorage,
  jwtExpiresAt,
  type KeyringBackend,
  loadAuthDotJson,
  parseChatgptJwtClaims,
  planTypeFromRaw,
  planTypeToString,
  type TokenData,
  withAuthLock,
} from '@codex/auth';
import { defaultLogger, type Logger } from '@codex/common';
import type { Config } from '../config/load.js';
import type { ForcedLoginMethod } from '../config/schema.js';
import { OAuthClient } from './oauth.js';
import { RefreshTokenError, refreshFailure } from './refresh.js';

/** Where the credentials in use came from. */
export type AuthSource = 'env:CODEX_API_KEY' | 'env:OPENAI_API_KEY' | 'storage' | 'external';

/** The credentials in use. */
export interface CodexAuth {
  /** How the user authenticated. */
  readonly mode: AuthMode;
  /** Where these credentials came from. */
  readonly source: AuthSource;
  /** For `apikey`. */
  readonly apiKey: string | null;
  /** For `chatgpt` and `chatgptAuthTokens`. */
  readonly tokens: TokenData | null;
  /** The ChatGPT account (workspace) id, sent as `chatgpt-account-id`. */
  readonly accountId: string | null;
  /** The ChatGPT plan, such as `plus` or `pro`; `null` for an API key. */
  readonly planType: string | null;
  /** The account's email, from the id token; `null` for an API key. */
  readonly email: string | null;
  /** When the tokens were last refreshed (an ISO 8601 time), when known. */
  readonly lastRefresh: string | null;
}

/** The token to send as `Authorization: Bearer`. */
export function bearerToken(auth: CodexAuth): string {
  return auth.apiKey ?? auth.tokens?.accessToken ?? '';
}

/** ChatGPT tokens handed in by a host application (`chatgptAuthTokens` mode). */
export interface ExternalAuthTokens {
  /** The ChatGPT access token. */
  readonly accessToken: string;
  /** The ChatGPT account (workspace) id it acts for. */
  readonly chatgptAccountId: string;
  /** The ChatGPT plan, when the host knows it. */
  readonly chatgptPlanType?: string | null;
}

/** Why the host is asked for new tokens. */
export interface ExternalAuthRefreshContext {
  /** The model API refused the current token (401). */
  readonly reason: 'unauthorized';
  /** The account the refused token was for. */
  readonly previousAccountId: string | null;
}

/** Obtains fresh external tokens (the app-server asks its client). */
export interface ExternalAuthRefresher {
  /** Asks the host for new tokens; a rejection means it has none. */
  refresh(context: ExternalAuthRefreshContext): Promise<ExternalAuthTokens>;
}

/** What the model client needs from an auth source. */
export interface ModelAuthProvider {
  /** The credentials to use now, or `null` when not logged in. */
  auth(): Promise<CodexAuth | null>;
  /** New credentials after `failed` got a 401, or null when there is nothing new to try. */
  refreshAfterUnauthorized(failed: CodexAuth): Promise<CodexAuth | null>;
}

/** Options of {@link AuthManager}. */
export interface AuthManagerOptions {
  /** The Codex home directory whose credentials are used. */
  readonly codexHome: string;
  /** `cli_auth_credentials_store`. Default `file`. */
  readonly storeMode?: AuthCredentialsStoreMode;
  /** Whether `CODEX_API_KEY` is honoured (it wins over stored credentials). Default true. */
  readonly enableCodexApiKeyEnv?: boolean;
  /** The only login method allowed (`forced_login_method`); `null` for any. */
  readonly forcedLoginMethod?: ForcedLoginMethod | null;
  /** The workspace (or workspaces) a ChatGPT login must belong to. */
  readonly forcedChatgptWorkspaceId?: string | readonly string[] | null;
  /** The OAuth issuer (refresh and revocation). Default `https://auth.openai.com`. */
  readonly issuer?: string;
  /** Default: `CODEX_REFRESH_TOKEN_URL_OVERRIDE`, else `{issuer}/oauth/token`. */
  readonly refreshTokenUrl?: string;
  /** The OAuth client id. Default Codex's own. */
  readonly clientId?: string;
  /** Refresh when the access token expires within this window. Default 5 minutes. */
  readonly refreshMarginMs?: number;
  /** Limit on one refresh request. Default 30 s. */
  readonly refreshTimeoutMs?: number;
  /** Environment for `CODEX_API_KEY`, `OPENAI_API_KEY` and overrides. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The `fetch` to use (tests). Default the global one. */
  readonly fetch?: typeof fetch;
  /** The keyring to use instead of keytar (tests, other platforms). */
  readonly keyring?: KeyringBackend;
  /** Where recovered problems go. Default `defaultLogger`. */
  readonly logger?: Logger;
  /** The clock, in epoch milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

/** What {@link AuthManager.logout} did. */
export interface LogoutResult {
  /** Whether stored credentials were removed. */
  readonly removed: boolean;
  /** Whether the issuer accepted the refresh token's revocation. */
  readonly revoked: boolean;
}

/** Tokens without an `exp` are refreshed when the last refresh is older than this. */
const TOKEN_REFRESH_INTERVAL_MS = 8 * 24 * 60 * 60 * 1000;

const nonBlank = (value: string | undefined) =>
  value !== undefined && value.trim().length > 0 ? value.trim() : undefined;

const workspaceList = (value: string | readonly string[] | null | undefined): readonly string[] =>
  value === null || value === undefined ? [] : typeof value === 'string' ? [value] : value;

function fromAuthDotJson(auth: AuthDotJson, source: AuthSource): CodexAuth | null {
  const mode = auth.authMode ?? (auth.openaiApiKey !== null && !auth.tokens ? 'apikey' : 'chatgpt');
  if (mode === 'apikey') {
    if (!auth.openaiApiKey) return null;
    return {
      mode,
      source,
      apiKey: auth.openaiApiKey,
      tokens: null,
      accountId: null,
      planType: null,
      email: null,
      lastRefresh: auth.lastRefresh ?? null,
    };
  }
  if (!auth.tokens) return null;
  const plan = auth.tokens.idToken.chatgptPlanType;
  return {
    mode,
    source: mode === 'chatgptAuthTokens' ? 'external' : source,
    apiKey: null,
    tokens: auth.tokens,
    accountId: auth.tokens.accountId ?? auth.tokens.idToken.chatgptAccountId,
    planType: plan ? planTypeToString(plan) : null,
    email: auth.tokens.idToken.email,
    lastRefresh: auth.lastRefresh ?? null,
  };
}

/** Credentials from an API key. */
export function apiKeyAuth(key: string, source: AuthSource): CodexAuth {
  return {
    mode: 'apikey',
    source,
    apiKey: key,
    tokens: null,
    accountId: null,
    planType: null,
    email: null,
    lastRefresh: null,
  };
}

/** An API key from the environment: `CODEX_API_KEY`, else `OPENAI_API_KEY`; null when neither is set. */
export function environmentApiKeyAuth(
  env: Readonly<Record<string, string | undefined>>,
): CodexAuth | null {
  const codexKey = nonBlank(env.CODEX_API_KEY);
  if (codexKey) return apiKeyAuth(codexKey, 'env:CODEX_API_KEY');
  const openaiKey = nonBlank(env.OPENAI_API_KEY);
  return openaiKey ? apiKeyAuth(openaiKey, 'env:OPENAI_API_KEY') : null;
}

/**
 * Resolves and refreshes credentials. `CODEX_API_KEY` (when enabled) wins, then what is stored
 * (host-supplied tokens in memory first, then the configured store), then `OPENAI_API_KEY`;
 * `forced_login_method` and `forced_chatgpt_workspace_id` rule candidates out.
 *
 * ChatGPT tokens are refreshed shortly before they expire and after a 401. A refresh holds a
 * lock shared with other processes and re-reads the stored tokens first: when another process
 * already refreshed, its tokens are used instead of spending the refresh token again.
 */
export class AuthManager implements ModelAuthProvider {
  private readonly options: AuthManagerOptions;
  private readonly logger: Logger;
  private readonly oauth: OAuthClient;
  private cached: CodexAuth | null | undefined;
  private inflight: Promise<CodexAuth> | undefined;
  private externalRefresher: ExternalAuthRefresher | undefined;
  private issue: string | null = null;

  constructor(options: AuthManagerOptions) {
    this.options = options;
    this.logger = options.logger ?? defaultLogger;
    this.oauth = new OAuthClient({
      issuer: options.issuer,
      clientId: options.clientId,
      refreshTokenUrl: options.refreshTokenUrl,
      timeoutMs: options.refreshTimeoutMs,
      env: options.env,
      fetch: options.fetch,
    });
  }

  /** An AuthManager using the config's store mode, forced login method and workspace. */
  static fromConfig(
    config: Config,
    options: Omit<AuthManagerOptions, 'codexHome' | 'storeMode'> = {},
  ): AuthManager {
    return new AuthManager({
      codexHome: config.codexHome,
      storeMode: config.cliAuthCredentialsStore,
      forcedLoginMethod: config.forcedLoginMethod,
      forcedChatgptWorkspaceId: config.forcedChatgptWorkspaceId,
      ...options,
    });
  }

  private get env() {
    return this.options.env ?? process.env;
  }

  private get storeMode(): AuthCredentialsStoreMode {
    return this.options.storeMode ?? 'file';
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** The mode of the cached credentials (call {@link auth} first), or null. */
  get authMode(): AuthMode | null {
    return this.cached?.mode ?? null;
  }

  /** Why the last resolution found no usable credentials (forced method, workspace, corrupt store). */
  get lastIssue(): string | null {
    return this.issue;
  }

  /**
   * Sets who supplies new `chatgptAuthTokens` tokens after a 401 (the app-server asks its client).
   */
  setExternalAuthRefresher(refresher: ExternalAuthRefresher): void {
    this.externalRefresher = refresher;
  }

  /** Removes the refresher set by {@link setExternalAuthRefresher}. */
  clearExternalAuthRefresher(): void {
    this.externalRefresher = undefined;
  }

  /** The credentials to use now, refreshing ChatGPT tokens that are about to expire. */
  async auth(): Promise<CodexAuth | null> {
    if (this.cached === undefined) this.cached = await this.resolve();
    const current = this.cached;
    if (current?.mode !== 'chatgpt' || !current.tokens || !this.isStale(current)) return current;
    try {
      return await this.refresh(current);
    } catch (error) {
      // The current token may still work; a 401 will retry the refresh and report it.
      this.logger.warn(`proactive token refresh failed: ${(error as Error).message}`);
      return current;
    }
  }

  /** Drops the cache and resolves the credentials again. */
  async reload(): Promise<CodexAuth | null> {
    this.cached = await this.resolve();
    return this.cached;
  }

  /** Refreshes ChatGPT tokens now (see the class notes on cross-process safety). */
  async refreshToken(): Promise<CodexAuth> {
    const current = this.cached === undefined ? await this.reload() : this.cached;
    if (!current || current.mode === 'apikey')
      throw new RefreshTokenError(
        'not_chatgpt',
        'there are no ChatGPT tokens to refresh; log in with ChatGPT',
      );
    return this.refresh(current);
  }

  async refreshAfterUnauthorized(failed: CodexAuth): Promise<CodexAuth | null> {
    if (failed.mode === 'apikey') {
      const next = await this.reload();
      return next && next.apiKey !== failed.apiKey ? next : null;
    }
    return this.refresh(failed, true);
  }

  /** Uses tokens supplied by a host application; they stay in this process's memory. */
  async setExternalTokens(tokens: ExternalAuthTokens): Promise<CodexAuth> {
    const auth = externalAuthDotJson(tokens, this.now());
    await new EphemeralAuthStorage(this.options.codexHome).save(auth);
    return (await this.reload()) as CodexAuth;
  }

  /**
   * Logs out: revokes the ChatGPT refresh token at the issuer (RFC 7009; best effort, a failure
   * is logged and logout goes on, and `revoke: false` skips it), then removes the credentials
   * from every store, holding `auth.lock`.
   */
  async logout(options: { readonly revoke?: boolean } = {}): Promise<LogoutResult> {
    let revoked = false;
    if (options.revoke ?? true) {
      let refreshToken = '';
      try {
        const stored = await loadAuthDotJson(this.options.codexHome, this.storeMode, {
          keyring: this.options.keyring,
          logger: this.logger,
        });
        refreshToken = stored?.tokens?.refreshToken ?? '';
      } catch (error) {
        this.logger.warn(
          `could not read the stored login to revoke it: ${(error as Error).message}`,
        );
      }
      if (refreshToken.length > 0) {
        try {
          revoked = await this.oauth.revoke(refreshToken);
        } catch (error) {
          this.logger.warn(`could not revoke the refresh token: ${(error as Error).message}`);
        }
      }
    }
    const removed = await deleteAuth(this.options.codexHome, this.storeMode, {
      keyring: this.options.keyring,
      logger: this.logger,
    });
    this.cached = null;
    return { removed, revoked };
  }

  private isStale(auth: CodexAuth): boolean {
    const expiry = jwtExpiresAt(auth.tokens?.accessToken ?? '')?.getTime() ?? null;
    if (expiry !== null) return expiry - this.now() <= (this.options.refreshMarginMs ?? 5 * 60_000);
    if (!auth.lastRefresh) return false;
    const last = Date.parse(auth.lastRefresh);
    return Number.isFinite(last) && this.now() - last >= TOKEN_REFRESH_INTERVAL_MS;
  }

  private async resolve(): Promise<CodexAuth | null> {
    const forced = this.options.forcedLoginMethod ?? null;
    const workspaces = workspaceList(this.options.forcedChatgptWorkspaceId);
    const issues: string[] = [];
    const candidates: Array<() => Promise<CodexAuth | null>> = [];
    const codexKey = nonBlank(this.env.CODEX_API_KEY);
    if ((this.options.enableCodexApiKeyEnv ?? true) && codexKey)
      candidates.push(async () => apiKeyAuth(codexKey, 'env:CODEX_API_KEY'));
    candidates.push(async () => {
      try {
        const stored = await loadAuthDotJson(this.options.codexHome, this.storeMode, {
          keyring: this.options.keyring,
          logger: this.logger,
        });
        return stored ? fromAuthDotJson(stored, 'storage') : null;
      } catch (error) {
        issues.push((error as Error).message);
        this.logger.warn(`stored credentials could not be read: ${(error as Error).message}`);
        return null;
      }
    });
    const openaiKey = nonBlank(this.env.OPENAI_API_KEY);
    if (openaiKey) candidates.push(async () => apiKeyAuth(openaiKey, 'env:OPENAI_API_KEY'));

    for (const candidate of candidates) {
      const auth = await candidate();
      if (!auth) continue;
      if (forced === 'chatgpt' && auth.mode === 'apikey') {
        issues.push(
          `ChatGPT login is required (forced_login_method = "chatgpt"); the API key from ${auth.source} is ignored`,
        );
        continue;
      }
      if (forced === 'api' && auth.mode !== 'apikey') {
        issues.push(
          'API key login is required (forced_login_method = "api"); the ChatGPT login is ignored',
        );
        continue;
      }
      if (
        workspaces.length > 0 &&
        auth.mode !== 'apikey' &&
        !workspaces.includes(auth.accountId ?? '')
      ) {
        issues.push(
          `login is restricted to workspace ${workspaces.join(' or ')}, but the stored ChatGPT login belongs to ${auth.accountId ?? 'no workspace'}; log in again with that workspace`,
        );
        continue;
      }
      this.issue = issues.length > 0 ? issues.join('; ') : null;
      return auth;
    }
    this.issue = issues.length > 0 ? issues.join('; ') : null;
    return null;
  }

  /** One refresh at a time per process; see the class notes for other processes. */
  private refresh(current: CodexAuth, afterUnauthorized = false): Promise<CodexAuth> {
    this.inflight ??= (async () => {
      try {
        const next =
          current.mode === 'chatgptAuthTokens'
            ? await this.refreshExternal(current)
            : await this.refreshStored(current, afterUnauthorized);
        this.cached = next;
        return next;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  private async refreshExternal(current: CodexAuth): Promise<CodexAuth> {
    const refresher = this.externalRefresher;
    if (!refresher)
      throw new RefreshTokenError(
        'external_unavailable',
        'the ChatGPT tokens supplied by the host expired and no refresher is set; the host must supply new tokens',
      );
    let tokens: ExternalAuthTokens;
    try {
      tokens = await refresher.refresh({
        reason: 'unauthorized',
        previousAccountId: current.accountId,
      });
    } catch (error) {
      throw new RefreshTokenError(
        'transient',
        `the host could not refresh the ChatGPT tokens: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    return this.setExternalTokens(tokens);
  }

  private async refreshStored(current: CodexAuth, afterUnauthorized: boolean): Promise<CodexAuth> {
    const codexHome = this.options.codexHome;
    const storage = createAuthStorage(codexHome, this.storeMode, {
      keyring: this.options.keyring,
      logger: this.logger,
    });
    const failedToken = current.tokens?.accessToken;
    // auth.lock (shared with the original's login and logout) covers every store, the keyring
    // included; for auth.json, `update` also holds the file's commit lock across the
    // read-refresh-write.
    const saved = await withAuthLock(
      codexHome,
      { timeoutMs: (this.options.refreshTimeoutMs ?? 30_000) * 2, logger: this.logger },
      () =>
        storage.update(async (stored) => {
          if (!stored?.tokens)
            throw new RefreshTokenError(
              'logged_out',
              'you are not logged in with ChatGPT any more; log in again',
            );
          const storedToken = stored.tokens.accessToken;
          const someoneElseRefreshed = storedToken !== failedToken;
          const storedAuth = fromAuthDotJson(stored, 'storage');
          if (
            someoneElseRefreshed &&
            storedAuth &&
            (afterUnauthorized || !this.isStale(storedAuth))
          )
            return stored;
          let refreshed: Awaited<ReturnType<OAuthClient['refresh']>>;
          try {
            refreshed = await this.oauth.refresh(stored.tokens.refreshToken);
          } catch (error) {
            throw refreshFailure(error);
          }
          const idToken = refreshed.idToken
            ? parseChatgptJwtClaims(refreshed.idToken)
            : stored.tokens.idToken;
          return {
            ...stored,
            tokens: {
              idToken,
              accessToken: refreshed.accessToken,
              refreshToken: refreshed.refreshToken ?? stored.tokens.refreshToken,
              accountId: stored.tokens.accountId ?? idToken.chatgptAccountId,
            },
            lastRefresh: new Date(this.now()).toISOString(),
          };
        }),
    );
    const next = saved ? fromAuthDotJson(saved, 'storage') : null;
    if (!next)
      throw new RefreshTokenError(
        'logged_out',
        'you are not logged in with ChatGPT any more; log in again',
      );
    return next;
  }
}

/** auth.json contents for host-supplied tokens. */
export function externalAuthDotJson(tokens: ExternalAuthTokens, now: number): AuthDotJson {
  const claims = parseChatgptJwtClaims(tokens.accessToken);
  const planType = tokens.chatgptPlanType
    ? planTypeFromRaw(tokens.chatgptPlanType)
    : (claims.chatgptPlanType ?? planTypeFromRaw('unknown'));
  return {
    authMode: 'chatgptAuthTokens',
    openaiApiKey: null,
    tokens: {
      idToken: { ...claims, chatgptAccountId: tokens.chatgptAccountId, chatgptPlanType: planType },
      accessToken: tokens.accessToken,
      refreshToken: '',
      accountId: tokens.chatgptAccountId,
    },
    lastRefresh: new Date(now).toISOString(),
  };
}
