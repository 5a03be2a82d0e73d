import { spawn } from 'node:child_process';
import { silentLogger } from '@codex/common';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Connection, ConnectionError } from '../src/index.js';
import { StdioTransport } from '../src/stdio.js';
import { connectWebSocket, WebSocketTransport } from '../src/websocket.js';

// A peer in another process: answers `echo` with its params, never answers `hang`, and
// exits on `exit`. Written in plain JS so the child needs no build.
const PEER = `
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.method === 'echo') process.stdout.write(JSON.stringify({ id: msg.id, result: msg.params }) + '\\n');
  if (msg.method === 'exit') process.exit(3);
  if (msg.method === 'split') {
    const text = JSON.stringify({ id: msg.id, result: { ok: true } }) + '\\r\\n';
    process.stdout.write(text.slice(0, 5));
    setTimeout(() => process.stdout.write(text.slice(5)), 20);
  }
});
`;

function spawnPeer() {
  const child = spawn(process.execPath, ['-e', PEER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const transport = new StdioTransport({
    input: child.stdout,
    output: child.stdin,
    endOutputOnClose: true,
  });
  const connection = new Connection(transport, { logger: silentLogger });
  return { child, connection };
}

describe('stdio transport with a real child process', () => {
  it('round-trips requests, including a response split across writes with CRLF', async () => {
    const { child, connection } = spawnPeer();
    await connection.listen();
    await expect(connection.request('echo', { hello: 'world' })).resolves.toStrictEqual({
      hello: 'world',
    });
    await expect(connection.request('split')).resolves.toStrictEqual({ ok: true });
    await connection.close();
    child.kill();
  });

  it('rejects pending requests when the child dies mid-request', async () => {
    const { child, connection } = spawnPeer();
    await connection.listen();
    const pending = connection.request('hang');
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    void connection.notify('exit');
    const error = await pending.catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error) && error.code).toBe('closed');
    expect(await exited).toBe(3);
  });
});

describe('websocket transport details', () => {
  it('reads binary frames and reports the close code', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    const { port } = wss.address() as { port: number };
    wss.on('connection', (socket) => {
      socket.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { id: number; params: unknown };
        socket.send(Buffer.from(JSON.stringify({ id: msg.id, result: msg.params })), {
          binary: true,
        });
        setTimeout(() => socket.close(4001, 'bye'), 10);
      });
    });
    const transport = await connectWebSocket(`ws://127.0.0.1:${port}`);
    const connection = new Connection(transport, { logger: silentLogger });
    await connection.listen();
    await expect(connection.request('echo', { n: 1 })).resolves.toStrictEqual({ n: 1 });
    await expect(connection.closed).resolves.toStrictEqual({ code: 4001, reason: 'bye' });
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  it('fails to connect with a clear error when the upgrade is refused', async () => {
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      verifyClient: (_info, done) => done(false, 401, 'Unauthorized'),
    });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    const { port } = wss.address() as { port: number };
    await expect(connectWebSocket(`ws://127.0.0.1:${port}`)).rejects.toThrow(/HTTP 401/);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  it('times out connecting to a listener that never completes the handshake', async () => {
    const net = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await expect(
      connectWebSocket(`ws://127.0.0.1:${port}`, { connectTimeoutMs: 150 }),
    ).rejects.toMatchObject({
      code: 'timeout',
    });
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('discards an oversized message and keeps the connection', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    const { port } = wss.address() as { port: number };
    const accepted = new Promise<import('ws').WebSocket>((resolve) =>
      wss.once('connection', resolve),
    );
    const client = await connectWebSocket(`ws://127.0.0.1:${port}`);
    const server = new Connection(
      new WebSocketTransport(await accepted, { maxMessageBytes: 1024 }),
      {
        logger: silentLogger,
      },
    );
    server.onRequest('echo', (params) => params);
    await server.listen();
    const connection = new Connection(client, { logger: silentLogger });
    await connection.listen();
    const big = await connection
      .request('echo', { text: 'x'.repeat(4096) }, { timeoutMs: 300 })
      .catch((e) => e);
    expect(big).toMatchObject({ code: 'timeout' });
    await expect(connection.request('echo', { text: 'small' })).resolves.toStrictEqual({
      text: 'small',
    });
    await connection.close();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
});
