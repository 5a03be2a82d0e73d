import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AutoAuthStorage,
  computeStoreKey,
  FileAuthStorage,
  KEYRING_SERVICE,
  KeyringAuthStorage,
  type KeyringBackend,
} from '../src/index.js';
import { inChild, inKeyringSession, tempHome } from './helpers.js';

let home: ReturnType<typeof tempHome>;
beforeEach(() => {
  home = tempHome();
});
afterEach(() => home.dispose());

describe('keyring backend with a real gnome-keyring over D-Bus', () => {
  it('saves, loads and deletes under service "Codex Auth" and the store key', async () => {
    const [saved, loaded, removed, gone] = await inKeyringSession([
      {
        op: 'save',
        mode: 'keyring',
        codexHome: home.path,
        auth: { authMode: 'apikey', openaiApiKey: 'sk-ring' },
      },
      { op: 'load', mode: 'keyring', codexHome: home.path },
      { op: 'delete', mode: 'keyring', codexHome: home.path },
      { op: 'load', mode: 'keyring', codexHome: home.path },
    ]);
    expect(saved).toMatchObject({ ok: true });
    expect(loaded).toMatchObject({
      ok: true,
      result: { authMode: 'apikey', openaiApiKey: 'sk-ring' },
    });
    expect(removed).toMatchObject({ ok: true, result: true });
    expect(gone).toMatchObject({ ok: true, result: null });
    expect(existsSync(join(home.path, 'auth.json'))).toBe(false);
  });

  it('auto mode prefers the keyring and removes a stale auth.json', async () => {
    writeFileSync(
      join(home.path, 'auth.json'),
      JSON.stringify({ OPENAI_API_KEY: 'sk-stale' }, null, 2),
    );
    const [saved, loaded] = await inKeyringSession([
      { op: 'save', mode: 'auto', codexHome: home.path, auth: { openaiApiKey: 'sk-fresh' } },
      { op: 'load', mode: 'auto', codexHome: home.path },
    ]);
    expect(saved).toMatchObject({ ok: true, warnings: [] });
    expect(loaded).toMatchObject({ ok: true, result: { openaiApiKey: 'sk-fresh' } });
    expect(existsSync(join(home.path, 'auth.json'))).toBe(false);
  });

  it('logout clears the keyring too', async () => {
    const [login, logout, after] = await inKeyringSession([
      { op: 'login-api-key', mode: 'keyring', codexHome: home.path, apiKey: 'sk-login' },
      { op: 'logout', mode: 'keyring', codexHome: home.path },
      { op: 'load', mode: 'keyring', codexHome: home.path },
    ]);
    expect(login).toMatchObject({
      ok: true,
      result: { authMode: 'apikey', openaiApiKey: 'sk-login' },
    });
    expect(logout).toMatchObject({ ok: true, result: true });
    expect(after).toMatchObject({ ok: true, result: null });
  });
});

describe('without a D-Bus session', () => {
  it('keyring mode fails with an error that says what is missing and how to fix it', async () => {
    const outcome = await inChild({
      op: 'save',
      mode: 'keyring',
      codexHome: home.path,
      auth: { openaiApiKey: 'k' },
    });
    expect(outcome).toMatchObject({ ok: false, code: 'keyring_unavailable' });
    expect(outcome.message).toMatch(/D-Bus/);
    expect(outcome.message).toMatch(/cli_auth_credentials_store = "file"/);
  });

  it('auto mode falls back to auth.json with one warning saying why', async () => {
    const saved = await inChild({
      op: 'save',
      mode: 'auto',
      codexHome: home.path,
      auth: { openaiApiKey: 'sk-file' },
    });
    expect(saved).toMatchObject({ ok: true });
    expect(saved.warnings).toHaveLength(1);
    expect(saved.warnings[0]).toMatch(/keyring unavailable, using .*auth\.json instead: .*D-Bus/);
    expect(JSON.parse(readFileSync(join(home.path, 'auth.json'), 'utf8'))).toStrictEqual({
      OPENAI_API_KEY: 'sk-file',
    });
    const loaded = await inChild({ op: 'load', mode: 'auto', codexHome: home.path });
    expect(loaded).toMatchObject({ ok: true, result: { openaiApiKey: 'sk-file' } });
  });

  it('logout in file mode still succeeds when the keyring cannot be reached', async () => {
    await inChild({ op: 'login-api-key', mode: 'file', codexHome: home.path, apiKey: 'sk-1' });
    const outcome = await inChild({ op: 'logout', mode: 'file', codexHome: home.path });
    expect(outcome).toMatchObject({ ok: true, result: true, warnings: [] });
    expect(existsSync(join(home.path, 'auth.json'))).toBe(false);
  });
});

describe('keyring error classification (in process)', () => {
  const failing = (message: string): KeyringBackend => ({
    getPassword: async () => {
      throw new Error(message);
    },
    setPassword: async () => {
      throw new Error(message);
    },
    deletePassword: async () => {
      throw new Error(message);
    },
  });

  it('a Secret Service that is not running is "keyring_unavailable"; other failures "keyring_failed"', async () => {
    const missing = new KeyringAuthStorage(home.path, {
      backend: failing('The name org.freedesktop.secrets was not provided by any .service files'),
    });
    await expect(missing.load()).rejects.toMatchObject({ code: 'keyring_unavailable' });
    const broken = new KeyringAuthStorage(home.path, { backend: failing('Prompt dismissed') });
    await expect(broken.save({ openaiApiKey: 'k' })).rejects.toMatchObject({
      code: 'keyring_failed',
    });
  });

  it('auto warns once across repeated failures and uses the file', async () => {
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m), error: () => {}, debug: () => {} };
    const auto = new AutoAuthStorage(
      new KeyringAuthStorage(home.path, {
        backend: failing('Cannot autolaunch D-Bus without X11 $DISPLAY'),
      }),
      new FileAuthStorage(home.path),
      { logger },
    );
    await auto.save({ openaiApiKey: 'a' });
    await auto.save({ openaiApiKey: 'b' });
    expect(await auto.load()).toStrictEqual({ openaiApiKey: 'b' });
    expect(warnings).toHaveLength(1);
  });

  it('uses the service name and store key the original uses', async () => {
    const calls: string[] = [];
    const backend: KeyringBackend = {
      getPassword: async (service, account) => {
        calls.push(`${service}/${account}`);
        return null;
      },
      setPassword: async () => {},
      deletePassword: async () => false,
    };
    await new KeyringAuthStorage(home.path, { backend }).load();
    expect(KEYRING_SERVICE).toBe('Codex Auth');
    expect(calls).toStrictEqual([`Codex Auth/${computeStoreKey(home.path)}`]);
    expect(computeStoreKey(home.path)).toMatch(/^cli\|[0-9a-f]{16}$/);
  });
});
