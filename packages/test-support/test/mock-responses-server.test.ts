import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assistantMessage,
  createTempCodexHome,
  functionCall,
  MockResponsesServer,
  reasoning,
  scripted,
  splitIntoDeltas,
} from '../src/index.js';

let mock: MockResponsesServer;
beforeEach(async () => {
  mock = await MockResponsesServer.start();
});
afterEach(async () => {
  await mock.close();
});

const post = (
  body: unknown = { model: 'mock-model', stream: true, input: [] },
  signal?: AbortSignal,
) =>
  fetch(`${mock.url}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer dummy' },
    body: JSON.stringify(body),
    signal,
  });

/** Parses an SSE body the way a client does: blocks split by a blank line. */
function parseSse(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text
    .split('\n\n')
    .filter((block) => block.length > 0)
    .map((block) => {
      const lines = block.split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^event: /);
      expect(lines[1]).toMatch(/^data: /);
      return {
        event: (lines[0] ?? '').slice('event: '.length),
        data: JSON.parse((lines[1] ?? '').slice('data: '.length)) as Record<string, unknown>,
      };
    });
}

describe('MockResponsesServer', () => {
  it('streams an assistant message in exactly N deltas, framed like the API', async () => {
    const text =
      'Hello! This is a streamed reply from the mock model, split into exactly twenty deltas.';
    mock.enqueue(scripted.text(text, { deltas: 20, id: 'msg_mock_1_0' }));
    const response = await post();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = parseSse(await response.text());
    expect(events.map((e) => e.event)).toStrictEqual([
      'response.created',
      'response.output_item.added',
      'response.content_part.added',
      ...Array(20).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    for (const event of events) expect(event.data.type).toBe(event.event);
    const deltas = events
      .filter((e) => e.event === 'response.output_text.delta')
      .map((e) => e.data.delta);
    expect(deltas.join('')).toBe(text);
    expect(events.at(-1)?.data).toMatchObject({
      response: { usage: { input_tokens: 100, output_tokens: 10, total_tokens: 110 } },
    });
  });

  it('scripts reasoning and function calls such as shell and apply_patch', async () => {
    mock.enqueue(
      scripted.items([
        reasoning('Looking at the repo', { deltas: 3 }),
        functionCall('shell', { command: ['ls'] }, { callId: 'call_1' }),
        functionCall(
          'apply_patch',
          { input: '*** Begin Patch\n*** End Patch' },
          { callId: 'call_2', id: 'fc_2' },
        ),
      ]),
    );
    const events = parseSse(await (await post()).text());
    const done = events
      .filter((e) => e.event === 'response.output_item.done')
      .map((e) => e.data.item);
    expect(done).toMatchObject([
      { type: 'reasoning', summary: [{ text: 'Looking at the repo' }] },
      { type: 'function_call', name: 'shell', call_id: 'call_1', arguments: '{"command":["ls"]}' },
      { type: 'function_call', name: 'apply_patch', call_id: 'call_2' },
    ]);
    expect(events.filter((e) => e.event === 'response.reasoning_summary_text.delta')).toHaveLength(
      3,
    );
  });

  it('records every request body and header', async () => {
    mock.enqueue(scripted.text('a'), scripted.text('b'));
    await (await post({ model: 'm', input: [{ role: 'user', content: 'first' }] })).text();
    await (await post({ model: 'm', input: [{ role: 'user', content: 'second' }] })).text();
    await mock.waitForRequests(2);
    expect(mock.requests.map((r) => r.body)).toMatchObject([
      { input: [{ content: 'first' }] },
      { input: [{ content: 'second' }] },
    ]);
    expect(mock.requests[0]?.headers.authorization).toBe('Bearer dummy');
    expect(mock.requests[0]?.path).toBe('/v1/responses');
  });

  it('answers 429 with retry-after and 500 errors', async () => {
    mock.enqueue(
      scripted.error(429, { retryAfterSeconds: 2, retryAfterMs: 1500 }),
      scripted.error(500),
    );
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('retry-after-ms')).toBe('1500');
    expect(await limited.json()).toMatchObject({ error: { type: 'rate_limit_exceeded' } });
    expect((await post()).status).toBe(500);
  });

  it('stalls mid-stream so idle timeouts can be tested', async () => {
    mock.enqueue(
      scripted.items([assistantMessage('never finishes', { deltas: 5 })], { stallAfter: 2 }),
    );
    const controller = new AbortController();
    const response = await post(undefined, controller.signal);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    const decoder = new TextDecoder();
    let received = '';
    const outcome = await Promise.race([
      (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return 'ended';
          received += decoder.decode(value);
        }
      })(),
      new Promise((resolve) => setTimeout(() => resolve('idle'), 300)),
    ]);
    expect(outcome).toBe('idle');
    expect(parseSse(received).map((e) => e.event)).toStrictEqual([
      'response.created',
      'response.output_item.added',
    ]);
    controller.abort();
  });

  it('drops the connection mid-stream when asked', async () => {
    mock.enqueue(
      scripted.items([assistantMessage('cut short', { deltas: 5 })], { disconnectAfter: 3 }),
    );
    const response = await post();
    await expect(response.text()).rejects.toThrow();
  });

  it('says so when no scripted response is left', async () => {
    const response = await post();
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { type: 'mock_exhausted' } });
  });

  it('splits text into the requested number of deltas', () => {
    expect(splitIntoDeltas('abcdef', 3)).toStrictEqual(['ab', 'cd', 'ef']);
    expect(splitIntoDeltas('ab', 5)).toStrictEqual(['a', 'b']);
    expect(splitIntoDeltas('snow☃man', 2).join('')).toBe('snow☃man');
    expect(assistantMessage('x').item).toMatchObject({ type: 'message', role: 'assistant' });
  });
});

describe('createTempCodexHome', () => {
  it('writes a config.toml that points a provider at the mock', () => {
    const home = createTempCodexHome({ providerBaseUrl: mock.url, approvalPolicy: 'on-request' });
    try {
      const config = readFileSync(home.configPath, 'utf8');
      expect(config).toContain('model_provider = "mock"');
      expect(config).toContain(`base_url = "${mock.url}"`);
      expect(config).toContain('approval_policy = "on-request"');
      expect(config).toContain('env_key = "MOCK_API_KEY"');
      expect(home.env).toStrictEqual({ CODEX_HOME: home.path, MOCK_API_KEY: 'dummy' });
    } finally {
      home.dispose();
    }
  });
});
