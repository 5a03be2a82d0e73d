import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** An HTTP server on 127.0.0.1 that tracks its open connections. */
export interface LocalServer {
  readonly server: Server;
  /** e.g. `http://127.0.0.1:40123` */
  readonly origin: string;
  /** Connections currently open. */
  readonly sockets: ReadonlySet<Socket>;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on an ephemeral 127.0.0.1 port. A handler that throws is logged under
 * `label` and its connection destroyed.
 */
export async function startLocalServer(
  label: string,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<LocalServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      console.error(`[${label}] handler failed`, error);
      res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error(`${label} has no TCP address`);
  return {
    server,
    origin: `http://127.0.0.1:${address.port}`,
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads a request body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
