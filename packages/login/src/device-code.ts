import { type AuthCredentialsStoreMode, type AuthLogger, defaultAuthLogger } from '@codex/auth';
import {
  CLIENT_ID,
  DEFAULT_ISSUER,
  LOGIN_SCOPES,
  LoginError,
  type LoginResult,
  saveChatgptTokens,
  tokensFromResponse,
} from './server.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** What to show the user. */
export interface DeviceCodePrompt {
  readonly userCode: string;
  readonly verificationUri: string;
  /** The URI with the code filled in, when the issuer provides one. */
  readonly verificationUriComplete: string | null;
  readonly expiresInSeconds: number;
}

/** Options of {@link loginWithDeviceCode}. */
export interface DeviceCodeLoginOptions {
  readonly codexHome: string;
  /** Called once with the code to show; print it or render it. */
  readonly onPrompt: (prompt: DeviceCodePrompt) => void;
  readonly clientId?: string;
  readonly issuer?: string;
  readonly storeMode?: AuthCredentialsStoreMode;
  readonly forcedWorkspaceId?: string | null;
  /** Stops polling; the login rejects with `cancelled`. */
  readonly signal?: AbortSignal;
  /** Added to the interval on `slow_down` (RFC 8628: 5 s). */
  readonly slowDownIncrementMs?: number;
  readonly fetch?: typeof fetch;
  readonly logger?: AuthLogger;
}

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

async function postForm(
  doFetch: typeof fetch,
  url: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new LoginError('token_exchange', `could not reach ${url}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const text = await response.text().catch(() => '');
  try {
    return { status: response.status, body: asRecord(JSON.parse(text)) };
  } catch {
    return {
      status: response.status,
      body: { error: 'invalid_response', error_description: text.slice(0, 300) },
    };
  }
}

const wait = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new LoginError('cancelled', 'the login was cancelled'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Device authorization login (RFC 8628) for machines without a browser on the same host: asks
 * the issuer for a user code, hands it to `onPrompt`, then polls the token endpoint at the
 * interval the issuer gives, slowing down on `slow_down` and stopping on `expired_token` or
 * `access_denied`. The tokens are saved like a browser login's.
 */
export async function loginWithDeviceCode(options: DeviceCodeLoginOptions): Promise<LoginResult> {
  const issuer = options.issuer ?? DEFAULT_ISSUER;
  const clientId = options.clientId ?? CLIENT_ID;
  const doFetch = options.fetch ?? fetch;
  const logger = options.logger ?? defaultAuthLogger;
  const start = await postForm(doFetch, new URL('/oauth/device/code', issuer).toString(), {
    client_id: clientId,
    scope: LOGIN_SCOPES,
  });
  const {
    device_code: deviceCode,
    user_code: userCode,
    verification_uri: verificationUri,
  } = start.body;
  if (
    start.status !== 200 ||
    typeof deviceCode !== 'string' ||
    typeof userCode !== 'string' ||
    typeof verificationUri !== 'string'
  )
    throw new LoginError(
      'token_exchange',
      `the issuer did not start a device login (status ${start.status}): ${String(start.body.error_description ?? start.body.error ?? 'no details')}`,
    );
  const expiresIn = typeof start.body.expires_in === 'number' ? start.body.expires_in : 900;
  let intervalMs = (typeof start.body.interval === 'number' ? start.body.interval : 5) * 1000;
  options.onPrompt({
    userCode,
    verificationUri,
    verificationUriComplete:
      typeof start.body.verification_uri_complete === 'string'
        ? start.body.verification_uri_complete
        : null,
    expiresInSeconds: expiresIn,
  });
  const deadline = Date.now() + expiresIn * 1000;
  const tokenUrl = new URL('/oauth/token', issuer).toString();
  for (;;) {
    await wait(intervalMs, options.signal);
    if (Date.now() > deadline)
      throw new LoginError(
        'timeout',
        `the code ${userCode} expired before it was approved; start the login again`,
      );
    const poll = await postForm(doFetch, tokenUrl, {
      grant_type: DEVICE_CODE_GRANT,
      device_code: deviceCode,
      client_id: clientId,
    });
    if (poll.status === 200) {
      return saveChatgptTokens(tokensFromResponse(poll.body), {
        codexHome: options.codexHome,
        storeMode: options.storeMode,
        forcedWorkspaceId: options.forcedWorkspaceId,
        logger,
      });
    }
    switch (poll.body.error) {
      case 'authorization_pending':
        continue;
      case 'slow_down':
        intervalMs += options.slowDownIncrementMs ?? 5_000;
        logger.debug(`the issuer asked to slow down; polling every ${intervalMs} ms`);
        continue;
      case 'expired_token':
        throw new LoginError(
          'timeout',
          `the code ${userCode} expired before it was approved; start the login again`,
        );
      case 'access_denied':
        throw new LoginError('access_denied', 'sign-in was not completed: the request was denied');
      default:
        throw new LoginError(
          'token_exchange',
          `the token endpoint answered ${poll.status}: ${String(poll.body.error_description ?? poll.body.error ?? 'no details')}`,
        );
    }
  }
}
