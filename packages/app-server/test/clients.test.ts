import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import { functionCall, scripted } from '@codex/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { AppServerClient } from '../src/client.js';
import { listenAppServer } from '../src/listen.js';
import { type Harness, record, startHarness } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

const text = (value: string) => [{ type: 'text' as const, text: value, text_elements: [] }];

const approvalTurn = () => [
  scripted.items([
    functionCall(
      'exec_command',
      {
        cmd: 'echo approved-run',
        sandbox_permissions: 'require_escalated',
        justification: 'Run it?',
      },
      { callId: 'call_multi' },
    ),
  ]),
  scripted.text('All done.', { deltas: 2 }),
];

describe('several clients', () => {
  it('three clients on one thread all see its events; the first answer to an approval wins', async () => {
    harness = await startHarness({ approvalPolicy: 'on-request', sandboxMode: 'workspace-write' });
    harness.mock.enqueue(...approvalTurn());
    const [a, b, c] = [
      await harness.client('a'),
      await harness.client('b'),
      await harness.client('c'),
    ];
    const { thread } = await a.client.request('thread/start', { cwd: harness.cwd });
    await b.client.request('thread/resume', { threadId: thread.id, excludeTurns: true });
    await c.client.request('thread/resume', { threadId: thread.id, excludeTurns: true });
    const asked: string[] = [];
    b.client.onServerRequest('item/commandExecution/requestApproval', async () => {
      asked.push('b');
      return { decision: 'accept' };
    });
    c.client.onServerRequest('item/commandExecution/requestApproval', () => {
      asked.push('c');
      return new Promise(() => {}); // never answers
    });
    a.client.onServerRequest('item/commandExecution/requestApproval', () => {
      asked.push('a');
      return new Promise(() => {});
    });
    const done = [a, b, c].map((r) => r.client.waitFor('turn/completed'));
    await a.client.request('turn/start', { threadId: thread.id, input: text('run it') });
    const completed = await Promise.all(done);
    expect(completed.map((p) => p.turn.status)).toEqual(['completed', 'completed', 'completed']);
    expect(asked.sort()).toEqual(['a', 'b', 'c']);
    for (const r of [a, b, c]) {
      const methods = r.methods().filter((m) => m.startsWith('item/') || m.startsWith('turn/'));
      expect(methods).toEqual(
        a.methods().filter((m) => m.startsWith('item/') || m.startsWith('turn/')),
      );
      expect(r.methods()).toContain('serverRequest/resolved');
    }
  });

  it('a client killed mid-approval declines it; the turn goes on', async () => {
    harness = await startHarness({ approvalPolicy: 'on-request', sandboxMode: 'workspace-write' });
    harness.mock.enqueue(...approvalTurn());
    const watcher = await harness.client('watcher');
    const doomed = await AppServerClient.inProcess(harness.server, { logger: silentLogger });
    await doomed.initialize({ name: 'doomed', version: '1' });
    const { thread } = await doomed.request('thread/start', { cwd: harness.cwd });
    await watcher.client.request('thread/unsubscribe', { threadId: thread.id });
    const asked = new Promise<void>((resolve) =>
      doomed.onServerRequest('item/commandExecution/requestApproval', () => {
        resolve();
        return new Promise(() => {});
      }),
    );
    await doomed.request('turn/start', { threadId: thread.id, input: text('run it') });
    await asked;
    await doomed.close();
    // Nobody else can answer: the approval is declined and the model is told so.
    await harness.mock.waitForRequests(2, 15_000);
    const second = harness.mock.requests[1]?.body as {
      input: Array<{ type: string; output?: string }>;
    };
    const output = second.input.find((item) => item.type === 'function_call_output')?.output;
    expect(output).toMatch(/rejected|declined|denied/i);
    await watcher.client.request('thread/resume', { threadId: thread.id, excludeTurns: true });
  });

  it('50 threads stream at once, each client getting only its own, complete', async () => {
    harness = await startHarness();
    const count = 50;
    for (let i = 0; i < count; i++)
      harness.mock.enqueue(scripted.text(`reply ${i} `.repeat(20), { deltas: 20 }));
    const clients = await Promise.all(
      Array.from({ length: count }, (_, i) => harness!.client(`c${i}`)),
    );
    const threads = await Promise.all(
      clients.map((r) => r.client.request('thread/start', { cwd: harness!.cwd })),
    );
    const done = clients.map((r) => r.client.waitFor('turn/completed', () => true, 60_000));
    await Promise.all(
      clients.map((r, i) =>
        r.client.request('turn/start', { threadId: threads[i]!.thread.id, input: text(`go ${i}`) }),
      ),
    );
    const completed = await Promise.all(done);
    expect(completed.every((p) => p.turn.status === 'completed')).toBe(true);
    clients.forEach((r, i) => {
      const deltas = r.notifications.filter((n) => n.method === 'item/agentMessage/delta');
      expect(deltas).toHaveLength(20);
      expect(
        deltas.every((n) => (n.params as { threadId: string }).threadId === threads[i]!.thread.id),
      ).toBe(true);
    });
  }, 90_000);
});

describe('over a WebSocket', () => {
  it('serves a turn, answers /readyz, refuses an Origin and never echoes the compression header', async () => {
    harness = await startHarness();
    harness.mock.enqueue(scripted.text('over the socket', { deltas: 3 }));
    const listener = await listenAppServer(harness.server, {
      kind: 'websocket',
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const client = await AppServerClient.connect(listener.url, {
        logger: silentLogger,
        headers: { 'x-codex-app-server-compression': 'zstd-stream-v1' },
      });
      const recording = record(client);
      await client.initialize({ name: 'ws_client', version: '1' });
      const { thread } = await client.request('thread/start', { cwd: harness.cwd });
      const done = client.waitFor('turn/completed');
      await client.request('turn/start', { threadId: thread.id, input: text('hi') });
      expect((await done).turn.status).toBe('completed');
      expect(recording.methods().filter((m) => m === 'item/agentMessage/delta')).toHaveLength(3);
      await client.close();
      const port = new URL(listener.url).port;
      const status = (path: string, headers: Record<string, string> = {}) =>
        new Promise<{ code: number; headers: Record<string, unknown> }>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
            res.resume();
            resolve({ code: res.statusCode ?? 0, headers: res.headers });
          });
          req.on('upgrade', (res, socket) => {
            socket.destroy();
            resolve({ code: res.statusCode ?? 0, headers: res.headers });
          });
          req.on('error', reject);
          req.end();
        });
      expect((await status('/readyz')).code).toBe(200);
      expect((await status('/healthz')).code).toBe(200);
      const upgrade = {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      };
      expect((await status('/', { ...upgrade, Origin: 'https://evil.example' })).code).toBe(403);
      const accepted = await status('/', {
        ...upgrade,
        'x-codex-app-server-compression': 'zstd-stream-v1',
        'Sec-WebSocket-Extensions': 'permessage-deflate',
      });
      expect(accepted.code).toBe(101);
      expect(accepted.headers['x-codex-app-server-compression']).toBeUndefined();
      expect(accepted.headers['sec-websocket-extensions']).toBeUndefined();
    } finally {
      await listener.close();
    }
  });

  it('the bin refuses a non-loopback listener without auth, and a wrong token gets 401', async () => {
    harness = await startHarness();
    const bin = join(import.meta.dirname, '..', 'dist', 'bin.js');
    const child = spawn(process.execPath, [bin, '--listen', 'ws://0.0.0.0:0'], {
      env: { ...process.env, CODEX_HOME: harness.home.path },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/refusing to listen on ws:\/\/0\.0\.0\.0:0 without authentication/);
    const { capabilityTokenAuth } = await import('@codex/jsonrpc/server');
    const listener = await listenAppServer(
      harness.server,
      { kind: 'websocket', host: '127.0.0.1', port: 0 },
      { auth: capabilityTokenAuth('right-token') },
    );
    try {
      await expect(
        AppServerClient.connect(listener.url, { token: 'wrong', logger: silentLogger }),
      ).rejects.toThrow(/401/);
      await expect(AppServerClient.connect(listener.url, { logger: silentLogger })).rejects.toThrow(
        /401/,
      );
      const ok = await AppServerClient.connect(listener.url, {
        token: 'right-token',
        logger: silentLogger,
      });
      expect((await ok.initialize({ name: 'ok', version: '1' })).platformFamily).toBe('unix');
      await ok.close();
    } finally {
      await listener.close();
    }
  });
});
