import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { defaultLogger, type Logger, timerFor } from '@codex/common';
import { type WebSocket, WebSocketServer } from 'ws';
import { DEFAULT_FRAME_LIMITS } from './frame.js';
import { authorizeUpgrade, type WebSocketAuth } from './upgrade-auth.js';
import { WebSocketTransport } from './websocket.js';

/** What a listener knows about a client when it accepts its WebSocket. */
export interface UpgradeInfo {
  /** The peer's address (undefined on a Unix socket). */
  readonly remoteAddress: string | undefined;
  /** The upgrade request's headers. */
  readonly headers: IncomingHttpHeaders;
}

/** Receives each accepted connection; it owns the transport from then on. */
export type ConnectionListener = (transport: WebSocketTransport, info: UpgradeInfo) => void;

/** Settings shared by the WebSocket listeners. */
export interface UpgradeServerOptions {
  /** How clients authenticate. */
  readonly auth: WebSocketAuth;
  /** Largest accepted message; a larger frame closes the connection with 1009. Default 16 MiB. */
  readonly maxMessageBytes?: number;
  /** Default: the process-wide default logger. */
  readonly logger?: Logger;
  /** Refuse upgrades that carry an `Origin` header (that is, from a browser) with 403. */
  readonly rejectOrigin: boolean;
  /** Extra headers of every 101 response. */
  readonly upgradeHeaders?: readonly string[];
  readonly onConnection: ConnectionListener;
}

/** An HTTP server that turns authenticated upgrades into transports. */
export interface UpgradeServer {
  readonly http: Server;
  /** Refuses new upgrades and closes every connection's transport. */
  closeConnections(): Promise<void>;
}

/** Paths answered 200 without authentication, for supervisors' probes. */
const PROBE_PATHS = new Set(['/readyz', '/healthz']);
/** How long a closing connection may take to answer our close frame before it is dropped. */
const CLOSE_GRACE_MS = 1_000;
/** Close code sent to every client when the listener closes ("going away"). */
const GOING_AWAY = 1001;

function refuse(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** Closes one transport, and drops its socket when the peer does not answer in time. */
async function closeGracefully(socket: WebSocket, transport: WebSocketTransport): Promise<void> {
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await transport.close({ code: GOING_AWAY, reason: 'server shutting down' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = timerFor(CLOSE_GRACE_MS, () => {
      socket.terminate();
      resolve();
    });
  });
  await Promise.race([closed, expired]);
  clearTimeout(timer);
}

/**
 * The HTTP side every WebSocket listener shares: probes on `/readyz` and `/healthz`, 426 for
 * other plain requests, and for upgrades, in order, 403 for a browser (an `Origin` header),
 * 401 for failed authentication, then a plain-text WebSocket (permessage-deflate is never
 * negotiated, and no request header is echoed).
 */
export function createUpgradeServer(options: UpgradeServerOptions): UpgradeServer {
  const logger = options.logger ?? defaultLogger;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_FRAME_LIMITS.maxMessageBytes;
  const live = new Map<WebSocket, WebSocketTransport>();
  let closing = false;
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: maxMessageBytes,
  });
  if (options.upgradeHeaders?.length) {
    const extra = options.upgradeHeaders;
    wss.on('headers', (headers: string[]) => headers.push(...extra));
  }
  const http = createServer((request, response) => {
    const pathname = (request.url ?? '/').split('?', 1)[0] ?? '/';
    if ((request.method === 'GET' || request.method === 'HEAD') && PROBE_PATHS.has(pathname)) {
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('ok');
      return;
    }
    response.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
    response.end('upgrade required: connect with a WebSocket\n');
  });

  const accept = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    wss.handleUpgrade(request, socket, head, (ws) => {
      const transport = new WebSocketTransport(ws, { maxMessageBytes });
      if (closing) {
        void transport.close({ code: GOING_AWAY, reason: 'server shutting down' });
        return;
      }
      live.set(ws, transport);
      ws.once('close', () => live.delete(ws));
      try {
        options.onConnection(transport, {
          remoteAddress: request.socket.remoteAddress,
          headers: request.headers,
        });
      } catch (error) {
        logger.error('accepting a websocket connection failed', error);
        void transport.close({ code: 1011, reason: 'server error' });
      }
    });
  };

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (error) => logger.debug('upgrade socket error', error));
    const peer = request.socket.remoteAddress ?? 'a local socket';
    if (closing) {
      refuse(socket, 503, 'server shutting down');
      return;
    }
    if (options.rejectOrigin && request.headers.origin !== undefined) {
      logger.warn(`refused websocket from ${peer}: browser origin ${request.headers.origin}`);
      refuse(socket, 403, 'browser origins are not allowed');
      return;
    }
    authorizeUpgrade(options.auth, request.headers.authorization).then(
      (decision) => {
        if (closing) refuse(socket, 503, 'server shutting down');
        else if (decision.ok) accept(request, socket, head);
        else {
          logger.warn(`refused websocket from ${peer}: ${decision.reason}`);
          refuse(socket, 401, decision.reason);
        }
      },
      (error: unknown) => {
        logger.error('websocket authentication failed unexpectedly', error);
        refuse(socket, 500, 'authentication failed');
      },
    );
  });
  return {
    http,
    async closeConnections() {
      closing = true;
      await Promise.all([...live].map(([socket, transport]) => closeGracefully(socket, transport)));
      wss.close();
      http.closeAllConnections();
    },
  };
}

/** Starts `http` listening on a port or a socket path; rejects when it cannot. */
export function listen(
  http: Server,
  where: { readonly port: number; readonly host: string } | { readonly path: string },
  logger: Logger = defaultLogger,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    const ready = () => {
      http.off('error', reject);
      http.on('error', (error) => logger.error('listener failed', error));
      resolve();
    };
    if ('path' in where) http.listen(where.path, ready);
    else http.listen(where.port, where.host, ready);
  });
}
