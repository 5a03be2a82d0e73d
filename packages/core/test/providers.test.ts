import { describe, expect, it } from 'vitest';
import {
  builtInModelProviders,
  createOssProvider,
  EnvVarError,
  type ModelProviderInfo,
  providerApiKey,
  providerBaseUrl,
  providerHeaders,
  providerUrl,
  requestMaxRetries,
  streamIdleTimeoutMs,
  streamMaxRetries,
  websocketConnectTimeoutMs,
} from '../src/providers.js';

const provider = (fields: Partial<ModelProviderInfo> = {}): ModelProviderInfo => ({
  name: 'Test',
  wireApi: 'responses',
  requiresOpenaiAuth: false,
  supportsWebsockets: false,
  ...fields,
});

describe('model providers', () => {
  it('has the three built-ins with the original defaults', () => {
    const builtIns = builtInModelProviders(undefined, {});
    expect(Object.keys(builtIns).sort()).toEqual(['lmstudio', 'ollama', 'openai']);
    expect(builtIns.openai).toMatchObject({
      name: 'OpenAI',
      wireApi: 'responses',
      requiresOpenaiAuth: true,
      supportsWebsockets: true,
      envHttpHeaders: {
        'OpenAI-Organization': 'OPENAI_ORGANIZATION',
        'OpenAI-Project': 'OPENAI_PROJECT',
      },
    });
    expect(builtIns.openai?.baseUrl).toBeUndefined();
    expect(builtIns.ollama?.baseUrl).toBe('http://localhost:11434/v1');
    expect(builtIns.lmstudio?.baseUrl).toBe('http://localhost:1234/v1');
    expect(builtInModelProviders('https://proxy/v1', {}).openai?.baseUrl).toBe('https://proxy/v1');
  });

  it('takes CODEX_OSS_PORT and CODEX_OSS_BASE_URL, ignoring blank or bad values', () => {
    expect(createOssProvider(11434, 'responses', { CODEX_OSS_PORT: '9999' }).baseUrl).toBe(
      'http://localhost:9999/v1',
    );
    expect(createOssProvider(11434, 'responses', { CODEX_OSS_PORT: 'abc' }).baseUrl).toBe(
      'http://localhost:11434/v1',
    );
    expect(createOssProvider(11434, 'responses', { CODEX_OSS_PORT: '  ' }).baseUrl).toBe(
      'http://localhost:11434/v1',
    );
    expect(
      createOssProvider(11434, 'chat', {
        CODEX_OSS_PORT: '1',
        CODEX_OSS_BASE_URL: 'http://gpu:8000/v1',
      }),
    ).toMatchObject({ baseUrl: 'http://gpu:8000/v1', wireApi: 'chat', name: 'gpt-oss' });
  });

  it('reads the API key from env_key and explains a missing one', () => {
    const p = provider({
      envKey: 'MY_KEY',
      envKeyInstructions: 'Create one at https://example.com/keys.',
    });
    expect(providerApiKey(p, { MY_KEY: 'sk-1' })).toBe('sk-1');
    expect(providerApiKey(provider(), {})).toBeUndefined();
    for (const env of [{}, { MY_KEY: '   ' }]) {
      let caught: unknown;
      try {
        providerApiKey(p, env);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(EnvVarError);
      expect((caught as EnvVarError).variable).toBe('MY_KEY');
      expect((caught as Error).message).toBe(
        'Missing environment variable: `MY_KEY`. Create one at https://example.com/keys.',
      );
    }
    expect(new EnvVarError('X').message).toBe('Missing environment variable: `X`.');
  });

  it('builds headers from http_headers and non-blank env_http_headers', () => {
    const p = provider({
      httpHeaders: { version: '1', 'X-A': 'a' },
      envHttpHeaders: { 'OpenAI-Organization': 'ORG', 'OpenAI-Project': 'PROJ' },
    });
    expect(providerHeaders(p, { ORG: 'org-1', PROJ: ' ' })).toEqual({
      version: '1',
      'X-A': 'a',
      'OpenAI-Organization': 'org-1',
    });
  });

  it('defaults the base URL by auth mode and appends query params', () => {
    const openai = provider();
    expect(providerBaseUrl(openai, 'chatgpt')).toBe('https://chatgpt.com/backend-api/codex');
    expect(providerBaseUrl(openai, 'chatgptAuthTokens')).toBe(
      'https://chatgpt.com/backend-api/codex',
    );
    expect(providerBaseUrl(openai, 'apikey')).toBe('https://api.openai.com/v1');
    expect(providerBaseUrl(openai, null)).toBe('https://api.openai.com/v1');
    const azure = provider({
      baseUrl: 'https://x.openai.azure.com/openai/',
      queryParams: { 'api-version': '2025-04-01' },
    });
    expect(providerUrl(azure, '/responses')).toBe(
      'https://x.openai.azure.com/openai/responses?api-version=2025-04-01',
    );
  });

  it('defaults and caps retries and timeouts', () => {
    expect(requestMaxRetries(provider())).toBe(4);
    expect(streamMaxRetries(provider())).toBe(5);
    expect(streamIdleTimeoutMs(provider())).toBe(300_000);
    expect(websocketConnectTimeoutMs(provider())).toBe(15_000);
    expect(requestMaxRetries(provider({ requestMaxRetries: 1000 }))).toBe(100);
    expect(streamMaxRetries(provider({ streamMaxRetries: 1000 }))).toBe(100);
    expect(requestMaxRetries(provider({ requestMaxRetries: 0 }))).toBe(0);
    expect(streamIdleTimeoutMs(provider({ streamIdleTimeoutMs: 50 }))).toBe(50);
  });
});
