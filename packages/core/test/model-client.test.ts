import { silentLogger } from '@codex/common';
import {
  assistantMessage,
  functionCall,
  MockResponsesServer,
  reasoning,
  responseEvents,
  scripted,
} from '@codex/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CodexAuth,
  EnvVarError,
  loadConfig,
  type ModelAuthProvider,
  ModelClient,
  type ModelClientOptions,
  ModelError,
  type ModelProviderInfo,
  type Prompt,
  type ResponseEvent,
} from '../src/index.js';

let server: MockResponsesServer;
beforeEach(async () => {
  server = await MockResponsesServer.start();
});
afterEach(async () => {
  await server.close();
});

const quiet = silentLogger;

const provider = (fields: Partial<ModelProviderInfo> = {}): ModelProviderInfo => ({
  name: 'Mock',
  baseUrl: server.url,
  envKey: 'MOCK_KEY',
  wireApi: 'responses',
  requestMaxRetries: 0,
  streamMaxRetries: 0,
  requiresOpenaiAuth: false,
  supportsWebsockets: false,
  ...fields,
});

const client = (
  fields: Partial<ModelProviderInfo> = {},
  options: Partial<ModelClientOptions> = {},
) =>
  new ModelClient({
    provider: provider(fields),
    env: { MOCK_KEY: 'sk-mock' },
    logger: quiet,
    retryBaseDelayMs: 1,
    random: () => 0.5,
    ...options,
  });

const PROMPT: Prompt = {
  instructions: 'You are Codex.',
  input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'list files' }] }],
  tools: [
    {
      type: 'function',
      name: 'shell',
      description: 'Runs a command',
      strict: false,
      parameters: {
        type: 'object',
        properties: { command: { type: 'array', items: { type: 'string' } } },
      },
    },
  ],
};

const collect = async (stream: AsyncIterable<ResponseEvent>) => {
  const events: ResponseEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
};

const failureOf = async (stream: AsyncIterable<ResponseEvent>): Promise<ModelError> => {
  try {
    await collect(stream);
  } catch (error) {
    if (ModelError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the stream to fail');
};

describe('ModelClient over the Responses API', () => {
  it('sends the documented request body and headers', async () => {
    server.enqueue(scripted.text('hi'));
    await collect(
      client().stream(
        { ...PROMPT, outputSchema: { type: 'object', properties: {} }, parallelToolCalls: true },
        {
          model: 'gpt-5',
          reasoningEffort: 'high',
          reasoningSummary: 'auto',
          verbosity: 'low',
          threadId: 'thread-1',
        },
      ),
    );
    const [request] = server.requests;
    expect(request?.path).toBe('/v1/responses');
    expect(request?.body).toEqual({
      model: 'gpt-5',
      instructions: 'You are Codex.',
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'list files' }] },
      ],
      tools: PROMPT.tools,
      tool_choice: 'auto',
      parallel_tool_calls: true,
      reasoning: { effort: 'high', summary: 'auto' },
      store: false,
      stream: true,
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'thread-1',
      text: {
        verbosity: 'low',
        format: {
          type: 'json_schema',
          name: 'codex_output_schema',
          strict: true,
          schema: { type: 'object', properties: {} },
        },
      },
    });
    expect(request?.headers).toMatchObject({
      authorization: 'Bearer sk-mock',
      'content-type': 'application/json',
      accept: 'text/event-stream',
      originator: 'codex_cli_rs',
      session_id: 'thread-1',
      conversation_id: 'thread-1',
      'openai-beta': 'responses=experimental',
    });
    expect(request?.headers['user-agent']).toMatch(/^codex_cli_rs\/\d+\.\d+\.\d+ \(/);
  });

  it('yields every event type in order, ending with token usage', async () => {
    server.enqueue(
      scripted.items(
        [
          reasoning('thinking hard', { deltas: 2 }),
          assistantMessage('Hello there', { deltas: 3 }),
          functionCall('shell', { command: ['ls'] }),
        ],
        {
          usage: {
            input_tokens: 120,
            cached_input_tokens: 20,
            output_tokens: 30,
            reasoning_output_tokens: 7,
          },
          responseId: 'resp_1',
        },
      ),
    );
    const events = await collect(client().stream(PROMPT, { model: 'm' }));
    expect(events.map((event) => event.type)).toEqual([
      'created',
      'outputItemAdded',
      'reasoningSummaryDelta',
      'reasoningSummaryDelta',
      'outputItemDone',
      'outputItemAdded',
      'outputTextDelta',
      'outputTextDelta',
      'outputTextDelta',
      'outputItemDone',
      'outputItemAdded',
      'functionCallArgumentsDelta',
      'outputItemDone',
      'completed',
    ]);
    expect(events[0]).toEqual({ type: 'created', responseId: 'resp_1' });
    const text = events
      .flatMap((event) => (event.type === 'outputTextDelta' ? [event.delta] : []))
      .join('');
    expect(text).toBe('Hello there');
    expect(events[12]).toEqual({
      type: 'outputItemDone',
      item: {
        type: 'function_call',
        id: 'fc_mock',
        status: 'completed',
        name: 'shell',
        call_id: 'call_mock',
        arguments: '{"command":["ls"]}',
      },
    });
    expect(events.at(-1)).toEqual({
      type: 'completed',
      responseId: 'resp_1',
      tokenUsage: {
        input_tokens: 120,
        cached_input_tokens: 20,
        output_tokens: 30,
        reasoning_output_tokens: 7,
        total_tokens: 150,
      },
    });
  });

  it('maps reasoning text, summary parts and custom tool input deltas', async () => {
    server.enqueue(
      scripted.events([
        { type: 'response.created', data: { response: { id: 'r' } } },
        {
          type: 'response.reasoning_summary_part.added',
          data: { item_id: 'rs', summary_index: 1 },
        },
        {
          type: 'response.reasoning_text.delta',
          data: { item_id: 'rs', content_index: 0, delta: 'raw' },
        },
        {
          type: 'response.custom_tool_call_input.delta',
          data: { item_id: 'ct', delta: '*** Begin Patch' },
        },
        {
          type: 'response.output_item.done',
          data: {
            item: {
              type: 'custom_tool_call',
              id: 'ct',
              call_id: 'c1',
              name: 'apply_patch',
              input: '*** Begin Patch',
            },
          },
        },
        { type: 'response.completed', data: { response: { id: 'r' } } },
      ]),
    );
    const events = await collect(client().stream(PROMPT, { model: 'm' }));
    expect(events.slice(1)).toEqual([
      { type: 'reasoningSummaryPartAdded', itemId: 'rs', summaryIndex: 1 },
      { type: 'reasoningTextDelta', itemId: 'rs', contentIndex: 0, delta: 'raw' },
      { type: 'customToolCallInputDelta', itemId: 'ct', delta: '*** Begin Patch' },
      {
        type: 'outputItemDone',
        item: {
          type: 'custom_tool_call',
          id: 'ct',
          call_id: 'c1',
          name: 'apply_patch',
          input: '*** Begin Patch',
        },
      },
      { type: 'completed', responseId: 'r', tokenUsage: null },
    ]);
  });

  it('retries 429 and 5xx honouring retry-after-ms and retry-after', async () => {
    server.enqueue(
      scripted.error(429, { retryAfterMs: 120 }),
      scripted.error(503, { retryAfterSeconds: 0.2 }),
      scripted.text('finally'),
    );
    const started = Date.now();
    const events = await collect(client({ requestMaxRetries: 2 }).stream(PROMPT, { model: 'm' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(server.requests).toHaveLength(3);
    expect(events.at(-1)?.type).toBe('completed');
  });

  it('gives up after request_max_retries with the status and request id', async () => {
    server.enqueue(
      scripted.error(500, { message: 'boom' }),
      scripted.error(500, { message: 'boom' }),
    );
    const error = await failureOf(client({ requestMaxRetries: 1 }).stream(PROMPT, { model: 'm' }));
    expect(error.code).toBe('server_error');
    expect(error.status).toBe(500);
    expect(error.message).toBe(
      'the model server answered 500 Internal Server Error: boom (gave up after 1 retries)',
    );
    expect(server.requests).toHaveLength(2);
  });

  it('retries a stream that ends before response.completed, announcing each retry', async () => {
    const events = responseEvents([assistantMessage('partial answer')]);
    server.enqueue(
      scripted.events(events.slice(0, 3)),
      { kind: 'stream', events, disconnectAfter: 2 },
      scripted.text('whole answer'),
    );
    const seen = await collect(client({ streamMaxRetries: 2 }).stream(PROMPT, { model: 'm' }));
    const retries = seen.filter((event) => event.type === 'retrying');
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatchObject({
      attempt: 1,
      maxAttempts: 2,
      reason: expect.stringContaining('stream disconnected before completion'),
    });
    const afterLastRetry = seen.slice(seen.lastIndexOf(retries[1] as ResponseEvent) + 1);
    expect(
      afterLastRetry
        .flatMap((event) => (event.type === 'outputTextDelta' ? [event.delta] : []))
        .join(''),
    ).toBe('whole answer');
  });

  it('fails a stream with no retries left with an actionable message', async () => {
    server.enqueue(scripted.events(responseEvents([assistantMessage('x')]).slice(0, 2)));
    const error = await failureOf(client().stream(PROMPT, { model: 'm' }));
    expect(error.code).toBe('stream_disconnected');
    expect(error.message).toBe(
      'stream disconnected before completion: stream closed before response.completed',
    );
  });

  it('aborts a silent stream after stream_idle_timeout_ms and retries it', async () => {
    const events = responseEvents([assistantMessage('x')]);
    server.enqueue({ kind: 'stream', events, stallAfter: 2 }, scripted.text('after idle'));
    const started = Date.now();
    const seen = await collect(
      client({ streamIdleTimeoutMs: 150, streamMaxRetries: 1 }).stream(PROMPT, { model: 'm' }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(seen.find((event) => event.type === 'retrying')).toMatchObject({
      reason:
        'stream disconnected before completion: no data from the model for 150 ms (idle timeout)',
    });
    expect(seen.at(-1)?.type).toBe('completed');
    await expect.poll(() => server.openConnections, { timeout: 2000 }).toBeLessThanOrEqual(1);
  });

  it('is interrupted mid-stream by an AbortSignal and closes the connection', async () => {
    const events = responseEvents([assistantMessage('a b c d e f g', { deltas: 7 })]);
    server.enqueue({ kind: 'stream', events, delayMs: 40 });
    const controller = new AbortController();
    const seen: ResponseEvent[] = [];
    let caught: unknown;
    try {
      for await (const event of client().stream(PROMPT, {
        model: 'm',
        signal: controller.signal,
      })) {
        seen.push(event);
        if (event.type === 'outputTextDelta') controller.abort();
      }
    } catch (error) {
      caught = error;
    }
    expect(ModelError.isInstance(caught) && caught.code).toBe('interrupted');
    expect((caught as Error).message).toBe('the turn was interrupted');
    expect(seen.filter((event) => event.type === 'outputTextDelta')).toHaveLength(1);
    await expect.poll(() => server.openConnections, { timeout: 2000 }).toBe(0);
  });

  it('closes the connection when the consumer stops reading early', async () => {
    server.enqueue({
      kind: 'stream',
      events: responseEvents([assistantMessage('x y z', { deltas: 3 })]),
      delayMs: 30,
    });
    for await (const event of client().stream(PROMPT, { model: 'm' }))
      if (event.type === 'outputItemAdded') break;
    await expect.poll(() => server.openConnections, { timeout: 2000 }).toBe(0);
  });

  it('refreshes credentials once after a 401 and retries', async () => {
    const first: CodexAuth = {
      mode: 'chatgpt',
      source: 'storage',
      apiKey: null,
      tokens: {
        idToken: {
          email: null,
          chatgptPlanType: null,
          chatgptUserId: null,
          chatgptAccountId: 'acct',
          rawJwt: '',
        },
        accessToken: 'old-token',
        refreshToken: 'r',
        accountId: 'acct',
      },
      accountId: 'acct',
      planType: null,
      email: null,
      lastRefresh: null,
    };
    const refreshed: CodexAuth = {
      ...first,
      tokens: { ...(first.tokens as NonNullable<CodexAuth['tokens']>), accessToken: 'new-token' },
    };
    const calls: string[] = [];
    const auth: ModelAuthProvider = {
      auth: async () => first,
      refreshAfterUnauthorized: async (failed) => {
        calls.push(failed.tokens?.accessToken ?? '');
        return refreshed;
      },
    };
    server.enqueue(scripted.error(401, { message: 'token expired' }), scripted.text('ok'));
    const events = await collect(
      client({ envKey: undefined, requiresOpenaiAuth: true }, { auth }).stream(PROMPT, {
        model: 'm',
      }),
    );
    expect(events.at(-1)?.type).toBe('completed');
    expect(calls).toEqual(['old-token']);
    expect(server.requests.map((request) => request.headers.authorization)).toEqual([
      'Bearer old-token',
      'Bearer new-token',
    ]);
    expect(server.requests[1]?.headers['chatgpt-account-id']).toBe('acct');

    server.enqueue(
      scripted.error(401, { message: 'still bad' }),
      scripted.error(401, { message: 'still bad' }),
    );
    const error = await failureOf(
      client({ envKey: undefined, requiresOpenaiAuth: true }, { auth }).stream(PROMPT, {
        model: 'm',
      }),
    );
    expect(error.code).toBe('unauthorized');
    expect(error.message).toBe(
      'the model provider rejected the credentials (401 Unauthorized): still bad. Log in again or check the API key',
    );
  });

  it('says to log in when a provider needs OpenAI auth and there is none', async () => {
    const auth: ModelAuthProvider = {
      auth: async () => null,
      refreshAfterUnauthorized: async () => null,
    };
    const error = await failureOf(
      client({ envKey: undefined, requiresOpenaiAuth: true }, { auth }).stream(PROMPT, {
        model: 'm',
      }),
    );
    expect(error.code).toBe('not_logged_in');
    expect(error.message).toBe(
      'Mock needs credentials: log in (ChatGPT or an API key) or set OPENAI_API_KEY',
    );
    expect(server.requests).toHaveLength(0);
  });

  it('types every error the API reports, with a message a user can act on', async () => {
    const resetsAt = Math.floor(Date.UTC(2030, 0, 1) / 1000);
    const cases: Array<[ReturnType<typeof scripted.error>, string, string]> = [
      [
        scripted.error(429, {
          body: { error: { type: 'usage_limit_reached', plan_type: 'plus', resets_at: resetsAt } },
        }),
        'usage_limit',
        "You've hit your usage limit for the plus plan. Try again at 2030-01-01T00:00:00.000Z.",
      ],
      [
        scripted.error(429, { body: { error: { type: 'usage_not_included' } } }),
        'usage_not_included',
        'To use Codex with your ChatGPT plan, upgrade to Plus: https://openai.com/chatgpt/pricing.',
      ],
      [
        scripted.error(429, { body: { error: { code: 'insufficient_quota', message: 'quota' } } }),
        'quota_exceeded',
        'Quota exceeded. Check your plan and billing details, then try again.',
      ],
      [
        scripted.error(400, {
          body: { error: { code: 'context_length_exceeded', message: 'too long' } },
        }),
        'context_window_exceeded',
        "Codex ran out of room in the model's context window. Start a new thread or clear earlier history before retrying.",
      ],
      [
        scripted.error(400, { message: 'Unsupported parameter: reasoning' }),
        'bad_request',
        'the model server refused the request with 400 Bad Request: Unsupported parameter: reasoning',
      ],
      [
        scripted.error(429, { message: 'slow down' }),
        'rate_limited',
        'rate limited (429): slow down',
      ],
    ];
    for (const [response, kind, message] of cases) {
      server.enqueue(response);
      const error = await failureOf(client().stream(PROMPT, { model: 'm' }));
      expect([error.code, error.message]).toEqual([kind, message]);
    }
  });

  it('reports response.failed and response.incomplete by their codes', async () => {
    const failed = (code: string, message: string) =>
      scripted.events([
        { type: 'response.created', data: { response: { id: 'resp_f' } } },
        { type: 'response.failed', data: { response: { id: 'resp_f', error: { code, message } } } },
      ]);
    server.enqueue(failed('context_length_exceeded', 'Your input exceeds the context window'));
    expect((await failureOf(client().stream(PROMPT, { model: 'm' }))).code).toBe(
      'context_window_exceeded',
    );
    server.enqueue(failed('invalid_prompt', 'The prompt was flagged'));
    const other = await failureOf(client().stream(PROMPT, { model: 'm' }));
    expect([other.code, other.apiCode, other.message]).toEqual([
      'response_failed',
      'invalid_prompt',
      'the model reported an error: The prompt was flagged',
    ]);
    server.enqueue(
      failed('rate_limit_exceeded', 'Rate limit reached. Please try again in 0.05s.'),
      scripted.text('recovered'),
    );
    const events = await collect(client({ streamMaxRetries: 1 }).stream(PROMPT, { model: 'm' }));
    expect(events.find((event) => event.type === 'retrying')).toMatchObject({ delayMs: 50 });
    server.enqueue(
      scripted.events([
        { type: 'response.created', data: { response: { id: 'r' } } },
        {
          type: 'response.incomplete',
          data: { response: { id: 'r', incomplete_details: { reason: 'max_output_tokens' } } },
        },
      ]),
    );
    const incomplete = await failureOf(client().stream(PROMPT, { model: 'm' }));
    expect([incomplete.code, incomplete.message]).toEqual([
      'incomplete',
      'the model stopped before finishing (reason: max_output_tokens)',
    ]);
  });

  it('reports a provider that cannot be reached, after retrying', async () => {
    const dead = client({ baseUrl: 'http://127.0.0.1:9/v1', requestMaxRetries: 1 });
    const error = await failureOf(dead.stream(PROMPT, { model: 'm' }));
    expect(error.code).toBe('connection_failed');
    expect(error.message).toMatch(
      /^could not reach http:\/\/127\.0\.0\.1:9\/v1\/responses: ECONNREFUSED.*\(gave up after 1 retries\)$/,
    );
  });
});

describe('ModelClient over Chat Completions', () => {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

  it('converts the conversation to messages and tools to functions', async () => {
    server.enqueue(scripted.chat([chunk({ content: 'ok' }, 'stop')]));
    const prompt: Prompt = {
      ...PROMPT,
      tools: [
        ...(PROMPT.tools ?? []),
        { type: 'custom', name: 'apply_patch', description: 'Edits files' },
      ],
      input: [
        ...PROMPT.input,
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'be brief' }] },
        { type: 'reasoning', id: 'rs', summary: [] },
        { type: 'function_call', name: 'shell', arguments: '{"command":["ls"]}', call_id: 'c1' },
        { type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch', call_id: 'c2' },
        { type: 'function_call_output', call_id: 'c1', output: 'a.txt' },
        { type: 'custom_tool_call_output', call_id: 'c2', output: 'Done' },
      ],
    };
    await collect(client({ wireApi: 'chat' }).stream(prompt, { model: 'llama' }));
    const [request] = server.requests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.body).toMatchObject({
      model: 'llama',
      stream: true,
      stream_options: { include_usage: true },
      tool_choice: 'auto',
      messages: [
        { role: 'system', content: 'You are Codex.' },
        { role: 'user', content: 'list files' },
        { role: 'system', content: 'be brief' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'c1',
              type: 'function',
              function: { name: 'shell', arguments: '{"command":["ls"]}' },
            },
            {
              id: 'c2',
              type: 'function',
              function: { name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'a.txt' },
        { role: 'tool', tool_call_id: 'c2', content: 'Done' },
      ],
    });
    const { tools } = (
      server.requests[0] as { body: { tools: Array<{ function: { name: string } }> } }
    ).body;
    expect(tools.map((tool) => tool.function.name)).toEqual(['shell', 'apply_patch']);
    expect(request?.headers['openai-beta']).toBeUndefined();
  });

  it('streams text and aggregates tool calls split across deltas', async () => {
    server.enqueue(
      scripted.chat([
        chunk({ role: 'assistant', reasoning_content: 'Let me ' }),
        chunk({ reasoning_content: 'look.' }),
        chunk({ content: 'Listing ' }),
        chunk({ content: 'files.' }),
        chunk({
          tool_calls: [
            {
              index: 0,
              id: 'call_a',
              type: 'function',
              function: { name: 'shell', arguments: '' },
            },
          ],
        }),
        chunk({
          tool_calls: [
            {
              index: 1,
              id: 'call_b',
              type: 'function',
              function: { name: 'apply_patch', arguments: '{"inp' },
            },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"command":' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: 'ut":"*** Begin Patch"}' } }] }),
        chunk(
          { tool_calls: [{ index: 0, function: { arguments: '["ls","-la"]}' } }] },
          'tool_calls',
        ),
        {
          id: 'chatcmpl-1',
          choices: [],
          usage: {
            prompt_tokens: 50,
            completion_tokens: 12,
            total_tokens: 62,
            prompt_tokens_details: { cached_tokens: 8 },
          },
        },
      ]),
    );
    const prompt: Prompt = {
      ...PROMPT,
      tools: [
        ...(PROMPT.tools ?? []),
        { type: 'custom', name: 'apply_patch', description: 'Edits files' },
      ],
    };
    const events = await collect(client({ wireApi: 'chat' }).stream(prompt, { model: 'llama' }));
    expect(events.map((event) => event.type)).toEqual([
      'created',
      'outputItemAdded',
      'reasoningTextDelta',
      'reasoningTextDelta',
      'outputItemAdded',
      'outputTextDelta',
      'outputTextDelta',
      'outputItemAdded',
      'outputItemAdded',
      'functionCallArgumentsDelta',
      'functionCallArgumentsDelta',
      'functionCallArgumentsDelta',
      'functionCallArgumentsDelta',
      'outputItemDone',
      'outputItemDone',
      'outputItemDone',
      'outputItemDone',
      'completed',
    ]);
    const done = events.flatMap((event) => (event.type === 'outputItemDone' ? [event.item] : []));
    expect(done).toEqual([
      {
        type: 'reasoning',
        id: 'rs_chatcmpl-1',
        summary: [],
        content: [{ type: 'reasoning_text', text: 'Let me look.' }],
      },
      {
        type: 'message',
        id: 'msg_chatcmpl-1',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Listing files.' }],
      },
      {
        type: 'function_call',
        id: 'call_a',
        call_id: 'call_a',
        name: 'shell',
        arguments: '{"command":["ls","-la"]}',
      },
      {
        type: 'custom_tool_call',
        id: 'call_b',
        call_id: 'call_b',
        name: 'apply_patch',
        input: '*** Begin Patch',
      },
    ]);
    expect(events.at(-1)).toEqual({
      type: 'completed',
      responseId: 'chatcmpl-1',
      tokenUsage: {
        input_tokens: 50,
        cached_input_tokens: 8,
        output_tokens: 12,
        reasoning_output_tokens: 0,
        total_tokens: 62,
      },
    });
  });

  it('completes a stream without [DONE] once a finish reason was seen, and retries one without', async () => {
    server.enqueue(scripted.chat([chunk({ content: 'done' }, 'stop')], { done: false }));
    expect(
      (await collect(client({ wireApi: 'chat' }).stream(PROMPT, { model: 'm' }))).at(-1)?.type,
    ).toBe('completed');
    server.enqueue(
      scripted.chat([chunk({ content: 'cut off' })], { done: false }),
      scripted.chat([chunk({ content: 'full' }, 'stop')]),
    );
    const events = await collect(
      client({ wireApi: 'chat', streamMaxRetries: 1 }).stream(PROMPT, { model: 'm' }),
    );
    expect(events.filter((event) => event.type === 'retrying')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('completed');
  });
});

describe('ModelClient as a user meets it', () => {
  const openai = (): ModelProviderInfo => ({
    name: 'OpenAI',
    baseUrl: server.url,
    wireApi: 'responses',
    requestMaxRetries: 0,
    streamMaxRetries: 0,
    requiresOpenaiAuth: true,
    supportsWebsockets: false,
  });

  it('uses OPENAI_API_KEY when given no auth provider, and takes a plain string prompt', async () => {
    server.enqueue(scripted.text('hello'));
    const plain = new ModelClient({
      provider: openai(),
      env: { OPENAI_API_KEY: 'sk-from-env' },
      logger: quiet,
    });
    await collect(plain.stream('say hello', { model: 'gpt-5' }));
    const [request] = server.requests;
    expect(request?.headers.authorization).toBe('Bearer sk-from-env');
    expect(request?.body).toMatchObject({
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'say hello' }] },
      ],
    });
  });

  it('refuses to send a request without credentials, saying how to give them', async () => {
    const bare = new ModelClient({ provider: openai(), env: {}, logger: quiet });
    const error = await failureOf(bare.stream('hi', { model: 'gpt-5' }));
    expect(error.code).toBe('not_logged_in');
    expect(error.message).toContain('set OPENAI_API_KEY');
    expect(server.requests).toHaveLength(0);
  });

  it('fromConfig applies the config’s provider, model, effort, summary and verbosity', async () => {
    server.enqueue(scripted.text('ok'));
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const home = mkdtempSync(join(tmpdir(), 'codex-client-'));
    try {
      writeFileSync(
        join(home, 'config.toml'),
        `model = "gpt-5.1-codex-max"
model_reasoning_effort = "xhigh"
model_reasoning_summary = "detailed"
model_verbosity = "low"
model_provider = "mock"

[model_providers.mock]
name = "Mock"
base_url = "${server.url}"
env_key = "MOCK_KEY"
`,
      );
      const { config } = await loadConfig({ codexHome: home, env: {}, systemConfigFile: null });
      const fromConfig = ModelClient.fromConfig(config, {
        env: { MOCK_KEY: 'sk-mock' },
        logger: quiet,
      });
      await collect(fromConfig.stream('hi'));
      const body = server.requests[0]?.body as Record<string, unknown>;
      expect(body.model).toBe('gpt-5.1-codex-max');
      expect(body.reasoning).toEqual({ effort: 'xhigh', summary: 'detailed' });
      expect(body.text).toEqual({ verbosity: 'low' });
      expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-mock');
      // A call still overrides the defaults.
      server.enqueue(scripted.text('ok'));
      await collect(fromConfig.stream('hi', { model: 'other', reasoningEffort: 'low' }));
      expect(server.requests[1]?.body).toMatchObject({
        model: 'other',
        reasoning: { effort: 'low' },
      });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('fails at once with EnvVarError when the provider’s env_key is unset: no request, no retry', async () => {
    const warnings: string[] = [];
    const missing = client(
      { streamMaxRetries: 5, requestMaxRetries: 4 },
      { env: {}, logger: { ...quiet, warn: (message) => warnings.push(message) } },
    );
    const events: ResponseEvent[] = [];
    const error = await (async () => {
      for await (const event of missing.stream(PROMPT, { model: 'm' })) events.push(event);
    })().catch((e: unknown) => e);
    expect(EnvVarError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe('Missing environment variable: `MOCK_KEY`.');
    expect(events.filter((event) => event.type === 'retrying')).toStrictEqual([]);
    expect(warnings).toStrictEqual([]);
    expect(server.requests).toHaveLength(0);
  });
});
