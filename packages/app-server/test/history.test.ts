import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import {
  type HistoryItem,
  listItems,
  listTurns,
  loadConfig,
  type ThreadEvent,
  ThreadManager,
  type TurnSummary,
} from '@codex/core';
import {
  historyItemId,
  ThreadEventTranslator,
  threadItemsFromHistory,
  turnFromSummary,
  turnsFromHistory,
} from '@codex/core/wire';
import type { core, v2 } from '@codex/protocol';
import {
  assistantMessage,
  createTempCodexHome,
  functionCall,
  MockResponsesServer,
  reasoning,
  scripted,
} from '@codex/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceAjv, referenceDefinition } from './reference-schema.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'translate');
// Two rollouts the released original (0.169.0) wrote, in its `paginated` format.
const TWO_TURNS = join(
  fixtures,
  'rollout-2026-11-23T02-33-21-01a20640-357e-77d0-a2ed-c4aaa2999665-b_two_turns_persist.jsonl',
);
const APPROVAL = join(
  fixtures,
  'rollout-2026-11-23T02-33-22-01a20640-3c48-7192-a98d-7a5625287d3f-c_approval.jsonl',
);
const original = JSON.parse(readFileSync(join(fixtures, 'original-messages.json'), 'utf8'))
  .messages as Record<string, { result: Record<string, unknown> }>;

function expectValid(name: string, value: unknown): void {
  const validate = referenceDefinition(name);
  expect(
    validate(JSON.parse(JSON.stringify(value))),
    referenceAjv.errorsText(validate.errors),
  ).toBe(true);
}

/** Every stored item of a rollout (or of one turn), page by page. */
async function allItems(path: string, turnId?: string): Promise<HistoryItem[]> {
  const items: HistoryItem[] = [];
  let cursor: string | null = null;
  do {
    const page = await listItems(path, { turnId: turnId ?? null, cursor, limit: 7 });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

async function allTurns(path: string, direction: 'asc' | 'desc' = 'asc'): Promise<TurnSummary[]> {
  return (await listTurns(path, { direction })).turns;
}

/** Keys of an object, to compare shapes with the original's (its ids and times differ). */
const keysOf = (value: unknown) => Object.keys(value as object);

describe("the original's rollouts read as the original answers thread/read", () => {
  it('thread/read with turns: two text turns (and the one after resume), items in full', async () => {
    const turns = turnsFromHistory(await allTurns(TWO_TURNS), await allItems(TWO_TURNS), 'full');
    expect(turns.map((turn) => turn.status)).toStrictEqual(['completed', 'completed', 'completed']);
    expect(turns[0]).toStrictEqual({
      id: '01a20640-35a4-7cf2-bfd5-594e3c712db8',
      rootTurnId: '01a20640-35a4-7cf2-bfd5-594e3c712db8',
      items: [
        {
          type: 'userMessage',
          id: '01a20640-35fd-73d1-a15d-2c66e1bd7036',
          clientId: null,
          content: [{ type: 'text', text: 'first question', text_elements: [] }],
          startedAtMs: 1795401201150,
          completedAtMs: 1795401201150,
        },
        {
          type: 'agentMessage',
          moderation: null,
          id: 'msg_mock_1_0',
          text: 'First answer.',
          phase: null,
          memoryCitation: null,
          delivery: null,
          questions: null,
          startedAtMs: 1795401201195,
          completedAtMs: 1795401201196,
        },
      ],
      itemsView: 'full',
      status: 'completed',
      error: null,
      startedAt: 1795401201,
      completedAt: 1795401201,
      durationMs: 157,
    });
    expect(turns[2]?.items.map((item) => item.type === 'agentMessage' && item.text)).toContain(
      'Third answer after resume.',
    );
    // Same shape as the original's thread/read answer (§4), key for key.
    const read = original['b/thread-read-response']?.result as {
      thread: { turns: v2.Turn[] };
    };
    const theirs = read.thread.turns[0] as v2.Turn;
    expect(keysOf(turns[0])).toStrictEqual(keysOf(theirs));
    expect(turns[0]?.items.map(keysOf)).toStrictEqual(theirs.items.map(keysOf));
    for (const turn of turns) expectValid('Turn', turn);
  });

  it('thread/turns/list (default, newest first): the messages, itemsView summary', async () => {
    const summaries = await allTurns(TWO_TURNS, 'desc');
    const items = await allItems(TWO_TURNS);
    const turns = turnsFromHistory(summaries, items, 'summary');
    expect(turns.map((turn) => turn.id)).toStrictEqual([
      '01a20640-39ea-7003-81dd-8f2db5407687',
      '01a20640-3657-7ae1-b7a7-9048a8ab3716',
      '01a20640-35a4-7cf2-bfd5-594e3c712db8',
    ]);
    for (const turn of turns) {
      expect(turn.itemsView).toBe('summary');
      expect(turn.items.map((item) => item.type)).toStrictEqual(['userMessage', 'agentMessage']);
    }
    const listed = original['b/turns-list-response']?.result as { data: v2.Turn[] };
    expect(keysOf(turns[0])).toStrictEqual(keysOf(listed.data[0]));
    expectValid('ThreadTurnsListResponse', { data: turns, nextCursor: null });
    // Without items the turn is not loaded.
    const bare = turnFromSummary(summaries[0] as TurnSummary, null);
    expect(bare).toMatchObject({ items: [], itemsView: 'notLoaded', status: 'completed' });
  });

  it('thread/items/list: entries with turn id and times, like the original', async () => {
    const entries = threadItemsFromHistory(await allItems(TWO_TURNS));
    expect(entries.map((entry) => `${entry.item.type} ${entry.item.id}`)).toStrictEqual([
      'userMessage 01a20640-35fd-73d1-a15d-2c66e1bd7036',
      'agentMessage msg_mock_1_0',
      'userMessage 01a20640-3674-7c52-a0e1-a77908f3e257',
      'agentMessage msg_mock_2_0',
      'userMessage 01a20640-3a0b-7bf2-baa0-0b0fec618938',
      'agentMessage msg_mock_3_0',
    ]);
    expect(entries[1]).toStrictEqual({
      turnId: '01a20640-35a4-7cf2-bfd5-594e3c712db8',
      item: expect.objectContaining({ type: 'agentMessage', text: 'First answer.' }),
      startedAtMs: 1795401201195,
      completedAtMs: 1795401201196,
    });
    const listed = original['b/items-list-response']?.result as { data: unknown[] };
    expect(keysOf(entries[1])).toStrictEqual(keysOf(listed.data[1]));
    expectValid('ThreadItemsListResponse', { data: entries, nextCursor: null });
    // One turn's items only.
    const second = threadItemsFromHistory(
      await allItems(TWO_TURNS, '01a20640-3657-7ae1-b7a7-9048a8ab3716'),
    );
    expect(second.map((entry) => entry.item.type)).toStrictEqual(['userMessage', 'agentMessage']);
  });

  it('the approval rollout: the command item as the original stored it', async () => {
    const [turn] = turnsFromHistory(await allTurns(APPROVAL), await allItems(APPROVAL), 'full');
    expect(turn?.items.map((item) => item.type)).toStrictEqual([
      'userMessage',
      'commandExecution',
      'agentMessage',
    ]);
    expect(turn?.items[1]).toStrictEqual({
      type: 'commandExecution',
      id: 'call_anchor_1',
      pluginId: null,
      scriptPath: null,
      command: "/bin/bash -lc 'touch approved.txt && echo anchor-approved-output'",
      cwd: '/home/dev/c_approval',
      processId: '16802',
      source: 'unifiedExecStartup',
      status: 'completed',
      commandActions: [
        { type: 'unknown', command: 'touch approved.txt && echo anchor-approved-output' },
      ],
      aggregatedOutput: 'anchor-approved-output\n',
      exitCode: 0,
      durationMs: 0,
      startedAtMs: 1795401202948,
      completedAtMs: 1795401203043,
    });
    expect(turn).toMatchObject({ status: 'completed', durationMs: 292, completedAt: 1795401203 });
    // The summary view leaves the command out.
    const [summary] = turnsFromHistory(
      await allTurns(APPROVAL),
      await allItems(APPROVAL),
      'summary',
    );
    expect(summary?.items.map((item) => item.type)).toStrictEqual(['userMessage', 'agentMessage']);
    expectValid('Turn', turn);
  });
});

describe('history in our own (legacy) rollout format', () => {
  let mock: MockResponsesServer;
  beforeAll(async () => {
    mock = await MockResponsesServer.start();
  });
  afterAll(async () => {
    await mock.close();
  });

  it('a thread run by core reads back as the items the live translator sent', async () => {
    const home = createTempCodexHome({ providerBaseUrl: mock.url });
    const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'codex-history-')));
    const env = { PATH: process.env.PATH, HOME: home.path, SHELL: '/bin/bash', MOCK_API_KEY: 'x' };
    const { config } = await loadConfig({
      codexHome: home.path,
      systemConfigFile: null,
      env,
      overrides: { cwd },
    });
    const threads = new ThreadManager({ config, env, logger: silentLogger });
    try {
      const patch = '*** Begin Patch\n*** Add File: notes.txt\n+noted\n*** End Patch';
      mock.enqueue(
        scripted.text('First answer.', { deltas: 3, id: 'msg_first' }),
        scripted.items([
          reasoning('Weighing it.', { id: 'rs_1' }),
          functionCall('apply_patch', { input: patch }, { callId: 'call_patch' }),
        ]),
        scripted.items([assistantMessage('Noted.', { id: 'msg_second' })]),
      );
      const thread = await threads.startThread();
      const translator = new ThreadEventTranslator({ threadId: 'thread' });
      const live: v2.ThreadItem[] = [];
      for (const text of ['first question', 'write a note']) {
        const subscription = thread.subscribe();
        thread.submit({ type: 'user_input', items: [{ type: 'text', text }] });
        for await (const entry of subscription as AsyncIterable<ThreadEvent>) {
          if (entry.kind === 'lagged') throw new Error('lagged');
          for (const message of translator.translate(entry.event as core.Event)) {
            if (message.method === 'item/completed') live.push(message.params.item);
          }
          if (entry.event.msg.type === 'task_complete') break;
        }
        subscription.close();
      }
      await thread.flush();
      const path = thread.rolloutPath ?? '';
      const summaries = await allTurns(path);
      const items = await allItems(path);
      const turns = turnsFromHistory(summaries, items, 'full');
      // Core writes the session's context before the first `task_started`; `listTurns` reports
      // it as an implicit turn with no user message, which is not a turn to show.
      expect(summaries[0]).toMatchObject({ explicit: false, userMessage: null });
      expect(turns.map((turn) => turn.status)).toStrictEqual(['completed', 'completed']);
      const stored = turns.flatMap((turn) => turn.items);
      // Same items, same texts; agent messages keep their Responses ids (taken from the stored
      // response item). User messages get offset ids: core does not store their item_id.
      const summarize = (item: v2.ThreadItem) => {
        switch (item.type) {
          case 'userMessage':
            return `user ${JSON.stringify(item.content)}`;
          case 'agentMessage':
            return `agent ${item.id} ${item.text}`;
          case 'reasoning':
            return `reasoning ${JSON.stringify(item.summary)}`;
          case 'fileChange':
            return `fileChange ${item.id} ${item.status} ${JSON.stringify(item.changes)}`;
          default:
            return item.type;
        }
      };
      expect(stored.map(summarize)).toStrictEqual(live.map(summarize));
      const firstUser = stored[0];
      expect(firstUser?.id).toMatch(/^item-\d+$/);
      expect(turns[0]?.startedAt).toBeGreaterThan(0);
      for (const turn of turns) expectValid('Turn', turn);
    } finally {
      await threads.shutdown();
      home.dispose();
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  /** Stored items of one turn, as `listItems` returns them, from bare payloads. */
  const storedItems = (
    turnId: string,
    payloads: Array<[HistoryItem['type'], Record<string, unknown>]>,
  ) =>
    payloads.map(
      ([type, payload], index): HistoryItem => ({
        turnId,
        offset: 1000 + index * 100,
        timestamp: `2026-11-23T02:33:2${index}.000Z`,
        ordinal: null,
        type,
        payload,
      }),
    );

  const summaryOf = (turnId: string, status: TurnSummary['status']): TurnSummary => ({
    turnId,
    explicit: true,
    status,
    startedAt: 1795401200,
    completedAt: status === 'in_progress' ? null : 1795401203,
    durationMs: null,
    itemCount: 0,
    userMessage: null,
    lastAgentMessage: null,
    itemsCursor: '',
  });

  it('legacy events: reasoning parts merge, commands and patches, an error fails the turn', () => {
    const history = storedItems('t1', [
      ['event_msg', { type: 'user_message', message: 'go', images: null, local_images: [] }],
      [
        'response_item',
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'go' }] },
      ],
      ['event_msg', { type: 'agent_reasoning', text: 'part one' }],
      ['event_msg', { type: 'agent_reasoning', text: 'part two' }],
      [
        'event_msg',
        {
          type: 'exec_command_end',
          call_id: 'call_ls',
          command: ['/bin/bash', '-lc', 'ls'],
          cwd: '/w',
          aggregated_output: 'a\n',
          exit_code: 0,
          duration: { secs: 1, nanos: 5_000_000 },
          status: 'completed',
        },
      ],
      [
        'event_msg',
        {
          type: 'patch_apply_end',
          call_id: 'call_p',
          stdout: '',
          stderr: '',
          success: false,
          changes: {
            '/w/b.txt': { type: 'update', unified_diff: '@@ -1 +1 @@\n-a\n+b\n', move_path: null },
          },
          status: 'failed',
        },
      ],
      [
        'event_msg',
        { type: 'error', message: 'boom', codex_error_info: 'context_window_exceeded' },
      ],
      ['compacted', { message: 'summary' }],
    ]);
    const entries = threadItemsFromHistory(history);
    expect(entries.map((entry) => entry.item)).toMatchObject([
      { type: 'userMessage', id: historyItemId(1000), content: [{ type: 'text', text: 'go' }] },
      { type: 'reasoning', summary: ['part one', 'part two'], content: [] },
      {
        type: 'commandExecution',
        id: 'call_ls',
        command: '/bin/bash -lc ls',
        commandActions: [{ type: 'unknown', command: 'ls' }],
        durationMs: 1005,
        exitCode: 0,
        status: 'completed',
      },
      {
        type: 'fileChange',
        id: 'call_p',
        status: 'failed',
        changes: [{ path: '/w/b.txt', kind: { type: 'update', move_path: null } }],
      },
    ]);
    const [turn] = turnsFromHistory([summaryOf('t1', 'completed')], history);
    expect(turn).toMatchObject({
      status: 'failed',
      error: { message: 'boom', codexErrorInfo: 'contextWindowExceeded', additionalDetails: null },
    });
    expectValid('Turn', turn);
  });

  it('an interrupted turn keeps its user message; a turn stored both ways is not doubled', () => {
    const interrupted = storedItems('t2', [
      ['event_msg', { type: 'user_message', message: 'slow', images: null, local_images: [] }],
      ['event_msg', { type: 'turn_aborted', reason: 'interrupted' }],
    ]);
    const [turn] = turnsFromHistory([summaryOf('t2', 'interrupted')], interrupted);
    expect(turn).toMatchObject({ status: 'interrupted', error: null, itemsView: 'full' });
    expect(turn?.items.map((item) => item.type)).toStrictEqual(['userMessage']);

    const both = storedItems('t3', [
      ['event_msg', { type: 'user_message', message: 'hi', images: null, local_images: [] }],
      [
        'event_msg',
        {
          type: 'item_completed',
          item: {
            type: 'UserMessage',
            id: 'u-1',
            content: [{ type: 'text', text: 'hi', text_elements: [] }],
          },
          started_at_ms: 5,
          completed_at_ms: 6,
        },
      ],
      ['event_msg', { type: 'agent_message', message: 'yo' }],
      [
        'event_msg',
        {
          type: 'item_completed',
          item: { type: 'AgentMessage', id: 'msg_1', content: [{ type: 'Text', text: 'yo' }] },
          started_at_ms: 7,
          completed_at_ms: 8,
        },
      ],
    ]);
    expect(threadItemsFromHistory(both).map((entry) => entry.item.id)).toStrictEqual([
      'u-1',
      'msg_1',
    ]);
    const inProgress = turnFromSummary(summaryOf('t4', 'in_progress'), [], { itemsView: 'full' });
    expect(inProgress).toMatchObject({ status: 'inProgress', completedAt: null, items: [] });
  });
});
