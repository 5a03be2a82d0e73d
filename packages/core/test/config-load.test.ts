import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCliOverride, splitKeyPath } from '../src/config/load.js';
import { KNOWN_CONFIG_KEYS } from '../src/config/schema.js';
import {
  ConfigError,
  type LoadConfigOptions,
  loadConfig,
  profileConfigFile,
  readConfig,
} from '../src/index.js';

let home: string;
const file = () => join(home, 'config.toml');
const write = (text: string, name = 'config.toml') => writeFileSync(join(home, name), text);
const env = {};

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'codex-config-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

/** Loads with no system file unless a test gives one: this machine's /etc stays out of it. */
const load = (options: LoadConfigOptions = {}) =>
  loadConfig({ codexHome: home, env, systemConfigFile: null, ...options });

const failure = async (promise: Promise<unknown>): Promise<ConfigError> => {
  try {
    await promise;
  } catch (error) {
    if (ConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

const EMPTY_VERSION = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

describe('loadConfig: layers', () => {
  it('fills in defaults when no file exists, with the user and system layers only', async () => {
    const system = join(home, 'system.toml');
    const { config, warnings, layers } = await load({ systemConfigFile: system });
    expect(config.model).toBe('gpt-5.1-codex');
    expect(config.modelProviderId).toBe('openai');
    expect(config.approvalPolicy).toBe('on-request');
    expect(config.sandboxMode).toBe('read-only');
    expect(config.cliAuthCredentialsStore).toBe('file');
    expect(warnings).toEqual([]);
    // Highest precedence first; no session-flags layer when no flag was given.
    expect(layers).toEqual([
      { name: { type: 'user', file: file(), profile: null }, version: EMPTY_VERSION, config: {} },
      { name: { type: 'system', file: system }, version: EMPTY_VERSION, config: {} },
    ]);
  });

  it('applies system < config.toml < profile file < -c overrides < typed overrides', async () => {
    const system = join(home, 'system.toml');
    writeFileSync(system, 'model = "system-model"\nmodel_verbosity = "low"\nnotify = ["s"]\n');
    write(`model = "file-model"
sandbox_mode = "workspace-write"
model_reasoning_effort = "low"
notify = ["a", "b"]

[sandbox_workspace_write]
network_access = true
writable_roots = ["/tmp/a"]

[mcp_servers.shared]
command = "base"
args = ["b1"]
`);
    write(
      'model = "profile-model"\nmodel_reasoning_effort = "high"\n[mcp_servers.shared]\ncommand = "prof"\n',
      'fast.config.toml',
    );
    const loaded = await load({
      systemConfigFile: system,
      cliOverrides: ['approval_policy=never', 'sandbox_workspace_write.network_access=false'],
      overrides: { profile: 'fast', model: 'typed-model' },
    });
    const { config, origins, layers } = loaded;
    expect(config.model).toBe('typed-model');
    expect(config.approvalPolicy).toBe('never'); // a bare word is taken as a string
    expect(config.modelReasoningEffort).toBe('high');
    expect(config.modelVerbosity).toBe('low');
    expect(config.profile).toBe('fast');
    expect(config.sandboxWorkspaceWrite).toEqual({
      writableRoots: ['/tmp/a'],
      networkAccess: false,
      excludeTmpdirEnvVar: false,
      excludeSlashTmp: false,
    });
    // Profile files merge key by key: the command from the profile, the args from config.toml.
    expect(loaded.mergedToml.mcp_servers).toEqual({ shared: { command: 'prof', args: ['b1'] } });
    const profileFile = profileConfigFile(home, 'fast');
    expect(layers.map((layer) => layer.name)).toEqual([
      { type: 'sessionFlags' },
      { type: 'user', file: profileFile, profile: 'fast' },
      { type: 'user', file: file(), profile: null },
      { type: 'system', file: system },
    ]);
    expect(origins.model?.name).toEqual({ type: 'sessionFlags' });
    expect(origins.model_reasoning_effort?.name).toEqual({
      type: 'user',
      file: profileFile,
      profile: 'fast',
    });
    expect(origins.model_verbosity?.name).toEqual({ type: 'system', file: system });
    // Arrays are attributed element by element, to the layer that set the whole array.
    expect(origins['notify.0']?.name).toEqual({ type: 'user', file: file(), profile: null });
    expect(origins['notify.1']?.name).toEqual({ type: 'user', file: file(), profile: null });
    expect(origins['mcp_servers.shared.args.0']?.name.type).toBe('user');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sandboxWorkspaceWrite.writableRoots)).toBe(true);
  });

  it('validates the merged result: a bad value a higher layer replaces is harmless', async () => {
    const system = join(home, 'system.toml');
    writeFileSync(system, 'model = 1\n');
    write('model = "user-model"\n');
    const { config, layers } = await load({ systemConfigFile: system });
    expect(config.model).toBe('user-model');
    expect(layers.at(-1)?.config).toEqual({ model: 1 });
  });
});

describe('loadConfig: profiles', () => {
  it('reads <name>.config.toml chosen by the profile option, and refuses bad names', async () => {
    write('model = "base"\n');
    write('model = "work-model"\n', 'work.config.toml');
    expect((await load({ overrides: { profile: 'work' } })).config.model).toBe('work-model');
    expect((await load({ cliOverrides: ['profile=work'] })).config.model).toBe('work-model');
    expect((await load()).config.model).toBe('base');
    const bad = await failure(load({ overrides: { profile: '../work' } }));
    expect(bad.message).toBe(
      'invalid profile name `../work`: use a plain name such as `work` (letters, digits, `-`, `_`)',
    );
  });

  it('fails naming both places for a profile that exists nowhere', async () => {
    const error = await failure(load({ overrides: { profile: 'missing' } }));
    expect(error.code).toBe('profile_not_found');
    expect(error.message).toBe(
      `config profile \`missing\` not found: there is no ${join(home, 'missing.config.toml')} and no [profiles.missing] in ${file()}`,
    );
  });

  it('falls back to a legacy [profiles.x] table, with a deprecation warning', async () => {
    write('model = "base"\n\n[profiles.fast]\nmodel = "legacy-model"\n');
    const { config, warnings, layers } = await load({ overrides: { profile: 'fast' } });
    expect(config.model).toBe('legacy-model');
    expect(layers[0]?.name).toEqual({ type: 'user', file: file(), profile: 'fast' });
    expect(warnings).toEqual([
      {
        summary: '[profiles.fast] in config.toml is deprecated',
        details: `Move these settings into ${join(home, 'fast.config.toml')}; the original Codex no longer reads profile tables.`,
        path: file(),
        range: { start: { line: 3, column: 1 }, end: { line: 4, column: 23 } },
      },
    ]);
  });

  it('honours a legacy profile = "x" selector with a warning; a profile file beats a table', async () => {
    write('profile = "fast"\nmodel = "base"\n\n[profiles.fast]\nmodel = "table-model"\n');
    write('model = "file-model"\n', 'fast.config.toml');
    const { config, warnings } = await load();
    expect(config.model).toBe('file-model');
    expect(warnings.map((warning) => warning.summary)).toEqual([
      '`profile = "fast"` in config.toml is deprecated',
      '[profiles.fast] in config.toml is ignored',
    ]);
  });
});

describe('loadConfig: keys and values', () => {
  it('accepts every key the original accepts, with no warning', async () => {
    const text = readFileSync(
      join(import.meta.dirname, 'fixtures', 'every-key.config.toml'),
      'utf8',
    );
    write(text);
    const loaded = await load();
    expect(Object.keys(loaded.mergedToml).sort()).toEqual([...KNOWN_CONFIG_KEYS].sort());
    expect(KNOWN_CONFIG_KEYS).toHaveLength(106);
    expect(loaded.warnings.map((warning) => warning.summary)).toEqual([
      '`profile = "legacy"` in config.toml is deprecated',
      '[profiles.legacy] in config.toml is deprecated',
    ]);
    // The legacy profile selected by `profile = "legacy"` says `never`; config.toml says granular.
    expect(loaded.config.approvalPolicy).toEqual('never');
    expect(loaded.config.forcedChatgptWorkspaceId).toEqual(['ws-1', 'ws-2']);
    expect(loaded.layers.at(-1)?.config.approval_policy).toEqual({
      granular: {
        sandbox_approval: true,
        rules: false,
        mcp_elicitations: true,
        skill_approval: true,
        request_permissions: false,
      },
    });
    const read = await readConfig({ codexHome: home, env, systemConfigFile: null });
    expect(Object.keys(read.config)).toHaveLength(107);
    expect(read.config.approval_policy).toBe('never');
  });

  it('reports unknown keys of every layer in one warning, as the original does', async () => {
    write(
      'model = "m"\nzz_top = 1\n[model_providers.p]\nname = "P"\nbase_ur = "x"\n[tui]\nzz = 1\n',
    );
    write('zz_profile = true\n', 'p.config.toml');
    const { warnings, config } = await load({
      cliOverrides: ['zz_flag=1'],
      overrides: { profile: 'p' },
    });
    expect(config.model).toBe('m');
    expect(warnings).toEqual([
      {
        summary: `Codex is ignoring 4 unrecognized configuration settings. Check for typos or deprecated settings.\n  user (${file()}): \`model_providers.p.base_ur\` is ignored.\n  user (${file()}): \`zz_top\` is ignored.\n  user (${join(home, 'p.config.toml')}): \`zz_profile\` is ignored.\n  ... and 1 more ignored settings.`,
        details: null,
      },
    ]);
  });

  it('fails on the first unknown key in strict mode, naming file, line and column', async () => {
    write('model = "m"\n\nzz_b = 1\nzz_a = 2\n');
    const error = await failure(load({ strict: true }));
    expect(error.code).toBe('unknown_key');
    expect(error.message).toBe(`${file()}:4:1: unknown configuration field \`zz_a\``);
  });

  it('takes approval policies as the original does', async () => {
    const policy = async (value: string) => {
      write(`approval_policy = ${value}\n`);
      return (await load()).config.approvalPolicy;
    };
    expect(await policy('"on-failure"')).toBe('on-request');
    expect(await policy('"untrusted"')).toBe('untrusted');
    expect(await policy('{ never = {} }')).toBe('never');
    expect(
      await policy(
        '{ granular = { sandbox_approval = true, rules = false, mcp_elicitations = true } }',
      ),
    ).toEqual({ granular: { sandbox_approval: true, rules: false, mcp_elicitations: true } });
    write('approval_policy = { granular = { sandbox_approval = true } }\n');
    expect((await failure(load())).message).toBe(
      `${file()}:1:21: invalid value for \`approval_policy.granular.rules\`: missing field \`rules\`\n${file()}:1:21: invalid value for \`approval_policy.granular.mcp_elicitations\`: missing field \`mcp_elicitations\``,
    );
    write('approval_policy = "On-Request"\n');
    expect((await failure(load())).message).toBe(
      `${file()}:1:1: invalid value for \`approval_policy\`: unknown policy "On-Request", expected one of \`untrusted\`, \`on-failure\`, \`on-request\`, \`granular\`, \`never\``,
    );
  });

  it('takes any non-empty reasoning effort, as written', async () => {
    write('model_reasoning_effort = "HIGH"\n');
    expect((await load()).config.modelReasoningEffort).toBe('HIGH');
    write('# effort\nmodel_reasoning_effort = ""\n');
    const error = await failure(load());
    expect(error.line).toBe(2);
    expect(error.message).toBe(
      `${file()}:2:1: invalid value for \`model_reasoning_effort\`: must not be empty`,
    );
  });

  it('names the file, line, key and allowed values of an invalid value', async () => {
    write('model = "m"\n# comment\nmodel_verbosity = "LOW"\n[history]\npersistence = "SaveAll"\n');
    const error = await failure(load());
    expect(error.code).toBe('invalid_value');
    expect(error.line).toBe(3);
    expect(error.message).toBe(
      `${file()}:3:1: invalid value for \`model_verbosity\`: string "LOW" is not allowed; expected one of "low", "medium", "high"\n${file()}:5:1: invalid value for \`history.persistence\`: string "SaveAll" is not allowed; expected one of "save-all", "none"`,
    );
  });

  it('never repeats a value that may be a secret', async () => {
    const secret = `sk-proj-${'S'.repeat(60)}`;
    write(
      `model_verbosity = "${secret}"\nmodel_context_window = "${secret}"\napproval_policy = "${secret}"\n`,
    );
    const error = await failure(load());
    expect(error.message).not.toContain('SSSS');
    expect(error.message).toBe(
      [
        `${file()}:1:1: invalid value for \`model_verbosity\`: a string is not allowed; expected one of "low", "medium", "high"`,
        `${file()}:2:1: invalid value for \`model_context_window\`: expected number, got a string`,
        `${file()}:3:1: invalid value for \`approval_policy\`: unknown policy (a long string), expected one of \`untrusted\`, \`on-failure\`, \`on-request\`, \`granular\`, \`never\``,
      ].join('\n'),
    );
  });

  it('names the session flags for a bad override', async () => {
    const error = await failure(load({ cliOverrides: ['sandbox_mode=everything'] }));
    expect(error.message).toBe(
      'session-flags: invalid value for `sandbox_mode`: string "everything" is not allowed; expected one of "read-only", "workspace-write", "danger-full-access"',
    );
  });

  it('reports TOML syntax errors with line and column, never quoting the text', async () => {
    write('model = "m"\nexperimental_bearer_token = "sk-SECRET\n');
    const error = await failure(load());
    expect(error.code).toBe('syntax');
    expect(error.line).toBe(2);
    expect(error.message).toMatch(new RegExp(`^${file()}:2:\\d+: invalid TOML: `));
    expect(error.message).not.toContain('SECRET');
  });

  it('parses -c values as TOML and falls back to literal strings', () => {
    expect(parseCliOverride('a.b=1')).toEqual([['a', 'b'], 1]);
    expect(parseCliOverride('a=[1, 2]')).toEqual([['a'], [1, 2]]);
    expect(parseCliOverride('a={ x = true }')).toEqual([['a'], { x: true }]);
    expect(parseCliOverride('model=gpt-5')).toEqual([['model'], 'gpt-5']);
    expect(parseCliOverride('a = "quoted = sign"')).toEqual([['a'], 'quoted = sign']);
    expect(splitKeyPath('projects."/a.b".trust_level')).toEqual([
      'projects',
      '/a.b',
      'trust_level',
    ]);
    expect(() => parseCliOverride('sk-SECRET')).toThrow(
      /^invalid -c override: expected key=value, got no "="$/,
    );
    expect(() => parseCliOverride('=sk-SECRET')).toThrow(
      /^invalid -c override: expected key=value, got no key before "="$/,
    );
    expect(() => parseCliOverride('Bearer sk-SECRET=x')).toThrow(
      /^invalid -c override: the text before "=" is not a key path/,
    );
    expect(() => parseCliOverride('Bearer sk-SECRET=x')).not.toThrow(/SECRET/);
  });
});

describe('loadConfig: providers', () => {
  it('merges user providers over built-ins and resolves the selected one', async () => {
    write(`model_provider = "mock"
[model_providers.mock]
name = "Mock"
base_url = "http://127.0.0.1:9/v1"
wire_api = "chat"
env_key = "MOCK_KEY"
request_max_retries = 0

[model_providers.openai]
base_url = "https://proxy.example/v1"
`);
    const { config } = await load();
    expect(config.modelProvider).toEqual({
      name: 'Mock',
      baseUrl: 'http://127.0.0.1:9/v1',
      envKey: 'MOCK_KEY',
      wireApi: 'chat',
      requestMaxRetries: 0,
      requiresOpenaiAuth: false,
      supportsWebsockets: false,
    });
    expect(config.modelProviders.openai?.baseUrl).toBe('https://proxy.example/v1');
    expect(config.modelProviders.openai?.name).toBe('OpenAI');
    expect(Object.keys(config.modelProviders).sort()).toEqual([
      'lmstudio',
      'mock',
      'ollama',
      'openai',
    ]);
  });

  it('names the file (or the flags) that chose an unknown provider', async () => {
    write('model_provider = "nowhere"\n');
    const missing = await failure(load());
    expect(missing.code).toBe('provider_not_found');
    expect(missing.file).toBe(file());
    expect(missing.message).toBe(
      `${file()}: model_provider = "nowhere" names no provider: it is not built in (openai, ollama, lmstudio) and no [model_providers.nowhere] defines it`,
    );
    write('');
    const flagged = await failure(load({ cliOverrides: ['model_provider=nope'] }));
    expect(flagged.message).toMatch(/^session-flags: model_provider = "nope" names no provider/);
    write('[model_providers.x]\nbase_url = "http://x"\n');
    const nameless = await failure(load());
    expect(nameless.message).toBe('model provider `x` needs a `name` (model_providers.x.name)');
  });

  it('takes CODEX_HOME from the environment', async () => {
    write('model = "from-env-home"\n');
    const { config } = await loadConfig({ env: { CODEX_HOME: home }, systemConfigFile: null });
    expect(config.codexHome).toBe(home);
    expect(config.model).toBe('from-env-home');
  });
});
