import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AuthCredentialsStoreMode } from '@codex/auth';
import { defaultLogger, type Logger } from '@codex/common';
import { OAuthClient } from '@codex/core';
import { openInBrowser } from './browser.js';
import { LoginError } from './errors.js';
import { errorPage, successPage } from './pages.js';
import { generatePkce, generateState } from './pkce.js';
import {
  type ForcedWorkspaces,
  type LoginResult,
  saveChatgptTokens,
  tokenExchangeFailure,
} from './save.js';

/**
 * The loopback port the login server asks for first, as the original (its redirect URI is
 * registered for it).
 */
export const DEFAULT_LOGIN_PORT = 1455;
/** A login attempt is abandoned after this long, as in the original. */
export const LOGIN_TIMEOUT_MS = 10 * 60 * 1000;

/** Options of {@link runLoginServer}. */
export interface LoginServerOptions {
  /** The Codex home directory the credentials are saved in. */
  readonly codexHome: string;
  /** The OAuth client id. Default Codex's own. */
  readonly clientId?: string;
  /** The OAuth issuer's origin. Default `https://auth.openai.com`. */
  readonly issuer?: string;
  /** Default 1455; 0 picks a free port. */
  readonly port?: number;
  /** Open the authorize URL: true uses the platform opener, a function is called with the URL. */
  readonly openBrowser?: boolean | ((url: string) => void);
  /** Refuse logins into any other ChatGPT workspace (account id), or any but these. */
  readonly forcedWorkspaceId?: ForcedWorkspaces;
  /** Where the credentials are saved. Default `file`. */
  readonly storeMode?: AuthCredentialsStoreMode;
  /** Default 10 minutes. */
  readonly timeoutMs?: number;
  /** Sent as `originator` in the authorize URL. Default `codex_cli_rs`. */
  readonly originator?: string;
  /** How many nearby ports to try after the requested one stays busy. Default 10. */
  readonly portFallbacks?: number;
  /** The `fetch` to use (tests). Default the global one. */
  readonly fetch?: typeof fetch;
  /** Where recovered problems go. Default `defaultLogger`. */
  readonly logger?: Logger;
}

/** A running login server. */
export interface LoginServer {
  /** Open this in a browser. */
  readonly authUrl: string;
  /** The port actually bound (it may differ from the one asked for). */
  readonly port: number;
  /** Stops the server; `done` rejects with `cancelled`. */
  cancel(): void;
  /** Resolves once credentials are saved; rejects with a {@link LoginError}. */
  readonly done: Promise<LoginResult>;
}

async function listenOn(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the login server has no TCP port');
  return address.port;
}

const inUse = (error: unknown) => (error as NodeJS.ErrnoException).code === 'EADDRINUSE';

/** Binds `port`; when busy, asks a previous login server there to cancel, then tries nearby ports. */
async function bind(
  server: Server,
  port: number,
  fallbacks: number,
  logger: Logger,
): Promise<number> {
  if (port === 0) return listenOn(server, 0);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await listenOn(server, port);
    } catch (error) {
      if (!inUse(error)) throw error;
      if (attempt === 0) {
        logger.debug(`port ${port} is busy; asking a previous login server there to cancel`);
        await fetch(`http://127.0.0.1:${port}/cancel`, {
          signal: AbortSignal.timeout(2_000),
        })
          .then((response) => response.arrayBuffer())
          .catch((error: unknown) =>
            logger.debug(`no login server answered /cancel on port ${port}`, error),
          );
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
    }
  }
  for (let next = port + 1; next <= port + fallbacks; next++) {
    try {
      const bound = await listenOn(server, next);
      logger.warn(`port ${port} is in use; the login server listens on ${bound} instead`);
      return bound;
    } catch (error) {
      if (!inUse(error)) throw error;
    }
  }
  throw new LoginError(
    'port_in_use',
    `ports ${port}-${port + fallbacks} are all in use; free port ${port} (another login may be running) and try again`,
  );
}

/**
 * Starts the ChatGPT login: a loopback server on 127.0.0.1 waits for the browser to come back to
 * `/auth/callback` with a code, checks `state`, exchanges the code (PKCE S256) and saves the
 * tokens through `@codex/auth`. `/cancel` or `cancel()` stops it; so does the timeout.
 */
export async function runLoginServer(options: LoginServerOptions): Promise<LoginServer> {
  const logger = options.logger ?? defaultLogger;
  const oauth = new OAuthClient({
    issuer: options.issuer,
    clientId: options.clientId,
    fetch: options.fetch,
  });
  const pkce = generatePkce();
  const state = generateState();
  const sockets = new Set<Socket>();
  let settled = false;
  let resolveDone!: (result: LoginResult) => void;
  let rejectDone!: (error: LoginError) => void;
  const done = new Promise<LoginResult>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  // A caller that only awaits later must not see an unhandled rejection in between.
  done.catch(() => {});
  let lastEmail: string | null = null;
  let redirectUri = '';

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.warn('login server request failed', error);
      if (!res.headersSent) send(res, 500, errorPage('The login server hit an unexpected error.'));
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  let closed = false;
  const shutdown = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    server.close();
    // Let the last page reach the browser before the sockets go.
    setTimeout(() => {
      for (const socket of sockets) socket.destroy();
    }, 250).unref();
  };
  let successPending = false;
  const finish = (outcome: { result: LoginResult } | { error: LoginError }) => {
    if (settled) return;
    settled = true;
    if ('error' in outcome) {
      rejectDone(outcome.error);
      shutdown();
      return;
    }
    resolveDone(outcome.result);
    // The browser comes back once more for /success; close after that (or after 5 s).
    successPending = true;
    clearTimeout(timer);
    setTimeout(shutdown, 5_000).unref();
  };

  const send = (
    res: ServerResponse,
    status: number,
    html: string,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'close',
      ...headers,
    });
    res.end(html);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    switch (url.pathname) {
      case '/auth/callback':
        return callback(url, res);
      case '/success':
        send(res, 200, successPage(lastEmail));
        if (successPending) {
          successPending = false;
          shutdown();
        }
        return;
      case '/cancel':
        send(
          res,
          200,
          errorPage('This login was cancelled.', 'Start a new login if you still want to sign in.'),
        );
        finish({ error: new LoginError('cancelled', 'the login was cancelled') });
        return;
      default:
        send(res, 404, errorPage('There is nothing at this address.'));
    }
  }

  async function callback(url: URL, res: ServerResponse): Promise<void> {
    if (settled) {
      send(res, 410, errorPage('This login has already finished.'));
      return;
    }
    const params = url.searchParams;
    if (params.get('state') !== state) {
      // Not this attempt's answer (or forged): refuse it and keep waiting for the real one.
      send(
        res,
        400,
        errorPage('The login response did not match this login attempt (state mismatch).'),
      );
      return;
    }
    const oauthError = params.get('error');
    if (oauthError) {
      const description = params.get('error_description') ?? oauthError;
      send(res, 200, errorPage(`Sign-in was not completed: ${description}.`));
      finish({
        error: new LoginError('access_denied', `sign-in was not completed: ${description}`),
      });
      return;
    }
    const code = params.get('code');
    if (!code) {
      send(res, 400, errorPage('The login response had no authorization code.'));
      return;
    }
    let result: LoginResult;
    try {
      const tokens = await oauth.exchangeCode({
        code,
        redirectUri,
        codeVerifier: pkce.codeVerifier,
      });
      result = await saveChatgptTokens(tokens, { ...options, logger });
    } catch (error) {
      const failure = tokenExchangeFailure(error);
      const status =
        failure.code === 'workspace_mismatch' ? 403 : failure.code === 'save_failed' ? 500 : 502;
      const page =
        failure.code === 'workspace_mismatch'
          ? errorPage(
              `Login is restricted to workspace ${[options.forcedWorkspaceId].flat().join(' or ')}.`,
              'Sign in again and choose that workspace.',
            )
          : errorPage(`Signing in failed: ${failure.message}.`);
      send(res, status, page);
      finish({ error: failure });
      return;
    }
    lastEmail = result.email;
    res.writeHead(302, { location: '/success', 'cache-control': 'no-store' });
    res.end();
    finish({ result });
  }

  const timeoutMs = options.timeoutMs ?? LOGIN_TIMEOUT_MS;
  const timer = setTimeout(
    () =>
      finish({
        error: new LoginError(
          'timeout',
          `the login was not completed within ${Math.round(timeoutMs / 1000)} s`,
        ),
      }),
    timeoutMs,
  );
  timer.unref();

  let port: number;
  try {
    port = await bind(
      server,
      options.port ?? DEFAULT_LOGIN_PORT,
      options.portFallbacks ?? 10,
      logger,
    );
  } catch (error) {
    clearTimeout(timer);
    server.close();
    throw error;
  }
  redirectUri = `http://localhost:${port}/auth/callback`;
  const forced = options.forcedWorkspaceId;
  const authUrl = oauth.authorizeUrl({
    redirectUri,
    codeChallenge: pkce.codeChallenge,
    state,
    originator: options.originator ?? 'codex_cli_rs',
    // The authorize page takes one workspace; with several, the saved login is checked instead.
    allowedWorkspaceId:
      typeof forced === 'string' ? forced : forced?.length === 1 ? forced[0] : null,
  });
  if (options.openBrowser === true) openInBrowser(authUrl, logger);
  else if (typeof options.openBrowser === 'function') options.openBrowser(authUrl);

  return {
    authUrl,
    port,
    cancel: () => finish({ error: new LoginError('cancelled', 'the login was cancelled') }),
    done,
  };
}
