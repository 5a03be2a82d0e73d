import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ExecServerClient,
  ExecServerError,
  type ExecServerEvent,
  type SpawnedExecServer,
  spawnLocalExecServer,
} from '../src/index.js';
import { BIN, baseEnv, quiet } from './helpers.js';

/** Collects a process's output until `needle` shows up. */
function outputUntil(client: ExecServerClient, processId: string, needle: string, ms = 10_000) {
  return new Promise<{ stream: string; text: string }>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(`no ${JSON.stringify(needle)} within ${ms} ms; got ${JSON.stringify(text)}`),
      );
    }, ms);
    const off = client.onOutput((event) => {
      if (event.processId !== processId) return;
      text += event.chunk.toString('utf8');
      if (text.includes(needle)) {
        clearTimeout(timer);
        off();
        resolve({ stream: event.stream, text });
      }
    });
  });
}

const ECHO_LOOP =
  "printf 'ready\\n'; while IFS= read -r line; do printf 'echo:%s\\n' \"$line\"; done";

const backends: Array<
  [string, () => Promise<{ client: ExecServerClient; close: () => Promise<void> }>]
> = [
  [
    'a spawned bin over stdio',
    async () => {
      const server = await spawnLocalExecServer(
        { program: process.execPath, args: [BIN] },
        { clientName: 'exec-server-test', initializeTimeoutMs: 5_000, ...quiet },
      );
      return { client: server.client, close: () => server.close() };
    },
  ],
  [
    'the in-process handler',
    async () => {
      const client = ExecServerClient.connectInProcess({ clientName: 'in-process', ...quiet });
      return { client, close: () => client.close() };
    },
  ],
];

describe.each(backends)('ExecServerClient with %s', (_name, connect) => {
  let client: ExecServerClient;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ client, close } = await connect());
  });
  afterAll(async () => {
    await close();
  });

  it('round-trips a PTY echo: streams output and accepts writes', async () => {
    const ready = outputUntil(client, 'echo', 'ready');
    await client.exec({
      processId: 'echo',
      argv: ['bash', '-lc', ECHO_LOOP],
      cwd: process.cwd(),
      env: baseEnv(),
      tty: true,
      arg0: null,
    });
    expect((await ready).stream).toBe('pty');
    const echoed = outputUntil(client, 'echo', 'echo:hello');
    expect(await client.write('echo', 'hello\n')).toEqual({ accepted: true });
    expect((await echoed).text).toContain('echo:hello');
    expect(await client.terminate('echo')).toEqual({ running: true });
    expect(await client.wait('echo', { timeoutMs: 5_000 })).toBeGreaterThan(128);
  });

  it('runs a pipe process to completion with communicate', async () => {
    const result = await client.communicate(
      {
        processId: 'comm',
        // sh, not bash: bash sources ~/.bashrc when its stdin is a socket, which Node's pipes are.
        argv: ['sh', '-c', 'tr a-z A-Z; echo done >&2; exit 7'],
        cwd: process.cwd(),
        env: baseEnv(),
        tty: false,
      },
      { stdin: 'shout\n' },
    );
    expect(result).toEqual({
      exitCode: 7,
      stdout: Buffer.from('SHOUT\n'),
      stderr: Buffer.from('done\n'),
      truncated: false,
      timedOut: false,
    });
  });

  it('caps what communicate keeps and terminates on timeout', async () => {
    const capped = await client.communicate(
      {
        processId: 'cap',
        argv: ['head', '-c', '100000', '/dev/zero'],
        cwd: '/',
        env: baseEnv(),
        tty: false,
      },
      { maxOutputBytes: 1000 },
    );
    expect(capped.stdout.length).toBe(1000);
    expect(capped.truncated).toBe(true);
    const slow = await client.communicate(
      { processId: 'slow', argv: ['sleep', '30'], cwd: '/', env: baseEnv(), tty: false },
      { timeoutMs: 200 },
    );
    expect(slow).toMatchObject({ timedOut: true, exitCode: 143 });
  });

  it('reports signal deaths as 128 + n, for pipes and PTYs alike', async () => {
    for (const tty of [false, true]) {
      const processId = `sig-${tty}`;
      await client.exec({
        processId,
        argv: ['bash', '-c', 'kill -KILL $$'],
        cwd: '/',
        env: baseEnv(),
        tty,
      });
      expect(await client.wait(processId, { timeoutMs: 5_000 })).toBe(137);
    }
  });

  it('passes arg0 as argv[0] for pipes and PTYs', async () => {
    for (const tty of [false, true]) {
      const result = await client.communicate({
        processId: `arg0-${tty}`,
        argv: ['sh', '-c', 'tr "\\0" " " < /proc/$$/cmdline'],
        cwd: '/',
        env: baseEnv(),
        tty,
        arg0: 'renamed-shell',
      });
      expect(result.stdout.toString()).toMatch(/^renamed-shell -c /);
    }
  });

  it('resizes a PTY', async () => {
    const first = outputUntil(client, 'size', 'rows=30 cols=100');
    await client.exec({
      processId: 'size',
      argv: [
        'bash',
        '-c',
        'echo "rows=$(tput lines) cols=$(tput cols)"; read -r _; echo "after=$(stty size)"',
      ],
      cwd: '/',
      env: { ...baseEnv(), TERM: 'xterm' },
      tty: true,
      size: { rows: 30, cols: 100 },
    });
    await first;
    await client.resize('size', { rows: 50, cols: 132 });
    const after = outputUntil(client, 'size', 'after=50 132');
    await client.write('size', '\n');
    await after;
    expect(await client.wait('size', { timeoutMs: 5_000 })).toBe(0);
  });

  it('delivers the whole tail of a PTY process that exits right after a burst', async () => {
    for (let round = 0; round < 8; round += 1) {
      const result = await client.communicate({
        processId: `burst-${round}`,
        argv: ['bash', '-c', 'head -c 30000 /dev/zero | base64 -w 100; echo TAIL-MARKER'],
        cwd: '/',
        env: baseEnv(),
        tty: true,
      });
      expect(result.stdout.toString().endsWith('TAIL-MARKER\r\n')).toBe(true);
      // 40000 base64 chars in 400 lines, CRLF-translated, plus the marker line.
      expect(result.stdout.length).toBe(40_000 + 400 * 2 + 'TAIL-MARKER\r\n'.length);
    }
  });

  it('runs 50 processes concurrently on one connection', async () => {
    const runs = Array.from({ length: 50 }, (_, index) =>
      client.communicate({
        processId: `many-${index}`,
        argv: ['bash', '-c', `sleep 0.2; printf 'proc-%d' ${index}; exit $((${index} % 7))`],
        cwd: '/',
        env: baseEnv(),
        tty: index % 5 === 0,
      }),
    );
    const results = await Promise.all(runs);
    results.forEach((result, index) => {
      expect(result.exitCode).toBe(index % 7);
      expect(result.stdout.toString()).toContain(`proc-${index}`);
    });
  });

  it('waits for an exit that already happened, and times out a wait', async () => {
    await client.exec({ processId: 'quick', argv: ['true'], cwd: '/', env: baseEnv(), tty: false });
    expect(await client.wait('quick', { timeoutMs: 5_000 })).toBe(0);
    expect(await client.wait('quick')).toBe(0);
    await client.exec({
      processId: 'long',
      argv: ['sleep', '30'],
      cwd: '/',
      env: baseEnv(),
      tty: false,
    });
    const error = await client.wait('long', { timeoutMs: 50 }).catch((caught: unknown) => caught);
    expect(ExecServerError.isInstance(error) && error.code).toBe('wait_timeout');
    await client.terminate('long');
  });

  it('reads retained output in pages with afterSeq and maxBytes', async () => {
    await client.communicate({
      processId: 'pages',
      argv: ['bash', '-c', 'for i in 1 2 3 4 5; do printf "line-$i\\n"; sleep 0.05; done'],
      cwd: '/',
      env: baseEnv(),
      tty: false,
    });
    let afterSeq = 0;
    let text = '';
    for (let page = 0; page < 20; page += 1) {
      const read = await client.read({ processId: 'pages', afterSeq, maxBytes: 7 });
      if (read.chunks.length === 0) break;
      text += read.chunks.map((chunk) => chunk.chunk.toString()).join('');
      afterSeq = read.nextSeq - 1;
    }
    expect(text).toBe('line-1\nline-2\nline-3\nline-4\nline-5\n');
  });

  it('subscribes to every event', async () => {
    const events: ExecServerEvent['type'][] = [];
    const off = client.subscribe((event) => {
      if (event.processId === 'events') events.push(event.type);
    });
    await client.communicate({
      processId: 'events',
      argv: ['echo', 'hi'],
      cwd: '/',
      env: baseEnv(),
      tty: false,
    });
    off();
    expect(events).toEqual(['outputDelta', 'exited']);
  });
});

describe('connecting', () => {
  it('times out an initialize the server never answers', async () => {
    const { PassThrough } = await import('node:stream');
    const silent = new PassThrough();
    const sink = new PassThrough();
    sink.resume();
    const error = await ExecServerClient.connectStdio(silent, sink, {
      initializeTimeoutMs: 100,
      ...quiet,
    }).catch((caught: unknown) => caught);
    expect(ExecServerError.isInstance(error) && error.code).toBe('initialize_timeout');
  });

  it('fails clearly when the server program does not exist', async () => {
    const error = await spawnLocalExecServer({ program: '/no/such/exec-server' }, quiet).catch(
      (caught: unknown) => caught,
    );
    expect(ExecServerError.isInstance(error) && error.code).toBe('spawn');
  });

  it('rejects pending waits when the connection closes', async () => {
    const server = await spawnLocalExecServer(undefined, quiet);
    await server.client.exec({
      processId: 'w',
      argv: ['sleep', '30'],
      cwd: '/',
      env: baseEnv(),
      tty: false,
    });
    const pending = server.client.wait('w').catch((caught: unknown) => caught);
    await server.close();
    const error = await pending;
    expect(ExecServerError.isInstance(error) && error.code).toBe('closed');
  });

  it('closes a spawned server and its processes', async () => {
    const server: SpawnedExecServer = await spawnLocalExecServer(undefined, quiet);
    await server.client.exec({
      processId: 's',
      argv: ['sleep', '30'],
      cwd: '/',
      env: baseEnv(),
      tty: false,
    });
    await server.close();
    expect(server.child.exitCode).toBe(0);
  });
});
