import type { AuthCredentialsStoreMode } from '@codex/auth';
import { defaultLogger, type Logger } from '@codex/common';
import { OAuthClient } from '@codex/core';
import { LoginError } from './errors.js';
import {
  type ForcedWorkspaces,
  type LoginResult,
  saveChatgptTokens,
  tokenExchangeFailure,
} from './save.js';

/** What to show the user. */
export interface DeviceCodePrompt {
  /** The code the user enters on the verification page. */
  readonly userCode: string;
  /** The page where the user enters the code. */
  readonly verificationUri: string;
  /** The URI with the code filled in, when the issuer provides one. */
  readonly verificationUriComplete: string | null;
  /** How long the code stays valid, in seconds. */
  readonly expiresInSeconds: number;
}

/** Options of {@link loginWithDeviceCode}. */
export interface DeviceCodeLoginOptions {
  /** The Codex home directory the credentials are saved in. */
  readonly codexHome: string;
  /** Called once with the code to show; print it or render it. */
  readonly onPrompt: (prompt: DeviceCodePrompt) => void;
  /** The OAuth client id. Default Codex's own. */
  readonly clientId?: string;
  /** The OAuth issuer's origin. Default `https://auth.openai.com`. */
  readonly issuer?: string;
  /** Where the credentials are saved. Default `file`. */
  readonly storeMode?: AuthCredentialsStoreMode;
  /** Refuse logins into any other ChatGPT workspace (account id), or any but these. */
  readonly forcedWorkspaceId?: ForcedWorkspaces;
  /** Stops polling; the login rejects with `cancelled`. */
  readonly signal?: AbortSignal;
  /** Added to the interval on `slow_down` (RFC 8628: 5 s). */
  readonly slowDownIncrementMs?: number;
  /** The `fetch` to use (tests). Default the global one. */
  readonly fetch?: typeof fetch;
  /** Where recovered problems go. Default `defaultLogger`. */
  readonly logger?: Logger;
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
  const logger = options.logger ?? defaultLogger;
  const oauth = new OAuthClient({
    issuer: options.issuer,
    clientId: options.clientId,
    fetch: options.fetch,
  });
  const started = await oauth.startDeviceAuthorization().catch((error: unknown) => {
    throw tokenExchangeFailure(error);
  });
  const { userCode } = started;
  options.onPrompt({
    userCode,
    verificationUri: started.verificationUri,
    verificationUriComplete: started.verificationUriComplete,
    expiresInSeconds: started.expiresInSeconds,
  });
  const expired = () =>
    new LoginError(
      'timeout',
      `the code ${userCode} expired before it was approved; start the login again`,
    );
  const deadline = Date.now() + started.expiresInSeconds * 1000;
  let intervalMs = started.intervalSeconds * 1000;
  for (;;) {
    await wait(intervalMs, options.signal);
    if (Date.now() > deadline) throw expired();
    const poll = await oauth.pollDeviceAuthorization(started.deviceCode).catch((error: unknown) => {
      throw tokenExchangeFailure(error);
    });
    switch (poll.status) {
      case 'approved':
        return saveChatgptTokens(poll.tokens, {
          codexHome: options.codexHome,
          storeMode: options.storeMode,
          forcedWorkspaceId: options.forcedWorkspaceId,
          logger,
        });
      case 'pending':
        continue;
      case 'slow_down':
        intervalMs += options.slowDownIncrementMs ?? 5_000;
        logger.debug(`the issuer asked to slow down; polling every ${intervalMs} ms`);
        continue;
      case 'expired':
        throw expired();
      case 'denied':
        throw new LoginError('access_denied', 'sign-in was not completed: the request was denied');
    }
  }
}
