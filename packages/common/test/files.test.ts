import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFlock } from '../src/files/flock.js';
import { FileLockError, resolveSymlinks, withFileLock, writeFileAtomic } from '../src/files.js';

const CHILD = join(import.meta.dirname, 'lock-child.mjs');
let dir: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'codex-common-'));
});
afterEach(() => {
  for (const child of children.splice(0)) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a child and resolves once it printed `line`. */
function startChild(command: string, args: string[], line = 'locked'): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${command} never printed ${line}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(line)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}`)));
  });
}

const holdInChild = (lockPath: string, nodeArgs: string[] = [], op = 'hold') =>
  startChild(process.execPath, [...nodeArgs, CHILD, op, lockPath]);
const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

/** Whether util-linux flock(1) (the same flock(2) the original takes) can take the lock now. */
const freeForFlockCommand = (lockPath: string) =>
  spawnSync('flock', ['--nonblock', '--exclusive', lockPath, 'true']).status === 0;

describe('withFileLock', () => {
  it('has flock(2) here (a build that cannot load it would exclude no other process)', () => {
    expect(loadFlock()).not.toBeInstanceOf(Error);
  });

  it('and flock(1) exclude each other, in both directions', async () => {
    const lockPath = join(dir, 'auth.json.lock');
    const other = await startChild('flock', [
      '--exclusive',
      lockPath,
      'sh',
      '-c',
      'echo locked; sleep 0.6',
    ]);
    const started = Date.now();
    await withFileLock(lockPath, { timeoutMs: 10_000 }, async () => {
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect(freeForFlockCommand(lockPath)).toBe(false);
    });
    await exited(other);
    expect(freeForFlockCommand(lockPath)).toBe(true);
  });

  it('creates its lock file 0600 and leaves it (deleting it would race with the next holder)', async () => {
    const lockPath = join(dir, 'sub', 'auth.json.lock');
    await withFileLock(lockPath, {}, async () => {});
    expect(statSync(lockPath).mode & 0o777).toBe(0o600);
  });

  it('is free at once when its holder is SIGKILLed', async () => {
    const lockPath = join(dir, 'config.toml.lock');
    const holder = await holdInChild(lockPath);
    await expect(withFileLock(lockPath, { timeoutMs: 200 }, async () => {})).rejects.toMatchObject({
      code: 'timeout',
    });
    holder.kill('SIGKILL');
    // A stale-lock scheme would wait out its staleness window here (seconds); the kernel frees
    // a flock with its holder, so a short timeout is enough.
    let ran = false;
    await withFileLock(lockPath, { timeoutMs: 1_000 }, async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });

  it('never takes a paused holder’s lock over: its write, done after resuming, stands', async () => {
    const lockPath = join(dir, 'auth.json.lock');
    const file = join(dir, 'auth.json');
    writeFileSync(file, 'before');
    const holder = await startChild(process.execPath, [
      CHILD,
      'hold-then-write',
      lockPath,
      file,
      'from the paused holder',
      '300',
    ]);
    holder.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const error = await withFileLock(lockPath, { timeoutMs: 700 }, async () => {
      await writeFileAtomic(file, 'from the waiter');
    }).catch((e: unknown) => e);
    expect(FileLockError.isInstance(error) && error.code).toBe('timeout');
    expect((error as Error).message).toContain(lockPath);
    holder.kill('SIGCONT');
    await exited(holder);
    expect(readFileSync(file, 'utf8')).toBe('from the paused holder');
    await withFileLock(lockPath, {}, async () => {
      await writeFileAtomic(file, 'after');
    });
    expect(readFileSync(file, 'utf8')).toBe('after');
  });

  it('serialises writers across processes and within one: no update is lost', async () => {
    const lockPath = join(dir, 'counter.lock');
    const file = join(dir, 'counter');
    writeFileSync(file, '0');
    const runs = Array.from(
      { length: 3 },
      () =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, [CHILD, 'count', lockPath, file, '40'], {
            stdio: 'inherit',
          });
          children.push(child);
          child.once('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`counter exited with ${code}`)),
          );
        }),
    );
    const local = Array.from({ length: 40 }, () =>
      withFileLock(lockPath, {}, async () => {
        const current = Number(readFileSync(file, 'utf8'));
        await writeFileAtomic(file, String(current + 1));
      }),
    );
    await Promise.all([...runs, ...local]);
    expect(readFileSync(file, 'utf8')).toBe('160');
  });

  it('keeps holding while its holder waits on nothing the garbage collector can see', async () => {
    const lockPath = join(dir, 'gc.lock');
    await holdInChild(lockPath, ['--expose-gc'], 'hold-and-collect');
    // The child collects garbage every 20 ms while it holds: the lock must still be held.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(freeForFlockCommand(lockPath)).toBe(false);
  });

  it('stops waiting when the signal aborts', async () => {
    const lockPath = join(dir, 'x.lock');
    await holdInChild(lockPath);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user gave up')), 100);
    await expect(
      withFileLock(lockPath, { signal: controller.signal, timeoutMs: 10_000 }, async () => {}),
    ).rejects.toMatchObject({ code: 'aborted' });
  });

  it('replaces the empty lock directory an earlier codex-ts left, and names a busy one', async () => {
    const lockPath = join(dir, 'auth.json.lock');
    mkdirSync(lockPath);
    await withFileLock(lockPath, {}, async () => {});
    expect(statSync(lockPath).isFile()).toBe(true);
    const busy = join(dir, 'busy.lock');
    mkdirSync(join(busy, 'inside'), { recursive: true });
    const error = await withFileLock(busy, {}, async () => {}).catch((e: unknown) => e);
    expect(FileLockError.isInstance(error) && error.code).toBe('io');
    expect((error as Error).message).toContain(busy);
  });
});

describe('writeFileAtomic', () => {
  it('creates files 0600 whatever the umask, and leaves no temporary file', async () => {
    const path = join(dir, 'auth.json');
    const previous = process.umask(0);
    try {
      await writeFileAtomic(path, 'secret');
    } finally {
      process.umask(previous);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('secret');
    expect(readdirSync(dir)).toStrictEqual(['auth.json']);
  });

  it('keeps the permissions of an existing file', async () => {
    const path = join(dir, 'config.toml');
    writeFileSync(path, 'a = 1\n', { mode: 0o640 });
    await writeFileAtomic(path, 'a = 2\n');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readFileSync(path, 'utf8')).toBe('a = 2\n');
  });

  it.runIf(process.getuid?.() === 0)('keeps the owner of a file another user owns', async () => {
    const path = join(dir, 'auth.json');
    writeFileSync(path, '{}', { mode: 0o600 });
    chownSync(path, 1234, 1234);
    await writeFileAtomic(path, '{"a":1}');
    const info = statSync(path);
    expect([info.uid, info.gid, info.mode & 0o777]).toStrictEqual([1234, 1234, 0o600]);
  });

  it('writes through symlinks to their target, keeping the links (as the original does)', async () => {
    mkdirSync(join(dir, 'real'));
    const target = join(dir, 'real', 'auth.json');
    writeFileSync(target, 'old', { mode: 0o640 });
    symlinkSync('real/auth.json', join(dir, 'middle.json'));
    const path = join(dir, 'auth.json');
    symlinkSync(join(dir, 'middle.json'), path);
    expect(await resolveSymlinks(path)).toBe(target);
    await writeFileAtomic(path, 'new');
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(readdirSync(join(dir, 'real'))).toStrictEqual(['auth.json']);
  });

  it('creates the target of a dangling link, and refuses a loop', async () => {
    const path = join(dir, 'auth.json');
    symlinkSync(join(dir, 'missing.json'), path);
    await writeFileAtomic(path, 'created');
    expect(readFileSync(join(dir, 'missing.json'), 'utf8')).toBe('created');
    symlinkSync(join(dir, 'b.json'), join(dir, 'a.json'));
    symlinkSync(join(dir, 'a.json'), join(dir, 'b.json'));
    await expect(writeFileAtomic(join(dir, 'a.json'), 'x')).rejects.toThrow(
      /too many symbolic links/,
    );
  });
});

describe('withFileLock timeouts', () => {
  it('treats a timeout too long for a timer as unbounded instead of firing at once', async () => {
    const lockPath = join(dir, 'long.lock');
    let release!: () => void;
    const first = withFileLock(lockPath, {}, () => new Promise<void>((done) => (release = done)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = withFileLock(
      lockPath,
      { timeoutMs: Number.MAX_SAFE_INTEGER },
      async () => 'ran',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await first;
    await expect(second).resolves.toBe('ran');
  });
});
