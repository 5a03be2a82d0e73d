import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseCliOverride, splitKeyPath } from '../src/index.js';

let home: string;
const write = (text: string) => writeFileSync(join(home, 'config.toml'), text);
const env = {};

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'codex-config-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const load = (options: Parameters<typeof loadConfig>[0] = {}) =>
  loadConfig({ codexHome: home, env, ...options });

const failure = async (promise: Promise<unknown>): Promise<ConfigError> => {
  try {
    await promise;
  } catch (error) {
    if (ConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('fills in defaults when config.toml does not exist', async () => {
    const { config, warnings, layers } = await load();
    expect(config.model).toBe('gpt-5.1-codex');
    expect(config.modelProviderId).toBe('openai');
    expect(config.modelProvider.name).toBe('OpenAI');
    expect(config.approvalPolicy).toBe('on-request');
    expect(config.sandboxMode).toBe('read-only');
    expect(config.cliAuthCredentialsStore).toBe('file');
    expect(config.projectDocMaxBytes).toBe(32 * 1024);
    expect(config.shellEnvironmentPolicy.inherit).toBe('all');
    expect(warnings).toEqual([]);
    expect(layers.map((layer) => layer.name.type)).toEqual(['user', 'sessionFlags']);
    expect(layers[0]?.version).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('applies defaults < config.toml < profile < -c overrides < typed overrides', async () => {
    write(`model = "file-model"
approval_policy = "untrusted"
sandbox_mode = "workspace-write"
model_reasoning_effort = "low"
profile = "fast"

[profiles.fast]
model = "profile-model"
approval_policy = "on-failure"
model_reasoning_effort = "high"

[sandbox_workspace_write]
network_access = true
writable_roots = ["/tmp/a"]
`);
    const fileOnly = await load({ overrides: { profile: undefined } });
    expect(fileOnly.config.profile).toBe('fast');
    expect(fileOnly.config.model).toBe('profile-model');
    expect(fileOnly.config.sandboxMode).toBe('workspace-write');
    expect(fileOnly.config.sandboxWorkspaceWrite).toEqual({
      writableRoots: ['/tmp/a'],
      networkAccess: true,
      excludeTmpdirEnvVar: false,
      excludeSlashTmp: false,
    });

    const withCli = await load({
      cliOverrides: [
        'model="cli-model"',
        'approval_policy=never',
        'sandbox_workspace_write.network_access=false',
      ],
    });
    expect(withCli.config.model).toBe('cli-model');
    expect(withCli.config.approvalPolicy).toBe('never'); // a bare word is taken as a string
    expect(withCli.config.modelReasoningEffort).toBe('high'); // still from the profile
    expect(withCli.config.sandboxWorkspaceWrite.networkAccess).toBe(false);
    expect(withCli.config.sandboxWorkspaceWrite.writableRoots).toEqual(['/tmp/a']);

    const typed = await load({
      cliOverrides: ['model="cli-model"'],
      overrides: { model: 'typed-model', approvalPolicy: 'on-request' },
    });
    expect(typed.config.model).toBe('typed-model');
    expect(typed.config.approvalPolicy).toBe('on-request');
    expect(typed.origins.model?.name).toEqual({ type: 'sessionFlags' });
    expect(typed.origins.model_reasoning_effort?.name).toEqual({
      type: 'user',
      file: join(home, 'config.toml'),
      profile: 'fast',
    });
    expect(typed.origins['sandbox_workspace_write.network_access']?.name).toEqual({
      type: 'user',
      file: join(home, 'config.toml'),
      profile: null,
    });
    expect(Object.isFrozen(typed.config)).toBe(true);
    expect(Object.isFrozen(typed.config.sandboxWorkspaceWrite.writableRoots)).toBe(true);
  });

  it('selects a profile by override and fails naming a profile that does not exist', async () => {
    write('[profiles.a]\nmodel = "a-model"\n');
    expect((await load({ overrides: { profile: 'a' } })).config.model).toBe('a-model');
    expect((await load({ cliOverrides: ['profile=a'] })).config.model).toBe('a-model');
    const error = await failure(load({ overrides: { profile: 'missing' } }));
    expect(error.code).toBe('profile_not_found');
    expect(error.message).toBe(
      `config profile \`missing\` not found in ${join(home, 'config.toml')}`,
    );
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
    expect(() => parseCliOverride('novalue')).toThrow(
      'invalid -c override `novalue`: expected key=value',
    );
  });

  it('warns about unknown keys with their line, and fails on them in strict mode', async () => {
    write(
      'model = "m"\n\nmodle_provider = "typo"\n[model_providers.x]\nname = "X"\nbase_ur = "http://x"\n',
    );
    const { warnings, config } = await load();
    expect(config.model).toBe('m');
    expect(warnings.map((warning) => warning.summary)).toEqual([
      'Unknown key `modle_provider` in config.toml is ignored',
      'Unknown key `model_providers.x.base_ur` in config.toml is ignored',
    ]);
    expect(warnings[0]?.range?.start.line).toBe(3);
    expect(warnings[1]?.details).toContain(`${join(home, 'config.toml')}:6:`);
    const error = await failure(load({ strict: true }));
    expect(error.code).toBe('unknown_key');
    expect(error.message).toBe(`${join(home, 'config.toml')}:3: unknown key \`modle_provider\``);
  });

  it('does not warn about keys the released original accepts but this package does not interpret', async () => {
    write(
      'notify = ["say", "done"]\n[projects."/repo"]\ntrust_level = "trusted"\n[features]\nx = true\n',
    );
    const { warnings, config } = await load();
    expect(warnings).toEqual([]);
    expect(config.toml.projects).toEqual({ '/repo': { trust_level: 'trusted' } });
  });

  it('names the key, file, line and allowed values of an invalid value', async () => {
    write('model = "m"\n# comment\napproval_policy = "sometimes"\n');
    const error = await failure(load());
    expect(error.code).toBe('invalid_value');
    expect(error.line).toBe(3);
    expect(error.message).toBe(
      `${join(home, 'config.toml')}:3: invalid value for \`approval_policy\`: string "sometimes" is not allowed; expected one of "untrusted", "on-failure", "on-request", "never"`,
    );
  });

  it('reports wrong types and negative counts inside tables', async () => {
    write(
      '[model_providers.p]\nname = "P"\nrequest_max_retries = -1\n\n[sandbox_workspace_write]\nnetwork_access = "yes"\n',
    );
    const error = await failure(load());
    expect(error.message).toContain(
      `${join(home, 'config.toml')}:3: invalid value for \`model_providers.p.request_max_retries\`: must be at least 0, got number -1`,
    );
    expect(error.message).toContain(
      `${join(home, 'config.toml')}:6: invalid value for \`sandbox_workspace_write.network_access\`: expected boolean, got string "yes"`,
    );
  });

  it('reports TOML syntax errors with line and column', async () => {
    write('model = "m"\nsandbox_mode = "read-only\n');
    const error = await failure(load());
    expect(error.code).toBe('syntax');
    expect(error.line).toBe(2);
    expect(error.message).toMatch(
      new RegExp(`^${join(home, 'config.toml')}:2:\\d+: invalid TOML: `),
    );
  });

  it('rejects invalid override values, naming the key', async () => {
    const error = await failure(load({ cliOverrides: ['sandbox_mode=everything'] }));
    expect(error.message).toBe(
      'override: invalid value for `sandbox_mode`: string "everything" is not allowed; expected one of "read-only", "workspace-write", "danger-full-access"',
    );
  });

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
    expect(config.modelProviders.openai?.requiresOpenaiAuth).toBe(true);
    expect(Object.keys(config.modelProviders).sort()).toEqual([
      'lmstudio',
      'mock',
      'ollama',
      'openai',
    ]);
  });

  it('fails for an unknown provider id and for a new provider without a name', async () => {
    write('model_provider = "nowhere"\n');
    const missing = await failure(load());
    expect(missing.code).toBe('provider_not_found');
    expect(missing.message).toContain('Model provider `nowhere` not found');
    write('[model_providers.x]\nbase_url = "http://x"\n');
    const nameless = await failure(load());
    expect(nameless.message).toBe('model provider `x` needs a `name` (model_providers.x.name)');
  });

  it('takes CODEX_HOME from the environment', async () => {
    write('model = "from-env-home"\n');
    const { config } = await loadConfig({ env: { CODEX_HOME: home } });
    expect(config.codexHome).toBe(home);
    expect(config.model).toBe('from-env-home');
  });
});
