import type { Readable, Writable } from 'node:stream';
import { DEFAULT_FRAME_LIMITS } from '@codex/jsonrpc';
import {
  type RunningListener,
  type RunningUnixListener,
  startUnixListener,
  startWebSocketListener,
  type WebSocketAuth,
} from '@codex/jsonrpc/server';
import { StdioTransport } from '@codex/jsonrpc/stdio';
import type { WebSocketTransport } from '@codex/jsonrpc/websocket';
import {
  type ExecServerOptions,
  type ServedExecConnection,
  serveExecConnection,
} from './server.js';

const DEFAULT_MAX_MESSAGE_BYTES = DEFAULT_FRAME_LIMITS.maxMessageBytes;

/** Settings of {@link serveStdio}. */
export interface StdioServeOptions extends ExecServerOptions {
  /** Where requests are read. Default `process.stdin`. */
  readonly input?: Readable;
  /** Where responses are written. Default `process.stdout`. */
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
  /** The port actually bound (useful when 0 was asked for). */
  readonly port: number;
  /** Connections being served. */
  readonly connections: ReadonlySet<ServedExecConnection>;
  /** Stops listening, closes every connection and waits for their processes to end. */
  close(): Promise<void>;
}

/** Settings of {@link startUnixServer}. */
export interface UnixServeOptions extends ExecServerOptions {
  /** The socket's path (mode 0600); a stale socket there is replaced. */
  readonly path: string;
  /** Largest accepted message; a larger frame closes the connection with 1009. Default 16 MiB. */
  readonly maxMessageBytes?: number;
}

/** A listening Unix-socket exec-server. */
export interface RunningUnixServer {
  /** The socket's absolute path. */
  readonly path: string;
  /** `unix://` and the path. */
  readonly url: string;
  /** Connections being served. */
  readonly connections: ReadonlySet<ServedExecConnection>;
  /** Stops listening, closes every connection, waits for their processes and removes the socket. */
  close(): Promise<void>;
}

/** Serves each accepted transport, and closes them all (then the listener) on `close`. */
function serveEach(options: ExecServerOptions) {
  const connections = new Set<ServedExecConnection>();
  const onConnection = (transport: WebSocketTransport) => {
    const served = serveExecConnection(transport, options);
    connections.add(served);
    void served.done.then(() => connections.delete(served));
  };
  const closeWith = (listener: RunningListener | RunningUnixListener) => {
    let closing: Promise<void> | undefined;
    return () => {
      closing ??= (async () => {
        await Promise.all([...connections].map((served) => served.close()));
        await listener.close();
      })();
      return closing;
    };
  };
  return { connections, onConnection, closeWith };
}

/**
 * Listens for WebSocket connections on `host:port`. Every upgrade is checked before the
 * handshake completes: browsers get HTTP 403, refused clients 401, and neither reaches JSON-RPC.
 */
export async function startWebSocketServer(
  options: WebSocketServeOptions,
): Promise<RunningWebSocketServer> {
  const { connections, onConnection, closeWith } = serveEach(options);
  const listener = await startWebSocketListener({
    host: options.host,
    port: options.port,
    auth: options.auth,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    logger: options.logger,
    onConnection,
  });
  return { url: listener.url, port: listener.port, connections, close: closeWith(listener) };
}

/**
 * Listens on a Unix-domain socket: WebSocket over the socket, as the app-server's
 * `unix://` listener speaks, with the socket's mode (0600) as the only authentication.
 */
export async function startUnixServer(options: UnixServeOptions): Promise<RunningUnixServer> {
  const { connections, onConnection, closeWith } = serveEach(options);
  const listener = await startUnixListener({
    path: options.path,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    logger: options.logger,
    onConnection,
  });
  return { path: listener.path, url: listener.url, connections, close: closeWith(listener) };
}
