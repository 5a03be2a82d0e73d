import { scripted } from '@codex/test-support';
import { describe, expect, it } from 'vitest';
import { COMPACT_PROMPT, recentUserMessages, SUMMARY_PREFIX } from '../src/session/compact.js';
import { userInputItem } from '../src/session/prompt.js';
import { requestInput, startSession, useMockSessions } from './session-harness.js';

const ctx = useMockSessions();

const textsOf = (input: Array<Record<string, unknown>>) =>
  input.flatMap((item) =>
    item.type === 'message'
      ? (item.content as Array<{ text?: string }>).map((part) => `${item.role}:${part.text ?? ''}`)
      : [],
  );

describe('compaction', () => {
  it('runs before sampling once the context passes the limit, and the next request carries the summary', async () => {
    ctx.mock.enqueue(
      scripted.text('first answer', { usage: { input_tokens: 900, output_tokens: 10 } }),
      scripted.text('SUMMARY-OF-WORK'),
      scripted.text('second answer'),
    );
    ctx.harness = await startSession(ctx.mock, {
      cliOverrides: ['model_auto_compact_token_limit=500'],
    });
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'first question' }] });
    await log.waitFor('task_complete');
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'second question' }] });
    const done = await log.waitFor('task_complete', 2);
    expect(done.last_agent_message).toBe('second answer');
    const begin = log.of('context_compaction_begin')[0];
    const end = log.of('context_compacted')[0];
    expect(begin?.item_id).toBe(end?.item_id);
    expect(end?.tokens_before).toBe(910);
    // Request 1 asked for the summary; request 2 is the turn on the compacted history.
    expect(textsOf(requestInput(ctx.mock, 1)).at(-1)).toBe(`user:${COMPACT_PROMPT}`);
    const summaryRequest = ctx.mock.requests[1]?.body as { tools: unknown[] };
    expect(summaryRequest.tools).toStrictEqual([]);
    const after = textsOf(requestInput(ctx.mock, 2));
    expect(
      after.filter((text) => text.startsWith('user:') && !text.startsWith('user:<')),
    ).toStrictEqual([
      'user:first question',
      'user:second question',
      `user:${SUMMARY_PREFIX}SUMMARY-OF-WORK`,
    ]);
    expect(after.some((text) => text.includes('first answer'))).toBe(false);
    expect(after[0]?.startsWith('developer:You are a coding agent running in codex-ts')).toBe(true);
    expect(after.some((text) => text.startsWith('user:<environment_context>'))).toBe(true);
  });

  it('asks with the configured compact_prompt instead of the default', async () => {
    ctx.mock.enqueue(scripted.text('answer'), scripted.text('CUSTOM-SUMMARY'));
    ctx.harness = await startSession(ctx.mock, {
      cliOverrides: ['compact_prompt="Summarise in one line."'],
    });
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'hello' }] });
    await log.waitFor('task_complete');
    session.submit({ type: 'compact' });
    await log.waitFor('task_complete', 2);
    expect(textsOf(requestInput(ctx.mock, 1)).at(-1)).toBe('user:Summarise in one line.');
  });

  it('the compact op summarises at once, as a turn of its own', async () => {
    ctx.mock.enqueue(scripted.text('answer'), scripted.text('MANUAL-SUMMARY'));
    ctx.harness = await startSession(ctx.mock);
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'hello' }] });
    await log.waitFor('task_complete');
    session.submit({ type: 'compact' });
    await log.waitFor('task_complete', 2);
    expect(log.types.slice(-5)).toStrictEqual([
      'task_started',
      'warning',
      'context_compaction_begin',
      'context_compacted',
      'task_complete',
    ]);
    const history = session.conversation.map((item) =>
      item.type === 'message'
        ? item.content.map((part) => (part?.type === 'input_text' ? part.text : '')).join('')
        : item.type,
    );
    expect(history.at(-1)).toBe(`${SUMMARY_PREFIX}MANUAL-SUMMARY`);
    expect(history).toContain('hello');
  });

  it('remote compaction (/responses/compact) replaces the history; a failure falls back to a local summary', async () => {
    const replacement = [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'REMOTE-SUMMARY' }] },
    ];
    ctx.mock.enqueue(
      scripted.text('answer'),
      scripted.json({ output: replacement }),
      scripted.text('after remote'),
    );
    ctx.harness = await startSession(ctx.mock, {
      extraToml: '[features]\nremote_compaction = true\n',
    });
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'hello' }] });
    await log.waitFor('task_complete');
    session.submit({ type: 'compact' });
    await log.waitFor('task_complete', 2);
    expect(ctx.mock.requests[1]?.path).toBe('/v1/responses/compact');
    const sent = ctx.mock.requests[1]?.body as { model: string; input: unknown[] };
    expect(sent.model).toBe('mock-model');
    expect(JSON.stringify(sent.input)).toContain('hello');
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'next' }] });
    await log.waitFor('task_complete', 3);
    const after = textsOf(requestInput(ctx.mock, 2));
    expect(after).toContain('user:REMOTE-SUMMARY');
    expect(after).not.toContain('user:hello');

    // The provider refuses: the summary is made locally instead.
    ctx.mock.enqueue(
      scripted.error(404, { message: 'no compaction here' }),
      scripted.text('LOCAL'),
    );
    session.submit({ type: 'compact' });
    await log.waitFor('task_complete', 4);
    expect(ctx.mock.requests[3]?.path).toBe('/v1/responses/compact');
    expect(ctx.mock.requests[4]?.path).toBe('/v1/responses');
    expect(session.conversation.at(-1)).toMatchObject({
      content: [{ type: 'input_text', text: `${SUMMARY_PREFIX}LOCAL` }],
    });
  });

  it('keeps the newest user messages up to the token budget, cutting the oldest kept one', () => {
    const items = ['a'.repeat(400), 'b'.repeat(400), 'c'.repeat(40)].map((text) =>
      userInputItem(text),
    );
    const kept = recentUserMessages(items, 105);
    expect(kept).toHaveLength(2);
    expect(kept[1]).toBe('c'.repeat(40));
    expect(kept[0]).toMatch(/^b+.*truncated.*b+$/s);
  });
});
