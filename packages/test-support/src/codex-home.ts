import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Settings for {@link createTempCodexHome}. */
export interface TempCodexHomeOptions {
  /** The mock's base URL (`MockResponsesServer.url`); adds a `mock` provider when given. */
  readonly providerBaseUrl?: string;
  readonly model?: string;
  readonly approvalPolicy?: 'untrusted' | 'on-failure' | 'on-request' | 'never';
  readonly sandboxMode?: 'read-only' | 'workspace-write' | 'danger-full-access';
  /** Name of the env var holding the provider's API key. Default `MOCK_API_KEY`. */
  readonly envKey?: string;
  /** Appended verbatim to config.toml. */
  readonly extraToml?: string;
}

/** A temporary `CODEX_HOME` with a config.toml; `dispose` removes it. */
export interface TempCodexHome {
  readonly path: string;
  readonly configPath: string;
  /** Environment for a child process using this home (`CODEX_HOME`, the API key variable). */
  readonly env: Readonly<Record<string, string>>;
  dispose(): void;
}

const tomlString = (value: string) => JSON.stringify(value);

/** Creates a fresh `CODEX_HOME` whose config points a `mock` provider at the mock server. */
export function createTempCodexHome(options: TempCodexHomeOptions = {}): TempCodexHome {
  const path = mkdtempSync(join(tmpdir(), 'codex-home-'));
  const configPath = join(path, 'config.toml');
  const envKey = options.envKey ?? 'MOCK_API_KEY';
  const lines = [
    `model = ${tomlString(options.model ?? 'mock-model')}`,
    ...(options.providerBaseUrl ? ['model_provider = "mock"'] : []),
    `approval_policy = ${tomlString(options.approvalPolicy ?? 'never')}`,
    `sandbox_mode = ${tomlString(options.sandboxMode ?? 'danger-full-access')}`,
    '',
  ];
  if (options.providerBaseUrl) {
    lines.push(
      '[model_providers.mock]',
      'name = "Mock Responses"',
      `base_url = ${tomlString(options.providerBaseUrl)}`,
      'wire_api = "responses"',
      `env_key = ${tomlString(envKey)}`,
      'request_max_retries = 0',
      'stream_max_retries = 0',
      'stream_idle_timeout_ms = 60000',
      '',
    );
  }
  if (options.extraToml) lines.push(options.extraToml, '');
  writeFileSync(configPath, lines.join('\n'));
  return {
    path,
    configPath,
    env: { CODEX_HOME: path, [envKey]: 'dummy' },
    dispose: () => rmSync(path, { recursive: true, force: true }),
  };
}
