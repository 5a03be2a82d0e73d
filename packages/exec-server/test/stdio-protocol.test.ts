import { afterEach, describe, expect, it } from 'vitest';
import { exitOf, RawSession, startParams as start, startBin } from './helpers.js';

const sessions: RawSession[] = [];
function open(): RawSession {
  const session = new RawSession(startBin().child);
  sessions.push(session);
  return session;
}
afterEach(async () => {
  for (const session of sessions.splice(0)) {
    session.child.stdin?.end();
    await exitOf(session.child);
  }
});

describe('exec-server over stdio (the real bin)', () => {
  it('accepts initialize and answers with exec-server.v0', async () => {
    const session = open();
    const response = await session.call(1, 'initialize', { clientName: 'exec-server-test' });
    expect(response).toEqual({ id: 1, result: { protocolVersion: 'exec-server.v0' } });
    session.send({ method: 'initialized', params: {} });
    const started = await session.call(2, 'process/start', start('p', ['true']));
    expect(started).toEqual({ id: 2, result: { processId: 'p' } });
  });

  it('rejects exec methods before the handshake and a second initialize', async () => {
    const session = open();
    expect(await session.call(1, 'process/start', start('p', ['true']))).toEqual({
      error: { code: -32600, message: 'client must call initialize before using exec methods' },
      id: 1,
    });
    await session.call(2, 'initialize', { clientName: 'x' });
    expect((await session.call(3, 'process/read', { processId: 'p' })).error).toEqual({
      code: -32600,
      message: 'client must send initialized before using exec methods',
    });
    expect((await session.call(4, 'initialize', { clientName: 'x' })).error).toEqual({
      code: -32600,
      message: 'initialize may only be sent once per connection',
    });
  });

  it('reports bad requests with the seed codes and clear messages', async () => {
    const session = open();
    await session.handshake();
    const error = async (id: number, method: string, params: unknown) =>
      (await session.call(id, method, params)).error as { code: number; message: string };

    expect(await error(1, 'process/start', start('a', []))).toMatchObject({
      code: -32602,
      message: expect.stringContaining('argv must not be empty'),
    });
    expect(await error(2, 'process/start', { processId: 'b' })).toMatchObject({
      code: -32602,
      message: expect.stringContaining('argv'),
    });
    expect(await error(3, 'process/start', start('c', ['no-such-program-xyz']))).toEqual({
      code: -32603,
      message: expect.stringMatching(
        /cannot start process c: cannot run no-such-program-xyz: not found in PATH/,
      ),
    });
    expect(await error(4, 'process/start', start('d', ['true'], { cwd: '/no/such/dir' }))).toEqual({
      code: -32602,
      message: 'cannot start process d: cwd /no/such/dir does not exist',
    });
    expect(
      await error(5, 'process/start', start('e', ['true'], { cwd: 'relative' })),
    ).toMatchObject({
      code: -32602,
      message: expect.stringContaining('cwd must be an absolute path'),
    });
    expect(
      await error(6, 'process/start', start('f', ['no-such-program-xyz'], { tty: true })),
    ).toMatchObject({
      code: -32603,
      message: expect.stringContaining('not found in PATH'),
    });
    await session.call(7, 'process/start', start('dup', ['sleep', '5']));
    expect(await error(8, 'process/start', start('dup', ['true']))).toEqual({
      code: -32600,
      message: 'process dup already exists',
    });
    expect(await error(9, 'process/write', { processId: 'nope', chunk: 'aGk=' })).toEqual({
      code: -32600,
      message: 'unknown process id nope',
    });
    expect(await error(10, 'process/write', { processId: 'dup', chunk: 'aGk=' })).toMatchObject({
      code: -32600,
      message: expect.stringContaining('process dup has no open stdin'),
    });
    expect(
      await error(11, 'process/write', { processId: 'dup', chunk: '!!not base64' }),
    ).toMatchObject({
      code: -32602,
      message: expect.stringMatching(/chunk: Invalid base64/),
    });
    expect(await error(12, 'process/frobnicate', {})).toEqual({
      code: -32600,
      message: 'unknown method: process/frobnicate',
    });
    expect(
      await error(13, 'process/resize', { processId: 'dup', size: { rows: 10, cols: 10 } }),
    ).toEqual({
      code: -32600,
      message: 'process dup is not a PTY process',
    });
    expect(await session.call(14, 'process/terminate', { processId: 'nope' })).toEqual({
      id: 14,
      result: { running: false },
    });
    expect(await session.call(15, 'process/terminate', { processId: 'dup' })).toEqual({
      id: 15,
      result: { running: true },
    });
    // SIGTERM: 128 + 15.
    const exited = await session.next((message) => message.method === 'process/exited');
    expect(exited.params).toEqual({ processId: 'dup', exitCode: 143 });
  });

  it('survives malformed and oversized lines', async () => {
    const session = open();
    await session.handshake();
    session.send('this is not json');
    const parse = await session.next((message) => message.id === null);
    expect(parse.error).toMatchObject({
      code: -32700,
      message: expect.stringContaining('Parse error'),
    });
    session.send('["batch"]');
    session.send({
      id: 'x',
      method: 'process/write',
      params: { processId: 'p', chunk: 'A'.repeat(17 * 1024 * 1024) },
    });
    const tooLarge = await session.next(
      (message) =>
        message.id === null &&
        String((message.error as { message: string }).message).includes('exceeds'),
    );
    expect(tooLarge.error).toMatchObject({ code: -32700 });
    expect(await session.call(2, 'process/terminate', { processId: 'p' })).toEqual({
      id: 2,
      result: { running: false },
    });
  });

  it('streams output, then exit, and retains it for process/read with a long poll', async () => {
    const session = open();
    await session.handshake();
    await session.call(
      1,
      'process/start',
      start('p', ['bash', '-c', 'printf out; printf err >&2; sleep 0.3; printf late; exit 3']),
    );
    const exited = await session.next((message) => message.method === 'process/exited');
    expect(exited.params).toEqual({ processId: 'p', exitCode: 3 });
    const outputs = session.lines
      .filter((message) => (message as { method?: string }).method === 'process/output')
      .map((message) => (message as { params: { stream: string; chunk: string } }).params);
    const decoded = (stream: string) =>
      outputs
        .filter((o) => o.stream === stream)
        .map((o) => Buffer.from(o.chunk, 'base64').toString())
        .join('');
    expect(decoded('stdout')).toBe('outlate');
    expect(decoded('stderr')).toBe('err');
    // process/exited comes after every process/output of the process.
    expect(session.lines.indexOf(exited)).toBeGreaterThan(
      Math.max(
        ...session.lines.map((m, i) =>
          (m as { method?: string }).method === 'process/output' ? i : -1,
        ),
      ),
    );
    const read = (await session.call(2, 'process/read', { processId: 'p', afterSeq: 0 }))
      .result as {
      chunks: { seq: number; stream: string; chunk: string }[];
      nextSeq: number;
      exited: boolean;
      exitCode: number;
      truncated: boolean;
    };
    expect(read.exited).toBe(true);
    expect(read.exitCode).toBe(3);
    expect(read.truncated).toBe(false);
    expect(read.chunks.map((c) => c.seq)).toEqual(read.chunks.map((_, i) => i + 1));
    expect(read.nextSeq).toBe(read.chunks.length + 1);

    // Long poll: waits for output that arrives later, and returns at once when there is some.
    await session.call(
      3,
      'process/start',
      start('slow', ['bash', '-c', 'sleep 0.4; printf tick; sleep 5']),
    );
    const began = Date.now();
    const polled = (
      await session.call(4, 'process/read', { processId: 'slow', afterSeq: 0, waitMs: 5000 })
    ).result as {
      chunks: { chunk: string }[];
    };
    expect(Buffer.from(polled.chunks[0]?.chunk ?? '', 'base64').toString()).toBe('tick');
    expect(Date.now() - began).toBeLessThan(4000);
    const empty = (
      await session.call(5, 'process/read', { processId: 'slow', afterSeq: 1, waitMs: 100 })
    ).result;
    expect(empty).toEqual({
      chunks: [],
      nextSeq: 2,
      exited: false,
      exitCode: null,
      truncated: false,
    });
  });

  it('writes to open stdin of a pipe process and closes it', async () => {
    const session = open();
    await session.handshake();
    await session.call(1, 'process/start', start('cat', ['cat'], { openStdin: true }));
    expect(
      await session.call(2, 'process/write', {
        processId: 'cat',
        chunk: Buffer.from('hello\n').toString('base64'),
      }),
    ).toEqual({
      id: 2,
      result: { accepted: true },
    });
    expect(await session.call(3, 'process/closeStdin', { processId: 'cat' })).toEqual({
      id: 3,
      result: {},
    });
    const exited = await session.next((message) => message.method === 'process/exited');
    expect(exited.params).toEqual({ processId: 'cat', exitCode: 0 });
    const output = await session.next((message) => message.method === 'process/output');
    expect(Buffer.from((output.params as { chunk: string }).chunk, 'base64').toString()).toBe(
      'hello\n',
    );
  });

  it('ends when stdin closes and terminates what is still running', async () => {
    const session = open();
    await session.handshake();
    await session.call(1, 'process/start', start('p', ['sleep', '1000.125']));
    session.child.stdin?.end();
    expect(await exitOf(session.child)).toBe(0);
  });
});
