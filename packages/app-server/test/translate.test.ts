import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import { loadConfig, Session } from '@codex/core';
import {
  availableDecisions,
  commandActionsFromParsed,
  shellJoin,
  ThreadEventTranslator,
  type TranslatedMessage,
} from '@codex/core/wire';
import type { core } from '@codex/protocol';
import {
  assistantMessage,
  createTempCodexHome,
  functionCall,
  MockResponsesServer,
  reasoning,
  type ScriptedResponse,
  scripted,
  splitIntoDeltas,
} from '@codex/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceAjv, referenceDefinition } from './reference-schema.js';

// ---- the reference JSON Schema every produced message must satisfy ----

const ajv = referenceAjv;
const definition = referenceDefinition;
const serverNotification = definition('ServerNotification');
const serverRequest = definition('ServerRequest');

/** The messages as the server puts them on the wire (approvals numbered from 0, as the original). */
function wire(messages: readonly TranslatedMessage[]): Record<string, unknown>[] {
  let nextRequestId = 0;
  return messages.map((message) =>
    message.kind === 'approval'
      ? { method: message.method, id: nextRequestId++, params: message.params }
      : { method: message.method, params: message.params },
  );
}

/** Asserts every message validates against the reference `ServerNotification` / `ServerRequest`. */
function expectValidOnTheWire(messages: readonly TranslatedMessage[]): void {
  expect(messages.length).toBeGreaterThan(0);
  for (const message of wire(messages)) {
    const validate = 'id' in message ? serverRequest : serverNotification;
    const valid = validate(JSON.parse(JSON.stringify(message)));
    expect(valid, `${String(message.method)}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  }
}

/** `method` plus the item type of item notifications: `item/started agentMessage`. */
function describeMessage(message: TranslatedMessage): string {
  if (message.method === 'item/started' || message.method === 'item/completed') {
    return `${message.method} ${message.params.item.type}`;
  }
  if (message.method === 'thread/status/changed') {
    const { status } = message.params;
    const flags =
      status.type === 'active' && status.activeFlags.length > 0 ? status.activeFlags : '';
    return `${message.method} ${status.type}${flags === '' ? '' : `[${flags.join(',')}]`}`;
  }
  if (message.method === 'turn/completed') return `${message.method} ${message.params.turn.status}`;
  return message.method;
}

/** Collapses runs of one description into `name ×N`, as the transcripts list them. */
function summarize(messages: readonly TranslatedMessage[]): string[] {
  const lines: string[] = [];
  let last = '';
  let count = 0;
  const flush = () => {
    if (count > 0) lines.push(count > 1 ? `${last} ×${count}` : last);
  };
  for (const message of messages) {
    const line = describeMessage(message);
    if (line === last) count++;
    else {
      flush();
      last = line;
      count = 1;
    }
  }
  flush();
  return lines;
}

/**
 * Feeds `events` through a translator, answering each approval as the server does right after
 * the client's answer (`serverRequest/resolved`, then `approvalAnswered`).
 */
function translateAll(
  translator: ThreadEventTranslator,
  events: readonly core.Event[],
  clock?: { now: number; times?: readonly number[] },
): TranslatedMessage[] {
  const out: TranslatedMessage[] = [];
  events.forEach((event, index) => {
    if (clock?.times) clock.now = clock.times[index] ?? clock.now;
    const messages = translator.translate(event);
    out.push(...messages);
    for (const message of messages) {
      if (message.kind === 'approval') out.push(...translator.approvalAnswered(message.callId));
    }
  });
  return out;
}

// ---- the original's messages, verbatim from the transcripts ----

const original = JSON.parse(
  readFileSync(
    join(import.meta.dirname, 'fixtures', 'translate', 'original-messages.json'),
    'utf8',
  ),
).messages as Record<string, { method: string; params: unknown }>;
const originalMessage = (name: string) => {
  const message = original[name];
  if (!message) throw new Error(`no original message ${name}`);
  return { method: message.method, params: message.params };
};
const asWire = (message: TranslatedMessage | undefined) =>
  message === undefined ? undefined : { method: message.method, params: message.params };

const ev = (msg: core.EventMsg, id = '1'): core.Event => ({ id, msg });

describe('the original transcripts, message for message (hand-written core events, fixed clock)', () => {
  it('scenario a: a text turn of 20 deltas', () => {
    const threadId = '01a20155-597c-7242-83fe-6d41fab0bd15';
    const turnId = '01a20155-59a2-7931-a503-64bbf40fdf15';
    const text =
      'Hello! This is a streamed reply from the mock model, split into exactly twenty deltas.';
    const deltas = ['Hello', ...splitIntoDeltas(text.slice('Hello'.length), 19)];
    const usage = {
      input_tokens: 100,
      cached_input_tokens: 0,
      output_tokens: 10,
      reasoning_output_tokens: 0,
      total_tokens: 110,
    };
    const events: core.Event[] = [
      ev({ type: 'task_started', turn_id: turnId, model_context_window: 258400 }),
      ev({
        type: 'warning',
        turn_id: turnId,
        message:
          'Model metadata for `mock-model` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.',
      }),
      ev({
        type: 'user_message',
        message: 'hello',
        turn_id: turnId,
        item_id: '01a20155-59e8-7dd2-b4b5-7fcba0b571bf',
        images: null,
      }),
      ...deltas.map((delta) =>
        ev({ type: 'agent_message_delta', delta, turn_id: turnId, item_id: 'msg_mock_1_0' }),
      ),
      ev({ type: 'agent_message', message: text, turn_id: turnId, item_id: 'msg_mock_1_0' }),
      ev({
        type: 'token_count',
        ...usage,
        turn_id: turnId,
        info: {
          total_token_usage: usage,
          last_token_usage: usage,
          turn_token_usage: usage,
          model_context_window: 258400,
        },
      }),
      ev({ type: 'task_complete', turn_id: turnId, last_agent_message: text }),
    ];
    const times = [
      1795318700505,
      1795318700505,
      1795318700522,
      ...deltas.map(() => 1795318700579),
      1795318700579,
      1795318700587,
      1795318700641,
    ];
    const clock = { now: 0, times };
    const translator = new ThreadEventTranslator({ threadId, now: () => clock.now });
    const out = translateAll(translator, events, clock);

    // The original sends the warning before the turn/start response and so before
    // `thread/status/changed`; core emits it after `task_started`, so it follows `turn/started`.
    expect(summarize(out)).toStrictEqual([
      'thread/status/changed active',
      'turn/started',
      'warning',
      'item/started userMessage',
      'item/completed userMessage',
      'item/started agentMessage',
      'item/agentMessage/delta ×20',
      'item/completed agentMessage',
      'thread/tokenUsage/updated',
      'account/rateLimits/updated',
      'thread/status/changed idle',
      'turn/completed completed',
    ]);
    const named = (method: string, nth = 0) =>
      asWire(out.filter((m) => describeMessage(m) === method)[nth]);
    expect(named('thread/status/changed active')).toStrictEqual(originalMessage('a/status-active'));
    expect(named('turn/started')).toStrictEqual(originalMessage('a/turn-started'));
    expect(named('warning')).toStrictEqual(originalMessage('a/warning'));
    expect(named('item/started userMessage')).toStrictEqual(originalMessage('a/user-started'));
    expect(named('item/completed userMessage')).toStrictEqual(originalMessage('a/user-completed'));
    expect(named('item/started agentMessage')).toStrictEqual(originalMessage('a/agent-started'));
    expect(named('item/agentMessage/delta')).toStrictEqual(originalMessage('a/agent-delta-1'));
    expect(named('item/completed agentMessage')).toStrictEqual(
      originalMessage('a/agent-completed'),
    );
    expect(named('thread/tokenUsage/updated')).toStrictEqual(originalMessage('a/token-usage'));
    expect(named('account/rateLimits/updated')).toStrictEqual(originalMessage('a/rate-limits'));
    expect(named('thread/status/changed idle')).toStrictEqual(originalMessage('a/status-idle'));
    expect(named('turn/completed completed')).toStrictEqual(originalMessage('a/turn-completed'));
    // Deltas are passed on one for one, never coalesced.
    const sent = out.flatMap((m) =>
      m.method === 'item/agentMessage/delta' ? [m.params.delta] : [],
    );
    expect(sent).toStrictEqual(deltas);
    expect(translator.activeTurnId).toBeNull();
    expect(translator.status).toStrictEqual({ type: 'idle' });
    expectValidOnTheWire(out);
  });

  it('scenario c: an approved command', () => {
    const threadId = '01a20155-6362-7141-881f-a7cf062bb96c';
    const turnId = '01a20155-637f-7801-a8c2-501c054f4fdc';
    const callId = 'call_anchor_1';
    const cwd = '$ANCHOR_DIR/work/c_approval';
    const argv = ['/bin/bash', '-lc', 'touch approved.txt && echo anchor-approved-output'];
    const amendment = ['touch', 'approved.txt'];
    const events: core.Event[] = [
      ev({ type: 'task_started', turn_id: turnId, model_context_window: 258400 }),
      ev({
        type: 'exec_approval_request',
        call_id: callId,
        command: argv,
        cwd,
        reason: 'Create approved.txt in the repo?',
        turn_id: turnId,
        proposed_execpolicy_amendment: amendment,
        available_decisions: [
          'approved',
          { approved_execpolicy_amendment: { proposed_execpolicy_amendment: amendment } },
          'abort',
        ],
      }),
      ev({
        type: 'exec_command_begin',
        call_id: callId,
        command: argv,
        cwd,
        parsed_cmd: [{ type: 'unknown', cmd: argv[2] }],
        turn_id: turnId,
        source: 'unified_exec_startup',
        process_id: '51268',
      }),
      ev({
        type: 'exec_command_end',
        call_id: callId,
        stdout: 'anchor-approved-output\n',
        stderr: '',
        aggregated_output: 'anchor-approved-output\n',
        exit_code: 0,
        duration: { secs: 0, nanos: 30674 },
        turn_id: turnId,
        command: argv,
        cwd,
        source: 'unified_exec_startup',
        status: 'completed',
      }),
    ];
    const clock = {
      now: 0,
      times: [1795318703000, 1795318703061, 1795318703120, 1795318703153],
    };
    const translator = new ThreadEventTranslator({ threadId, now: () => clock.now });
    const out = translateAll(translator, events, clock);
    expect(summarize(out)).toStrictEqual([
      'thread/status/changed active',
      'turn/started',
      'thread/status/changed active[waitingOnApproval]',
      'item/started commandExecution',
      'item/commandExecution/requestApproval',
      'thread/status/changed active',
      'item/completed commandExecution',
    ]);
    expect(asWire(out[2])).toStrictEqual(originalMessage('c/status-waiting'));
    expect(asWire(out[3])).toStrictEqual(originalMessage('c/command-started'));
    const approval = out[4];
    expect(approval?.kind).toBe('approval');
    expect(approval?.kind === 'approval' ? approval.callId : null).toBe(callId);
    expect(wire(out)[4]).toStrictEqual(original['c/approval-request']);
    expect(asWire(out[5])?.params).toStrictEqual({
      threadId,
      status: { type: 'active', activeFlags: [] },
    });
    expect(asWire(out[6])).toStrictEqual(originalMessage('c/command-completed'));
    expectValidOnTheWire(out);
  });

  it('scenario d: an interrupt mid-stream completes no item and reports no items', () => {
    const threadId = '01a20155-6642-7881-a3ce-f6ec2bd61fe6';
    const turnId = '01a20155-6665-7202-8924-038994644774';
    const events: core.Event[] = [
      ev({ type: 'task_started', turn_id: turnId }),
      ev({ type: 'user_message', message: 'slow please', turn_id: turnId, item_id: 'u1' }),
      ...['z', 'z', 'z', 'z', 'z'].map((delta) =>
        ev({ type: 'agent_message_delta', delta, turn_id: turnId, item_id: 'msg_mock_1_0' }),
      ),
      ev({ type: 'turn_aborted', reason: 'interrupted', turn_id: turnId }, '2'),
    ];
    const clock = { now: 1795318703722 };
    const translator = new ThreadEventTranslator({ threadId, now: () => clock.now });
    const out = translateAll(translator, events.slice(0, -1));
    clock.now += 338;
    out.push(...translator.translate(events.at(-1) as core.Event));
    expect(summarize(out)).toStrictEqual([
      'thread/status/changed active',
      'turn/started',
      'item/started userMessage',
      'item/completed userMessage',
      'item/started agentMessage',
      'item/agentMessage/delta ×5',
      'account/rateLimits/updated',
      'thread/status/changed idle',
      'turn/completed interrupted',
    ]);
    expect(asWire(out.at(-1))).toStrictEqual(originalMessage('d/turn-completed'));
    expectValidOnTheWire(out);
  });
});

// ---- real core sessions against the mock model ----

interface Recording {
  readonly events: core.Event[];
  readonly cwd: string;
}

interface RecordOptions {
  readonly approvalPolicy?: 'on-request' | 'never';
  readonly sandboxMode?: 'workspace-write' | 'danger-full-access';
  readonly extraToml?: string;
  /** Reacts to each event as a client would (answer approvals, interrupt). */
  readonly react?: (msg: core.EventMsg, session: Session, seen: readonly core.Event[]) => void;
}

let mock: MockResponsesServer;
beforeAll(async () => {
  mock = await MockResponsesServer.start();
});
afterAll(async () => {
  await mock.close();
});

/** Runs one turn of a real core session against the mock model and returns its events. */
async function recordTurn(
  responses: readonly ScriptedResponse[],
  input: string,
  options: RecordOptions = {},
): Promise<Recording> {
  mock.reset();
  mock.enqueue(...responses);
  const home = createTempCodexHome({
    providerBaseUrl: mock.url,
    approvalPolicy: options.approvalPolicy,
    sandboxMode: options.sandboxMode,
    extraToml: options.extraToml,
  });
  const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'codex-translate-')));
  const env = {
    PATH: process.env.PATH,
    HOME: home.path,
    SHELL: '/bin/bash',
    MOCK_API_KEY: 'dummy',
  };
  const { config } = await loadConfig({
    codexHome: home.path,
    systemConfigFile: null,
    env,
    overrides: { cwd },
  });
  const session = await Session.start({ config, env, logger: silentLogger });
  const events: core.Event[] = [];
  try {
    session.submit({ type: 'user_input', items: [{ type: 'text', text: input }] });
    for (;;) {
      const event = await session.nextEvent();
      if (event === undefined) break;
      if (event.msg.type === 'session_configured') continue;
      events.push(event);
      options.react?.(event.msg, session, events);
      if (event.msg.type === 'task_complete' || event.msg.type === 'turn_aborted') break;
    }
  } finally {
    const shut = session.shutdown();
    while (await session.nextEvent());
    await shut;
    home.dispose();
    rmSync(cwd, { recursive: true, force: true });
  }
  return { events, cwd };
}

const THREAD_ID = '01a20155-0000-7000-8000-000000000001';
const translatorFor = () => new ThreadEventTranslator({ threadId: THREAD_ID });

describe('real core sessions, translated', () => {
  it('scenario a: 20 streamed deltas give 20 delta notifications and a summary turn', async () => {
    const text =
      'Hello! This is a streamed reply from the mock model, split into exactly twenty deltas.';
    const { events } = await recordTurn(
      [scripted.text(text, { deltas: 20, id: 'msg_mock_1_0' })],
      'hello',
    );
    const out = translateAll(translatorFor(), events);
    expect(summarize(out)).toStrictEqual([
      'thread/status/changed active',
      'turn/started',
      'warning',
      'item/started userMessage',
      'item/completed userMessage',
      'item/started agentMessage',
      'item/agentMessage/delta ×20',
      'item/completed agentMessage',
      'thread/tokenUsage/updated',
      'account/rateLimits/updated',
      'thread/status/changed idle',
      'turn/completed completed',
    ]);
    const completed = out.at(-1);
    if (completed?.method !== 'turn/completed') throw new Error('no turn/completed');
    expect(completed.params.turn).toMatchObject({
      itemsView: 'summary',
      status: 'completed',
      error: null,
      items: [{ type: 'agentMessage', id: 'msg_mock_1_0', text }],
    });
    const started = out.find((m) => m.method === 'turn/started');
    if (started?.method !== 'turn/started') throw new Error('no turn/started');
    expect(started.params.turn.id).toBe(
      events[0]?.msg.type === 'task_started' ? events[0].msg.turn_id : '',
    );
    expect(started.params.turn.startedAt).toBeLessThan(Date.now() / 1000 + 1);
    expect(started.params.turn.startedAt).toBeGreaterThan(Date.now() / 1000 - 60);
    const user = out.find(
      (m) => m.method === 'item/completed' && m.params.item.type === 'userMessage',
    );
    expect(user?.method === 'item/completed' ? user.params.item : null).toMatchObject({
      content: [{ type: 'text', text: 'hello', text_elements: [] }],
      clientId: null,
    });
    expectValidOnTheWire(out);
  });

  it('scenario c: exec_approval_request → approved → exec begin/end → message', async () => {
    const cmd = 'touch approved.txt && echo anchor-approved-output';
    const { events, cwd } = await recordTurn(
      [
        scripted.items([
          functionCall(
            'exec_command',
            {
              cmd,
              sandbox_permissions: 'require_escalated',
              justification: 'Create approved.txt in the repo?',
            },
            { callId: 'call_anchor_1' },
          ),
        ]),
        scripted.text('The command ran and printed anchor-approved-output.', {
          deltas: 4,
          id: 'msg_mock_2_0',
        }),
      ],
      'please create approved.txt',
      {
        approvalPolicy: 'on-request',
        sandboxMode: 'workspace-write',
        react: (msg, session) => {
          if (msg.type === 'exec_approval_request') {
            session.submit({ type: 'exec_approval', id: msg.call_id, decision: 'approved' });
          }
        },
      },
    );
    const out = translateAll(translatorFor(), events);
    // As the original, the first response's token usage follows the command item (core reports
    // it when the response ends; the translator holds it while the call runs). Core streams an
    // output delta for this short command where the original sent none.
    expect(summarize(out)).toStrictEqual([
      'thread/status/changed active',
      'turn/started',
      'warning',
      'item/started userMessage',
      'item/completed userMessage',
      'thread/status/changed active[waitingOnApproval]',
      'item/started commandExecution',
      'item/commandExecution/requestApproval',
      'thread/status/changed active',
      'item/commandExecution/outputDelta',
      'item/completed commandExecution',
      'thread/tokenUsage/updated',
      'account/rateLimits/updated',
      'item/started agentMessage',
      'item/agentMessage/delta ×4',
      'item/completed agentMessage',
      'thread/tokenUsage/updated',
      'account/rateLimits/updated',
      'thread/status/changed idle',
      'turn/completed completed',
    ]);
    const started = out.find(
      (m) => m.method === 'item/started' && m.params.item.type === 'commandExecution',
    );
    const command = `/bin/bash -lc '${cmd}'`;
    expect(started?.method === 'item/started' ? started.params.item : null).toMatchObject({
      type: 'commandExecution',
      id: 'call_anchor_1',
      command,
      cwd,
      source: 'agent',
      status: 'inProgress',
      commandActions: [{ type: 'unknown', command: cmd }],
      processId: null,
      aggregatedOutput: null,
      exitCode: null,
    });
    const approval = out.find((m) => m.kind === 'approval');
    expect(approval?.params).toStrictEqual({
      kind: 'command',
      threadId: THREAD_ID,
      turnId: events[0]?.msg.type === 'task_started' ? events[0].msg.turn_id : null,
      itemId: 'call_anchor_1',
      startedAtMs: started?.method === 'item/started' ? started.params.startedAtMs : -1,
      environmentId: 'local',
      reason: 'Create approved.txt in the repo?',
      command,
      cwd,
      commandActions: [{ type: 'unknown', command: cmd }],
      proposedExecpolicyAmendment: ['touch', 'approved.txt'],
      // Core offers more than the original did (it offered accept, the amendment and cancel).
      availableDecisions: [
        'accept',
        { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['touch', 'approved.txt'] } },
        'acceptForSession',
        'decline',
        'cancel',
      ],
    });
    const output = out.find((m) => m.method === 'item/commandExecution/outputDelta');
    expect(output?.params).toMatchObject({
      itemId: 'call_anchor_1',
      delta: 'anchor-approved-output\n',
    });
    const completed = out.find(
      (m) => m.method === 'item/completed' && m.params.item.type === 'commandExecution',
    );
    expect(completed?.method === 'item/completed' ? completed.params.item : null).toMatchObject({
      id: 'call_anchor_1',
      command,
      source: 'unifiedExecStartup',
      status: 'completed',
      aggregatedOutput: 'anchor-approved-output\n',
      exitCode: 0,
    });
    const turn = out.at(-1);
    expect(
      turn?.method === 'turn/completed' ? turn.params.turn.items.map((i) => i.type) : null,
    ).toStrictEqual(['agentMessage']);
    expectValidOnTheWire(out);
  });

  it('scenario d: an interrupt during the stream', async () => {
    const { events } = await recordTurn(
      [scripted.text('z'.repeat(200), { deltas: 200, delayMs: 10, id: 'msg_mock_1_0' })],
      'stream slowly',
      {
        react: (msg, session, seen) => {
          const deltas = seen.filter((e) => e.msg.type === 'agent_message_delta').length;
          if (msg.type === 'agent_message_delta' && deltas === 5)
            session.submit({ type: 'interrupt' });
        },
      },
    );
    expect(events.at(-1)?.msg.type).toBe('turn_aborted');
    const out = translateAll(translatorFor(), events);
    const lines = summarize(out);
    expect(lines.slice(0, 6)).toStrictEqual([
      'thread/status/changed active',
      'turn/started',
      'warning',
      'item/started userMessage',
      'item/completed userMessage',
      'item/started agentMessage',
    ]);
    expect(lines[6]).toMatch(/^item\/agentMessage\/delta ×\d+$/);
    expect(lines.slice(7)).toStrictEqual([
      'account/rateLimits/updated',
      'thread/status/changed idle',
      'turn/completed interrupted',
    ]);
    const completed = out.at(-1);
    expect(completed?.method === 'turn/completed' ? completed.params.turn : null).toMatchObject({
      items: [],
      itemsView: 'notLoaded',
      status: 'interrupted',
      error: null,
    });
    expectValidOnTheWire(out);
  });

  it('a patch turn with a plan: fileChange items, the diff and the plan', async () => {
    const patch = '*** Begin Patch\n*** Add File: notes.txt\n+approved\n*** End Patch';
    const { events, cwd } = await recordTurn(
      [
        scripted.items([
          functionCall(
            'update_plan',
            {
              explanation: 'Two steps',
              plan: [
                { step: 'write notes', status: 'in_progress' },
                { step: 'report', status: 'pending' },
              ],
            },
            { callId: 'call_plan' },
          ),
          functionCall('apply_patch', { input: patch }, { callId: 'call_patch', id: 'fc_2' }),
        ]),
        scripted.text('Noted.', { id: 'msg_final' }),
      ],
      'note it',
    );
    const out = translateAll(translatorFor(), events);
    const lines = summarize(out);
    for (const expected of [
      'turn/plan/updated',
      'item/started fileChange',
      'item/completed fileChange',
      'turn/diff/updated',
      'item/completed agentMessage',
    ]) {
      expect(lines).toContain(expected);
    }
    expect(lines.indexOf('item/started fileChange')).toBeLessThan(
      lines.indexOf('item/completed fileChange'),
    );
    const plan = out.find((m) => m.method === 'turn/plan/updated');
    expect(plan?.params).toMatchObject({
      explanation: 'Two steps',
      plan: [
        { step: 'write notes', status: 'inProgress' },
        { step: 'report', status: 'pending' },
      ],
    });
    const done = out.find(
      (m) => m.method === 'item/completed' && m.params.item.type === 'fileChange',
    );
    expect(done?.method === 'item/completed' ? done.params.item : null).toMatchObject({
      id: 'call_patch',
      status: 'completed',
      changes: [{ path: join(cwd, 'notes.txt'), kind: { type: 'add' }, diff: 'approved\n' }],
    });
    const diff = out.find((m) => m.method === 'turn/diff/updated');
    expect(diff?.params).toMatchObject({ diff: expect.stringContaining('+approved') });
    expectValidOnTheWire(out);
  });

  it('a patch outside the workspace asks for approval first', async () => {
    const outside = realpathSync(mkdtempSync(join(tmpdir(), 'codex-translate-outside-')));
    const script = `cd ${outside} && apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: far.txt\n+far\n*** End Patch\nEOF`;
    try {
      const { events } = await recordTurn(
        [
          scripted.items([functionCall('exec_command', { cmd: script }, { callId: 'call_far' })]),
          scripted.text('Written.'),
        ],
        'write far away',
        {
          approvalPolicy: 'on-request',
          sandboxMode: 'workspace-write',
          extraToml:
            '[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true\n',
          react: (msg, session) => {
            if (msg.type === 'apply_patch_approval_request') {
              session.submit({ type: 'patch_approval', id: msg.call_id, decision: 'approved' });
            }
          },
        },
      );
      expect(events.map((e) => e.msg.type)).toContain('apply_patch_approval_request');
      const out = translateAll(translatorFor(), events);
      const lines = summarize(out);
      const asked = lines.indexOf('item/fileChange/requestApproval');
      expect(lines.slice(asked - 2, asked + 2)).toStrictEqual([
        'thread/status/changed active[waitingOnApproval]',
        'item/started fileChange',
        'item/fileChange/requestApproval',
        'thread/status/changed active',
      ]);
      expect(lines.filter((line) => line === 'item/started fileChange')).toHaveLength(1);
      const approval = out.find((m) => m.kind === 'approval');
      expect(approval?.params).toMatchObject({ itemId: 'call_far', grantRoot: null });
      const done = out.find(
        (m) => m.method === 'item/completed' && m.params.item.type === 'fileChange',
      );
      expect(done?.method === 'item/completed' ? done.params.item : null).toMatchObject({
        status: 'completed',
        changes: [{ path: join(outside, 'far.txt'), kind: { type: 'add' }, diff: 'far\n' }],
      });
      expectValidOnTheWire(out);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('reasoning: summary deltas inside a reasoning item that completes before the answer', async () => {
    const { events } = await recordTurn(
      [
        scripted.items([
          reasoning('Thinking it over.', { deltas: 3, id: 'rs_1' }),
          assistantMessage('Answer.', { id: 'msg_answer' }),
        ]),
      ],
      'think',
    );
    const out = translateAll(translatorFor(), events);
    const lines = summarize(out);
    const start = lines.indexOf('item/started reasoning');
    expect(lines.slice(start, start + 4)).toStrictEqual([
      'item/started reasoning',
      'item/reasoning/summaryTextDelta ×3',
      'item/completed reasoning',
      'item/started agentMessage',
    ]);
    const done = out.find(
      (m) => m.method === 'item/completed' && m.params.item.type === 'reasoning',
    );
    expect(done?.method === 'item/completed' ? done.params.item : null).toMatchObject({
      id: 'rs_1',
      summary: ['Thinking it over.'],
      content: [],
    });
    expectValidOnTheWire(out);
  });

  it('a model error fails the turn: error notification, then turn/completed failed', async () => {
    const { events } = await recordTurn([scripted.error(400, { message: 'bad input' })], 'fail');
    const out = translateAll(translatorFor(), events);
    const lines = summarize(out);
    expect(lines.slice(-3)).toStrictEqual([
      'error',
      'thread/status/changed idle',
      'turn/completed failed',
    ]);
    const error = out.find((m) => m.method === 'error');
    expect(error?.params).toMatchObject({
      willRetry: false,
      error: { codexErrorInfo: 'badRequest', additionalDetails: null },
    });
    const completed = out.at(-1);
    expect(completed?.method === 'turn/completed' ? completed.params.turn : null).toMatchObject({
      status: 'failed',
      error: { codexErrorInfo: 'badRequest' },
    });
    expectValidOnTheWire(out);
  });
});

describe('single events', () => {
  const turnId = 't1';
  const started = () => {
    const translator = translatorFor();
    translator.translate(ev({ type: 'task_started', turn_id: turnId }));
    return translator;
  };

  it('decodes output chunks, keeping a UTF-8 character split across chunks whole', () => {
    const translator = started();
    const bytes = Buffer.from('né', 'utf8');
    translator.translate(
      ev({
        type: 'exec_command_begin',
        call_id: 'c',
        command: ['echo'],
        cwd: '/w',
        turn_id: turnId,
      }),
    );
    const first = translator.translate(
      ev({
        type: 'exec_command_output_delta',
        call_id: 'c',
        stream: 'stdout',
        chunk: bytes.subarray(0, 2).toString('base64'),
        turn_id: turnId,
      }),
    );
    const second = translator.translate(
      ev({
        type: 'exec_command_output_delta',
        call_id: 'c',
        stream: 'stdout',
        chunk: bytes.subarray(2).toString('base64'),
        turn_id: turnId,
      }),
    );
    expect(
      [...first, ...second].map((m) =>
        m.method === 'item/commandExecution/outputDelta' ? m.params.delta : null,
      ),
    ).toStrictEqual(['n', 'é']);
  });

  it('a declined command completes declined, without output, exit code or duration', () => {
    const translator = started();
    translator.translate(
      ev({
        type: 'exec_approval_request',
        call_id: 'c',
        command: ['rm', '-rf', 'x y'],
        cwd: '/w',
        turn_id: turnId,
      }),
    );
    const out = translator.translate(
      ev({
        type: 'exec_command_end',
        call_id: 'c',
        stdout: '',
        stderr: '',
        aggregated_output: '',
        exit_code: -1,
        duration: { secs: 0, nanos: 0 },
        turn_id: turnId,
        status: 'declined',
      }),
    );
    const item = out.find((m) => m.method === 'item/completed');
    expect(item?.method === 'item/completed' ? item.params.item : null).toMatchObject({
      command: "rm -rf 'x y'",
      status: 'declined',
      aggregatedOutput: null,
      exitCode: null,
      durationMs: null,
    });
    // The approval was still pending (core's timeout): the thread no longer waits on it.
    expect(translator.status).toStrictEqual({ type: 'active', activeFlags: [] });
    expect(translator.approvalAnswered('c')).toStrictEqual([]);
    expectValidOnTheWire(out);
  });

  it('view_image, compaction and a retried stream', () => {
    const translator = started();
    const out = [
      ...translator.translate(
        ev({ type: 'view_image_tool_call', call_id: 'v', path: '/w/a.png', turn_id: turnId }),
      ),
      ...translator.translate(
        ev({ type: 'context_compaction_begin', turn_id: turnId, item_id: 'cmp' }),
      ),
      ...translator.translate(ev({ type: 'context_compacted', turn_id: turnId, item_id: 'cmp' })),
      ...translator.translate(
        ev({
          type: 'stream_error',
          message: 'Reconnecting... 1/5 (stream closed)',
          turn_id: turnId,
        }),
      ),
      ...translator.translate(ev({ type: 'background_event', message: 'ignored' })),
    ];
    expect(summarize(out)).toStrictEqual([
      'item/started imageView',
      'item/completed imageView',
      'item/started contextCompaction',
      'item/completed contextCompaction',
      'thread/compacted',
      'error',
    ]);
    expect(out.at(-1)?.params).toMatchObject({ willRetry: true, turnId });
    expectValidOnTheWire(out);
  });

  it('an agent message without deltas is started, then completed', () => {
    const translator = started();
    const out = translator.translate(
      ev({ type: 'agent_message', message: 'hi', turn_id: turnId, item_id: 'm' }),
    );
    expect(summarize(out)).toStrictEqual([
      'item/started agentMessage',
      'item/completed agentMessage',
    ]);
  });

  it('maps core decisions and parsed commands to the v2 shapes', () => {
    expect(
      availableDecisions([
        'approved',
        'approved_for_session',
        { approved_execpolicy_amendment: { proposed_execpolicy_amendment: ['ls'] } },
        'denied',
        'abort',
        'timed_out',
      ]),
    ).toStrictEqual([
      'accept',
      'acceptForSession',
      { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['ls'] } },
      'decline',
      'cancel',
    ]);
    expect(
      commandActionsFromParsed(
        [
          { type: 'read', cmd: 'cat a', name: 'a', path: 'a' },
          { type: 'list_files', cmd: 'ls' },
          { type: 'search', cmd: 'rg x', query: 'x', path: null },
          { type: 'unknown', cmd: 'make' },
        ],
        ['bash'],
      ),
    ).toStrictEqual([
      { type: 'read', command: 'cat a', name: 'a', path: 'a' },
      { type: 'listFiles', command: 'ls', path: null },
      { type: 'search', command: 'rg x', query: 'x', path: null },
      { type: 'unknown', command: 'make' },
    ]);
    expect(shellJoin(['/bin/bash', '-lc', "echo 'hi' && ls"])).toBe(
      `/bin/bash -lc 'echo '"'"'hi'"'"' && ls'`,
    );
    expect(shellJoin(['printf', ''])).toBe("printf ''");
  });

  it('the validator can fail: a wrong status and a missing field are rejected', () => {
    expect(
      serverNotification({
        method: 'turn/completed',
        params: { threadId: 't', turn: { id: 't', items: [], status: 'done' } },
      }),
    ).toBe(false);
    expect(
      serverNotification({
        method: 'item/started',
        params: {
          threadId: 't',
          turnId: 't',
          startedAtMs: 1,
          item: { type: 'agentMessage', id: 'm' },
        },
      }),
    ).toBe(false);
    expect(
      serverRequest({
        method: 'item/commandExecution/requestApproval',
        id: 0,
        params: {
          threadId: 't',
          turnId: 't',
          itemId: 'c',
          startedAtMs: 1,
          availableDecisions: ['yes'],
        },
      }),
    ).toBe(false);
  });
});
