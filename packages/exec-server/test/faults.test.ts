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

describe('the real bin at its request limit', () => {
  it('answers a terminate sent after 160 writes (7.5 MiB) stuck on a full stdin, then every write', async () => {
    const { session } = open();
    await session.handshake();
    await session.call(2, 'process/start', start('stuck', ['sleep', '600'], { openStdin: true }));
    // Nothing reads the pipe: after ~64 KiB each write waits; 128 run, and the other 32
    // (over 1 MiB of them) wait in line while the terminate is still read.
    const chunk = Buffer.alloc(48 * 1024, 'a').toString('base64');
    session.send(
      Array.from({ length: 160 }, (_, n) =>
        JSON.stringify({
          id: 1_000 + n,
          method: 'process/write',
          params: { processId: 'stuck', chunk },
        }),
      ).join('\n'),
    );
    const terminated = await session.call(3, 'process/terminate', { processId: 'stuck' });
    expect(terminated).toHaveProperty('result');
    await session.next(
      () => session.lines.filter((l) => ((l as { id?: number }).id ?? 0) >= 1_000).length >= 160,
    );
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
  /** A served connection over an in-memory pair, with a raw client. */
  async function served(options: Parameters<typeof serveExecConnection>[1] = {}) {
    const [serverSide, clientSide] = createLinkedPair();
    const server = serveExecConnection(serverSide, { ...quiet, ...options });
    const client = new Connection(clientSide, { logger: silentLogger, requestTimeoutMs: 30_000 });
    await client.listen();
    await client.request('initialize', { clientName: 'limit-test' });
    await client.notify('initialized', {});
    return { server, client };
  }
  const settledOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );

  it.each([
    [300, 4096],
    [160, 48 * 1024],
  ])(
    'answers process/terminate while every slot holds a write stuck on a full stdin (%i writes of %i bytes)',
    async (count, size) => {
      const { server, client } = await served();
      await client.request('process/start', start('stuck', ['sleep', '600'], { openStdin: true }));
      // Nothing reads the pipe: after ~64 KiB every write waits, and past 128 of them the rest
      // wait for a slot (more than 1 MiB of them in the second case).
      const chunk = Buffer.alloc(size, 'a').toString('base64');
      const writes = Array.from({ length: count }, () =>
        settledOf(client.request('process/write', { processId: 'stuck', chunk })),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expect(
        client.request('process/terminate', { processId: 'stuck' }),
      ).resolves.toBeDefined();
      // Every write is answered once the process is gone.
      expect(await Promise.all(writes)).toHaveLength(count);
      await server.close();
    },
    20_000,
  );

  it('delivers every write before a process/closeStdin sent after them', async () => {
    const { server, client } = await served();
    await client.request(
      'process/start',
      start('slow', ['sh', '-c', 'sleep 1; wc -c'], { openStdin: true }),
    );
    const chunk = Buffer.alloc(4096, 'a').toString('base64');
    const writes = Array.from({ length: 300 }, () =>
      client.request('process/write', { processId: 'slow', chunk }),
    );
    const closed = client.request('process/closeStdin', { processId: 'slow' });
    await Promise.all([...writes, closed]);
    const read = (await client.request('process/read', {
      processId: 'slow',
      afterSeq: 0,
      waitMs: 10_000,
    })) as { chunks: Array<{ chunk: string }> };
    const text = read.chunks.map((c) => Buffer.from(c.chunk, 'base64').toString()).join('');
    expect(text.trim()).toBe(String(300 * 4096));
    await server.close();
  }, 20_000);

  it('does not hold writes behind long-polling reads, one per process', async () => {
    const { server, client } = await served({ maxConcurrentRequests: 4 });
    const ids = Array.from({ length: 8 }, (_, n) => `p${n}`);
    for (const id of ids)
      await client.request('process/start', start(id, ['cat'], { openStdin: true }));
    let pollsDone = 0;
    const polls = ids.map((processId) =>
      client.request('process/read', { processId, afterSeq: 0, waitMs: 20_000 }).finally(() => {
        pollsDone += 1;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Eight polls, four shared slots: the write is answered while every poll still waits
    // (cat echoes it to p7 only after the write, ending that one poll).
    await client.request('process/write', {
      processId: 'p7',
      chunk: Buffer.from('hi\n').toString('base64'),
    });
    expect(pollsDone).toBe(0);
    for (const processId of ids) await client.request('process/terminate', { processId });
    await Promise.all(polls);
    await server.close();
  }, 20_000);
});

describe('a server killed with SIGKILL', () => {
  it('leaves no command behind: pipe and PTY groups, background children included, are killed', async () => {
    const { session } = open();
    await session.handshake();
    // Unique durations name the processes; `sleep 41.31 &` is a background child in the group.
    const pipeLeader = 'sleep 41.32';
    const background = 'sleep 41.31';
    const ptyCommand = 'sleep 41.33';
    await session.call(
      1,
      'process/start',
      start('pipe', ['sh', '-c', `${background} & ${pipeLeader}`]),
    );
    await session.call(2, 'process/start', start('pty', ['sleep', '41.33'], { tty: true }));
    for (const command of [pipeLeader, background, ptyCommand])
      await until(5_000, () => processesMatching(command).length > 0);
    session.child.kill('SIGKILL');
    await exitOf(session.child);
    // The watchdog saw its pipe close and killed every group the server had started.
    for (const command of [pipeLeader, background, ptyCommand])
      await until(5_000, () => processesMatching(command).length === 0);
  });
});
