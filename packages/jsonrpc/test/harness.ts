import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@codex/common';
import { type WebSocket, WebSocketServer } from 'ws';
import { createLinkedPair, type Transport } from '../src/index.js';
import { StdioTransport } from '../src/stdio.js';
import { connectWebSocket, WebSocketTransport } from '../src/websocket.js';

/** Two connected transports plus a way to tear them down, and raw access for garbage tests. */
export interface TransportPair {
  readonly client: Transport;
  readonly server: Transport;
  /** Writes raw bytes/text at the server as if the client sent them. */
  readonly sendRawToServer: (data: string) => void;
  /** Breaks the link abruptly from the client's side. */
  readonly dropClient: () => void;
  readonly dispose: () => Promise<void>;
}

export type TransportKind = 'memory' | 'stdio' | 'websocket';
export const TRANSPORT_KINDS: TransportKind[] = ['memory', 'stdio', 'websocket'];

export async function createPair(kind: TransportKind): Promise<TransportPair> {
  switch (kind) {
    case 'memory': {
      const [client, server] = createLinkedPair();
      return {
        client,
        server,
        sendRawToServer: (data) => {
          // No framing in memory: deliver the decoded value, or the text when it is not JSON.
          let value: unknown;
          try {
            value = JSON.parse(data);
          } catch {
            value = data;
          }
          server.onmessage?.(value, data.length);
        },
        dropClient: () => void client.close({ reason: 'dropped' }),
        dispose: async () => {
          await client.close();
        },
      };
    }
    case 'stdio':
      return stdioPair();
    case 'websocket':
      return websocketPair();
  }
}

/** Newline-delimited JSON over a real Unix-domain socket: kernel buffering, partial reads. */
async function stdioPair(): Promise<TransportPair> {
  const dir = mkdtempSync(join(tmpdir(), 'codex-jsonrpc-'));
  const path = join(dir, 'sock');
  const accepted = new Promise<Socket>((resolve) => {
    const server = createServer((socket) => {
      server.close();
      resolve(socket);
    });
    server.listen(path);
  });
  const clientSocket = connect(path);
  await new Promise<void>((resolve, reject) => {
    clientSocket.once('connect', resolve);
    clientSocket.once('error', reject);
  });
  const serverSocket = await accepted;
  const client = new StdioTransport({ input: clientSocket, output: clientSocket });
  const server = new StdioTransport({ input: serverSocket, output: serverSocket });
  return {
    client,
    server,
    sendRawToServer: (data) => clientSocket.write(data),
    dropClient: () => clientSocket.destroy(),
    dispose: async () => {
      clientSocket.destroy();
      serverSocket.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One message per frame over a real WebSocket on 127.0.0.1. */
async function websocketPair(): Promise<TransportPair> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected address');
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = await connectWebSocket(`ws://127.0.0.1:${address.port}`);
  const serverSocket = await accepted;
  const server = new WebSocketTransport(serverSocket);
  const rawClient = (client as unknown as { socket: WebSocket }).socket;
  return {
    client,
    server,
    sendRawToServer: (data) => rawClient.send(data),
    dropClient: () => rawClient.terminate(),
    dispose: async () => {
      rawClient.terminate();
      serverSocket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A logger that records what it is told. */
export function recordingLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
  };
  return { lines, debug: record('debug'), warn: record('warn'), error: record('error') };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
