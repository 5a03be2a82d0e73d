import { createServer, type IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex, Readable, Writable } from 'node:stream';
import { defaultLogger } from '@codex/common';
import { StdioTransport } from '@codex/jsonrpc/stdio';
import { WebSocketTransport } from '@codex/jsonrpc/websocket';
import { WebSocketServer } from 'ws';
import { authorizeUpgrade, type WebSocketAuth } from './auth.js';
import {
  type ExecServerOptions,
  type ServedExecConnection,
  serveExecConnection,
} from './server.js';

/** Where the server listens. */
export type ListenTarget =
  | { readonly kind: 'stdio' }
  | { readonly kind: 'websocket'; readonly host: string; readonly port: number };

/** The default `--listen` value. */
export const DEFAULT_LISTEN_URL = 'stdio://';

/** Parses a `--listen` URL: `stdio://` or `ws://IP:PORT` (an IP literal, not a host name). */
export function parseListenUrl(url: string): ListenTarget {
  if (url === DEFAULT_LISTEN_URL) return { kind: 'stdio' };
  if (url.startsWith('ws://')) {
    const address = url.slice('ws://'.length);
    const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
    const host = match?.[1] ?? match?.[2];
    const port = Number(match?.[3]);
    const ipv6 = match?.[1] !== undefined;
    if (!host || !(ipv6 ? isIP(host) === 6 : isIP(host) === 4) || port > 65_535) {
      throw new Error(`invalid websocket --listen URL \`${url}\`; expected \`ws://IP:PORT\``);
    }
    return { kind: 'websocket', host, port };
  }
  throw new Error(`unsupported --listen URL \`${url}\`; expected \`stdio://\` or \`ws://IP:PORT\``);
}

/** Settings of {@link serveStdio}. */
export interface StdioServeOptions extends ExecServerOptions {
  readonly input?: Readable;
  readonly output?: Writable;
  /** Largest accepted line. Default 16 MiB. */
  readonly maxMessageBytes?: number;
}

/** Serves one connection over stdin/stdout (or the given streams). */
export function serveStdio(options: StdioServeOptions = {}): ServedExecConnection {
  const transport = new StdioTransport({
    input: options.input ?? process.stdin,
    output: options.output ?? process.stdout,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
  });
  return serveExecConnection(transport, options);
}

const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Settings of {@link startWebSocketServer}. */
export interface WebSocketServeOptions extends ExecServerOptions {
  /** An IP address to bind; nothing else is bound. */
  readonly host: string;
  /** 0 picks a free port; the real one is in the result. */
  readonly port: number;
  /** Required: how clients authenticate (`{ mode: 'none' }` to accept anyone who can connect). */
  readonly auth: WebSocketAuth;
  /** Largest accepted message; a larger frame closes the connection with 1009. Default 16 MiB. */
  readonly maxMessageBytes?: number;
}

/** A listening WebSocket exec-server. */
export interface RunningWebSocketServer {
  /** `ws://host:port` with the real port. */
  readonly url: string;
  readonly port: number;
  /** Connections being served. */
  readonly connections: ReadonlySet<ServedExecConnection>;
  /** Stops listening, closes every connection and waits for their processes to end. */
  close(): Promise<void>;
}

function refuse(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Bad Request'}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/**
 * Listens for WebSocket connections on `host:port`. Every upgrade is authenticated before
 * the handshake completes: refused clients get HTTP 401 and never reach JSON-RPC.
 */
export async function startWebSocketServer(
  options: WebSocketServeOptions,
): Promise<RunningWebSocketServer> {
  const logger = options.logger ?? defaultLogger;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const connections = new Set<ServedExecConnection>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes });
  const http = createServer((_request, response) => {
    response.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('this is a codex exec-server; connect with a WebSocket\n');
  });
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (error) => logger.debug('upgrade socket error', error));
    authorizeUpgrade(options.auth, request.headers.authorization).then(
      (decision) => {
        if (!decision.ok) {
          logger.warn(`refused websocket from ${request.socket.remoteAddress}: ${decision.reason}`);
          refuse(socket, 401, decision.reason);
          return;
        }
        wss.handleUpgrade(request, socket, head, (ws) => {
          const served = serveExecConnection(
            new WebSocketTransport(ws, { maxMessageBytes }),
            options,
          );
          connections.add(served);
          void served.done.then(() => connections.delete(served));
        });
      },
      (error: unknown) => {
        logger.error('websocket authentication failed unexpectedly', error);
        refuse(socket, 400, 'authentication failed');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  http.on('error', (error) => logger.error('exec-server listener failed', error));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `ws://${hostPart}:${port}`,
    port,
    connections,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
        await Promise.all([...connections].map((served) => served.close()));
        wss.close();
        http.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}
