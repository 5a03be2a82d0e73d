import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyConfigEdits,
  batchWriteConfig,
  ConfigError,
  contentVersion,
  loadConfig,
  writeConfigValue,
} from '../src/index.js';

let home: string;
let file: string;
const read = () => readFileSync(file, 'utf8');

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'codex-config-write-'));
  file = join(home, 'config.toml');
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

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
  it('creates config.toml with mode 0600 and returns its version', async () => {
    const result = await writeConfigValue('model', 'gpt-5', 'replace', { codexHome: home });
    expect(read()).toBe('model = "gpt-5"\n');
    expect(result).toEqual({ status: 'ok', version: contentVersion(read()), filePath: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('keeps comments and formatting of a hand-edited file across a batch', async () => {
    writeFileSync(file, HAND_WRITTEN);
    await batchWriteConfig(
      [
        { keyPath: 'model', value: 'gpt-5', mergeStrategy: 'replace' },
        { keyPath: 'profiles.fast.model_reasoning_effort', value: 'high', mergeStrategy: 'upsert' },
      ],
      { codexHome: home },
    );
    expect(read()).toBe(
      HAND_WRITTEN.replace('model = "o3"', 'model = "gpt-5"').replace(
        'model = "gpt-5-mini"  # cheap\n',
        'model = "gpt-5-mini"  # cheap\nmodel_reasoning_effort = "high"\n',
      ),
    );
    const { config } = await loadConfig({
      codexHome: home,
      env: {},
      overrides: { profile: 'fast' },
    });
    expect(config.modelReasoningEffort).toBe('high');
  });

  it('refuses a stale expectedVersion so two writers cannot overwrite each other', async () => {
    writeFileSync(file, HAND_WRITTEN);
    const version = contentVersion(HAND_WRITTEN);
    const first = await writeConfigValue('model', 'a', 'replace', {
      codexHome: home,
      expectedVersion: version,
    });
    expect(first.version).not.toBe(version);
    const error = await writeConfigValue('model', 'b', 'replace', {
      codexHome: home,
      expectedVersion: version,
    }).catch((caught: unknown) => caught);
    expect(ConfigError.isInstance(error) && error.code).toBe('version_conflict');
    expect((error as Error).message).toContain(
      `expected version ${version}, found ${first.version}`,
    );
    expect(read()).toContain('model = "a"');
  });

  it('serializes concurrent writers under the lock: no update is lost', async () => {
    await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        writeConfigValue(`profiles.p${index}.model`, `m${index}`, 'replace', { codexHome: home }),
      ),
    );
    const { config } = await loadConfig({ codexHome: home, env: {} });
    expect(Object.keys(config.toml.profiles ?? {}).sort()).toEqual(
      Array.from({ length: 12 }, (_, index) => `p${index}`).sort(),
    );
  });

  it('rejects an invalid value, naming the key and the allowed values, and writes nothing', async () => {
    writeFileSync(file, HAND_WRITTEN);
    const error = await writeConfigValue('approval_policy', 'sometimes', 'replace', {
      codexHome: home,
    }).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe(
      `cannot write \`approval_policy\` to ${file}: string "sometimes" is not allowed; expected one of "untrusted", "on-failure", "on-request", "never"`,
    );
    expect(read()).toBe(HAND_WRITTEN);
  });

  it('does not overwrite a file that is not valid TOML', async () => {
    writeFileSync(file, 'model = \n');
    const error = await writeConfigValue('model', 'x', 'replace', { codexHome: home }).catch(
      (caught: unknown) => caught,
    );
    expect(ConfigError.isInstance(error) && error.code).toBe('syntax');
    expect(read()).toBe('model = \n');
  });

  it('reports okOverridden when a session flag still decides the key', async () => {
    const result = await writeConfigValue('model', 'written', 'replace', {
      codexHome: home,
      cliOverrides: ['model="from-flag"'],
    });
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
