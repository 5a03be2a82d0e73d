import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTempCodexHome,
  functionCall,
  MockResponsesServer,
  scripted,
  type TempCodexHome,
} from '@codex/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WireClient } from './wire.js';

// The scenarios of shared/reference/original-app-server-transcripts.md, against our bin over
// stdio: the same requests, checked for the original's message order, and every message we
// send checked against the reference JSON Schema.

let mock: MockResponsesServer;
let home: TempCodexHome;
let cwd: string;
const clients: WireClient[] = [];

function start(options: { approval?: boolean } = {}): WireClient {
  const client = WireClient.spawn({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home.path,
    ...home.env,
    ...(options.approval ? {} : {}),
  });
  clients.push(client);
  return client;
}

async function initialize(client: WireClient): Promise<void> {
  const id = client.request('initialize', {
    clientInfo: { name: 'anchor_driver', title: 'Anchor Driver', version: '0.1.0' },
  });
  await client.response(id);
  client.notify('initialized');
}

const text = (value: string) => [{ type: 'text', text: value, text_elements: [] }];
const params = (message: Record<string, unknown>) => message.params as Record<string, unknown>;

beforeEach(async () => {
  mock = await MockResponsesServer.start();
  cwd = realpathSync(mkdtempSync(join(tmpdir(), 'app-server-transcript-')));
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await mock.close();
  home.dispose();
  rmSync(cwd, { recursive: true, force: true });
});

describe('the transcripts over stdio', () => {
  it('a: one turn with 20 streamed deltas, in the original order', async () => {
    home = createTempCodexHome({ providerBaseUrl: mock.url });
    mock.enqueue(
      scripted.text(
        'Hello! This is a streamed reply from the mock model, split into exactly twenty deltas.',
        {
          deltas: 20,
        },
      ),
    );
    const client = start();
    await initialize(client);
    const startId = client.request('thread/start', { cwd });
    const started = await client.response(startId);
    const thread = (started.result as { thread: { id: string } }).thread;
    const turnId = client.request('turn/start', { threadId: thread.id, input: text('hello') });
    await client.waitFor((m) => m.method === 'turn/completed');
    const sequence = client
      .sequence()
      .filter((m) => m !== 'remoteControl/status/changed' && m !== 'warning');
    expect(sequence).toEqual([
      'result#0',
      'result#1',
      'thread/started',
      `result#${turnId}`,
      'thread/status/changed(active)',
      'turn/started',
      'item/started(userMessage)',
      'item/completed(userMessage)',
      'item/started(agentMessage)',
      ...Array(20).fill('item/agentMessage/delta'),
      'item/completed(agentMessage)',
      'thread/tokenUsage/updated',
      'account/rateLimits/updated',
      'thread/status/changed(idle)',
      'turn/completed',
    ]);
    for (const message of client.lines) {
      if ('method' in message && !('id' in message))
        expect(typeof message.emittedAtMs).toBe('number');
      if ('method' in message && !('id' in message))
        expect(Object.keys(message)).toEqual(['method', 'params', 'emittedAtMs']);
    }
    expect(client.problems).toEqual([]);
    const completed = client.lines.find((m) => m.method === 'turn/completed') as Record<
      string,
      unknown
    >;
    const turn = params(completed).turn as Record<string, unknown>;
    expect(turn.status).toBe('completed');
    expect(turn.itemsView).toBe('summary');
    expect((turn.items as Array<{ type: string }>).map((item) => item.type)).toEqual([
      'agentMessage',
    ]);
    expect(await client.close()).toBe(0);
  });

  it('c: a command approval accepted, then the final message', async () => {
    home = createTempCodexHome({
      providerBaseUrl: mock.url,
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
    });
    mock.enqueue(
      scripted.items([
        functionCall(
          'exec_command',
          {
            cmd: 'touch approved.txt && echo anchor-approved-output',
            sandbox_permissions: 'require_escalated',
            justification: 'Create approved.txt in the repo?',
          },
          { callId: 'call_anchor_1' },
        ),
      ]),
      scripted.text('Created approved.txt.', { deltas: 4 }),
    );
    const client = start();
    await initialize(client);
    const started = await client.response(client.request('thread/start', { cwd }));
    const threadId = (started.result as { thread: { id: string } }).thread.id;
    client.request('turn/start', { threadId, input: text('create the file') });
    const approval = await client.waitFor(
      (m) => m.method === 'item/commandExecution/requestApproval',
    );
    expect(approval.id).toBe(0);
    expect(params(approval)).toMatchObject({
      threadId,
      itemId: 'call_anchor_1',
      reason: 'Create approved.txt in the repo?',
      command: "/bin/bash -lc 'touch approved.txt && echo anchor-approved-output'",
      cwd,
      availableDecisions: expect.arrayContaining(['accept', 'cancel']),
    });
    client.respond(approval.id, { decision: 'accept' });
    await client.waitFor((m) => m.method === 'turn/completed');
    // Our exec streams the command's output as it comes; the original sent no delta for a
    // command this short. Everything else is in its order.
    const sequence = client
      .sequence()
      .filter(
        (m) =>
          m !== 'remoteControl/status/changed' &&
          m !== 'warning' &&
          m !== 'item/commandExecution/outputDelta',
      );
    const from = sequence.indexOf('item/completed(userMessage)') + 1;
    expect(sequence.slice(from, from + 7)).toEqual([
      'thread/status/changed(active:waitingOnApproval)',
      'item/started(commandExecution)',
      'request:item/commandExecution/requestApproval',
      'serverRequest/resolved',
      'thread/status/changed(active)',
      'item/completed(commandExecution)',
      'thread/tokenUsage/updated',
    ]);
    expect(sequence.at(-1)).toBe('turn/completed');
    expect(existsSync(join(cwd, 'approved.txt'))).toBe(true);
    const done = client.lines.find(
      (m) =>
        m.method === 'item/completed' &&
        (params(m).item as { type: string }).type === 'commandExecution',
    ) as Record<string, unknown>;
    expect(params(done).item).toMatchObject({
      status: 'completed',
      exitCode: 0,
      aggregatedOutput: 'anchor-approved-output\n',
    });
    expect(client.problems).toEqual([]);
  });

  it('d: interrupt during a slow stream, then a second turn and a late interrupt', async () => {
    home = createTempCodexHome({ providerBaseUrl: mock.url });
    mock.enqueue(
      scripted.text('x'.repeat(200), { deltas: 200, delayMs: 50 }),
      scripted.text('Continued.', { deltas: 2 }),
    );
    const client = start();
    await initialize(client);
    const started = await client.response(client.request('thread/start', { cwd }));
    const threadId = (started.result as { thread: { id: string } }).thread.id;
    const turnStart = await client.response(
      client.request('turn/start', { threadId, input: text('slow') }),
    );
    const turnId = (turnStart.result as { turn: { id: string } }).turn.id;
    await client.waitFor(
      (_m) => client.lines.filter((l) => l.method === 'item/agentMessage/delta').length >= 5,
    );
    const interruptId = client.request('turn/interrupt', { threadId, turnId });
    const completed = await client.waitFor((m) => m.method === 'turn/completed');
    expect(params(completed).turn).toMatchObject({
      status: 'interrupted',
      items: [],
      itemsView: 'notLoaded',
    });
    const order = client.sequence();
    expect(order.indexOf(`result#${interruptId}`)).toBeLessThan(order.indexOf('turn/completed'));
    expect(
      client.lines.some(
        (m) =>
          m.method === 'item/completed' &&
          (params(m).item as { type: string }).type === 'agentMessage',
      ),
    ).toBe(false);
    const mark = client.lines.length;
    client.request('turn/start', { threadId, input: text('continue') });
    await client.waitFor((m) => m.method === 'turn/completed', 15_000, mark);
    const late = await client.response(client.request('turn/interrupt', { threadId, turnId }));
    expect(late).toEqual({
      error: { code: -32600, message: 'no active turn to interrupt' },
      id: late.id,
    });
    expect(Object.keys(late)).toEqual(['error', 'id']);
    const second = mock.requests[1]?.body as {
      input: Array<{ role?: string; content?: Array<{ text?: string }> }>;
    };
    const userTexts = second.input
      .filter((item) => item.role === 'user')
      .map((item) => item.content?.[0]?.text ?? '');
    expect(userTexts.some((t) => t.startsWith('<turn_aborted>'))).toBe(true);
    expect(client.problems).toEqual([]);
  });

  it('e: bad input gets the original answers and never kills the server', async () => {
    home = createTempCodexHome({ providerBaseUrl: mock.url });
    const client = start();
    client.writeLine('this is not json');
    const early = await client.response(client.request('thread/start', { cwd }));
    expect(early).toEqual({ error: { code: -32600, message: 'Not initialized' }, id: early.id });
    const unknown = await client.response(client.request('foo/bar', {}));
    expect((unknown.error as { message: string }).message).toMatch(
      /^Invalid request: unknown variant `foo\/bar`, expected one of `initialize`/,
    );
    await initialize(client);
    const again = await client.response(
      client.request('initialize', { clientInfo: { name: 'x', version: '1' } }),
    );
    expect(again).toEqual({
      error: { code: -32600, message: 'Already initialized' },
      id: again.id,
    });
    client.writeLine('{"truncated": ');
    client.writeLine('[1,2,3]');
    client.writeLine('{"id": 99}');
    client.writeLine('');
    client.respond(12345, { decision: 'accept' });
    client.notify('foo/bar', {});
    const missing = await client.response(
      client.request('turn/start', {
        threadId: '00000000-0000-7000-8000-000000000000',
        input: text('x'),
      }),
    );
    expect((missing.error as { message: string }).message).toBe(
      'thread not found: 00000000-0000-7000-8000-000000000000',
    );
    const badId = await client.response(
      client.request('turn/start', { threadId: 'not-a-uuid', input: text('x') }),
    );
    expect((badId.error as { message: string }).message).toMatch(
      /^invalid thread id: invalid character/,
    );
    const noInput = await client.response(
      client.request('turn/start', { threadId: '00000000-0000-7000-8000-000000000000' }),
    );
    expect((noInput.error as { message: string }).message).toBe(
      'Invalid request: missing field `input`',
    );
    const badType = await client.response(client.request('thread/start', { cwd: 123 }));
    expect((badType.error as { message: string }).message).toBe(
      'Invalid request: invalid type: integer `123`, expected a string',
    );
    const notLoaded = await client.response(
      client.request('thread/read', { threadId: '00000000-0000-7000-8000-000000000000' }),
    );
    expect((notLoaded.error as { message: string }).message).toBe(
      'thread not loaded: 00000000-0000-7000-8000-000000000000',
    );
    const noParams = await client.response(client.request('thread/loaded/list'));
    expect((noParams.error as { message: string }).message).toBe(
      'Invalid request: missing field `params`',
    );
    const stringId = await client.response(client.request('thread/loaded/list', {}, 'abc'));
    expect(stringId.id).toBe('abc');
    expect(client.lines.filter((m) => m.id === 99 || m.id === null)).toEqual([]);
    expect(client.problems).toEqual([]);
    expect(await client.close()).toBe(0);
  });
});
