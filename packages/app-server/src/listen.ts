import type { Readable, Writable } from 'node:stream';
import {
  isLoopbackHost,
  type ListenTarget,
  startUnixListener,
  startWebSocketListener,
  type WebSocketAuth,
} from '@codex/jsonrpc/server';
import { StdioTransport } from '@codex/jsonrpc/stdio';
import type { ClientSession } from './client-session.js';
import type { AppServer } from './server.js';

/** A running listener: where it listens and how to stop it. */
export interface AppServerListener {
  /** `stdio://`, `ws://IP:PORT` (the real port) or `unix://PATH`. */
  readonly url: string;
  /** Settles when the listener can take no more clients (stdio: the client's input ended). */
  readonly done: Promise<void>;
  /** Stops listening and closes the connections it accepted (stdio: the one connection). */
  close(): Promise<void>;
}

/** Settings of {@link listenAppServer}. */
export interface ListenOptions {
  /** How WebSocket clients authenticate. Required for a non-loopback address. */
  readonly auth?: WebSocketAuth;
  /** For `stdio://`: default the process's stdin and stdout. */
  readonly input?: Readable;
  /** For `stdio://`: where responses go (default the process's stdout). */
  readonly output?: Writable;
}

/** Serves one client over a pair of streams (by default stdin / stdout). */
export function serveStdio(
  server: AppServer,
  options: { input?: Readable; output?: Writable } = {},
): ClientSession {
  const transport = new StdioTransport({
    input: options.input ?? process.stdin,
    output: options.output ?? process.stdout,
    maxMessageBytes: server.maxMessageBytes,
  });
  return server.connect(transport);
}

/**
 * Listens on `target`. A WebSocket listener on a non-loopback address refuses to start without
 * authentication: anyone on the network could otherwise run commands as this user.
 */
export async function listenAppServer(
  server: AppServer,
  target: ListenTarget,
  options: ListenOptions = {},
): Promise<AppServerListener> {
  switch (target.kind) {
    case 'stdio': {
      const session = serveStdio(server, options);
      const done = session.connection.closed.then(() => undefined);
      return { url: 'stdio://', done, close: () => session.connection.close() };
    }
    case 'websocket': {
      if (!options.auth && !isLoopbackHost(target.host)) {
        throw new Error(
          `refusing to listen on ws://${target.host}:${target.port} without authentication: pass --ws-auth capability-token --ws-token-file PATH (or signed-bearer-token), or listen on 127.0.0.1`,
        );
      }
      const listener = await startWebSocketListener({
        host: target.host,
        port: target.port,
        auth: options.auth ?? { mode: 'none' },
        maxMessageBytes: server.maxMessageBytes,
        logger: server.logger,
        onConnection: (transport) => {
          server.connect(transport);
        },
      });
      return { url: listener.url, done: new Promise(() => {}), close: () => listener.close() };
    }
    case 'unix': {
      const listener = await startUnixListener({
        path: target.path,
        maxMessageBytes: server.maxMessageBytes,
        logger: server.logger,
        onConnection: (transport) => {
          server.connect(transport);
        },
      });
      return { url: listener.url, done: new Promise(() => {}), close: () => listener.close() };
    }
  }
}
