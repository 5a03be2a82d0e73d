import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import {
  assistantMessage,
  createTempCodexHome,
  functionCall,
  MockResponsesServer,
  responseEvents,
  type ScriptedResponse,
  scripted,
} from '@codex/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Codex, type CodexOptions } from '../src/sdk/codex.js';
import { CodexRunError } from '../src/sdk/errors.js';
import { CodexThread, type ThreadTransport, type ThreadWireMessage } from '../src/sdk/thread.js';
import type { ApprovalRequest, ThreadStreamEvent } from '../src/sdk/types.js';

let mock: MockResponsesServer;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  mock = await MockResponsesServer.start();
});
afterAll(() => mock.close());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  mock.reset();
});

/** A Codex client on a temp CODEX_HOME whose provider is the mock model. */
function codexClient(options: Partial<CodexOptions> = {}, home = newHome()) {
  const codex = new Codex({
    codexHome: home.path,
    env: { PATH: process.env.PATH, HOME: home.path, SHELL: '/bin/bash', MOCK_API_KEY: 'x' },
    logger: silentLogger,
    ...options,
  });
  cleanups.push(() => codex.close());
  return { codex, home: home.path };
}

function newHome() {
  const home = createTempCodexHome({ providerBaseUrl: mock.url, extraToml: '' });
  cleanups.push(() => home.dispose());
  return home;
}

function workDir(): string {
  const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'codex-sdk-')));
  cleanups.push(() => rmSync(cwd, { recursive: true, force: true }));
  return cwd;
}

/** A streamed answer that stops after `stallAfter` events and never ends. */
const stalled = (text: string, stallAfter: number, deltas = 1): ScriptedResponse => ({
  kind: 'stream',
  events: responseEvents([assistantMessage(text, { deltas })]),
  stallAfter,
});

const requestText = (index: number): string => JSON.stringify(mock.requests[index]?.body);

describe('Codex (in process)', () => {
  it('run() gives the final response, the items and the usage of the turn', async () => {
    const { codex } = codexClient();
    mock.enqueue(
      scripted.text('All tests pass.', {
        usage: { input_tokens: 120, output_tokens: 30, cached_input_tokens: 20 },
      }),
    );
    const thread = await codex.startThread({ cwd: workDir() });
    const result = await thread.run('Run the tests');
    expect(result.finalResponse).toBe('All tests pass.');
    expect(result.items.map((item) => item.type)).toEqual(['userMessage', 'agentMessage']);
    expect(result.usage).toMatchObject({
      inputTokens: 120,
      cachedInputTokens: 20,
      outputTokens: 30,
      totalTokens: 150,
    });
    expect(result.turnId).toMatch(/^[0-9a-f-]{36}$/);
    expect(thread.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('runStreamed() yields the turn start, text deltas in order, the items, and the completion last', async () => {
    const { codex } = codexClient();
    mock.enqueue(scripted.text('one two three four', { deltas: 4 }));
    const thread = await codex.startThread({ cwd: workDir() });
    const events: ThreadStreamEvent[] = [];
    for await (const event of thread.runStreamed('Count')) events.push(event);
    expect(events[0]?.type).toBe('turn.started');
    expect(events.at(-1)?.type).toBe('turn.completed');
    const deltas = events.flatMap((event) => (event.type === 'text.delta' ? [event.delta] : []));
    expect(deltas).toHaveLength(4);
    expect(deltas.join('')).toBe('one two three four');
    const started = events.findIndex(
      (event) => event.type === 'item.started' && event.item.type === 'agentMessage',
    );
    const firstDelta = events.findIndex((event) => event.type === 'text.delta');
    const completed = events.findIndex(
      (event) => event.type === 'item.completed' && event.item.type === 'agentMessage',
    );
    expect(started).toBeLessThan(firstDelta);
    expect(firstDelta).toBeLessThan(completed);
    expect(events.some((event) => event.type === 'usage.updated')).toBe(true);
  });

  it('asks onApproval for a command and runs it only when accepted', async () => {
    const asked: ApprovalRequest[] = [];
    const { codex } = codexClient({
      onApproval: (request) => {
        asked.push(request);
        return request.type === 'commandExecution' && request.params.command?.includes('accepted')
          ? 'accept'
          : 'decline';
      },
    });
    const cwd = workDir();
    mock.enqueue(
      scripted.items([
        functionCall('exec_command', { cmd: 'touch accepted.txt' }, { callId: 'c1' }),
      ]),
      scripted.items([
        functionCall('exec_command', { cmd: 'touch declined.txt' }, { callId: 'c2' }),
      ]),
      scripted.text('done'),
    );
    const thread = await codex.startThread({ cwd, approvalPolicy: 'untrusted' });
    const result = await thread.run('Touch two files');
    expect(asked.map((request) => request.type)).toEqual(['commandExecution', 'commandExecution']);
    expect(existsSync(join(cwd, 'accepted.txt'))).toBe(true);
    expect(existsSync(join(cwd, 'declined.txt'))).toBe(false);
    const commands = result.items.filter((item) => item.type === 'commandExecution');
    expect(commands.map((item) => item.status)).toEqual(['completed', 'declined']);
    expect(result.finalResponse).toBe('done');
  });

  it('a thread without an approval handler declines, and a throwing handler declines', async () => {
    const cwd = workDir();
    const { codex } = codexClient();
    mock.enqueue(
      scripted.items([functionCall('exec_command', { cmd: 'touch a.txt' }, { callId: 'c1' })]),
      scripted.text('ok'),
      scripted.items([functionCall('exec_command', { cmd: 'touch b.txt' }, { callId: 'c2' })]),
      scripted.text('ok'),
    );
    const plain = await codex.startThread({ cwd, approvalPolicy: 'untrusted' });
    await plain.run('touch a');
    const throwing = await codex.startThread({
      cwd,
      approvalPolicy: 'untrusted',
      onApproval: () => {
        throw new Error('the reviewer is away');
      },
    });
    await throwing.run('touch b');
    expect(existsSync(join(cwd, 'a.txt'))).toBe(false);
    expect(existsSync(join(cwd, 'b.txt'))).toBe(false);
  });

  it('host tools are plain functions the model calls in this process', async () => {
    const { codex } = codexClient();
    const calls: unknown[] = [];
    mock.enqueue(
      scripted.items([functionCall('lookup_ticket', { id: 'T-42' }, { callId: 'h1' })]),
      scripted.text('The ticket is about logins.'),
    );
    const thread = await codex.startThread({
      cwd: workDir(),
      hostTools: [
        {
          name: 'lookup_ticket',
          description: 'Reads a ticket',
          parameters: { type: 'object', properties: { id: { type: 'string' } } },
          run: (args) => {
            calls.push(args);
            return 'T-42: the login page rejects valid passwords';
          },
        },
      ],
    });
    const result = await thread.run('What is T-42 about?');
    expect(calls).toEqual([{ id: 'T-42' }]);
    const tool = result.items.find((item) => item.type === 'dynamicToolCall');
    expect(tool).toMatchObject({ tool: 'lookup_ticket', status: 'completed', success: true });
    expect(requestText(1)).toContain('T-42: the login page rejects valid passwords');
  });

  it('outputSchema reaches the model request of that turn only', async () => {
    const { codex } = codexClient();
    mock.enqueue(scripted.text('{"ok":true}'), scripted.text('plain'));
    const thread = await codex.startThread({ cwd: workDir() });
    const schema = {
      type: 'object',
      properties: { ok: { type: 'boolean' } },
      required: ['ok'],
      additionalProperties: false,
    };
    const first = await thread.run('Answer in JSON', { outputSchema: schema });
    expect(JSON.parse(first.finalResponse)).toEqual({ ok: true });
    expect(requestText(0)).toContain('"json_schema"');
    await thread.run('Answer in prose');
    expect(requestText(1)).not.toContain('"json_schema"');
  });

  it('an AbortSignal interrupts only the turn: run rejects with its reason, the thread goes on', async () => {
    const { codex } = codexClient();
    mock.enqueue(stalled('never finished', 2), scripted.text('second turn'));
    const thread = await codex.startThread({ cwd: workDir() });
    const controller = new AbortController();
    const running = thread.run('Take your time', { signal: controller.signal });
    await mock.waitForRequests(1);
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    const next = await thread.run('Again');
    expect(next.finalResponse).toBe('second turn');
    // The second request carries the first turn's input: the thread was not reset.
    expect(requestText(1)).toContain('Take your time');
  });

  it('an already aborted signal starts nothing', async () => {
    const { codex } = codexClient();
    const thread = await codex.startThread({ cwd: workDir() });
    const controller = new AbortController();
    controller.abort(new Error('not now'));
    await expect(thread.run('hi', { signal: controller.signal })).rejects.toThrow('not now');
    expect(mock.requests).toHaveLength(0);
  });

  it('leaving runStreamed early interrupts the turn, and the next turn runs', async () => {
    const { codex } = codexClient();
    mock.enqueue(stalled('a long answer', 4, 5), scripted.text('next'));
    const thread = await codex.startThread({ cwd: workDir() });
    for await (const event of thread.runStreamed('Talk')) {
      if (event.type === 'text.delta') break;
    }
    expect(thread.running).toBe(false);
    await expect(thread.run('Next')).resolves.toMatchObject({ finalResponse: 'next' });
  });

  it('one turn at a time per thread; empty input is refused by name', async () => {
    const { codex } = codexClient();
    mock.enqueue(scripted.text('slow', { delayMs: 200 }));
    const thread = await codex.startThread({ cwd: workDir() });
    const first = thread.run('first');
    await expect(thread.run('second')).rejects.toMatchObject({ code: 'turn_in_progress' });
    await first;
    await expect(thread.run('')).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(thread.run([])).rejects.toSatisfy((error) => CodexRunError.isInstance(error));
  });

  it('a failed turn rejects with turn_failed and the model error', async () => {
    const { codex } = codexClient();
    mock.enqueue(scripted.error(400, { message: 'the prompt is malformed' }));
    const thread = await codex.startThread({ cwd: workDir() });
    const failure = await thread.run('hi').catch((error: unknown) => error);
    expect(CodexRunError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'turn_failed' });
    expect((failure as CodexRunError).turnError?.message).toContain('the prompt is malformed');
  });

  it('resumeThread continues a stored thread in a new client; forkThread copies it under a new id', async () => {
    const home = newHome();
    const first = codexClient({}, home);
    mock.enqueue(scripted.text('The answer is 42.'));
    const thread = await first.codex.startThread({ cwd: workDir() });
    await thread.run('Remember 42');
    await first.codex.close();

    const second = codexClient({}, home);
    mock.enqueue(scripted.text('You said 42.'), scripted.text('Forked.'));
    const resumed = await second.codex.resumeThread(thread.id);
    expect(resumed.id).toBe(thread.id);
    await resumed.run('What did I say?');
    expect(requestText(1)).toContain('Remember 42');
    expect(requestText(1)).toContain('The answer is 42.');

    const fork = await second.codex.forkThread(thread.id);
    expect(fork.id).not.toBe(thread.id);
    await fork.run('And now?');
    expect(requestText(2)).toContain('What did I say?');
  });

  it('close() fails a running turn with closed and refuses new threads', async () => {
    const { codex } = codexClient();
    mock.enqueue(stalled('stalled', 1));
    const thread = await codex.startThread({ cwd: workDir() });
    const running = thread.run('hang').catch((error: unknown) => error);
    await mock.waitForRequests(1);
    await codex.close();
    await expect(running).resolves.toMatchObject({ code: 'closed' });
    await expect(codex.startThread()).rejects.toMatchObject({ code: 'closed' });
  });
});

/** A transport driven by the test: what a remote connection would deliver. */
class ScriptedTransport implements ThreadTransport {
  readonly threadId = 'thread-1';
  sink: ((message: ThreadWireMessage) => void) | null = null;
  interrupts = 0;
  open(sink: (message: ThreadWireMessage) => void): void {
    this.sink = sink;
  }
  async startTurn(): Promise<string> {
    return 'turn-1';
  }
  async interrupt(): Promise<void> {
    this.interrupts++;
  }
  async close(): Promise<void> {}
  deliver(message: ThreadWireMessage): void {
    this.sink?.(message);
  }
}

const turnOf = (status: string) => ({
  id: 'turn-1',
  items: [],
  status,
  error: null,
  startedAt: null,
  completedAt: null,
  durationMs: null,
});

/** A run of `thread` whose turn the transport has announced, past its `turn.started`. */
async function started(thread: CodexThread, transport: ScriptedTransport) {
  const stream = thread.runStreamed('go');
  const starting = stream.next();
  await new Promise((resolve) => setImmediate(resolve));
  transport.deliver({
    kind: 'notification',
    method: 'turn/started',
    params: { threadId: 'thread-1', turn: turnOf('inProgress') },
  } as ThreadWireMessage);
  expect((await starting).value).toMatchObject({ type: 'turn.started' });
  return stream;
}

describe('CodexThread over a transport', () => {
  it('a reader that stops reading keeps memory bounded: deltas past the budget are dropped, items are not', async () => {
    const transport = new ScriptedTransport();
    const thread = new CodexThread(transport, {
      logger: silentLogger,
      maxQueuedDeltaBytes: 64 * 1024,
    });
    const stream = await started(thread, transport);
    const text = 'x'.repeat(1000);
    for (let i = 0; i < 10_000; i++) {
      transport.deliver({
        kind: 'notification',
        method: 'item/agentMessage/delta',
        params: { threadId: 'thread-1', turnId: 'turn-1', itemId: 'm1', delta: text },
      });
    }
    transport.deliver({
      kind: 'notification',
      method: 'turn/completed',
      params: { threadId: 'thread-1', turn: turnOf('completed') },
    } as ThreadWireMessage);
    let deltas = 0;
    let last: ThreadStreamEvent | undefined;
    for await (const event of { [Symbol.asyncIterator]: () => stream }) {
      if (event.type === 'text.delta') deltas++;
      last = event;
    }
    // 64 KiB of UTF-16 is 32 deltas of 1,000 characters: the rest were dropped, not queued.
    expect(deltas).toBe(32);
    expect(last?.type).toBe('turn.completed');
  });

  it('notifications of another turn are ignored, and a lost connection fails the run', async () => {
    const transport = new ScriptedTransport();
    const thread = new CodexThread(transport, { logger: silentLogger });
    const events: ThreadStreamEvent[] = [];
    const done = (async () => {
      for await (const event of thread.runStreamed('go')) events.push(event);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    transport.deliver({
      kind: 'notification',
      method: 'item/agentMessage/delta',
      params: { threadId: 'thread-1', turnId: 'other-turn', itemId: 'm1', delta: 'not mine' },
    });
    transport.deliver({ kind: 'closed', reason: 'the connection closed' });
    await done;
    expect(events.some((event) => event.type === 'text.delta')).toBe(false);
    expect(events.at(-1)).toMatchObject({
      type: 'turn.failed',
      error: { message: 'thread thread-1: the connection closed' },
    });
    await expect(thread.run('again')).rejects.toMatchObject({ code: 'closed' });
  });

  it('an approval still unanswered when its turn ends is declined, and its signal fires', async () => {
    const transport = new ScriptedTransport();
    let handlerSignal: AbortSignal | undefined;
    const thread = new CodexThread(transport, {
      logger: silentLogger,
      onApproval: (_request, { signal }) => {
        handlerSignal = signal;
        return new Promise(() => {}); // a reviewer who never answers
      },
    });
    const stream = await started(thread, transport);
    const answers: unknown[] = [];
    transport.deliver({
      kind: 'approval',
      request: {
        type: 'commandExecution',
        params: { threadId: 'thread-1', turnId: 'turn-1', itemId: 'i' },
      } as ApprovalRequest,
      respond: (answer) => answers.push(answer),
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(answers).toEqual([]);
    transport.deliver({
      kind: 'notification',
      method: 'turn/completed',
      params: { threadId: 'thread-1', turn: turnOf('interrupted') },
    } as ThreadWireMessage);
    expect(answers).toEqual(['decline']);
    expect(handlerSignal?.aborted).toBe(true);
    await expect(stream.next()).resolves.toMatchObject({ value: { type: 'turn.interrupted' } });
  });

  it('an abort whose interrupt never lands (a paused peer) ends the run after interruptTimeoutMs', async () => {
    const transport = new ScriptedTransport();
    const thread = new CodexThread(transport, { logger: silentLogger, interruptTimeoutMs: 200 });
    const controller = new AbortController();
    const running = thread
      .run('go', { signal: controller.signal })
      .catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const error = await running;
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(transport.interrupts).toBe(1);
    expect(thread.running).toBe(false);
    // Leaving a stream early against the same silent peer is bounded the same way.
    const stream = await started(thread, transport);
    await stream.return(undefined);
    expect(transport.interrupts).toBe(2);
    expect(thread.running).toBe(false);
  });

  it('an approval with no turn running is declined at once', () => {
    const transport = new ScriptedTransport();
    new CodexThread(transport, { logger: silentLogger, onApproval: () => 'accept' });
    const answers: unknown[] = [];
    transport.deliver({
      kind: 'approval',
      request: {
        type: 'fileChange',
        params: { threadId: 'thread-1', turnId: 't', itemId: 'i' },
      } as ApprovalRequest,
      respond: (answer) => answers.push(answer),
    });
    expect(answers).toEqual(['decline']);
  });
});
