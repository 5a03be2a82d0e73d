import { silentLogger } from '@codex/common';
import { Connection, createLinkedPair } from '@codex/jsonrpc';
import { afterEach, describe, expect, it } from 'vitest';
import { serveExecConnection } from '../src/index.js';
import {
  exitOf,
  memoryOf,
  processesMatching,
  quiet,
  RawSession,
  startParams as start,
  startBin,
  until,
} from './helpers.js';

const MiB = 1024 * 1024;
const sessions: RawSession[] = [];
function open(args: string[] = []): { session: RawSession; stderr: () => string } {
  const started = startBin(args);
  const session = new RawSession(started.child);
  sessions.push(session);
  return { session, stderr: started.stderr };
}
afterEach(async () => {
  for (const session of sessions.splice(0)) {
    session.child.kill('SIGCONT');
    session.child.stdin?.end();
    await exitOf(session.child);
  }
});

describe('protocol errors close the connection, as the seed routes them', () => {
  it.each([
    [
      'a client notification such as process/output',
      { method: 'process/output', params: { processId: 'p', stream: 'stdout', chunk: '' } },
      'unexpected notification method: process/output',
    ],
    ['a client response', { id: 6, result: {} }, 'unexpected response for request id 6'],
    [
      'a client error response',
      { id: 7, error: { code: -1, message: 'no' } },
      'unexpected error for request id 7',
    ],
  ])('%s', async (_name, message, problem) => {
    const { session, stderr } = open();
    await session.handshake();
    await session.call(2, 'process/start', start('sleeper', ['sleep', '31.7']));
    await until(5_000, () => processesMatching('sleep 31.7').length === 1);
    session.send(message);
    session.send({ id: 3, method: 'process/read', params: { processId: 'sleeper' } });
    // The server closes the connection (and, on stdio, exits), terminating its processes.
    expect(await exitOf(session.child)).toBe(0);
    await session.ended;
    expect(stderr()).toContain(`closing the connection after a protocol error: ${problem}`);
    expect(session.lines.some((line) => (line as { id?: number }).id === 3)).toBe(false);
    expect(processesMatching('sleep 31.7')).toStrictEqual([]);
  });
});

describe('the process limit', () => {
  it('counts processes that exist: 10,000 failing starts in a burst are never "too many"', async () => {
    const { session } = open();
    await session.handshake();
    const burst = 10_000;
    const lines: string[] = [];
    for (let i = 0; i < burst; i++) {
      const bad =
        i % 2 === 0
          ? start(`bad-${i}`, ['no-such-program-anywhere'])
          : start(`bad-${i}`, ['true'], { cwd: '/no/such/dir' });
      lines.push(JSON.stringify({ id: 100 + i, method: 'process/start', params: bad }));
    }
    session.send(lines.join('\n'));
    await session.next(
      () => session.lines.filter((l) => 'error' in (l as object)).length >= burst,
      60_000,
    );
    const messages = session.lines
      .filter((l) => 'error' in (l as object))
      .map((l) => (l as { error: { message: string } }).error.message);
    expect(messages.filter((m) => m.includes('too many running processes'))).toStrictEqual([]);
    expect(messages.filter((m) => m.includes('not found in PATH')).length).toBe(burst / 2);
    expect(messages.filter((m) => m.includes('/no/such/dir')).length).toBe(burst / 2);
  }, 90_000);

  it('still refuses the start beyond the limit, and only that one', async () => {
    const { session } = open(['--max-processes', '3']);
    await session.handshake();
    session.send(
      [1, 2, 3, 4]
        .map((n) =>
          JSON.stringify({
            id: 10 + n,
            method: 'process/start',
            params: start(`s${n}`, ['sleep', '30']),
          }),
        )
        .join('\n'),
    );
    const replies = await Promise.all(
      [11, 12, 13, 14].map((id) => session.next((m) => m.id === id)),
    );
    const refused = replies.filter((reply) => 'error' in reply);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      error: { message: 'too many running processes on this connection (limit 3)' },
    });
  });
});

describe('a client that stops reading', () => {
  it('gets all 3,000 process/read replies later, while the server stays under 256 MiB', async () => {
    const { session } = open();
    await session.handshake();
    await session.call(
      2,
      'process/start',
      start('out', ['head', '-c', String(MiB), '/dev/urandom']),
    );
    await session.next((m) => m.method === 'process/exited');
    const pid = session.child.pid ?? 0;
    // Stop reading the server's stdout, then ask 3,000 times for 64 KiB of output.
    session.child.stdout?.pause();
    const reads = 3_000;
    const lines: string[] = [];
    for (let i = 0; i < reads; i++)
      lines.push(
        JSON.stringify({
          id: 1_000 + i,
          method: 'process/read',
          params: { processId: 'out', afterSeq: 0, maxBytes: 64 * 1024 },
        }),
      );
    session.send(lines.join('\n'));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const paused = memoryOf(pid);
    session.child.stdout?.resume();
    await session.next(
      () => session.lines.filter((l) => ((l as { id?: number }).id ?? 0) >= 1_000).length >= reads,
      60_000,
    );
    // Each reply holds ~87 KB of base64: 3,000 of them would be ~260 MB if they were all queued.
    expect(paused.hwm).toBeLessThan(256 * MiB);
    expect(memoryOf(pid).hwm).toBeLessThan(256 * MiB);
  }, 90_000);
});

describe('the request concurrency limit', () => {
  it('lets process/terminate through while every slot holds a long-polling read', async () => {
    const [serverSide, clientSide] = createLinkedPair();
    const served = serveExecConnection(serverSide, { maxConcurrentRequests: 2, ...quiet });
    const client = new Connection(clientSide, { logger: silentLogger });
    await client.listen();
    await client.request('initialize', { clientName: 'limit-test' });
    await client.notify('initialized', {});
    await client.request('process/start', start('slow', ['sleep', '30']));
    // Two long polls take both slots; a third read waits behind them.
    const polls = [0, 1, 2].map(() =>
      client.request('process/read', { processId: 'slow', afterSeq: 0, waitMs: 20_000 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const terminated = client.request('process/terminate', { processId: 'slow' });
    // The terminate starts at once; the process exits and every read is answered with it.
    await expect(terminated).resolves.toBeDefined();
    const reads = (await Promise.all(polls)) as Array<{ exited: boolean }>;
    expect(reads.map((read) => read.exited)).toStrictEqual([true, true, true]);
    await served.close();
  }, 15_000);
});
