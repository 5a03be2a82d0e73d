import { randomUUID } from 'node:crypto';
import type { CodexAuth } from '@codex/core';
import { LoginError, loginWithApiKey, loginWithDeviceCode, runLoginServer } from '@codex/login';
import { internalError, v2 } from '@codex/protocol';
import type { ClientSession } from '../client-session.js';
import { refuse } from '../errors.js';
import type { AppServer } from '../server.js';
import { ClientAuthRefresher } from './auth-refresh-bridge.js';

/** How a ChatGPT login attempt ended. */
export interface LoginOutcome {
  readonly loginId: string;
  readonly success: boolean;
  readonly error: string | null;
}

/** What a started browser login hands the client. */
export interface BrowserLogin {
  readonly loginId: string;
  readonly authUrl: string;
}

/** What a started device-code login hands the client. */
export interface DeviceCodeLogin {
  readonly loginId: string;
  readonly userCode: string;
  readonly verificationUrl: string;
}

/** The one ChatGPT login that may run at a time, as in the original. */
interface ActiveLogin {
  readonly id: string;
  cancel(): void;
}

const PLAN_TYPES: ReadonlySet<string> = new Set(v2.PlanTypeSchema.options);

/** A core plan string as the v2 enum (`unknown` for plans the schema does not name). */
export function planTypeV2(planType: string | null): v2.PlanType | null {
  if (planType === null) return null;
  return PLAN_TYPES.has(planType) ? (planType as v2.PlanType) : 'unknown';
}

/** The v2 `account/updated` payload for the credentials now in force. */
export function accountUpdate(auth: CodexAuth | null): v2.AccountUpdatedNotification {
  return { authMode: auth?.mode ?? null, planType: planTypeV2(auth?.planType ?? null) };
}

/** The words a login's end is reported with: the original's. */
function loginFailure(error: unknown): string {
  if (LoginError.isInstance(error) && error.code === 'timeout') return 'Login timed out';
  return `Login server error: ${(error as Error).message}`;
}

/**
 * The account side of one app server: reads the credentials, logs in (API key, browser,
 * device code, host-supplied tokens) and out, and owns the running login and the client that
 * refreshes host-supplied tokens. Callers choose the notifications (v1 or v2).
 */
export class AccountService {
  private active: ActiveLogin | null = null;
  private refresher: ClientAuthRefresher | null = null;

  constructor(private readonly server: AppServer) {
    server.onShutdown(() => this.cancelActive());
  }

  private get config() {
    return this.server.config;
  }

  /** The credentials in force, or null (a failed refresh or unreadable store counts as none). */
  async current(): Promise<CodexAuth | null> {
    try {
      return await this.server.auth.auth();
    } catch (error) {
      this.server.logger.warn('could not read the credentials', error);
      return null;
    }
  }

  /** `account/read`: null account for providers that take no OpenAI auth, as the original. */
  async read(refreshToken: boolean): Promise<v2.GetAccountResponse> {
    const requiresOpenaiAuth = this.config.modelProvider.requiresOpenaiAuth;
    const none = { account: null, userId: null, requiresOpenaiAuth, workspaceRouting: null };
    if (!requiresOpenaiAuth) return none;
    if (refreshToken) {
      const auth = await this.current();
      // Host-supplied tokens are the host's to refresh (the schema says the flag is ignored).
      if (auth?.mode === 'chatgpt') {
        await this.server.auth.refreshToken().catch((error: unknown) => {
          this.server.logger.warn('proactive token refresh failed', error);
        });
      }
    }
    const auth = await this.current();
    if (!auth) return none;
    if (auth.mode === 'apikey') return { ...none, account: { type: 'apiKey' } };
    return {
      ...none,
      account: {
        type: 'chatgpt',
        email: auth.email,
        planType: planTypeV2(auth.planType) ?? 'unknown',
      },
      userId: auth.tokens?.idToken.chatgptUserId ?? null,
    };
  }

  /** Saves an API key as the login. */
  async loginWithApiKey(apiKey: string): Promise<CodexAuth | null> {
    if (this.config.forcedLoginMethod === 'chatgpt') {
      throw refuse('API key login is disabled. Use ChatGPT login instead.');
    }
    this.cancelActive();
    try {
      await loginWithApiKey(this.config.codexHome, apiKey, this.config.cliAuthCredentialsStore);
    } catch (error) {
      throw internalError(`failed to save api key: ${(error as Error).message}`);
    }
    return this.server.auth.reload();
  }

  /**
   * Starts a browser login (replacing one that runs); `onEnd` hears how it ended, once the
   * credentials are reloaded.
   */
  async startBrowserLogin(onEnd: (outcome: LoginOutcome) => void): Promise<BrowserLogin> {
    this.refuseChatgptLogin();
    let login: Awaited<ReturnType<typeof runLoginServer>>;
    try {
      login = await runLoginServer({
        codexHome: this.config.codexHome,
        issuer: this.server.options.issuer,
        port: this.server.options.loginPort,
        openBrowser: false,
        forcedWorkspaceId: this.config.forcedChatgptWorkspaceId,
        storeMode: this.config.cliAuthCredentialsStore,
        logger: this.server.logger,
      });
    } catch (error) {
      throw internalError(`failed to start login server: ${(error as Error).message}`);
    }
    const id = randomUUID();
    this.replaceActive({ id, cancel: () => login.cancel() });
    void this.follow(id, login.done, onEnd);
    return { loginId: id, authUrl: login.authUrl };
  }

  /** Starts a device-code login; resolves once the issuer gave the code to show. */
  async startDeviceCodeLogin(onEnd: (outcome: LoginOutcome) => void): Promise<DeviceCodeLogin> {
    this.refuseChatgptLogin();
    const id = randomUUID();
    const abort = new AbortController();
    let shown!: (login: DeviceCodeLogin) => void;
    const prompted = new Promise<DeviceCodeLogin>((resolve) => {
      shown = resolve;
    });
    const done = loginWithDeviceCode({
      codexHome: this.config.codexHome,
      issuer: this.server.options.issuer,
      storeMode: this.config.cliAuthCredentialsStore,
      forcedWorkspaceId: this.config.forcedChatgptWorkspaceId,
      signal: abort.signal,
      logger: this.server.logger,
      onPrompt: (prompt) =>
        shown({
          loginId: id,
          userCode: prompt.userCode,
          verificationUrl: prompt.verificationUriComplete ?? prompt.verificationUri,
        }),
    });
    // Until the code is shown, a failure is the request's; afterwards, the login's.
    const login = await Promise.race([
      prompted,
      done.then(
        () => {
          throw internalError('the device-code login ended before a code was issued');
        },
        (error: unknown) => {
          throw internalError(`failed to start device code login: ${(error as Error).message}`);
        },
      ),
    ]);
    this.replaceActive({ id, cancel: () => abort.abort() });
    void this.follow(id, done, onEnd);
    return login;
  }

  /**
   * Uses ChatGPT tokens supplied by `session` (kept in memory only); that client is asked for
   * fresh ones after a 401, until it disconnects.
   */
  async useExternalTokens(
    session: ClientSession,
    tokens: { accessToken: string; chatgptAccountId: string; chatgptPlanType?: string | null },
  ): Promise<CodexAuth | null> {
    if (this.config.forcedLoginMethod === 'api') {
      throw refuse('External ChatGPT auth is disabled. Use API key login instead.');
    }
    this.cancelActive();
    const forced = this.config.forcedChatgptWorkspaceId;
    const allowed = forced === null ? [] : typeof forced === 'string' ? [forced] : forced;
    if (allowed.length > 0 && !allowed.includes(tokens.chatgptAccountId)) {
      throw refuse(
        `External auth must use workspace ${allowed.join(' or ')}, but received ${JSON.stringify(tokens.chatgptAccountId)}.`,
      );
    }
    try {
      await this.server.auth.setExternalTokens(tokens);
    } catch (error) {
      throw internalError(`failed to set external auth: ${(error as Error).message}`);
    }
    this.bindRefresher(session);
    return this.current();
  }

  /** Cancels the running login if it is `loginId`. */
  cancel(loginId: string): boolean {
    if (this.active?.id !== loginId) return false;
    this.cancelActive();
    return true;
  }

  /** Logs out (cancelling a running login); returns the credentials still in force, if any. */
  async logout(): Promise<CodexAuth | null> {
    this.cancelActive();
    try {
      await this.server.auth.logout();
    } catch (error) {
      throw internalError(`logout failed: ${(error as Error).message}`);
    }
    this.unbindRefresher();
    // An API key in the environment still counts after a logout.
    return this.server.auth.reload().catch(() => null);
  }

  private refuseChatgptLogin(): void {
    if (this.config.forcedLoginMethod === 'api') {
      throw refuse('ChatGPT login is disabled. Use API key login instead.');
    }
  }

  private replaceActive(login: ActiveLogin): void {
    this.cancelActive();
    this.active = login;
  }

  private cancelActive(): void {
    const active = this.active;
    this.active = null;
    active?.cancel();
  }

  private async follow(
    id: string,
    done: Promise<unknown>,
    onEnd: (outcome: LoginOutcome) => void,
  ): Promise<void> {
    let outcome: LoginOutcome;
    try {
      await done;
      await this.server.auth.reload();
      outcome = { loginId: id, success: true, error: null };
    } catch (error) {
      outcome = { loginId: id, success: false, error: loginFailure(error) };
    }
    if (this.active?.id === id) this.active = null;
    onEnd(outcome);
  }

  private bindRefresher(session: ClientSession): void {
    if (this.refresher?.session === session) return;
    const refresher = new ClientAuthRefresher(session);
    this.refresher = refresher;
    this.server.auth.setExternalAuthRefresher(refresher);
    session.connection.onClose(() => {
      if (this.refresher === refresher) this.unbindRefresher();
    });
  }

  private unbindRefresher(): void {
    this.refresher = null;
    this.server.auth.clearExternalAuthRefresher();
  }
}

const services = new WeakMap<AppServer, AccountService>();

/** The account service of `server` (created on first use). */
export function accountService(server: AppServer): AccountService {
  let service = services.get(server);
  if (!service) {
    service = new AccountService(server);
    services.set(server, service);
  }
  return service;
}
