import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
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
  it('creates auth.json with mode 0600 and keeps it 0600 on rewrite', async () => {
    const storage = new FileAuthStorage(home.path);
    await storage.save({ openaiApiKey: 'sk-1' });
    expect(modeOf(storage.path)).toBe(0o600);
    chmodSync(storage.path, 0o644);
    await storage.save({ openaiApiKey: 'sk-2' });
    expect(modeOf(storage.path)).toBe(0o600);
    expect(await storage.load()).toStrictEqual({ openaiApiKey: 'sk-2' });
    expect(readdirSync(home.path).sort()).toStrictEqual(['auth.json']);
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

  it('never leaves a torn auth.json when a writer is killed mid-save', async () => {
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, 'child.mjs'),
        JSON.stringify({ op: 'save-forever', codexHome: home.path, lockStaleMs: 2000 }),
      ],
      { env: envWithoutDbus(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const storage = new FileAuthStorage(home.path, { lockStaleMs: 2000 });
    const survivor = await storage.load();
    expect(survivor?.openaiApiKey).toMatch(/^sk-\d+$/);
    // The dead writer's lock is taken over once stale, and writing goes on.
    const lock = join(home.path, 'auth.json.lock');
    if (existsSync(lock))
      utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await storage.save({ openaiApiKey: 'sk-after-crash' });
    expect(await storage.load()).toStrictEqual({ openaiApiKey: 'sk-after-crash' });
  });

  it('takes over a stale lock left by a dead process', async () => {
    const lock = join(home.path, 'auth.json.lock');
    mkdirSync(lock);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const storage = new FileAuthStorage(home.path);
    await storage.save({ openaiApiKey: 'sk-x' });
    expect(await storage.load()).toStrictEqual({ openaiApiKey: 'sk-x' });
    expect(existsSync(lock)).toBe(false);
  });

  it('gives up on a live lock after its timeout, with a clear error', async () => {
    const lock = join(home.path, 'auth.json.lock');
    mkdirSync(lock); // fresh: looks held by a live process
    const storage = new FileAuthStorage(home.path, { lockTimeoutMs: 300 });
    const error = await storage.save({ openaiApiKey: 'k' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'lock_timeout' });
    expect((error as Error).message).toContain('auth.json');
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
