import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import { JsonRpcError } from '@codex/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CloseInfo,
  Connection,
  ConnectionError,
  createLinkedPair,
  standardErrorPolicy,
  type Transport,
} from '../src/index.js';
import { StdioTransport } from '../src/stdio.js';
import { recordingLogger, sleep } from './harness.js';

/** A transport of the older shape, whose onmessage passes the value only (no frame size). */
class SizelessTransport implements Transport {
  onmessage?: (value: unknown, bytes: number) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: CloseInfo) => void;

  constructor(private readonly inner: Transport) {
    inner.onmessage = (value) =>
      (this.onmessage as ((value: unknown) => void) | undefined)?.(value);
    inner.onerror = (error) => this.onerror?.(error);
    inner.onclose = (info) => this.onclose?.(info);
  }

  start(): Promise<void> {
    return this.inner.start();
  }
  send(frame: string): Promise<void> {
    return this.inner.send(frame);
  }
  close(info?: CloseInfo): Promise<void> {
    return this.inner.close(info);
  }
  pause(): void {
    this.inner.pause();
  }
  resume(): void {
    this.inner.resume();
  }
}

/** A server Connection on one end of a real Unix socket; the test drives the raw other end. */
async function rawPeer(options: ConstructorParameters<typeof Connection>[1] = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'codex-jsonrpc-faults-'));
  const path = join(dir, 'sock');
  const accepted = new Promise<Socket>((resolve) => {
    const listener = createServer({ allowHalfOpen: true }, (socket) => {
      listener.close();
      resolve(socket);
    });
    listener.listen(path);
  });
  const client = connect(path);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  const socket = await accepted;
  const server = new Connection(new StdioTransport({ input: socket, output: socket }), {
    logger: silentLogger,
    ...options,
  });
  cleanups.push(() => {
    client.destroy();
    socket.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  /** Collects the server's replies, one parsed object per line. */
  const replies: string[] = [];
  let partial = '';
  client.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    replies.push(...lines);
  });
  /** Resolves once the client read everything the server's socket sent and its end. */
  const clientEnded = new Promise<void>((resolve) => client.once('end', resolve));
  return { server, client, replies, serverSocket: socket, clientEnded };
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const until = async (check: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
};

describe('a peer that stops reading', () => {
  it('gets every reply to 40,000 pipelined requests, and the server holds a bounded backlog', async () => {
    const { server, client, replies } = await rawPeer({ highWaterMarkBytes: 64 * 1024 });
    server.onRequest('echo', (params) => params);
    await server.listen();
    client.pause();
    const total = 40_000;
    const batch: string[] = [];
    for (let id = 0; id < total; id++)
      batch.push(JSON.stringify({ id, method: 'echo', params: { id, pad: 'p'.repeat(40) } }));
    client.write(`${batch.join('\n')}\n`);
    let peak = 0;
    const started = Date.now();
    while (Date.now() - started < 1_500) {
      peak = Math.max(peak, server.queuedBytes);
      await sleep(5);
    }
    client.resume();
    await until(() => replies.length >= total);
    const ids = new Set(replies.map((line) => (JSON.parse(line) as { id: number }).id));
    expect(ids.size).toBe(total);
    // Reading stopped while replies were owed: the backlog stayed near the high-water mark
    // instead of holding every reply (40,000 × ~80 bytes).
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(256 * 1024);
  });

  it('does not start a burst of requests for large replies past the high-water mark', async () => {
    const { server, client, replies } = await rawPeer({ highWaterMarkBytes: 256 * 1024 });
    server.onRequest('big', () => 'x'.repeat(256 * 1024));
    await server.listen();
    client.pause();
    const total = 200;
    client.write(
      `${Array.from({ length: total }, (_, id) => JSON.stringify({ id, method: 'big' })).join('\n')}\n`,
    );
    let peak = 0;
    const started = Date.now();
    while (Date.now() - started < 1_000) {
      peak = Math.max(peak, server.queuedBytes);
      await sleep(5);
    }
    client.resume();
    await until(() => replies.length >= total);
    // All 200 replies (50 MB) would be queued if every request in the burst were started at
    // once; input waits a turn after 8 of them, and stops at the high-water mark.
    expect(peak).toBeGreaterThan(256 * 1024);
    expect(peak).toBeLessThan(4 * 1024 * 1024);
  });

  it('runs at most maxConcurrentRequests handlers, and still reads the answers they wait for', async () => {
    const { server, client, replies } = await rawPeer({ maxConcurrentRequests: 2 });
    let running = 0;
    let peak = 0;
    // Each handler waits on a request of its own to the peer: the peer's answer must get in
    // while the handler slots are full.
    server.onRequest('wait', async () => {
      running++;
      peak = Math.max(peak, running);
      const answer = await server.request('permission');
      running--;
      return answer;
    });
    await server.listen();
    client.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.includes('"permission"')) continue;
        const { id } = JSON.parse(line) as { id: number };
        client.write(`${JSON.stringify({ id, result: 'granted' })}\n`);
      }
    });
    client.write(
      `${Array.from({ length: 6 }, (_, id) => JSON.stringify({ id: `w${id}`, method: 'wait' })).join('\n')}\n`,
    );
    await until(() => replies.filter((line) => line.includes('"granted"')).length === 6);
    expect(peak).toBe(2);
  });

  it('runs methods with a limit of their own apart, even when every shared slot is taken', async () => {
    const { server, client, replies } = await rawPeer({
      maxConcurrentRequests: 2,
      methodLimits: { stop: 1 },
    });
    const gates: Array<() => void> = [];
    server.onRequest(
      'wait',
      () => new Promise<string>((resolve) => gates.push(() => resolve('done'))),
    );
    server.onRequest('stop', () => {
      for (const open of gates.splice(0)) open();
      return 'stopped';
    });
    await server.listen();
    client.write(
      `${[0, 1, 2].map((id) => JSON.stringify({ id, method: 'wait' })).join('\n')}\n{"id":9,"method":"stop"}\n`,
    );
    await until(() => replies.length >= 3);
    expect([...replies].sort()).toEqual([
      '{"id":0,"result":"done"}',
      '{"id":1,"result":"done"}',
      '{"id":9,"result":"stopped"}',
    ]);
    // The third wait ran once a slot was free; its gate is opened by a second stop.
    await until(() => gates.length === 1);
    client.write('{"id":10,"method":"stop"}\n');
    await until(() => replies.length === 5);
  });

  it('past the waiting bound, refuses requests as overloaded and keeps reading what stuck handlers need', async () => {
    const { server, client, replies } = await rawPeer({
      maxConcurrentRequests: 2,
      maxWaitingRequests: 3,
      maxWaitingBytes: 1024 * 1024,
      methodLimits: { stop: 1 },
    });
    // Handlers that wait for an answer from the peer, which it sends only after a burst of
    // 20 requests of 100 KB: neither those answers nor the stop may be held back.
    const permissionIds: number[] = [];
    server.onRequest('work', async () => server.request('approve'));
    server.onRequest('stop', () => 'stopped');
    await server.listen();
    client.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n'))
        if (line.includes('"approve"')) permissionIds.push((JSON.parse(line) as { id: number }).id);
    });
    const pad = 'p'.repeat(100_000);
    client.write(
      `${Array.from({ length: 20 }, (_, id) => JSON.stringify({ id, method: 'work', params: { pad } })).join('\n')}\n{"id":99,"method":"stop"}\n`,
    );
    // Two run, three wait; the other fifteen are refused at once, and the stop is answered.
    const refusals = () => replies.filter((line) => line.includes('-32001'));
    await until(() => refusals().length >= 15 && replies.includes('{"id":99,"result":"stopped"}'));
    const refused = refusals();
    expect(refused).toHaveLength(15);
    expect(permissionIds).toHaveLength(2);
    expect(JSON.parse(refused[0] as string)).toMatchObject({
      error: { code: -32001, message: 'Server overloaded; retry later.' },
    });
    // The answers get in; each frees a slot for a waiting request, which asks in turn.
    const yeses = () => replies.filter((line) => line.includes('"result":"yes"')).length;
    while (yeses() < 5) {
      await until(() => permissionIds.length > 0 || yeses() === 5);
      for (const id of permissionIds.splice(0))
        client.write(`${JSON.stringify({ id, result: 'yes' })}\n`);
    }
    await until(() => replies.filter((line) => line.includes('"result":"yes"')).length === 5);
  });

  it('keeps its bounds with a transport that does not report frame sizes', async () => {
    const [a, b] = createLinkedPair();
    const server = new Connection(new SizelessTransport(a), {
      maxConcurrentRequests: 1,
      maxWaitingBytes: 50_000,
      logger: silentLogger,
    });
    const client = new Connection(b, { logger: silentLogger });
    const gates: Array<() => void> = [];
    server.onRequest(
      'hold',
      () => new Promise<string>((resolve) => gates.push(() => resolve('ok'))),
    );
    await Promise.all([server.listen(), client.listen()]);
    const pad = 'p'.repeat(20_000);
    const outcomes = [0, 1, 2, 3].map((n) =>
      client.request('hold', { pad, n }).then(
        (value) => value,
        (error: unknown) => (JsonRpcError.isInstance(error) ? error.code : error),
      ),
    );
    // One runs, two (40 KB) wait, and the fourth would pass 50,000 bytes: refused. Without
    // sizes, the waiting bytes would be NaN and nothing would ever be refused.
    expect(await outcomes[3]).toBe(-32001);
    for (let opened = 0; opened < 3; opened++) {
      await until(() => gates.length > 0);
      gates.shift()?.();
    }
    expect(await Promise.all(outcomes.slice(0, 3))).toStrictEqual(['ok', 'ok', 'ok']);
    await Promise.all([server.close(), client.close()]);
  });

  it('answers every request read before the peer half-closes its side', async () => {
    const { server, client, replies } = await rawPeer();
    server.onRequest('slow', async (params) => {
      await sleep(20);
      return params;
    });
    await server.listen();
    client.end(
      `${Array.from({ length: 100 }, (_, id) => JSON.stringify({ id, method: 'slow', params: { id } })).join('\n')}\n`,
    );
    await server.closed;
    await until(() => replies.length === 100);
    expect(new Set(replies.map((line) => (JSON.parse(line) as { id: number }).id)).size).toBe(100);
  });

  it('closes the connection when a write makes no progress for stallTimeoutMs', async () => {
    const [a, b] = createLinkedPair();
    a.send = () => new Promise(() => {});
    const logger = recordingLogger();
    const connection = new Connection(a, { stallTimeoutMs: 100, logger });
    const peer = new Connection(b, { logger: silentLogger });
    await Promise.all([connection.listen(), peer.listen()]);
    const pending = connection.request('anything').catch((e: unknown) => e);
    const info = await connection.closed;
    expect(info.reason).toContain('accepted nothing for 100 ms');
    expect(ConnectionError.isInstance(await pending)).toBe(true);
    expect(logger.lines.some((line) => line.includes('accepted nothing'))).toBe(true);
  });
});

describe('results JSON cannot hold', () => {
  it.each([
    ['a BigInt', () => ({ n: 10n })],
    [
      'a cycle',
      () => {
        const value: Record<string, unknown> = {};
        value.self = value;
        return value;
      },
    ],
    [
      'nesting 200,000 deep',
      () => {
        let value: unknown = 1;
        for (let i = 0; i < 200_000; i++) value = [value];
        return value;
      },
    ],
  ])('answers -32603 for %s, and the connection keeps working', async (_name, make) => {
    const { server, client, replies } = await rawPeer();
    server.onRequest('bad', () => make());
    server.onRequest('good', () => 'fine');
    await server.listen();
    client.write('{"id":1,"method":"bad"}\n{"id":2,"method":"good"}\n');
    await until(() => replies.length === 2);
    const [bad, good] = replies.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(bad).toMatchObject({
      id: 1,
      error: { code: -32603, message: expect.stringContaining('the result of bad cannot be sent') },
    });
    expect(good).toStrictEqual({ id: 2, result: 'fine' });
  });
});

describe('hostile input', () => {
  it('echoes request ids beyond 2^53 exactly', async () => {
    const { server, client, replies } = await rawPeer();
    server.onRequest('echo', (_params, context) => String(context.id));
    await server.listen();
    client.write(
      '{"id":9007199254740993,"method":"echo"}\n{"id":-9007199254740995,"method":"nope"}\n',
    );
    await until(() => replies.length === 2);
    const [answered, refused] = [...replies].sort((a, b) => b.localeCompare(a));
    expect(answered).toBe('{"id":9007199254740993,"result":"9007199254740993"}');
    expect(refused).toMatch(/^\{"error":\{"code":-32601,.*\},"id":-9007199254740995\}$/);
  });

  it('refuses a 60 MB line of [{},{},…] without parsing it, then keeps serving', async () => {
    const { server, client, replies } = await rawPeer();
    server.onRequest('echo', (params) => params);
    await server.listen();
    const unit = Buffer.from('{},');
    const chunk = Buffer.alloc(unit.length * 100_000);
    for (let i = 0; i < 100_000; i++) unit.copy(chunk, i * unit.length);
    client.write('[');
    for (let sent = 0; sent < 60 * 1024 * 1024; sent += chunk.length) {
      if (!client.write(chunk)) await new Promise((resolve) => client.once('drain', resolve));
    }
    client.write('{}]\n{"id":1,"method":"echo","params":{"ok":true}}\n');
    await until(() => replies.length === 2);
    expect(JSON.parse(replies[0] as string)).toMatchObject({ id: null, error: { code: -32700 } });
    expect(JSON.parse(replies[1] as string)).toStrictEqual({ id: 1, result: { ok: true } });
  });

  it('logs a flood of garbage in a few lines, not one per frame', async () => {
    const logger = recordingLogger();
    const { server, client, replies } = await rawPeer({ logger });
    await server.listen();
    const garbage = `${'not json at all, line after line of it\n'.repeat(25_000)}`;
    client.write(garbage);
    await until(() => replies.length === 25_000);
    expect(logger.lines.length).toBeLessThanOrEqual(3);
    expect(logger.lines[0]).toContain('unreadable frame (parse)');
  });
});

describe('protocol violations', () => {
  it('closes on an unhandled notification or unmatched response when the policy says so', async () => {
    for (const [line, problem] of [
      ['{"method":"process/output","params":{}}', 'unexpected notification method: process/output'],
      ['{"id":6,"result":{}}', 'unexpected response for request id 6'],
      ['{"id":7,"error":{"code":1,"message":"x"}}', 'unexpected error for request id 7'],
    ] as const) {
      const logger = recordingLogger();
      const { server, client, replies, serverSocket, clientEnded } = await rawPeer({
        logger,
        errorPolicy: {
          ...standardErrorPolicy,
          unhandledNotification: 'close',
          unmatchedResponse: 'close',
        },
      });
      server.onRequest('echo', (params) => params);
      await server.listen();
      client.write('{"id":1,"method":"echo","params":{"n":1}}\n');
      await until(() => replies.length === 1);
      client.write(`${line}\n{"id":2,"method":"echo","params":{"n":2}}\n`);
      const info = await server.closed;
      expect(info.reason).toContain(`protocol error: ${problem}`);
      // Whatever the server wrote before closing has reached the client once its end has.
      serverSocket.end();
      await clientEnded;
      expect(replies).toHaveLength(1);
      expect(
        logger.lines.some((l) =>
          l.startsWith(`warn closing the connection after a protocol error: ${problem}`),
        ),
      ).toBe(true);
    }
  });

  it('ignores them by default', async () => {
    const { server, client, replies } = await rawPeer();
    server.onRequest('echo', (params) => params);
    await server.listen();
    client.write('{"method":"nobody/listens"}\n{"id":99,"result":1}\n{"id":1,"method":"echo"}\n');
    await until(() => replies.length === 1);
    expect(server.isClosed).toBe(false);
  });
});

/** A server and a client Connection over a real WebSocket on 127.0.0.1. */
async function webSocketPair() {
  const { WebSocketServer } = await import('ws');
  const { connectWebSocket, WebSocketTransport } = await import('../src/websocket.js');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as { port: number };
  const accepted = new Promise<import('ws').WebSocket>((resolve) =>
    wss.once('connection', resolve),
  );
  const clientTransport = await connectWebSocket(`ws://127.0.0.1:${port}`);
  const socket = await accepted;
  const serverTransport = new WebSocketTransport(socket);
  const server = new Connection(serverTransport, { logger: silentLogger });
  const client = new Connection(clientTransport, { logger: silentLogger });
  await Promise.all([server.listen(), client.listen()]);
  return { wss, socket, serverTransport, server, client };
}

describe('closing and timers', () => {
  it('closes a WebSocket with a reason too long for a close frame', async () => {
    const { wss, socket, server, client } = await webSocketPair();
    await server.close({ reason: `protocol error: ${'x'.repeat(300)}` });
    const seen = await client.closed;
    expect(Buffer.byteLength(seen.reason ?? '')).toBeLessThanOrEqual(123);
    expect(seen.reason).toMatch(/^protocol error: x+…$/);
    await until(() => socket.readyState === socket.CLOSED);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  it('completes a WebSocket close at once even while its input is paused', async () => {
    const { wss, socket, server, client, serverTransport } = await webSocketPair();
    serverTransport.pause();
    await server.close({ reason: 'done' });
    // Paused, the socket would not read the client's close frame: ws would wait 30 s.
    await until(() => socket.readyState === socket.CLOSED, 5_000);
    expect((await client.closed).reason).toBe('done');
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });

  it('in memory, a side that closes releases the other side waiting to hand it messages', async () => {
    const [a, b] = createLinkedPair();
    const server = new Connection(a, { highWaterMarkBytes: 1024, logger: silentLogger });
    const client = new Connection(b, { logger: silentLogger });
    server.onRequest('big', () => 'x'.repeat(10_000));
    await Promise.all([server.listen(), client.listen()]);
    b.pause();
    // Replies pile up on the server (its input pauses), waiting for the client to take them.
    const calls = Array.from({ length: 20 }, () => client.request('big').catch(() => 'closed'));
    await until(() => server.queuedBytes > 1024);
    await client.close({ reason: 'bye' }, { flushTimeoutMs: 0 });
    expect(await Promise.all(calls)).toContain('closed');
    const seen = await Promise.race([server.closed, sleep(3_000).then(() => 'still open')]);
    expect(seen).toMatchObject({ reason: 'bye' });
  });

  it('treats timeouts too long for a timer as unbounded', async () => {
    const [a, b] = createLinkedPair();
    const slowSend = a.send.bind(a);
    a.send = async (frame) => {
      await sleep(30);
      await slowSend(frame);
    };
    const month = 30 * 24 * 3600 * 1000;
    const connection = new Connection(a, {
      stallTimeoutMs: month,
      requestTimeoutMs: month,
      logger: silentLogger,
    });
    const peer = new Connection(b, { logger: silentLogger });
    peer.onRequest('ping', () => 'pong');
    await Promise.all([connection.listen(), peer.listen()]);
    await expect(connection.request('ping')).resolves.toBe('pong');
    expect(connection.isClosed).toBe(false);
  });
});
