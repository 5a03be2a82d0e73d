import { type ChildProcess, spawn } from 'node:child_process';
import {
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyConfigEdits } from '../src/config/edit.js';
import {
  batchWriteConfig,
  ConfigError,
  type ConfigWriteOptions,
  loadConfig,
  readConfig,
  writeConfigValue,
} from '../src/index.js';
import { bundleFixture, recordingLogger } from './helpers.js';

let home: string;
let file: string;
const read = () => readFileSync(file, 'utf8');
const children: ChildProcess[] = [];

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'codex-config-write-'));
  file = join(home, 'config.toml');
});
afterEach(() => {
  for (const child of children.splice(0)) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  rmSync(home, { recursive: true, force: true });
});

/** Write options for this test's CODEX_HOME (no system file, no environment). */
const at = (extra: Partial<ConfigWriteOptions> = {}): ConfigWriteOptions => ({
  codexHome: home,
  systemConfigFile: null,
  env: {},
  ...extra,
});

/** The version config/read reports for the file now. */
const versionNow = async () =>
  (await readConfig({ codexHome: home, env: {}, systemConfigFile: null, includeLayers: true }))
    .layers?.[0]?.version;

/** Starts another writer process holding config.toml's lock; resolves once it holds it. */
async function otherWriter(text: string, ms: number): Promise<ChildProcess> {
  const script = await bundleFixture('config-holder');
  const child = spawn(process.execPath, [script, file, text, String(ms)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the other writer exited with ${code}`)));
  });
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

const HAND_WRITTEN = `# My Codex settings — keep this tidy!
model = "o3"   # the default model
approval_policy = "on-request"

# Profiles I switch between
[profiles.fast]
model = "gpt-5-mini"  # cheap

[model_providers.local]
name = "Local"
base_url = "http://localhost:8080/v1"
http_headers = { "X-Team" = "core", Trace = "1" }
`;

const edit = (
  text: string,
  keyPath: string[],
  value: unknown,
  mergeStrategy: 'replace' | 'upsert' = 'replace',
) => applyConfigEdits(text, [{ keyPath, value, mergeStrategy }]);

describe('applyConfigEdits', () => {
  it('replaces a value in place, keeping the comment on its line and every other line', () => {
    expect(edit(HAND_WRITTEN, ['model'], 'gpt-5')).toBe(
      HAND_WRITTEN.replace(
        'model = "o3"   # the default model',
        'model = "gpt-5"   # the default model',
      ),
    );
    expect(edit(HAND_WRITTEN, ['profiles', 'fast', 'model'], 'o4-mini')).toBe(
      HAND_WRITTEN.replace('model = "gpt-5-mini"  # cheap', 'model = "o4-mini"  # cheap'),
    );
  });

  it('adds a top-level key after the last top-level key, not at the end of a table', () => {
    expect(edit(HAND_WRITTEN, ['sandbox_mode'], 'workspace-write')).toBe(
      HAND_WRITTEN.replace(
        'approval_policy = "on-request"\n',
        'approval_policy = "on-request"\nsandbox_mode = "workspace-write"\n',
      ),
    );
  });

  it('adds a key at the end of its existing table', () => {
    expect(edit(HAND_WRITTEN, ['profiles', 'fast', 'approval_policy'], 'never')).toBe(
      HAND_WRITTEN.replace(
        'model = "gpt-5-mini"  # cheap\n',
        'model = "gpt-5-mini"  # cheap\napproval_policy = "never"\n',
      ),
    );
  });

  it('appends a new section for a key under a table that does not exist yet', () => {
    expect(edit(HAND_WRITTEN, ['sandbox_workspace_write', 'network_access'], true)).toBe(
      `${HAND_WRITTEN}\n[sandbox_workspace_write]\nnetwork_access = true\n`,
    );
    expect(edit('', ['projects', '/repo/a.b', 'trust_level'], 'trusted')).toBe(
      '[projects."/repo/a.b"]\ntrust_level = "trusted"\n',
    );
  });

  it('edits inside an inline table by rewriting only that value', () => {
    const next = edit(HAND_WRITTEN, ['model_providers', 'local', 'http_headers', 'Trace'], '0');
    expect(next).toBe(
      HAND_WRITTEN.replace(
        'http_headers = { "X-Team" = "core", Trace = "1" }',
        'http_headers = { X-Team = "core", Trace = "0" }',
      ),
    );
  });

  it('removes a key (null) with its line, and a whole table with its section', () => {
    expect(edit(HAND_WRITTEN, ['approval_policy'], null)).toBe(
      HAND_WRITTEN.replace('approval_policy = "on-request"\n', ''),
    );
    expect(edit(HAND_WRITTEN, ['profiles', 'fast'], null)).toBe(
      HAND_WRITTEN.replace('[profiles.fast]\nmodel = "gpt-5-mini"  # cheap\n', ''),
    );
  });

  it('upsert merges a table key by key; replace swaps it whole', () => {
    const upserted = edit(
      HAND_WRITTEN,
      ['model_providers', 'local'],
      { base_url: 'http://h/v1', env_key: 'K' },
      'upsert',
    );
    expect(upserted).toBe(
      HAND_WRITTEN.replace(
        'base_url = "http://localhost:8080/v1"',
        'base_url = "http://h/v1"',
      ).replace(
        'http_headers = { "X-Team" = "core", Trace = "1" }\n',
        'http_headers = { "X-Team" = "core", Trace = "1" }\nenv_key = "K"\n',
      ),
    );
    const replaced = edit(HAND_WRITTEN, ['model_providers', 'local'], {
      name: 'New',
      wire_api: 'chat',
    });
    expect(replaced).toBe(
      `${HAND_WRITTEN.slice(0, HAND_WRITTEN.indexOf('[model_providers.local]'))}\n[model_providers.local]\nname = "New"\nwire_api = "chat"\n`.replace(
        '\n\n\n',
        '\n\n',
      ),
    );
  });

  it('refuses to write inside an array of tables', () => {
    expect(() => edit('[[hooks]]\ncmd = "x"\n', ['hooks', 'cmd'], 'y')).toThrow(
      /array of tables \[\[hooks\]\]/,
    );
  });
});

describe('writeConfigValue / batchWriteConfig', () => {
  it('creates config.toml with mode 0600 and returns the version the original computes', async () => {
    const result = await writeConfigValue('model', 'gpt-5', 'replace', at());
    expect(read()).toBe('model = "gpt-5"\n');
    // The original answered this write with this version (sha256 of {"model":"gpt-5"}).
    expect(result).toEqual({
      status: 'ok',
      version: 'sha256:777710df5ad26b1238811b40c77267c73e7f8eba12cde87f5b2c1560ef758259',
      filePath: file,
    });
    expect(await versionNow()).toBe(result.version);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('keeps comments and formatting of a hand-edited file across a batch', async () => {
    writeFileSync(file, HAND_WRITTEN);
    await batchWriteConfig(
      [
        { keyPath: 'model', value: 'gpt-5', mergeStrategy: 'replace' },
        { keyPath: 'model_providers.local.stream_max_retries', value: 3, mergeStrategy: 'upsert' },
      ],
      at(),
    );
    expect(read()).toBe(
      HAND_WRITTEN.replace('model = "o3"', 'model = "gpt-5"').replace(
        'http_headers = { "X-Team" = "core", Trace = "1" }\n',
        'http_headers = { "X-Team" = "core", Trace = "1" }\nstream_max_retries = 3\n',
      ),
    );
    const { config } = await loadConfig({ codexHome: home, env: {}, systemConfigFile: null });
    expect(config.modelProviders.local?.streamMaxRetries).toBe(3);
  });

  it('refuses to write the legacy profile selector and tables, as the original does', async () => {
    writeFileSync(file, HAND_WRITTEN);
    for (const [keyPath, message] of [
      [
        'profile',
        '`profile` is a legacy config selector and can no longer be written; use `--profile <name>` with `<name>.config.toml` instead',
      ],
      [
        'profiles.fast.model',
        '`profiles` contains legacy config profile tables and can no longer be written; use `--profile <name>` with `<name>.config.toml` instead',
      ],
    ]) {
      const error = await writeConfigValue(keyPath as string, 'x', 'replace', at()).catch(
        (caught: unknown) => caught,
      );
      expect(ConfigError.isInstance(error) && [error.code, error.message]).toEqual([
        'invalid_edit',
        message,
      ]);
    }
    expect(read()).toBe(HAND_WRITTEN);
  });

  it('refuses a stale expectedVersion so two writers cannot overwrite each other', async () => {
    writeFileSync(file, HAND_WRITTEN);
    const version = await versionNow();
    const first = await writeConfigValue('model', 'a', 'replace', at({ expectedVersion: version }));
    expect(first.version).not.toBe(version);
    const error = await writeConfigValue(
      'model',
      'b',
      'replace',
      at({ expectedVersion: version }),
    ).catch((caught: unknown) => caught);
    expect(ConfigError.isInstance(error) && error.code).toBe('version_conflict');
    expect((error as Error).message).toContain(
      `expected version ${version}, found ${first.version}`,
    );
    expect(read()).toContain('model = "a"');
  });

  it('serializes concurrent writers under the lock: no update is lost', async () => {
    await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        writeConfigValue(`mcp_servers.s${index}.command`, `c${index}`, 'replace', at()),
      ),
    );
    const { mergedToml } = await loadConfig({ codexHome: home, env: {}, systemConfigFile: null });
    expect(Object.keys(mergedToml.mcp_servers as object).sort()).toEqual(
      Array.from({ length: 12 }, (_, index) => `s${index}`).sort(),
    );
  });

  it('never takes over a paused writer’s lock: no acknowledged write is lost', async () => {
    writeFileSync(file, 'model = "before"\n');
    const version = await versionNow();
    const other = await otherWriter('model_verbosity = "low"\n', 300);
    other.kill('SIGSTOP');
    // Paused inside its write: ours waits, then gives up without writing anything.
    const refused = await writeConfigValue(
      'model',
      'mine',
      'replace',
      at({ expectedVersion: version, lockTimeoutMs: 500 }),
    ).catch((caught: unknown) => caught);
    expect(ConfigError.isInstance(refused) && refused.code).toBe('lock_timeout');
    other.kill('SIGCONT');
    await exited(other);
    expect(read()).toBe('model = "before"\nmodel_verbosity = "low"\n');
    // Trying again with the version read before: the other write is seen, not overwritten.
    const stale = await writeConfigValue(
      'model',
      'mine',
      'replace',
      at({ expectedVersion: version }),
    ).catch((caught: unknown) => caught);
    expect(ConfigError.isInstance(stale) && stale.code).toBe('version_conflict');
    expect(read()).toBe('model = "before"\nmodel_verbosity = "low"\n');
  });

  it('is not held up by a writer that was killed while holding the lock', async () => {
    const other = await otherWriter('model = "never written"\n', 60_000);
    other.kill('SIGKILL');
    await exited(other);
    await writeConfigValue('model', 'after', 'replace', at({ lockTimeoutMs: 1_000 }));
    expect(read()).toBe('model = "after"\n');
  });

  it('keeps the mode and owner of config.toml, and writes through a symlink', async () => {
    mkdirSync(join(home, 'dotfiles'));
    const target = join(home, 'dotfiles', 'codex.toml');
    writeFileSync(target, 'model = "o3"\n', { mode: 0o640 });
    const owner = process.getuid?.() === 0 ? 1234 : statSync(target).uid;
    if (process.getuid?.() === 0) chownSync(target, owner, owner);
    symlinkSync(target, file);
    await writeConfigValue('model', 'gpt-5', 'replace', at());
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('model = "gpt-5"\n');
    const info = statSync(target);
    expect([info.uid, info.mode & 0o777]).toEqual([owner, 0o640]);
  });

  it('rejects an invalid value, naming the key and the allowed values, and writes nothing', async () => {
    writeFileSync(file, HAND_WRITTEN);
    const error = await writeConfigValue('sandbox_mode', 'sometimes', 'replace', at()).catch(
      (caught: unknown) => caught,
    );
    expect((error as Error).message).toBe(
      `cannot write \`sandbox_mode\` to ${file}: string "sometimes" is not allowed; expected one of "read-only", "workspace-write", "danger-full-access"`,
    );
    expect(read()).toBe(HAND_WRITTEN);
  });

  it('does not overwrite a file that is not valid TOML', async () => {
    writeFileSync(file, 'model = \n');
    const error = await writeConfigValue('model', 'x', 'replace', at()).catch(
      (caught: unknown) => caught,
    );
    expect(ConfigError.isInstance(error) && error.code).toBe('syntax');
    expect(read()).toBe('model = \n');
  });

  it('judges only the edited key, not keys that merely share its prefix', async () => {
    writeFileSync(file, 'model_verbosity = "loud"\n');
    await writeConfigValue('model', 'gpt-5', 'replace', at({ logger: recordingLogger() }));
    expect(read()).toBe('model_verbosity = "loud"\nmodel = "gpt-5"\n');
  });

  it('reports ok, and logs, when the config cannot be loaded to look for overrides', async () => {
    const logger = recordingLogger();
    const result = await writeConfigValue(
      'model',
      'written',
      'replace',
      at({ cliOverrides: ['model_provider="nowhere"'], logger }),
    );
    expect(result.status).toBe('ok');
    expect(read()).toBe('model = "written"\n');
    expect(logger.lines.join('\n')).toContain('could not load the config to check for overrides');
  });

  it('reports okOverridden when a session flag still decides the key', async () => {
    const result = await writeConfigValue(
      'model',
      'written',
      'replace',
      at({ cliOverrides: ['model="from-flag"'] }),
    );
    expect(result.status).toBe('okOverridden');
    expect(result.overriddenMetadata).toEqual({
      message: '`model` was written, but session flags override it',
      effectiveValue: 'from-flag',
      overridingLayer: {
        name: { type: 'sessionFlags' },
        version: expect.stringMatching(/^sha256:/),
      },
    });
  });
});
