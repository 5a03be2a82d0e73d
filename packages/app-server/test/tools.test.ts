import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fuzzyMatch, queryAtoms } from '../src/tools/fuzzy-match.js';
import { type Harness, startHarness } from './harness.js';

let harness: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const decode = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('command/exec', () => {
  it('buffers stdout and stderr and reports the exit code', async () => {
    harness = await startHarness();
    const { client } = await harness.client();
    const result = await client.request('command/exec', {
      command: ['sh', '-c', 'echo out; echo err >&2; exit 3'],
      cwd: harness.cwd,
    });
    expect(result).toStrictEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('runs in the given cwd with env overrides, and without credentials from the environment', async () => {
    harness = await startHarness();
    const { client } = await harness.client();
    const result = await client.request('command/exec', {
      command: ['sh', '-c', 'pwd; echo "$GREETING"; printenv MOCK_API_KEY || echo unset'],
      cwd: harness.cwd,
      env: { GREETING: 'hello' },
    });
    expect(result.stdout).toBe(`${harness.cwd}\nhello\nunset\n`);
  });

  it('streams output as outputDelta notifications, stdin through command/exec/write', async () => {
    harness = await startHarness();
    const { client, notifications } = await harness.client();
    const running = client.request('command/exec', {
      command: ['cat'],
      processId: 'cat-1',
      streamStdin: true,
      streamStdoutStderr: true,
      disableTimeout: true,
    });
    await client.request('command/exec/write', {
      processId: 'cat-1',
      deltaBase64: Buffer.from('ping').toString('base64'),
      closeStdin: true,
    });
    const result = await running;
    expect(result).toStrictEqual({ exitCode: 0, stdout: '', stderr: '' });
    const deltas = notifications.filter((n) => n.method === 'command/exec/outputDelta');
    const params = deltas.map((n) => n.params as { processId: string; deltaBase64: string });
    expect(params.every((p) => p.processId === 'cat-1')).toBe(true);
    expect(params.map((p) => decode(p.deltaBase64)).join('')).toBe('ping');
  });

  it('caps output, marking the chunk that reached the cap', async () => {
    harness = await startHarness();
    const { client, notifications } = await harness.client();
    const buffered = await client.request('command/exec', {
      command: ['printf', '0123456789'],
      outputBytesCap: 4,
    });
    expect(buffered.stdout).toBe('0123');
    await client.request('command/exec', {
      command: ['printf', 'abcdefgh'],
      processId: 'capped',
      streamStdoutStderr: true,
      outputBytesCap: 3,
    });
    const deltas = notifications
      .filter((n) => n.method === 'command/exec/outputDelta')
      .map((n) => n.params as { deltaBase64: string; capReached: boolean });
    expect(deltas.map((d) => decode(d.deltaBase64)).join('')).toBe('abc');
    expect(deltas.at(-1)?.capReached).toBe(true);
  });

  it('stops a command at its timeout with exit code 124, and on command/exec/terminate', async () => {
    harness = await startHarness();
    const { client } = await harness.client();
    const timedOut = await client.request('command/exec', {
      command: ['sleep', '20'],
      timeoutMs: 200,
    });
    expect(timedOut.exitCode).toBe(124);
    const running = client.request('command/exec', {
      command: ['sleep', '20'],
      processId: 'sleeper',
      streamStdoutStderr: true,
      disableTimeout: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client.request('command/exec/terminate', { processId: 'sleeper' });
    expect((await running).exitCode).not.toBe(0);
  });

  it('runs a PTY when tty is set', async () => {
    harness = await startHarness();
    const { client, notifications } = await harness.client();
    const result = await client.request('command/exec', {
      command: ['sh', '-c', 'test -t 1 && echo tty'],
      processId: 'pty',
      tty: true,
      size: { rows: 24, cols: 80 },
    });
    expect(result.exitCode).toBe(0);
    const text = notifications
      .filter((n) => n.method === 'command/exec/outputDelta')
      .map((n) => decode((n.params as { deltaBase64: string }).deltaBase64))
      .join('');
    expect(text).toContain('tty');
  });

  it('refuses inconsistent params and unknown process ids', async () => {
    harness = await startHarness();
    const { client } = await harness.client();
    await expect(client.request('command/exec', { command: [] })).rejects.toMatchObject({
      code: -32600,
      message: 'command must not be empty',
    });
    await expect(
      client.request('command/exec', { command: ['true'], streamStdoutStderr: true }),
    ).rejects.toMatchObject({ code: -32600, message: expect.stringContaining('processId') });
    await expect(
      client.request('command/exec', { command: ['true'], disableTimeout: true, timeoutMs: 5 }),
    ).rejects.toMatchObject({ code: -32600 });
    await expect(
      client.request('command/exec/write', { processId: 'nope', closeStdin: true }),
    ).rejects.toMatchObject({
      code: -32600,
      message: 'no active command/exec for process id nope',
    });
  });

  it("kills a client's processes when it disconnects (no leak)", async () => {
    harness = await startHarness();
    const { client, notifications } = await harness.client();
    void client
      .request('command/exec', {
        command: ['sh', '-c', 'echo $$; exec sleep 30'],
        processId: 'leak',
        streamStdoutStderr: true,
        disableTimeout: true,
      })
      .catch(() => {});
    await until(() => notifications.some((n) => n.method === 'command/exec/outputDelta'));
    const first = notifications.find((n) => n.method === 'command/exec/outputDelta');
    const { deltaBase64 } = (first?.params ?? { deltaBase64: '' }) as { deltaBase64: string };
    const pid = Number(decode(deltaBase64).trim());
    expect(pid).toBeGreaterThan(1);
    expect(alive(pid)).toBe(true);
    await client.close();
    await until(() => !alive(pid));
  });

  it("keeps one client's process ids apart from another's", async () => {
    harness = await startHarness();
    const first = await harness.client('first');
    const second = await harness.client('second');
    const running = first.client.request('command/exec', {
      command: ['sleep', '20'],
      processId: 'shared',
      streamStdoutStderr: true,
      disableTimeout: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(
      second.client.request('command/exec/terminate', { processId: 'shared' }),
    ).rejects.toMatchObject({ code: -32600 });
    await first.client.request('command/exec/terminate', { processId: 'shared' });
    await running;
  });
});

describe('fuzzy matching', () => {
  it('scores boundaries and runs above scattered matches', () => {
    const atoms = queryAtoms('main');
    const boundary = fuzzyMatch(atoms, 'src/main.ts');
    const scattered = fuzzyMatch(atoms, 'my/animation.ts');
    expect(boundary?.indices).toStrictEqual([4, 5, 6, 7]);
    expect(boundary?.score).toBeGreaterThan(scattered?.score ?? 0);
    expect(fuzzyMatch(atoms, 'src/lib.ts')).toBeNull();
    expect(fuzzyMatch(queryAtoms('MAIN'), 'src/Main.ts')).not.toBeNull();
  });
});

describe('fuzzyFileSearch', () => {
  function repo(): string {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'fuzzy-')));
    dirs.push(root);
    mkdirSync(join(root, 'src', 'server'), { recursive: true });
    writeFileSync(join(root, 'src', 'server', 'main.ts'), '');
    writeFileSync(join(root, 'src', 'lib.ts'), '');
    writeFileSync(join(root, 'README.md'), '');
    writeFileSync(join(root, 'main-ignored.log'), '');
    writeFileSync(join(root, '.gitignore'), '*.log\n');
    return root;
  }

  it('matches git-visible files and directories, best first, with indices', async () => {
    const root = repo();
    execFileSync('git', ['init', '-q'], { cwd: root });
    harness = await startHarness();
    const { client } = await harness.client();
    const { files } = await client.request('fuzzyFileSearch', { query: 'main', roots: [root] });
    expect(files.map((f) => f.path)).toStrictEqual(['src/server/main.ts']);
    expect(files[0]).toMatchObject({
      root,
      file_name: 'main.ts',
      match_type: 'file',
      indices: [11, 12, 13, 14],
    });
    const dirsFound = await client.request('fuzzyFileSearch', { query: 'srv', roots: [root] });
    expect(dirsFound.files.map((f) => [f.path, f.match_type])).toContainEqual([
      'src/server',
      'directory',
    ]);
    const scores = dirsFound.files.map((f) => f.score);
    expect([...scores].sort((a, b) => b - a)).toStrictEqual(scores);
  });

  it('walks a directory that is not a repository, and finds nothing for an empty query', async () => {
    const root = repo();
    harness = await startHarness();
    const { client } = await harness.client();
    const { files } = await client.request('fuzzyFileSearch', {
      query: 'main',
      roots: [root],
      cancellationToken: 'tok',
    });
    expect(files.map((f) => f.path).sort()).toStrictEqual([
      'main-ignored.log',
      'src/server/main.ts',
    ]);
    const empty = await client.request('fuzzyFileSearch', { query: '', roots: [root] });
    expect(empty.files).toStrictEqual([]);
  });
});
