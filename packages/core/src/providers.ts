import type { AuthMode } from '@codex/auth';
import { CodexError } from '@codex/common';

/** Which HTTP API a provider speaks. */
export const WIRE_APIS = ['responses', 'chat'] as const;
/**
 * Which HTTP API a provider speaks: `responses` (the OpenAI Responses API, the default) or
 * `chat` (streaming Chat Completions, for gateways and local servers that speak nothing else).
 */
export type WireApi = (typeof WIRE_APIS)[number];

/** A model provider: where requests go and how they authenticate. */
export interface ModelProviderInfo {
  /** Friendly name shown to users. */
  readonly name: string;
  /** Base URL; `/responses` or `/chat/completions` is appended. */
  readonly baseUrl?: string;
  /** Environment variable holding the API key. */
  readonly envKey?: string;
  /** Shown with the error when `envKey` is unset. */
  readonly envKeyInstructions?: string;
  /** A bearer token used as is (no environment lookup). */
  readonly experimentalBearerToken?: string;
  /** The API spoken: `responses` (the Responses API) or `chat` (Chat Completions). */
  readonly wireApi: WireApi;
  /** Appended to every request URL. */
  readonly queryParams?: Readonly<Record<string, string>>;
  /** Static headers sent with every request. */
  readonly httpHeaders?: Readonly<Record<string, string>>;
  /** Header name → environment variable; sent when the variable is set and not blank. */
  readonly envHttpHeaders?: Readonly<Record<string, string>>;
  /** Retries of a failed request (`request_max_retries`). Default 4, at most 100. */
  readonly requestMaxRetries?: number;
  /** Retries of a stream that ended early (`stream_max_retries`). Default 5, at most 100. */
  readonly streamMaxRetries?: number;
  /** How long a stream may stay silent before it is abandoned, in ms. Default 300 s. */
  readonly streamIdleTimeoutMs?: number;
  /** Bound on opening a WebSocket to the provider, in ms. Default 15 s. */
  readonly websocketConnectTimeoutMs?: number;
  /** Whether the provider takes OpenAI credentials (API key or ChatGPT login). */
  readonly requiresOpenaiAuth: boolean;
  /** Whether the provider takes the Responses API over WebSocket. */
  readonly supportsWebsockets: boolean;
}

export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
export const DEFAULT_STREAM_MAX_RETRIES = 5;
export const DEFAULT_REQUEST_MAX_RETRIES = 4;
export const DEFAULT_WEBSOCKET_CONNECT_TIMEOUT_MS = 15_000;
export const MAX_STREAM_MAX_RETRIES = 100;
export const MAX_REQUEST_MAX_RETRIES = 100;

export const OPENAI_PROVIDER_ID = 'openai';
export const OPENAI_PROVIDER_NAME = 'OpenAI';
export const OLLAMA_OSS_PROVIDER_ID = 'ollama';
export const LMSTUDIO_OSS_PROVIDER_ID = 'lmstudio';
export const DEFAULT_OLLAMA_PORT = 11434;
export const DEFAULT_LMSTUDIO_PORT = 1234;

export const OPENAI_API_BASE_URL = 'https://api.openai.com/v1';
export const CHATGPT_CODEX_BASE_URL = 'https://chatgpt.com/backend-api/codex';

/** The package version sent as the `version` header by the OpenAI provider. */
export const CODEX_TS_VERSION = '0.1.0';

type Env = Readonly<Record<string, string | undefined>>;

const nonBlank = (value: string | undefined): string | undefined =>
  value !== undefined && value.trim().length > 0 ? value : undefined;

/** A required environment variable is missing or blank. */
export class EnvVarError extends CodexError<'missing_env_var'> {
  static override readonly brand = 'codex.core.EnvVarError';
  /** The variable's name. */
  readonly variable: string;
  /** How to obtain a value, when the provider says. */
  readonly instructions: string | undefined;

  constructor(variable: string, instructions?: string) {
    super(
      'missing_env_var',
      `Missing environment variable: \`${variable}\`.${instructions ? ` ${instructions}` : ''}`,
    );
    this.variable = variable;
    this.instructions = instructions;
  }
}

/** Retries for failed requests: the configured value, default 4, at most 100. */
export function requestMaxRetries(provider: ModelProviderInfo): number {
  return Math.min(
    provider.requestMaxRetries ?? DEFAULT_REQUEST_MAX_RETRIES,
    MAX_REQUEST_MAX_RETRIES,
  );
}

/** Retries for streams that end early: the configured value, default 5, at most 100. */
export function streamMaxRetries(provider: ModelProviderInfo): number {
  return Math.min(provider.streamMaxRetries ?? DEFAULT_STREAM_MAX_RETRIES, MAX_STREAM_MAX_RETRIES);
}

/** How long a stream may stay silent before it is abandoned; default 300 s. */
export function streamIdleTimeoutMs(provider: ModelProviderInfo): number {
  return provider.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
}

/** Default 15 s. */
export function websocketConnectTimeoutMs(provider: ModelProviderInfo): number {
  return provider.websocketConnectTimeoutMs ?? DEFAULT_WEBSOCKET_CONNECT_TIMEOUT_MS;
}

/**
 * The provider's API key from `envKey`: undefined when the provider names no variable, an
 * {@link EnvVarError} when it names one that is unset or blank.
 */
export function providerApiKey(
  provider: ModelProviderInfo,
  env: Env = process.env,
): string | undefined {
  if (provider.envKey === undefined) return undefined;
  const value = nonBlank(env[provider.envKey]);
  if (value === undefined) throw new EnvVarError(provider.envKey, provider.envKeyInstructions);
  return value;
}

/** Static headers plus those whose environment variable is set and not blank. */
export function providerHeaders(
  provider: ModelProviderInfo,
  env: Env = process.env,
): Record<string, string> {
  const headers: Record<string, string> = { ...provider.httpHeaders };
  for (const [header, variable] of Object.entries(provider.envHttpHeaders ?? {})) {
    const value = nonBlank(env[variable]);
    if (value !== undefined) headers[header] = value;
  }
  return headers;
}

/**
 * The base URL requests go to: the configured one, else the ChatGPT backend when signed in with
 * ChatGPT, else the OpenAI API. Trailing slashes are dropped.
 */
export function providerBaseUrl(provider: ModelProviderInfo, authMode?: AuthMode | null): string {
  const fallback =
    authMode === 'chatgpt' || authMode === 'chatgptAuthTokens'
      ? CHATGPT_CODEX_BASE_URL
      : OPENAI_API_BASE_URL;
  return (provider.baseUrl ?? fallback).replace(/\/+$/, '');
}

/** The full URL of `path` (e.g. `/responses`) with the provider's query parameters. */
export function providerUrl(
  provider: ModelProviderInfo,
  path: string,
  authMode?: AuthMode | null,
): string {
  const url = new URL(`${providerBaseUrl(provider, authMode)}${path}`);
  for (const [key, value] of Object.entries(provider.queryParams ?? {}))
    url.searchParams.set(key, value);
  return url.toString();
}

/** True for the built-in OpenAI provider. */
export function isOpenaiProvider(provider: ModelProviderInfo): boolean {
  return provider.name === OPENAI_PROVIDER_NAME;
}

/** The built-in OpenAI provider; `baseUrl` comes from `openai_base_url` when set. */
export function createOpenaiProvider(baseUrl?: string): ModelProviderInfo {
  return {
    name: OPENAI_PROVIDER_NAME,
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    wireApi: 'responses',
    httpHeaders: { version: CODEX_TS_VERSION },
    envHttpHeaders: {
      'OpenAI-Organization': 'OPENAI_ORGANIZATION',
      'OpenAI-Project': 'OPENAI_PROJECT',
    },
    requiresOpenaiAuth: true,
    supportsWebsockets: true,
  };
}

/** A local open-source model server (Ollama, LM Studio) at `baseUrl`. */
export function createOssProviderWithBaseUrl(
  baseUrl: string,
  wireApi: WireApi = 'responses',
): ModelProviderInfo {
  return {
    name: 'gpt-oss',
    baseUrl,
    wireApi,
    requiresOpenaiAuth: false,
    supportsWebsockets: false,
  };
}

/**
 * A local open-source provider: `CODEX_OSS_BASE_URL` when set, else
 * `http://localhost:<CODEX_OSS_PORT or defaultPort>/v1`.
 */
export function createOssProvider(
  defaultPort: number,
  wireApi: WireApi = 'responses',
  env: Env = process.env,
): ModelProviderInfo {
  const portText = nonBlank(env.CODEX_OSS_PORT);
  const parsedPort = portText !== undefined ? Number(portText.trim()) : Number.NaN;
  const port =
    Number.isInteger(parsedPort) && parsedPort > 0 && parsedPort <= 65_535
      ? parsedPort
      : defaultPort;
  const baseUrl = nonBlank(env.CODEX_OSS_BASE_URL) ?? `http://localhost:${port}/v1`;
  return createOssProviderWithBaseUrl(baseUrl, wireApi);
}

/** `openai`, `ollama` and `lmstudio`; user entries in `model_providers` merge over these. */
export function builtInModelProviders(
  openaiBaseUrl?: string,
  env: Env = process.env,
): Record<string, ModelProviderInfo> {
  return {
    [OPENAI_PROVIDER_ID]: createOpenaiProvider(openaiBaseUrl),
    [OLLAMA_OSS_PROVIDER_ID]: createOssProvider(DEFAULT_OLLAMA_PORT, 'responses', env),
    [LMSTUDIO_OSS_PROVIDER_ID]: createOssProvider(DEFAULT_LMSTUDIO_PORT, 'responses', env),
  };
}
