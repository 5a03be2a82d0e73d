import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthStorageError,
  createAuthStorage,
  FileAuthStorage,
  serializeAuthDotJson,
} from '../src/index.js';
import { envWithoutDbus, inChild, tempHome } from './helpers.js';

let home: ReturnType<typeof tempHome>;
beforeEach(() => {
  home = tempHome();
});
afterEach(() => home.dispose());

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('file backend', () => {
  it('creates auth.json with mode 0600 beside its commit lock, and nothing else', async () => {
    const storage = new FileAuthStorage(home.path);
    await storage.save({ openaiApiKey: 'sk-1' });
    expect(modeOf(storage.path)).toBe(0o600);
    await storage.save({ openaiApiKey: 'sk-2' });
    expect(await storage.load()).toStrictEqual({ openaiApiKey: 'sk-2' });
    expect(readdirSync(home.path).sort()).toStrictEqual(['auth.json', 'auth.json.lock']);
  });

  it('returns null when there is no file, and delete reports what it did', async () => {
    const storage = createAuthStorage(home.path, 'file');
    expect(await storage.load()).toBeNull();
    expect(await storage.delete()).toBe(false);
    await storage.save({ openaiApiKey: 'k' });
    expect(await storage.delete()).toBe(true);
    expect(await storage.load()).toBeNull();
  });

  it('reports a torn auth.json, naming the file, and leaves it for the user', async () => {
    const path = join(home.path, 'auth.json');
    const torn = '{\n  "OPENAI_API_KEY": "sk-';
    writeFileSync(path, torn);
    const storage = new FileAuthStorage(home.path);
    const error = await storage.load().catch((e: unknown) => e);
    expect(AuthStorageError.isInstance(error) && error.code).toBe('corrupt');
    expect((error as Error).message).toContain(path);
    expect(readFileSync(path, 'utf8')).toBe(torn);
    // A read-modify-write refuses too, rather than overwriting what it cannot read.
    await expect(storage.update(() => ({ openaiApiKey: 'x' }))).rejects.toMatchObject({
      code: 'corrupt',
    });
    expect(readFileSync(path, 'utf8')).toBe(torn);
  });

  it('ignores a temporary file left by a writer that crashed before its rename', async () => {
    const storage = new FileAuthStorage(home.path);
    await storage.save({ openaiApiKey: 'sk-good' });
    writeFileSync(join(home.path, 'auth.json.tmp-99999-abcdef'), '{"OPENAI_API_KEY": "sk-half');
    expect(await storage.load()).toStrictEqual({ openaiApiKey: 'sk-good' });
    await storage.save({ openaiApiKey: 'sk-next' });
    expect(await storage.load()).toStrictEqual({ openaiApiKey: 'sk-next' });
  });

  it('never leaves a torn auth.json when a writer is killed mid-save, and its lock dies with it', async () => {
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, 'child.mjs'),
        JSON.stringify({ op: 'save-forever', codexHome: home.path }),
      ],
      { env: envWithoutDbus(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // A short timeout: the kernel released the dead writer's lock, there is nothing to wait out.
    const storage = new FileAuthStorage(home.path, { lockTimeoutMs: 500 });
    const survivor = await storage.load();
    expect(survivor?.openaiApiKey).toMatch(/^sk-\d+$/);
    await storage.save({ openaiApiKey: 'sk-after-crash' });
    expect(await storage.load()).toStrictEqual({ openaiApiKey: 'sk-after-crash' });
  });

  it('takes the same flock on auth.json.lock as the original: each waits for the other', async () => {
    const lock = join(home.path, 'auth.json.lock');
    const holder = spawn('flock', ['--exclusive', lock, 'sh', '-c', 'echo locked; sleep 0.5'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const holderExited = new Promise((resolve) => holder.once('exit', resolve));
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    const storage = new FileAuthStorage(home.path, { lockTimeoutMs: 100 });
    const error = await storage.save({ openaiApiKey: 'k' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'lock_timeout' });
    expect((error as Error).message).toContain(lock);
    await new FileAuthStorage(home.path).save({ openaiApiKey: 'k' });
    expect(await storage.load()).toStrictEqual({ openaiApiKey: 'k' });
    await holderExited;
    // And while ours holds it, flock(1) cannot take it.
    await storage.update(async (current) => {
      expect(spawnSync('flock', ['--nonblock', lock, 'true']).status).toBe(1);
      return current;
    });
    expect(spawnSync('flock', ['--nonblock', lock, 'true']).status).toBe(0);
  });

  it('replaces the lock directory codex-ts 0.1 left behind', async () => {
    const lock = join(home.path, 'auth.json.lock');
    mkdirSync(lock);
    const storage = new FileAuthStorage(home.path);
    await storage.save({ openaiApiKey: 'sk-x' });
    expect(await storage.load()).toStrictEqual({ openaiApiKey: 'sk-x' });
    expect(statSync(lock).isFile()).toBe(true);
  });

  // The case: a holder paused 12 s lost its lock after 10.7 s, and the update
  // acknowledged meanwhile was then overwritten. A kernel lock is never taken over.
  it('never takes over a writer paused 12 s: no acknowledged update is lost', async () => {
    const writer = spawn(
      process.execPath,
      [
        join(import.meta.dirname, 'child.mjs'),
        JSON.stringify({ op: 'slow-rmw', codexHome: home.path, tag: 'paused', ms: 200 }),
      ],
      { env: envWithoutDbus(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => writer.stdout.once('data', () => resolve()));
    writer.kill('SIGSTOP');
    const add = (tag: string, lockTimeoutMs: number) =>
      new FileAuthStorage(home.path, { lockTimeoutMs }).update((current) => ({
        ...(current ?? { openaiApiKey: null }),
        extra: { ...(current?.extra ?? {}), [tag]: true },
      }));
    // A short wait is refused, not acknowledged; a long one waits for the paused writer.
    const patient = add('patient', 30_000);
    await expect(add('impatient', 1_000)).rejects.toMatchObject({ code: 'lock_timeout' });
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    writer.kill('SIGCONT');
    await new Promise((resolve) => writer.once('exit', resolve));
    await patient;
    expect((await new FileAuthStorage(home.path).load())?.extra).toStrictEqual({
      paused: true,
      patient: true,
    });
  }, 40_000);

  it('keeps the mode of an existing auth.json (0600 when new)', async () => {
    const path = join(home.path, 'auth.json');
    const storage = new FileAuthStorage(home.path);
    await storage.save({ openaiApiKey: 'a' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    chmodSync(path, 0o640);
    await storage.save({ openaiApiKey: 'b' });
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  // Giving a file to another user takes root (CI runs as root; elsewhere this is skipped).
  it.runIf(process.getuid?.() === 0)('keeps the owner of an existing auth.json', async () => {
    const path = join(home.path, 'auth.json');
    const storage = new FileAuthStorage(home.path);
    await storage.save({ openaiApiKey: 'a' });
    chownSync(path, 1234, 1234);
    await storage.save({ openaiApiKey: 'b' });
    expect([statSync(path).uid, statSync(path).gid]).toStrictEqual([1234, 1234]);
  });

  it('writes through a symlinked auth.json, locking next to the target; logout removes the link only', async () => {
    const elsewhere = join(home.path, 'secrets');
    mkdirSync(elsewhere);
    const target = join(elsewhere, 'codex-creds.txt');
    const path = join(home.path, 'auth.json');
    symlinkSync(target, path);
    const storage = new FileAuthStorage(home.path);
    await storage.save({ openaiApiKey: 'sk-linked' });
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toMatchObject({ OPENAI_API_KEY: 'sk-linked' });
    expect(readdirSync(elsewhere).sort()).toStrictEqual([
      'codex-creds.json.lock',
      'codex-creds.txt',
    ]);
    expect(await storage.delete()).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(target)).toBe(true);
  });

  it('never quotes what an unreadable auth.json holds', async () => {
    const path = join(home.path, 'auth.json');
    const storage = new FileAuthStorage(home.path);
    writeFileSync(path, '{"OPENAI_API_KEY": "sk-proj-SECRETSECRET", ');
    const torn = await storage.load().catch((e: unknown) => e);
    expect((torn as Error).message).toContain('line 1 column 44');
    expect((torn as Error).message).not.toContain('SECRET');
    rmSync(path);
    symlinkSync('/etc/passwd', path);
    const passwd = await storage.load().catch((e: unknown) => e);
    expect(passwd).toMatchObject({ code: 'corrupt' });
    expect((passwd as Error).message).toContain('line 1 column 1');
    expect((passwd as Error).message).not.toMatch(/root|:x:/);
    rmSync(path);
    writeFileSync(path, '{"OPENAI_API_KEY": 5, "tokens": "sk-proj-TOKSECRET"}');
    const shape = await storage.load().catch((e: unknown) => e);
    expect(shape).toMatchObject({ code: 'corrupt' });
    expect((shape as Error).message).not.toContain('TOKSECRET');
  });

  it('loses no write when 20 processes each do 50 read-modify-write cycles', async () => {
    const processes = 20;
    const cycles = 50;
    const outcomes = await Promise.all(
      Array.from({ length: processes }, (_, p) =>
        inChild({ op: 'rmw', codexHome: home.path, cycles, tag: `p${p}` }),
      ),
    );
    expect(outcomes.filter((o) => !o.ok)).toStrictEqual([]);
    const stored = await new FileAuthStorage(home.path).load();
    const keys = Object.keys(stored?.extra ?? {});
    expect(keys).toHaveLength(processes * cycles);
    for (let p = 0; p < processes; p++) {
      for (let i = 0; i < cycles; i++) expect(stored?.extra?.[`p${p}_${i}`]).toBe(i);
    }
    expect(serializeAuthDotJson(stored ?? { openaiApiKey: null })).toBe(
      readFileSync(join(home.path, 'auth.json'), 'utf8'),
    );
  }, 120_000);
});
