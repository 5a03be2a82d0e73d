import { arch, platform, release } from 'node:os';
import { CodexError, defaultLogger, type Logger } from '@codex/common';
import {
  AuthManager,
  bearerToken,
  type CodexAuth,
  environmentApiKeyAuth,
  type ModelAuthProvider,
} from '../auth/manager.js';
import { RefreshTokenError } from '../auth/refresh.js';
import type { Config } from '../config/load.js';
import { asRecord } from '../json.js';
import {
  CODEX_TS_VERSION,
  type ModelProviderInfo,
  providerApiKey,
  providerHeaders,
  providerUrl,
  requestMaxRetries,
  streamIdleTimeoutMs,
  streamMaxRetries,
} from '../providers.js';
import { buildChatRequest, ChatEventMapper } from './chat.js';
import {
  CONTEXT_WINDOW_EXCEEDED_MESSAGE,
  ModelError,
  QUOTA_EXCEEDED_MESSAGE,
  USAGE_NOT_INCLUDED_MESSAGE,
  usageLimitMessage,
} from './errors.js';
import { nodeFetch } from './http.js';
import {
  buildResponsesRequest,
  parseItem,
  ResponsesEventMapper,
  serializeItem,
  type TurnSettings,
} from './responses.js';
import { readSseEvents, SseIdleTimeout } from './sse.js';
import type { Prompt, ResponseEvent, ResponseItem } from './types.js';

export const DEFAULT_ORIGINATOR = 'codex_cli_rs';

/** Options of {@link ModelClient}. */
export interface ModelClientOptions {
  /** The provider to call, with its URL, credentials and retry settings. */
  readonly provider: ModelProviderInfo;
  /**
   * Credentials for providers that take OpenAI auth (`requires_openai_auth`), such as an
   * `AuthManager`. Without one, `CODEX_API_KEY` or `OPENAI_API_KEY` from `env` is used, and a
   * turn with neither fails with `not_logged_in`.
   */
  readonly auth?: ModelAuthProvider;
  /** Settings every turn uses unless it overrides them (`fromConfig` fills them from the config). */
  readonly defaults?: Partial<TurnSettings>;
  /** Sent as `originator`. Default `CODEX_INTERNAL_ORIGINATOR_OVERRIDE`, else `codex_cli_rs`. */
  readonly originator?: string;
  /** Appended to the user agent, e.g. `"my-editor; 1.2.3"`. */
  readonly userAgentSuffix?: string;
  /** First retry delay; doubles each attempt, with ±10 % jitter. Default 200 ms. */
  readonly retryBaseDelayMs?: number;
  /** Upper bound on any single retry delay, including server-requested ones. Default 60 s. */
  readonly maxRetryDelayMs?: number;
  /** Environment for API keys and provider variables. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default: a `node:http` client that closes abandoned streams at once (see `nodeFetch`). */
  readonly fetch?: typeof fetch;
  /** Where retries and recovered problems go. Default `defaultLogger`. */
  readonly logger?: Logger;
  /** Random source for jitter (tests). */
  readonly random?: () => number;
}

/** Per-call options of {@link ModelClient.stream}: the client's defaults, overridden. */
export interface StreamOptions extends Partial<TurnSettings> {
  /** Interrupts the turn: the request or stream is cancelled and `interrupted` is thrown. */
  readonly signal?: AbortSignal;
}

/** A prompt given as plain text: one user message. */
function promptOf(prompt: Prompt | string): Prompt {
  if (typeof prompt !== 'string') return prompt;
  const message: ResponseItem = {
    type: 'message',
    role: 'user',
    content: [{ type: 'input_text', text: prompt }],
  };
  return { input: [message] };
}

const RETRYABLE_STATUS = new Set([408, 409, 429]);

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

const interrupted = (cause?: unknown) =>
  new ModelError('interrupted', 'the turn was interrupted', { cause });

/** Parses `retry-after-ms`, else `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

const requestIdOf = (headers: Headers) =>
  headers.get('x-request-id') ??
  headers.get('x-oai-request-id') ??
  headers.get('cf-ray') ??
  undefined;

/** The typed error for a non-2xx response. */
export async function httpError(response: Response): Promise<ModelError> {
  const text = await response.text().catch(() => '');
  let body: Record<string, unknown> = {};
  try {
    body = asRecord(JSON.parse(text));
  } catch {
    // Not JSON: the text is quoted in the message below.
  }
  const error = asRecord(body.error);
  const type = typeof error.type === 'string' ? error.type : undefined;
  const code = typeof error.code === 'string' ? error.code : type;
  const message = typeof error.message === 'string' ? error.message : text.slice(0, 1000);
  const status = response.status;
  const requestId = requestIdOf(response.headers);
  const details = { status, requestId, apiCode: code };
  const suffix = requestId ? ` (request id: ${requestId})` : '';
  if (status === 429 && (type === 'usage_limit_reached' || code === 'usage_limit_reached')) {
    const resetsAtSeconds = typeof error.resets_at === 'number' ? error.resets_at : undefined;
    const resetsInSeconds =
      typeof error.resets_in_seconds === 'number' ? error.resets_in_seconds : undefined;
    const resetsAt =
      resetsAtSeconds !== undefined
        ? new Date(resetsAtSeconds * 1000)
        : resetsInSeconds !== undefined
          ? new Date(Date.now() + resetsInSeconds * 1000)
          : undefined;
    const planType = typeof error.plan_type === 'string' ? error.plan_type : undefined;
    return new ModelError('usage_limit', usageLimitMessage(resetsAt, planType), {
      ...details,
      resetsAt,
      planType,
    });
  }
  if (type === 'usage_not_included' || code === 'usage_not_included')
    return new ModelError('usage_not_included', USAGE_NOT_INCLUDED_MESSAGE, details);
  if (code === 'insufficient_quota')
    return new ModelError('quota_exceeded', QUOTA_EXCEEDED_MESSAGE, details);
  if (code === 'context_length_exceeded')
    return new ModelError('context_window_exceeded', CONTEXT_WINDOW_EXCEEDED_MESSAGE, details);
  const statusText = `${status}${response.statusText ? ` ${response.statusText}` : ''}`;
  if (status === 401)
    return new ModelError(
      'unauthorized',
      `the model provider rejected the credentials (401 Unauthorized): ${message || 'no details'}. Log in again or check the API key${suffix}`,
      details,
    );
  if (status === 429)
    return new ModelError(
      'rate_limited',
      `rate limited (429): ${message || 'too many requests'}${suffix}`,
      {
        ...details,
        retryable: true,
        retryAfterMs: retryAfterMs(response.headers),
      },
    );
  if (status >= 500 || RETRYABLE_STATUS.has(status))
    return new ModelError(
      'server_error',
      `the model server answered ${statusText}: ${message || 'no details'}${suffix}`,
      {
        ...details,
        retryable: true,
        retryAfterMs: retryAfterMs(response.headers),
      },
    );
  return new ModelError(
    'bad_request',
    `the model server refused the request with ${statusText}: ${message || 'no details'}${suffix}`,
    details,
  );
}

/**
 * Streams model turns from one provider, over the Responses API or Chat Completions
 * (`wire_api`), with the same events either way.
 *
 * Failed requests (connection errors, 408/409/429/5xx) are retried up to `request_max_retries`
 * times, honouring `retry-after-ms` / `retry-after`, else with exponential backoff and jitter. A
 * stream that breaks or stays silent for `stream_idle_timeout_ms` before completing is sent again
 * up to `stream_max_retries` times; a `retrying` event tells the consumer to drop partial output.
 * A 401 triggers one credential refresh and one more try.
 */
export class ModelClient {
  private readonly options: ModelClientOptions;
  private readonly logger: Logger;

  constructor(options: ModelClientOptions) {
    this.options = options;
    this.logger = options.logger ?? defaultLogger;
  }

  /**
   * A client for the config's provider, with an `AuthManager` for its credentials (stored
   * login, API key, refresh) and the config's model, reasoning effort, summary and verbosity as
   * the defaults of every turn.
   */
  static fromConfig(
    config: Config,
    options: Omit<ModelClientOptions, 'provider'> & {
      readonly env?: Readonly<Record<string, string | undefined>>;
    } = {},
  ): ModelClient {
    return new ModelClient({
      ...options,
      provider: config.modelProvider,
      auth:
        options.auth ??
        AuthManager.fromConfig(config, {
          env: options.env,
          fetch: options.fetch,
          logger: options.logger,
        }),
      defaults: {
        model: config.model,
        reasoningEffort: config.modelReasoningEffort,
        reasoningSummary: config.modelReasoningSummary,
        verbosity: config.modelVerbosity,
        ...options.defaults,
      },
    });
  }

  /** The provider this client calls. */
  get provider(): ModelProviderInfo {
    return this.options.provider;
  }

  private get env() {
    return this.options.env ?? process.env;
  }

  /** The `originator` header value. */
  get originator(): string {
    return (
      this.options.originator ?? this.env.CODEX_INTERNAL_ORIGINATOR_OVERRIDE ?? DEFAULT_ORIGINATOR
    );
  }

  /** The `user-agent` header value. */
  get userAgent(): string {
    const base = `${this.originator}/${CODEX_TS_VERSION} (${platform()} ${release()}; ${arch()}) node/${process.versions.node}`;
    return this.options.userAgentSuffix ? `${base} (${this.options.userAgentSuffix})` : base;
  }

  /** The request body `stream` would send (for logging and tests). */
  buildRequest(
    prompt: Prompt | string,
    options: Partial<TurnSettings> = {},
  ): Record<string, unknown> {
    const settings = this.settings(options);
    return this.provider.wireApi === 'chat'
      ? buildChatRequest(promptOf(prompt), settings)
      : buildResponsesRequest(promptOf(prompt), settings);
  }

  /** The turn settings: the client's defaults, then the call's. */
  private settings(options: Partial<TurnSettings>): TurnSettings {
    const defined = Object.fromEntries(
      Object.entries(options).filter(([, value]) => value !== undefined),
    ) as Partial<TurnSettings>;
    const merged = { ...this.options.defaults, ...defined };
    const { model } = merged;
    if (model === undefined || model.length === 0)
      throw new TypeError(
        'no model for this turn: pass `model` to stream(), or give the client defaults (ModelClient.fromConfig)',
      );
    return { ...merged, model };
  }

  /**
   * Streams one model turn: `prompt` is the conversation (or a plain string, one user message),
   * `options` override the client's defaults. See the class notes for retries and errors.
   */
  async *stream(
    prompt: Prompt | string,
    options: StreamOptions = {},
  ): AsyncGenerator<ResponseEvent> {
    const maxStreamRetries = streamMaxRetries(this.provider);
    const turn = promptOf(prompt);
    const body = JSON.stringify(this.buildRequest(turn, options));
    // A missing `env_key` variable will not appear by retrying: fail before the first request.
    providerApiKey(this.provider, this.env);
    const customTools = new Set(
      (turn.tools ?? []).flatMap((tool) => (tool.type === 'custom' ? [tool.name] : [])),
    );
    for (let attempt = 0; ; attempt++) {
      try {
        yield* this.streamOnce(body, options, customTools);
        return;
      } catch (error) {
        if (options.signal?.aborted) throw interrupted(error);
        // Configuration and credential errors (EnvVarError, RefreshTokenError…) are not the
        // stream's fault: retrying cannot help.
        if (
          CodexError.isInstance(error) &&
          !ModelError.isInstance(error) &&
          !SseIdleTimeout.isInstance(error)
        )
          throw error;
        const failure = ModelError.isInstance(error)
          ? error
          : SseIdleTimeout.isInstance(error)
            ? new ModelError(
                'stream_disconnected',
                `stream disconnected before completion: ${error.message}`,
                {
                  retryable: true,
                  cause: error,
                },
              )
            : new ModelError(
                'stream_disconnected',
                `stream disconnected before completion: ${(error as Error).message}`,
                {
                  retryable: true,
                  cause: error,
                },
              );
        if (!failure.retryable) throw failure;
        if (attempt >= maxStreamRetries) {
          if (maxStreamRetries === 0) throw failure;
          throw new ModelError(
            failure.code,
            `${failure.message} (after ${maxStreamRetries} retries)`,
            {
              status: failure.status,
              requestId: failure.requestId,
              apiCode: failure.apiCode,
              cause: failure,
            },
          );
        }
        const delayMs = this.delayFor(attempt + 1, failure.retryAfterMs);
        this.logger.warn(
          `model stream failed (${failure.message}); retry ${attempt + 1}/${maxStreamRetries} in ${delayMs} ms`,
        );
        yield {
          type: 'retrying',
          attempt: attempt + 1,
          maxAttempts: maxStreamRetries,
          delayMs,
          reason: failure.message,
        };
        try {
          await sleep(delayMs, options.signal);
        } catch (abortError) {
          throw interrupted(abortError);
        }
      }
    }
  }

  /**
   * Asks the provider to compact a conversation (`POST /responses/compact`, OpenAI's remote
   * compaction): returns the items that replace it. One attempt; the caller falls back to a
   * local summary on failure.
   */
  async compactHistory(
    input: readonly ResponseItem[],
    options: Partial<TurnSettings> & { readonly signal?: AbortSignal } = {},
  ): Promise<ResponseItem[]> {
    const settings = this.settings(options);
    const auth = await this.currentAuth();
    const headers: Record<string, string> = {
      ...(await this.headers(auth)),
      accept: 'application/json',
    };
    if (options.threadId !== undefined) headers.session_id = options.threadId;
    const url = providerUrl(this.provider, '/responses/compact', auth?.mode ?? null);
    const body = JSON.stringify({
      model: settings.model,
      input: input.flatMap((item) => serializeItem(item) ?? []),
      instructions: '',
    });
    const doFetch = this.options.fetch ?? nodeFetch;
    let response: Response;
    try {
      response = await doFetch(url, { method: 'POST', headers, body, signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw interrupted(error);
      throw new ModelError(
        'connection_failed',
        `could not reach ${url}: ${describeFetchError(error)}`,
        {
          cause: error,
        },
      );
    }
    if (!response.ok) throw await httpError(response);
    const output = asRecord(await response.json().catch(() => ({}))).output;
    if (!Array.isArray(output))
      throw new ModelError('bad_request', `${url} answered without an \`output\` list`);
    return output.map(parseItem).filter((item) => item.type !== 'other');
  }

  /** Backoff for retry `attempt` (1-based), or the server's delay; capped. */
  private delayFor(attempt: number, serverDelayMs: number | undefined): number {
    const cap = this.options.maxRetryDelayMs ?? 60_000;
    if (serverDelayMs !== undefined) return Math.min(serverDelayMs, cap);
    const base = (this.options.retryBaseDelayMs ?? 200) * 2 ** (attempt - 1);
    const jitter = 0.9 + (this.options.random ?? Math.random)() * 0.2;
    return Math.min(Math.round(base * jitter), cap);
  }

  private async headers(auth: CodexAuth | null): Promise<Record<string, string>> {
    const provider = this.provider;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      originator: this.originator,
      'user-agent': this.userAgent,
      ...providerHeaders(provider, this.env),
    };
    const token =
      provider.experimentalBearerToken ??
      providerApiKey(provider, this.env) ??
      (auth ? bearerToken(auth) : undefined);
    if (token) headers.authorization = `Bearer ${token}`;
    if (
      auth &&
      auth.mode !== 'apikey' &&
      auth.accountId &&
      !provider.envKey &&
      !provider.experimentalBearerToken
    )
      headers['chatgpt-account-id'] = auth.accountId;
    if (provider.wireApi === 'responses') headers['OpenAI-Beta'] = 'responses=experimental';
    return headers;
  }

  /** Credentials for a provider that takes OpenAI auth: the auth provider's, else the environment's. */
  private async currentAuth(): Promise<CodexAuth | null> {
    const provider = this.provider;
    if (provider.experimentalBearerToken !== undefined || provider.envKey !== undefined)
      return null;
    if (!provider.requiresOpenaiAuth) return null;
    const auth = this.options.auth
      ? await this.options.auth.auth()
      : environmentApiKeyAuth(this.env);
    if (!auth)
      throw new ModelError(
        'not_logged_in',
        this.options.auth
          ? `${provider.name} needs credentials: log in (ChatGPT or an API key) or set OPENAI_API_KEY`
          : `${provider.name} needs credentials: set OPENAI_API_KEY, or pass an AuthManager as \`auth\` (ModelClient.fromConfig does)`,
      );
    return auth;
  }

  /**
   * Sends the request (with request-level retries) and yields the events of one stream. Unless
   * the stream completes, the request is aborted on the way out, which destroys the connection
   * (merely cancelling the body would let the HTTP client drain a stalled stream into its pool).
   */
  private async *streamOnce(
    body: string,
    options: StreamOptions,
    customTools: ReadonlySet<string>,
  ): AsyncGenerator<ResponseEvent> {
    const connection = new AbortController();
    const signal = options.signal
      ? AbortSignal.any([options.signal, connection.signal])
      : connection.signal;
    let completed = false;
    try {
      const response = await this.send(body, { ...options, signal });
      if (!response.body)
        throw new ModelError('stream_disconnected', 'the model server sent no body', {
          retryable: true,
        });
      const idleTimeoutMs = streamIdleTimeoutMs(this.provider);
      const messages = readSseEvents(response.body, { idleTimeoutMs, signal });
      if (this.provider.wireApi === 'chat') {
        const mapper = new ChatEventMapper(customTools);
        for await (const message of messages) {
          const events = mapper.map(message.data);
          completed = mapper.completed;
          yield* events;
          if (completed) return;
        }
        if (mapper.sawFinishReason) {
          completed = true;
          yield* mapper.finish(); // some servers never send [DONE]
          return;
        }
        throw new ModelError(
          'stream_disconnected',
          'stream disconnected before completion: the chat stream ended without a finish reason',
          { retryable: true },
        );
      }
      const mapper = new ResponsesEventMapper();
      for await (const message of messages) {
        let data: Record<string, unknown>;
        try {
          data = asRecord(JSON.parse(message.data));
        } catch (error) {
          this.logger.warn(
            `ignoring an SSE event that is not JSON: ${message.data.slice(0, 200)}`,
            error,
          );
          continue;
        }
        if (typeof data.type !== 'string' && message.event) data.type = message.event;
        const events = mapper.map(data);
        completed = mapper.completed;
        yield* events;
        if (completed) return;
      }
      throw new ModelError(
        'stream_disconnected',
        'stream disconnected before completion: stream closed before response.completed',
        { retryable: true },
      );
    } finally {
      if (!completed) connection.abort(new Error('stream abandoned'));
    }
  }

  private async send(body: string, options: StreamOptions): Promise<Response> {
    const doFetch = this.options.fetch ?? nodeFetch;
    const maxRetries = requestMaxRetries(this.provider);
    let auth = await this.currentAuth();
    let refreshedAfter401 = false;
    const path = this.provider.wireApi === 'chat' ? '/chat/completions' : '/responses';
    const url = providerUrl(this.provider, path, auth?.mode ?? null);
    for (let attempt = 0; ; attempt++) {
      const headers = await this.headers(auth);
      if (options.threadId !== undefined) {
        headers.session_id = options.threadId;
        headers.conversation_id = options.threadId;
      }
      let failure: ModelError;
      try {
        const response = await doFetch(url, {
          method: 'POST',
          headers,
          body,
          signal: options.signal,
        });
        if (response.ok) return response;
        failure = await httpError(response);
        if (failure.code === 'unauthorized' && auth && this.options.auth && !refreshedAfter401) {
          refreshedAfter401 = true;
          let next: CodexAuth | null;
          try {
            next = await this.options.auth.refreshAfterUnauthorized(auth);
          } catch (error) {
            if (RefreshTokenError.isInstance(error))
              throw new ModelError('unauthorized', `${error.message}`, {
                status: 401,
                requestId: failure.requestId,
                cause: error,
              });
            throw error;
          }
          if (next) {
            auth = next;
            attempt--; // the retry after a refresh does not count
            continue;
          }
        }
        if (!failure.retryable) throw failure;
      } catch (error) {
        if (options.signal?.aborted) throw interrupted(error);
        // Our own failures (a model error, a refresh or auth-storage failure such as a lock
        // timeout) say what went wrong; only what fetch threw means the server was unreachable.
        if (CodexError.isInstance(error)) throw error;
        failure = new ModelError(
          'connection_failed',
          `could not reach ${url}: ${describeFetchError(error)}`,
          {
            retryable: true,
            cause: error,
          },
        );
      }
      if (attempt >= maxRetries) {
        const last =
          maxRetries > 0
            ? `${failure.message} (gave up after ${maxRetries} retries)`
            : failure.message;
        throw new ModelError(failure.code, last, {
          status: failure.status,
          requestId: failure.requestId,
          apiCode: failure.apiCode,
          cause: failure,
        });
      }
      const delayMs = this.delayFor(attempt + 1, failure.retryAfterMs);
      this.logger.debug(
        `request failed (${failure.message}); retry ${attempt + 1}/${maxRetries} in ${delayMs} ms`,
      );
      try {
        await sleep(delayMs, options.signal);
      } catch (error) {
        throw interrupted(error);
      }
    }
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return (error as Error).message;
}
