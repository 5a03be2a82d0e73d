import type { Logger } from '@codex/common';
import type { WebSocketAuth } from './upgrade-auth.js';
import { type ConnectionListener, createUpgradeServer, listen } from './upgrade-server.js';

/** Settings of {@link startWebSocketListener}. */
export interface WebSocketListenerOptions {
  /** An IP address to bind; nothing else is bound. */
  readonly host: string;
  /** 0 picks a free port; the real one is in the result. */
  readonly port: number;
  /** How clients authenticate (`{ mode: 'none' }` accepts anyone who can connect). */
  readonly auth: WebSocketAuth;
  /** Largest accepted message; a larger frame closes the connection with 1009. Default 16 MiB. */
  readonly maxMessageBytes?: number;
  /** Default: the process-wide default logger. */
  readonly logger?: Logger;
  /**
   * Refuse upgrades carrying an `Origin` header with 403, so that no web page the user visits
   * can reach the server. Default true.
   */
  readonly rejectOrigin?: boolean;
  /** Receives each accepted connection's transport; it owns it from then on. */
  readonly onConnection: ConnectionListener;
}

/** A listening WebSocket server. */
export interface RunningListener {
  /** `ws://host:port` with the real port. */
  readonly url: string;
  /** The port actually bound (useful when 0 was asked for). */
  readonly port: number;
  /** Stops listening and closes every connection's transport. */
  close(): Promise<void>;
}

/**
 * Listens for WebSocket connections on `host:port`, one JSON-RPC message per text frame. Each
 * upgrade is checked before its handshake completes: a browser (an `Origin` header) gets 403,
 * a client failing `auth` gets 401 with the reason, and neither reaches JSON-RPC. `GET /readyz`
 * and `GET /healthz` answer 200 without authentication; other plain HTTP gets 426.
 */
export async function startWebSocketListener(
  options: WebSocketListenerOptions,
): Promise<RunningListener> {
  const server = createUpgradeServer({ ...options, rejectOrigin: options.rejectOrigin ?? true });
  await listen(server.http, options, options.logger);
  const address = server.http.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `ws://${hostPart}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.http.close(() => resolve()));
        await server.closeConnections();
        await stopped;
      })();
      return closing;
    },
  };
}
