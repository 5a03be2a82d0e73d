import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { functionCall, scripted } from '@codex/test-support';
import { describe, expect, it } from 'vitest';
import { requestInput, startSession, toolOutput, useMockSessions } from './session-harness.js';

const ctx = useMockSessions();
const HOOK = fileURLToPath(new URL('./fixtures/hooks/hook.mjs', import.meta.url));
const hook = (mode: string, extra: Record<string, unknown> = {}) => ({
  type: 'command',
  command: `"${process.execPath}" "${HOOK}" ${mode}`,
  ...extra,
});
const go = [{ type: 'text' as const, text: 'go' }];

/** The text of every developer message the `n`th request carried. */
const developerTexts = (n: number): string[] =>
  requestInput(ctx.mock, n).flatMap((item) =>
    item.type === 'message' && item.role === 'developer'
      ? (item.content as Array<{ text: string }>).map((part) => part.text)
      : [],
  );

describe('hooks in a session', () => {
  it('a PreToolUse hook that denies stops the command; the model is told why; runs are reported', async () => {
    ctx.mock.enqueue(
      scripted.items([functionCall('exec_command', { cmd: 'touch made' }, { callId: 'c1' })]),
      scripted.text('ok'),
    );
    ctx.harness = await startSession(ctx.mock, {
      approvalPolicy: 'never',
      sandboxMode: 'danger-full-access',
      hooksJson: { hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [hook('deny')] }] } },
    });
    const { session, log, cwd } = ctx.harness;
    session.submit({ type: 'user_input', items: go });
    await log.waitFor('task_complete');
    expect(existsSync(join(cwd, 'made'))).toBe(false);
    expect(log.of('exec_command_begin')).toHaveLength(0);
    expect(toolOutput(ctx.mock, 1, 'c1')).toBe(
      'Command blocked by PreToolUse hook: denied by test hook. Command: touch made',
    );
    const [started] = log.of('hook_started');
    const [completed] = log.of('hook_completed');
    expect(started?.run).toMatchObject({
      eventName: 'preToolUse',
      status: 'running',
      scope: 'turn',
    });
    expect(completed?.run).toMatchObject({
      eventName: 'preToolUse',
      status: 'blocked',
      entries: [{ kind: 'feedback', text: 'denied by test hook' }],
    });
    expect(completed?.turn_id).toBe(log.of('task_started')[0]?.turn_id);
  });

  it('exit code 2 blocks with stderr as the reason; a matcher that does not match lets the call run', async () => {
    ctx.mock.enqueue(
      scripted.items([
        functionCall('update_plan', { plan: [{ step: 'a', status: 'pending' }] }, { callId: 'p' }),
        functionCall('exec_command', { cmd: 'echo hi' }, { callId: 'c' }),
      ]),
      scripted.text('ok'),
    );
    ctx.harness = await startSession(ctx.mock, {
      approvalPolicy: 'never',
      sandboxMode: 'danger-full-access',
      hooksJson: {
        hooks: {
          PreToolUse: [
            {
              matcher: 'update_plan',
              hooks: [{ type: 'command', command: "echo 'no plans today' >&2; exit 2" }],
            },
          ],
        },
      },
    });
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: go });
    await log.waitFor('task_complete');
    expect(toolOutput(ctx.mock, 1, 'p')).toBe(
      'Tool call blocked by PreToolUse hook: no plans today. Tool: update_plan',
    );
    expect(log.of('plan_update')).toHaveLength(0);
    expect(String(toolOutput(ctx.mock, 1, 'c'))).toContain('hi');
  });

  it('PostToolUse, SessionStart and UserPromptSubmit context reach the model as developer messages', async () => {
    ctx.mock.enqueue(
      scripted.items([functionCall('exec_command', { cmd: 'echo hi' }, { callId: 'c' })]),
      scripted.text('ok'),
      scripted.text('again'),
    );
    ctx.harness = await startSession(ctx.mock, {
      approvalPolicy: 'never',
      sandboxMode: 'danger-full-access',
      hooksJson: {
        hooks: {
          PostToolUse: [{ hooks: [hook('context')] }],
          SessionStart: [{ hooks: [hook('context')] }],
          UserPromptSubmit: [{ hooks: [hook('context')] }],
        },
      },
    });
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: go });
    await log.waitFor('task_complete');
    expect(developerTexts(0)).toContain('context from SessionStart');
    expect(developerTexts(0)).toContain('context from UserPromptSubmit');
    expect(developerTexts(1)).toContain('context from PostToolUse');
    const sessionStart = log.of('hook_completed').find((e) => e.run.eventName === 'sessionStart');
    expect(sessionStart?.run.scope).toBe('thread');
    expect(sessionStart?.turn_id).toBeNull();
    // SessionStart runs once per session; UserPromptSubmit with every turn.
    session.submit({ type: 'user_input', items: go });
    await log.waitFor('task_complete', 2);
    const second = developerTexts(2);
    expect(second.filter((text) => text === 'context from SessionStart')).toHaveLength(1);
    expect(second.filter((text) => text === 'context from UserPromptSubmit')).toHaveLength(2);
  });

  it('a UserPromptSubmit hook that blocks keeps the prompt from the model', async () => {
    ctx.harness = await startSession(ctx.mock, {
      hooksJson: { hooks: { UserPromptSubmit: [{ hooks: [hook('block')] }] } },
    });
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'secret plan' }] });
    await log.waitFor('task_complete');
    expect(ctx.mock.requests).toHaveLength(0);
    expect(log.of('user_message')).toHaveLength(0);
    expect(log.of('warning').map((e) => e.message)).toContain(
      'the prompt was blocked by a UserPromptSubmit hook: blocked by UserPromptSubmit hook',
    );
  });

  it('a Stop hook that blocks sends the agent back to work once, with its reason', async () => {
    ctx.mock.enqueue(scripted.text('first'), scripted.text('second'));
    const record = join(process.env.TMPDIR ?? '/tmp', `stop-hook-${process.pid}-${Date.now()}`);
    // Blocks only while stop_hook_active is false, as Claude-style Stop hooks do.
    const command = `input=$(cat); echo "$input" >> ${record}; case "$input" in *'"stop_hook_active":false'*) echo '{"decision":"block","reason":"write the tests too"}';; *) echo '{}';; esac`;
    ctx.harness = await startSession(ctx.mock, {
      hooksJson: { hooks: { Stop: [{ hooks: [{ type: 'command', command }] }] } },
    });
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: go });
    const done = await log.waitFor('task_complete');
    expect(done.last_agent_message).toBe('second');
    expect(ctx.mock.requests).toHaveLength(2);
    const lastUser = requestInput(ctx.mock, 1).filter(
      (item) => item.type === 'message' && item.role === 'user',
    );
    expect(JSON.stringify(lastUser.at(-1))).toContain('write the tests too');
    const inputs = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(inputs.map((input) => [input.stop_hook_active, input.last_assistant_message])).toEqual([
      [false, 'first'],
      [true, 'second'],
    ]);
  });

  it('a hook past its timeout is killed and reported failed; the call still runs', async () => {
    ctx.mock.enqueue(
      scripted.items([functionCall('exec_command', { cmd: 'echo ran' }, { callId: 'c' })]),
      scripted.text('ok'),
    );
    ctx.harness = await startSession(ctx.mock, {
      approvalPolicy: 'never',
      sandboxMode: 'danger-full-access',
      hooksJson: {
        hooks: { PreToolUse: [{ hooks: [{ type: 'command', command: 'sleep 30', timeout: 1 }] }] },
      },
    });
    const { session, log } = ctx.harness;
    const started = Date.now();
    session.submit({ type: 'user_input', items: go });
    await log.waitFor('task_complete');
    expect(Date.now() - started).toBeLessThan(15_000);
    const run = log.of('hook_completed')[0]?.run;
    expect(run?.status).toBe('failed');
    expect(run?.entries.map((entry) => entry.text).join()).toMatch(/timed out after 1s/);
    expect(String(toolOutput(ctx.mock, 1, 'c'))).toContain('ran');
  });

  it('hooks nobody trusted do not run', async () => {
    ctx.mock.enqueue(
      scripted.items([functionCall('exec_command', { cmd: 'echo ran' }, { callId: 'c' })]),
      scripted.text('ok'),
    );
    ctx.harness = await startSession(ctx.mock, {
      approvalPolicy: 'never',
      sandboxMode: 'danger-full-access',
      trustHooks: false,
      hooksJson: { hooks: { PreToolUse: [{ hooks: [hook('deny')] }] } },
    });
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: go });
    await log.waitFor('task_complete');
    expect(log.of('hook_started')).toHaveLength(0);
    expect(String(toolOutput(ctx.mock, 1, 'c'))).toContain('ran');
  });
});
