import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectWebSocket } from '@codex/jsonrpc/websocket';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  capabilityTokenAuth,
  ExecServerClient,
  parseListenUrl,
  type RunningWebSocketServer,
  startWebSocketServer,
} from '../src/index.js';
import { baseEnv, exitOf, quiet, startBin, startWsBin, until } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'exec-ws-'));
const tokenFile = path.join(dir, 'token');
const secretFile = path.join(dir, 'secret');
const TOKEN = 'capability-token-0123456789';
const SECRET = 'a-shared-secret-that-is-long-enough-for-hs256';
writeFileSync(tokenFile, `${TOKEN}\n`);
writeFileSync(secretFile, SECRET);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const children: Array<ReturnType<typeof startBin>['child']> = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGTERM');
    await exitOf(child);
  }
});

/** The HTTP status and body of a raw upgrade attempt. */
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

/** A bin on ws://127.0.0.1:0 that wants the capability token; killed after the test. */
async function startTokenBin() {
  const server = await startWsBin(['--ws-auth', 'capability-token', '--ws-token-file', tokenFile]);
  children.push(server.child);
  return server;
}

const ECHO_LOOP =
  "printf 'ready\\n'; while IFS= read -r line; do printf 'echo:%s\\n' \"$line\"; done";

describe('the ws:// bin', () => {
  it('prints the real URL for port 0 and serves a PTY echo to an authenticated client', async () => {
    const server = await startTokenBin();
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toBe('ws://127.0.0.1:0');
    const client = await ExecServerClient.connectWebSocket(server.url, {
      token: TOKEN,
      connectTimeoutMs: 5_000,
      initializeTimeoutMs: 5_000,
      ...quiet,
    });
    let text = '';
    client.onOutput((event) => {
      text += event.chunk.toString();
    });
    await client.exec({
      processId: 'proc-1',
      argv: ['bash', '-lc', ECHO_LOOP],
      cwd: process.cwd(),
      env: baseEnv(),
      tty: true,
    });
    await until(5_000, () => text.includes('ready'));
    await client.write('proc-1', 'hello\n');
    await until(5_000, () => text.includes('echo:hello'));
    expect(await client.terminate('proc-1')).toEqual({ running: true });
    await client.close();
  });

  it('refuses unauthenticated upgrades with 401 before any JSON-RPC', async () => {
    const server = await startTokenBin();
    expect(await upgrade(server.url)).toEqual({
      status: 401,
      body: 'missing websocket bearer token',
    });
    expect(await upgrade(server.url, { Authorization: 'Bearer wrong' })).toEqual({
      status: 401,
      body: 'invalid websocket bearer token',
    });
    expect(await upgrade(server.url, { Authorization: `Basic ${TOKEN}` })).toMatchObject({
      status: 401,
    });
    expect(await upgrade(server.url, { Authorization: `Bearer ${TOKEN}` })).toEqual({
      status: 101,
      body: '',
    });
    const refused = await ExecServerClient.connectWebSocket(server.url, {
      token: 'nope',
      ...quiet,
    }).catch((error: unknown) => error as Error);
    expect(String(refused)).toMatch(/refused the upgrade with HTTP 401/);
    // A digest works as well as the file.
    const digest = createHash('sha256').update(TOKEN).digest('hex');
    const byDigest = await startWsBin([
      '--ws-auth',
      'capability-token',
      '--ws-token-sha256',
      digest,
    ]);
    children.push(byDigest.child);
    expect((await upgrade(byDigest.url, { Authorization: `Bearer ${TOKEN}` })).status).toBe(101);
  });

  it('verifies signed bearer tokens: secret, issuer, audience, expiry', async () => {
    const server = await startWsBin([
      '--ws-auth',
      'signed-bearer-token',
      '--ws-shared-secret-file',
      secretFile,
      '--ws-issuer',
      'codex-tests',
      '--ws-audience',
      'exec-server',
      '--ws-max-clock-skew-seconds',
      '5',
    ]);
    children.push(server.child);
    const sign = (claims: { iss?: string; aud?: string; exp?: number }, secret = SECRET) => {
      let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
      if (claims.iss) jwt = jwt.setIssuer(claims.iss);
      if (claims.aud) jwt = jwt.setAudience(claims.aud);
      if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
      return jwt.sign(new TextEncoder().encode(secret));
    };
    const now = Math.floor(Date.now() / 1000);
    const good = await sign({ iss: 'codex-tests', aud: 'exec-server', exp: now + 60 });
    const client = await ExecServerClient.connectWebSocket(server.url, { token: good, ...quiet });
    expect(
      (
        await client.communicate({
          processId: 'x',
          argv: ['echo', 'ok'],
          cwd: '/',
          env: baseEnv(),
          tty: false,
        })
      ).stdout.toString(),
    ).toBe('ok\n');
    await client.close();
    const cases = [
      await sign(
        { iss: 'codex-tests', aud: 'exec-server', exp: now + 60 },
        'another-secret-another-secret-another',
      ),
      await sign({ iss: 'someone-else', aud: 'exec-server', exp: now + 60 }),
      await sign({ iss: 'codex-tests', aud: 'other', exp: now + 60 }),
      await sign({ iss: 'codex-tests', aud: 'exec-server', exp: now - 60 }),
      await sign({ iss: 'codex-tests', aud: 'exec-server' }),
    ];
    for (const token of cases) {
      const refused = await upgrade(server.url, { Authorization: `Bearer ${token}` });
      expect(refused.status).toBe(401);
      expect(refused.body).toMatch(/^invalid websocket bearer token \(ERR_/);
    }
    // Within the clock skew an expired token still passes.
    const recent = await sign({ iss: 'codex-tests', aud: 'exec-server', exp: now - 2 });
    expect((await upgrade(server.url, { Authorization: `Bearer ${recent}` })).status).toBe(101);
  });

  it('will not listen on ws:// without an authentication choice', async () => {
    const { child, stderr } = startBin(['--listen', 'ws://127.0.0.1:0']);
    expect(await exitOf(child)).toBe(2);
    expect(stderr()).toMatch(/ws:\/\/ listeners require authentication/);
    const bad = startBin(['--listen', 'ws://localhost:1234']);
    expect(await exitOf(bad.child)).toBe(2);
    expect(bad.stderr()).toContain(
      'invalid websocket --listen URL `ws://localhost:1234`; expected `ws://IP:PORT`',
    );
    const missing = startBin(['--listen', 'ws://127.0.0.1:0', '--ws-auth', 'capability-token']);
    expect(await exitOf(missing.child)).toBe(2);
    expect(missing.stderr()).toMatch(/--ws-token-file/);
  });

  it('terminates the processes of a client that disconnects', async () => {
    const server = await startWsBin(['--ws-auth', 'none']);
    children.push(server.child);
    expect(server.stderr()).toMatch(/authentication is disabled/);
    const marker = path.join(dir, 'disconnect-marker');
    const client = await ExecServerClient.connectWebSocket(server.url, quiet);
    await client.exec({
      processId: 'proc-1',
      argv: ['bash', '-c', `sleep 1; printf disconnected > ${marker}`],
      cwd: process.cwd(),
      env: baseEnv(),
      tty: false,
    });
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(existsSync(marker)).toBe(false);
  });
});

describe('the unix:// bin', () => {
  it('serves WebSocket over a Unix socket of mode 0600 and removes it on exit', async () => {
    const socket = path.join(dir, 'exec.sock');
    const started = startBin(['--listen', `unix://${socket}`]);
    children.push(started.child);
    const url = await until(5_000, () => /listening on (unix:\/\/\S+)/.exec(started.stderr())?.[1]);
    expect(url).toBe(`unix://${socket}`);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const client = await ExecServerClient.connectWebSocket(`ws+unix://${socket}:/`, quiet);
    expect(
      (
        await client.communicate({
          processId: 'x',
          argv: ['echo', 'over unix'],
          cwd: '/',
          env: baseEnv(),
          tty: false,
        })
      ).stdout.toString(),
    ).toBe('over unix\n');
    await client.close();
    started.child.kill('SIGTERM');
    await exitOf(started.child);
    expect(existsSync(socket)).toBe(false);
  });

  it('refuses websocket auth flags on other listeners', async () => {
    const { child, stderr } = startBin([
      '--listen',
      `unix://${path.join(dir, 'other.sock')}`,
      '--ws-auth',
      'none',
    ]);
    expect(await exitOf(child)).toBe(2);
    expect(stderr()).toMatch(/only apply to ws:\/\/ listeners/);
  });
});

describe('startWebSocketServer', () => {
  let server: RunningWebSocketServer;
  beforeAll(async () => {
    server = await startWebSocketServer({
      host: '127.0.0.1',
      port: 0,
      auth: capabilityTokenAuth(TOKEN),
      maxMessageBytes: 64 * 1024,
      ...quiet,
    });
  });
  afterAll(() => server.close());

  it('closes a connection that sends an oversized frame with 1009, others stay up', async () => {
    const transport = await connectWebSocket(server.url, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    const closed = new Promise<{ code?: number }>((resolve) => {
      transport.onclose = resolve;
    });
    await transport.start();
    await transport.send(
      JSON.stringify({
        id: 1,
        method: 'initialize',
        params: { clientName: 'x'.repeat(100 * 1024) },
      }),
    );
    expect((await closed).code).toBe(1009);
    const client = await ExecServerClient.connectWebSocket(server.url, { token: TOKEN, ...quiet });
    expect(await client.terminate('nothing')).toEqual({ running: false });
    await client.close();
  });

  it('refuses browsers with 403 and answers probes without auth', async () => {
    expect(await upgrade(server.url, { Origin: 'https://example.com' })).toMatchObject({
      status: 403,
    });
    const probe = await fetch(`${server.url.replace('ws://', 'http://')}/readyz`);
    expect(probe.status).toBe(200);
  });

  it('binds only the address it was given', () => {
    expect(server.url.startsWith('ws://127.0.0.1:')).toBe(true);
    expect(parseListenUrl('ws://[::1]:0')).toEqual({ kind: 'websocket', host: '::1', port: 0 });
    expect(() => parseListenUrl('http://127.0.0.1:1')).toThrow(
      'unsupported --listen URL `http://127.0.0.1:1`; expected `stdio://` or `ws://IP:PORT`',
    );
  });
});
