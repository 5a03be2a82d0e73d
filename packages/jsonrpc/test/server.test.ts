import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '@codex/common';
import { invalidRequest, type JsonRpcError } from '@codex/protocol';
import { SignJWT } from 'jose';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { appServerErrorPolicy, Connection, type Transport } from '../src/index.js';
import {
  capabilityTokenAuth,
  isLoopbackHost,
  parseListenUrl,
  parseWebSocketAuthFlags,
  type RunningUnixListener,
  startUnixListener,
  startWebSocketListener,
  type WebSocketAuth,
} from '../src/server.js';
import { connectWebSocket, WebSocketTransport } from '../src/websocket.js';
import { sleep } from './harness.js';

const dir = mkdtempSync(path.join(tmpdir(), 'codex-jsonrpc-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = 'capability-token-0123456789';
const SECRET = 'a-shared-secret-that-is-long-enough-for-hs256';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** Serves `echo` on each accepted connection and records what was accepted. */
function echoServer() {
  const accepted: Array<{ remoteAddress: string | undefined }> = [];
  const onConnection = (transport: WebSocketTransport, info: { remoteAddress?: string }) => {
    accepted.push({ remoteAddress: info.remoteAddress });
    const connection = new Connection(transport, { logger: silentLogger });
    connection.onRequest('echo', (params) => params);
    void connection.listen();
  };
  return { accepted, onConnection };
}

async function wsListener(auth: WebSocketAuth, extra: { maxMessageBytes?: number } = {}) {
  const served = echoServer();
  const listener = await startWebSocketListener({
    host: '127.0.0.1',
    port: 0,
    auth,
    logger: silentLogger,
    onConnection: served.onConnection,
    ...extra,
  });
  running.push(listener);
  return { listener, ...served };
}

/** A client connection over `transport`, listening. */
async function client(transport: Transport) {
  const connection = new Connection(transport, { logger: silentLogger });
  await connection.listen();
  return connection;
}

/** Writes `text` on a raw TCP or Unix socket and returns everything read until `until` matches or the socket ends. */
function raw(
  target: { port: number } | { path: string },
  text: string,
  until = /\r\n\r\n/,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket =
      'port' in target ? netConnect(target.port, '127.0.0.1') : netConnect(target.path);
    let received = '';
    const done = () => {
      socket.destroy();
      resolve(received);
    };
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (until.test(received)) done();
    });
    socket.on('end', done);
    socket.on('error', reject);
  });
}

const UPGRADE = [
  'GET / HTTP/1.1',
  'Host: 127.0.0.1',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version: 13',
];
const upgradeRequest = (...headers: string[]) => `${[...UPGRADE, ...headers].join('\r\n')}\r\n\r\n`;

/** The status and body of an HTTP GET. */
function get(port: number, pathname: string) {
  return new Promise<{ status: number; type: string | undefined; body: string }>(
    (resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, path: pathname }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          body += text;
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            type: response.headers['content-type'],
            body,
          }),
        );
      });
      request.on('error', reject);
      request.end();
    },
  );
}

/** The status and body of a WebSocket upgrade attempt (101 when it opened). */
function upgrade(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => {
      socket.close();
      resolve({ status: 101, body: '' });
    });
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        body += text;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: body.trim() }));
    });
    socket.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe('parseListenUrl', () => {
  it('reads stdio://, ws://IPv4:PORT, ws://[IPv6]:PORT and unix://PATH', () => {
    expect(parseListenUrl('stdio://')).toEqual({ kind: 'stdio' });
    expect(parseListenUrl('ws://127.0.0.1:4500')).toEqual({
      kind: 'websocket',
      host: '127.0.0.1',
      port: 4500,
    });
    expect(parseListenUrl('ws://0.0.0.0:0')).toEqual({
      kind: 'websocket',
      host: '0.0.0.0',
      port: 0,
    });
    expect(parseListenUrl('ws://[::1]:65535')).toEqual({
      kind: 'websocket',
      host: '::1',
      port: 65535,
    });
    expect(parseListenUrl('unix:///run/codex.sock', { allowUnix: true })).toEqual({
      kind: 'unix',
      path: '/run/codex.sock',
    });
    // Relative paths are resolved against the working directory, as the original does.
    expect(parseListenUrl('unix://app.sock', { allowUnix: true, cwd: '/srv' })).toEqual({
      kind: 'unix',
      path: '/srv/app.sock',
    });
    expect(
      parseListenUrl('unix://', { allowUnix: true, defaultUnixPath: '/home/c/.codex/c.sock' }),
    ).toEqual({ kind: 'unix', path: '/home/c/.codex/c.sock' });
  });

  it('names the bad URL and the accepted forms', () => {
    for (const url of [
      'ws://localhost:1234',
      'ws://127.0.0.1',
      'ws://127.0.0.1:65536',
      'ws://::1:80',
      'ws://[127.0.0.1]:80',
      'ws://127.0.0.1:80/path',
    ]) {
      expect(() => parseListenUrl(url)).toThrow(
        `invalid websocket --listen URL \`${url}\`; expected \`ws://IP:PORT\``,
      );
    }
    expect(() => parseListenUrl('http://127.0.0.1:1')).toThrow(
      'unsupported --listen URL `http://127.0.0.1:1`; expected `stdio://` or `ws://IP:PORT`',
    );
    expect(() => parseListenUrl('unix:///tmp/x.sock')).toThrow(
      'unsupported --listen URL `unix:///tmp/x.sock`; expected `stdio://` or `ws://IP:PORT`',
    );
    expect(() => parseListenUrl('stdio', { allowUnix: true })).toThrow(
      'unsupported --listen URL `stdio`; expected `stdio://`, `unix://PATH` or `ws://IP:PORT`',
    );
    expect(() => parseListenUrl('unix://', { allowUnix: true })).toThrow(
      'invalid unix --listen URL `unix://`; expected `unix://PATH`',
    );
  });

  it('tells loopback hosts from others', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', '0:0:0:0:0:0:0:1', 'localhost'])
      expect(isLoopbackHost(host)).toBe(true);
    expect(isLoopbackHost('::ffff:127.0.0.1')).toBe(true);
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '::ffff:10.0.0.1',
      'fe80::1%lo',
      'example.com',
    ])
      expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('parseWebSocketAuthFlags', () => {
  const tokenFile = path.join(dir, 'token');
  const secretFile = path.join(dir, 'secret');
  const shortSecret = path.join(dir, 'short');
  const empty = path.join(dir, 'empty');
  writeFileSync(tokenFile, `  ${TOKEN}\n`);
  writeFileSync(secretFile, SECRET);
  writeFileSync(shortSecret, 'short');
  writeFileSync(empty, '\n');

  it('builds each mode from its flags', async () => {
    expect(await parseWebSocketAuthFlags({})).toBeUndefined();
    expect(
      await parseWebSocketAuthFlags({ 'ws-auth': 'capability-token', 'ws-token-file': tokenFile }),
    ).toEqual(capabilityTokenAuth(TOKEN));
    expect(
      await parseWebSocketAuthFlags({
        'ws-auth': 'signed-bearer-token',
        'ws-shared-secret-file': secretFile,
        'ws-issuer': 'i',
        'ws-audience': 'a',
        'ws-max-clock-skew-seconds': '7',
      }),
    ).toMatchObject({
      mode: 'signed-bearer-token',
      issuer: 'i',
      audience: 'a',
      maxClockSkewSeconds: 7,
    });
    expect(await parseWebSocketAuthFlags({ 'ws-auth': 'none' }, { allowNone: true })).toEqual({
      mode: 'none',
    });
  });

  it('refuses flags that do not fit the mode, with the original messages', async () => {
    const cases: Array<[Parameters<typeof parseWebSocketAuthFlags>[0], RegExp]> = [
      [{ 'ws-token-file': tokenFile }, /auth flags require `--ws-auth capability-token`/],
      [{ 'ws-auth': 'capability-token' }, /`--ws-token-file` or `--ws-token-sha256` is required/],
      [
        {
          'ws-auth': 'capability-token',
          'ws-token-file': tokenFile,
          'ws-token-sha256': 'a'.repeat(64),
        },
        /mutually exclusive/,
      ],
      [
        { 'ws-auth': 'capability-token', 'ws-token-file': tokenFile, 'ws-issuer': 'x' },
        /require `--ws-auth signed-bearer-token`/,
      ],
      [{ 'ws-auth': 'signed-bearer-token' }, /`--ws-shared-secret-file` is required/],
      [
        {
          'ws-auth': 'signed-bearer-token',
          'ws-shared-secret-file': secretFile,
          'ws-token-file': tokenFile,
        },
        /require `--ws-auth capability-token`, not `signed-bearer-token`/,
      ],
      [
        { 'ws-auth': 'signed-bearer-token', 'ws-shared-secret-file': shortSecret },
        /must be at least 32 bytes/,
      ],
      [{ 'ws-auth': 'capability-token', 'ws-token-file': empty }, /must not be empty/],
      [{ 'ws-token-sha256': 'abc' }, /64-character hex SHA-256 digest/],
      [
        { 'ws-auth': 'none' },
        /unknown --ws-auth mode `none`; expected capability-token or signed-bearer-token/,
      ],
      [
        {
          'ws-auth': 'signed-bearer-token',
          'ws-shared-secret-file': secretFile,
          'ws-max-clock-skew-seconds': '-1',
        },
        /non-negative integer/,
      ],
    ];
    for (const [flags, message] of cases)
      await expect(parseWebSocketAuthFlags(flags)).rejects.toThrow(message);
  });
});

describe('startWebSocketListener', () => {
  it('answers /readyz and /healthz without auth, and 426 to other plain HTTP', async () => {
    const { listener, accepted } = await wsListener(capabilityTokenAuth(TOKEN));
    for (const probe of ['/readyz', '/healthz'])
      expect(await get(listener.port, probe)).toEqual({
        status: 200,
        type: 'text/plain; charset=utf-8',
        body: 'ok',
      });
    expect((await get(listener.port, '/')).status).toBe(426);
    expect((await get(listener.port, '/readyz/more')).status).toBe(426);
    expect(accepted).toEqual([]);
  });

  it('refuses browsers with 403 before authentication and before JSON-RPC', async () => {
    const { listener, accepted } = await wsListener({ mode: 'none' });
    expect(await upgrade(listener.url, { Origin: 'https://example.com' })).toMatchObject({
      status: 403,
    });
    expect(
      await upgrade(listener.url, { Origin: 'http://127.0.0.1', Authorization: `Bearer ${TOKEN}` }),
    ).toMatchObject({ status: 403 });
    expect(accepted).toEqual([]);
    // With the check turned off the same request is served.
    const open = await startWebSocketListener({
      host: '127.0.0.1',
      port: 0,
      auth: { mode: 'none' },
      logger: silentLogger,
      rejectOrigin: false,
      onConnection: echoServer().onConnection,
    });
    running.push(open);
    expect((await upgrade(open.url, { Origin: 'https://example.com' })).status).toBe(101);
  });

  it('refuses a missing or wrong capability token with 401 and serves the right one', async () => {
    const { listener, accepted } = await wsListener(capabilityTokenAuth(TOKEN));
    expect(await upgrade(listener.url)).toEqual({
      status: 401,
      body: 'missing websocket bearer token',
    });
    expect(await upgrade(listener.url, { Authorization: 'Bearer wrong' })).toEqual({
      status: 401,
      body: 'invalid websocket bearer token',
    });
    expect(accepted).toEqual([]);
    const connection = await client(
      await connectWebSocket(listener.url, { headers: { Authorization: `Bearer ${TOKEN}` } }),
    );
    expect(await connection.request('echo', { text: 'hi' })).toEqual({ text: 'hi' });
    expect(accepted).toEqual([{ remoteAddress: '127.0.0.1' }]);
    await connection.close();
  });

  it('verifies signed bearer tokens and refuses expired ones', async () => {
    const auth: WebSocketAuth = {
      mode: 'signed-bearer-token',
      secret: new TextEncoder().encode(SECRET),
      issuer: 'codex-tests',
      maxClockSkewSeconds: 5,
    };
    const { listener } = await wsListener(auth);
    const now = Math.floor(Date.now() / 1000);
    const sign = (exp: number, secret = SECRET) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('codex-tests')
        .setExpirationTime(exp)
        .sign(new TextEncoder().encode(secret));
    const good = await sign(now + 60);
    const connection = await client(
      await connectWebSocket(listener.url, { headers: { Authorization: `Bearer ${good}` } }),
    );
    expect(await connection.request('echo', { n: 1 })).toEqual({ n: 1 });
    await connection.close();
    const expired = await upgrade(listener.url, {
      Authorization: `Bearer ${await sign(now - 60)}`,
    });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatch(/^invalid websocket bearer token \(ERR_JWT_EXPIRED/);
    const forged = await upgrade(listener.url, {
      Authorization: `Bearer ${await sign(now + 60, 'another-secret-another-secret-another')}`,
    });
    expect(forged.status).toBe(401);
  });

  it('never negotiates compression nor echoes the compression request header', async () => {
    const { listener } = await wsListener({ mode: 'none' });
    const response = await raw(
      listener,
      upgradeRequest(
        'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
        'x-codex-app-server-compression: zstd',
      ),
    );
    expect(response).toMatch(/^HTTP\/1\.1 101 /);
    expect(response.toLowerCase()).not.toContain('sec-websocket-extensions');
    expect(response.toLowerCase()).not.toContain('x-codex-app-server-compression');
    expect(response.toLowerCase()).not.toContain('deflate');
    // And a ws client that offers permessage-deflate gets plain frames.
    const socket = new WebSocket(listener.url, { perMessageDeflate: true });
    await new Promise((resolve) => socket.once('open', resolve));
    expect(socket.extensions).toBe('');
    socket.close();
  });

  it('close() stops listening and closes every live client', async () => {
    const { listener } = await wsListener({ mode: 'none' });
    const transports = await Promise.all([
      connectWebSocket(listener.url),
      connectWebSocket(listener.url),
    ]);
    const closes = transports.map(
      (transport) => new Promise<{ code?: number }>((resolve) => (transport.onclose = resolve)),
    );
    await Promise.all(transports.map((transport) => transport.start()));
    await listener.close();
    expect((await Promise.all(closes)).map((info) => info.code)).toEqual([1001, 1001]);
    await expect(connectWebSocket(listener.url, { connectTimeoutMs: 2_000 })).rejects.toThrow();
  });

  it('fails to start on a port that is taken, naming the error', async () => {
    const { listener } = await wsListener({ mode: 'none' });
    await expect(
      startWebSocketListener({
        host: '127.0.0.1',
        port: listener.port,
        auth: { mode: 'none' },
        logger: silentLogger,
        onConnection: () => {},
      }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('startUnixListener', () => {
  let count = 0;
  const socketPath = () => path.join(dir, `s${count++}.sock`);

  async function unixListener(where = socketPath()) {
    const served = echoServer();
    const listener: RunningUnixListener = await startUnixListener({
      path: where,
      logger: silentLogger,
      onConnection: served.onConnection,
    });
    running.push(listener);
    return { listener, ...served };
  }

  it('speaks WebSocket over the socket, as the original, with mode 0600', async () => {
    const { listener } = await unixListener();
    expect(listener.url).toBe(`unix://${listener.path}`);
    expect(statSync(listener.path).mode & 0o777).toBe(0o600);
    const response = await raw(listener, upgradeRequest('Origin: https://example.com'));
    expect(response).toMatch(/^HTTP\/1\.1 101 /);
    expect(response).toContain('x-codex-websocket-max-unfragmented-message-bytes: 16777216');
    const socket = new WebSocket(`ws+unix://${listener.path}:/`);
    const connection = await client(
      await new Promise<Transport>((resolve, reject) => {
        socket.once('open', () => resolve(new WebSocketTransport(socket)));
        socket.once('error', reject);
      }),
    );
    expect(await connection.request('echo', { over: 'unix' })).toEqual({ over: 'unix' });
    await connection.close();
  });

  it('replaces a stale socket, refuses a live one or a file, and removes its socket on close', async () => {
    const stale = socketPath();
    // A process killed outright leaves its socket file behind.
    const child = spawn(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`,
    ]);
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(statSync(stale).isSocket()).toBe(true);
    const { listener } = await unixListener(stale);
    await expect(startUnixListener({ path: stale, onConnection: () => {} })).rejects.toThrow(
      `unix socket is already in use at ${stale}`,
    );
    const file = socketPath();
    writeFileSync(file, 'not a socket');
    await expect(startUnixListener({ path: file, onConnection: () => {} })).rejects.toThrow(
      `unix socket path exists and is not a socket: ${file}`,
    );
    await listener.close();
    expect(existsSync(stale)).toBe(false);
  });

  it('close() closes live clients', async () => {
    const { listener } = await unixListener();
    const socket = new WebSocket(`ws+unix://${listener.path}:/`);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    await listener.close();
    expect(await closed).toBe(1001);
  });
});

/** A transport that records each frame the connection writes, and lets a test inject input. */
function recordingTransport() {
  const frames: string[] = [];
  const transport: Transport & { receive(value: unknown): void } = {
    async start() {},
    async send(frame) {
      frames.push(frame);
    },
    async close(info = {}) {
      transport.onclose?.(info);
    },
    pause() {},
    resume() {},
    receive(value) {
      transport.onmessage?.(value, JSON.stringify(value).length);
    },
  };
  return { frames, transport };
}

describe('Connection server hooks', () => {
  it('beforeDispatch answers with its error instead of calling the handler', async () => {
    const { frames, transport } = recordingTransport();
    let initialized = false;
    const handled: string[] = [];
    const seen: unknown[] = [];
    const connection = new Connection(transport, {
      logger: silentLogger,
      errorPolicy: appServerErrorPolicy,
      beforeDispatch: (request): JsonRpcError | undefined => {
        seen.push(request);
        if (request.method !== 'initialize' && !initialized)
          return invalidRequest('Not initialized');
        return undefined;
      },
    });
    connection.onRequest('initialize', () => {
      handled.push('initialize');
      initialized = true;
      return {};
    });
    connection.onRequest('thread/list', () => {
      handled.push('thread/list');
      return { data: [] };
    });
    await connection.listen();
    transport.receive({ id: 1, method: 'thread/list', params: { limit: 1 } });
    transport.receive({ id: 2, method: 'no/such' });
    transport.receive({ id: 3, method: 'initialize', params: {} });
    transport.receive({ id: 4, method: 'thread/list' });
    await sleep(10);
    expect(handled).toEqual(['initialize', 'thread/list']);
    // Unknown methods are refused before the gate sees them.
    expect(seen).toEqual([
      { method: 'thread/list', id: 1, params: { limit: 1 } },
      { method: 'initialize', id: 3, params: {} },
      { method: 'thread/list', id: 4, params: undefined },
    ]);
    expect(frames).toEqual([
      '{"error":{"code":-32600,"message":"Not initialized"},"id":1}',
      '{"error":{"code":-32600,"message":"Invalid request: unknown variant `no/such`"},"id":2}',
      '{"id":3,"result":{}}',
      '{"id":4,"result":{"data":[]}}',
    ]);
  });

  it('beforeDispatch may be async, or throw', async () => {
    const { frames, transport } = recordingTransport();
    let calls = 0;
    const connection = new Connection(transport, {
      logger: silentLogger,
      beforeDispatch: async (request) => {
        await sleep(1);
        if (request.method === 'gated') return invalidRequest('gated is experimental');
        if (request.method === 'broken') throw new Error('gate exploded');
        return undefined;
      },
    });
    for (const method of ['gated', 'broken', 'open'])
      connection.onRequest(method, () => {
        calls += 1;
        return method;
      });
    await connection.listen();
    transport.receive({ id: 1, method: 'gated' });
    transport.receive({ id: 2, method: 'broken' });
    transport.receive({ id: 3, method: 'open' });
    await sleep(30);
    expect(calls).toBe(1);
    expect(frames.sort()).toEqual([
      '{"error":{"code":-32600,"message":"gated is experimental"},"id":1}',
      '{"error":{"code":-32603,"message":"gate exploded"},"id":2}',
      '{"id":3,"result":"open"}',
    ]);
  });

  it('notificationExtras follow params on the wire', async () => {
    const { frames, transport } = recordingTransport();
    let now = 1_700_000_000_000;
    const connection = new Connection(transport, {
      logger: silentLogger,
      notificationExtras: () => ({ emittedAtMs: now++ }),
    });
    await connection.listen();
    await connection.notify('turn/started', { threadId: 't', turn: { id: 'u' } });
    await connection.notify('ping');
    connection.onRequest('echo', (params) => params);
    transport.receive({ id: 1, method: 'echo', params: { x: 1 } });
    await sleep(5);
    expect(frames).toEqual([
      '{"method":"turn/started","params":{"threadId":"t","turn":{"id":"u"}},"emittedAtMs":1700000000000}',
      '{"method":"ping","emittedAtMs":1700000000001}',
      // Responses carry no extras.
      '{"id":1,"result":{"x":1}}',
    ]);
  });
});
