import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assistantMessage, customToolCall, functionCall, scripted } from '@codex/test-support';
import { describe, expect, it } from 'vitest';
import { isAlive, processGone } from './helpers.js';
import { requestInput, startSession, toolOutput, useMockSessions } from './session-harness.js';

const ctx = useMockSessions();

describe('a text-only turn', () => {
  it('streams deltas, the whole message, token usage and task_complete, in order', async () => {
    ctx.mock.enqueue(scripted.text('Hello there, friend.', { deltas: 4, id: 'msg_1' }));
    ctx.harness = await startSession(ctx.mock);
    const { session, log } = ctx.harness;
    const id = session.submit({ type: 'user_input', items: [{ type: 'text', text: 'hi' }] });
    const done = await log.waitFor('task_complete');
    expect(done.last_agent_message).toBe('Hello there, friend.');
    expect(log.types).toStrictEqual([
      'session_configured',
      'task_started',
      'warning',
      'user_message',
      'agent_message_delta',
      'agent_message_delta',
      'agent_message_delta',
      'agent_message_delta',
      'agent_message',
      'token_count',
      'task_complete',
    ]);
    const turnEvents = log.events.slice(1);
    expect(new Set(turnEvents.map((event) => event.id))).toStrictEqual(new Set([id]));
    const turnId = log.of('task_started')[0]?.turn_id;
    expect(turnId).toMatch(/^[0-9a-f-]{36}$/);
    for (const msg of log.msgs.slice(1)) expect((msg as { turn_id?: string }).turn_id).toBe(turnId);
    expect(log.of('agent_message_delta').map((msg) => msg.item_id)).toStrictEqual(
      Array(4).fill('msg_1'),
    );
    expect(log.of('token_count')[0]?.info?.total_token_usage.total_tokens).toBe(110);
    // task_complete is out before the turn has let go; whenIdle waits for that.
    await session.whenIdle();
    expect(session.busy).toBe(false);
  });

  it('sends the context messages the original sends, then the user message', async () => {
    ctx.mock.enqueue(scripted.text('ok'));
    ctx.harness = await startSession(ctx.mock, {
      approvalPolicy: 'never',
      sandboxMode: 'workspace-write',
    });
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'hello' }] });
    await ctx.harness.log.waitFor('task_complete');
    const input = requestInput(ctx.mock, 0);
    const texts = input.map((item) =>
      (item.content as Array<{ text?: string }>).map((part) => part.text ?? ''),
    );
    expect(input.map((item) => item.role)).toStrictEqual([
      'developer',
      'developer',
      'user',
      'user',
    ]);
    expect(texts[1]?.[0]).toBe(
      [
        '<permissions instructions>',
        'Filesystem sandboxing defines which files can be read or written. `sandbox_mode` is `workspace-write`: The sandbox permits reading files, and editing files in `cwd` and `writable_roots`. Editing files in other directories requires approval. Network access is restricted.',
        'Approval policy is currently never. Do not provide the `sandbox_permissions` for any reason, commands will be rejected.',
        ` The writable roots are \`/tmp\`, \`${ctx.harness.cwd}\`.`,
        '</permissions instructions>',
      ].join('\n'),
    );
    expect(texts[2]?.[0]).toMatch(
      new RegExp(
        `^<environment_context>\\n  <cwd>${ctx.harness.cwd}</cwd>\\n  <shell>bash</shell>\\n  <current_date>\\d{4}-\\d\\d-\\d\\d</current_date>\\n  <timezone>[^<]+</timezone>\\n  <filesystem><workspace_roots><root>${ctx.harness.cwd}</root></workspace_roots><permission_profile type="managed">`,
      ),
    );
    expect(texts[3]).toStrictEqual(['hello']);
    const body = ctx.mock.requests[0]?.body as Record<string, unknown>;
    expect(body.parallel_tool_calls).toBe(true);
    expect((body.tools as Array<{ name?: string }>).map((tool) => tool.name)).toStrictEqual([
      'exec_command',
      'write_stdin',
      'apply_patch',
      'update_plan',
      'view_image',
    ]);
  });
});

describe('a turn with a command', () => {
  it('runs it and sends its output back as function_call_output', async () => {
    ctx.mock.enqueue(
      scripted.items([
        functionCall('exec_command', { cmd: 'echo hi-from-shell' }, { callId: 'call_1' }),
      ]),
      scripted.text('It printed hi-from-shell.'),
    );
    ctx.harness = await startSession(ctx.mock);
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'run it' }] });
    await ctx.harness.log.waitFor('task_complete');
    const output = toolOutput(ctx.mock, 1, 'call_1') as string;
    expect(output).toMatch(
      /^Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\nProcess exited with code 0\nOriginal token count: 4\nOutput:\nhi-from-shell\n$/,
    );
    const begin = ctx.harness.log.of('exec_command_begin')[0];
    const end = ctx.harness.log.of('exec_command_end')[0];
    expect(begin?.command).toStrictEqual(['/bin/bash', '-lc', 'echo hi-from-shell']);
    expect(begin?.call_id).toBe('call_1');
    expect(end).toMatchObject({ call_id: 'call_1', exit_code: 0, status: 'completed' });
    expect(end?.aggregated_output).toBe('hi-from-shell\n');
  });
});

describe('approvals', () => {
  const touch = (callId: string, file: string) =>
    functionCall(
      'exec_command',
      { cmd: `touch ${file}`, sandbox_permissions: 'require_escalated', justification: 'ok?' },
      { callId },
    );

  async function approvalRun(decision: 'approved' | 'denied' | 'abort') {
    ctx.mock.enqueue(scripted.items([touch('call_a', 'made.txt')]), scripted.text('done'));
    ctx.harness = await startSession(ctx.mock, {
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
    });
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'make it' }] });
    const request = await log.waitFor('exec_approval_request');
    expect(request).toMatchObject({
      call_id: 'call_a',
      command: ['/bin/bash', '-lc', 'touch made.txt'],
      cwd: ctx.harness.cwd,
      reason: 'ok?',
      proposed_execpolicy_amendment: ['touch', 'made.txt'],
      available_decisions: [
        'approved',
        { approved_execpolicy_amendment: { proposed_execpolicy_amendment: ['touch', 'made.txt'] } },
        'approved_for_session',
        'denied',
        'abort',
      ],
    });
    session.submit({ type: 'exec_approval', id: 'call_a', decision });
    return ctx.harness;
  }

  it('approved: the command runs', async () => {
    const { log, cwd } = await approvalRun('approved');
    await log.waitFor('task_complete');
    expect(existsSync(join(cwd, 'made.txt'))).toBe(true);
    expect(toolOutput(ctx.mock, 1, 'call_a')).toMatch(/Process exited with code 0/);
  });

  it('denied: the command does not run, the model is told and the turn goes on', async () => {
    const { log, cwd } = await approvalRun('denied');
    await log.waitFor('task_complete');
    expect(existsSync(join(cwd, 'made.txt'))).toBe(false);
    expect(toolOutput(ctx.mock, 1, 'call_a')).toBe(
      'exec_command failed: CreateProcess { message: "Rejected(\\"rejected by user\\")" }',
    );
    expect(log.of('exec_command_end')[0]).toMatchObject({ call_id: 'call_a', status: 'declined' });
    expect(log.of('exec_command_begin')).toHaveLength(0);
  });

  it('abort: the turn ends with turn_aborted and nothing more is asked of the model', async () => {
    const { log, cwd } = await approvalRun('abort');
    await log.waitFor('turn_aborted');
    expect(existsSync(join(cwd, 'made.txt'))).toBe(false);
    expect(log.of('task_complete')).toHaveLength(0);
    expect(ctx.mock.requests).toHaveLength(1);
  });

  it('approved for the session: the same command is not asked about again', async () => {
    ctx.mock.enqueue(
      scripted.items([touch('call_1', 'again.txt')]),
      scripted.items([touch('call_2', 'again.txt')]),
      scripted.text('done'),
    );
    ctx.harness = await startSession(ctx.mock, {
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
    });
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'twice' }] });
    await log.waitFor('exec_approval_request');
    session.submit({ type: 'exec_approval', id: 'call_1', decision: 'approved_for_session' });
    await log.waitFor('task_complete');
    expect(log.of('exec_approval_request')).toHaveLength(1);
    expect(log.of('exec_command_end').map((end) => end.call_id)).toStrictEqual([
      'call_1',
      'call_2',
    ]);
  });

  it('an unanswered request is declined after the timeout, with a warning', async () => {
    ctx.mock.enqueue(scripted.items([touch('call_t', 'late.txt')]), scripted.text('done'));
    ctx.harness = await startSession(ctx.mock, {
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
      approvalTimeoutMs: 200,
    });
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'go' }] });
    await ctx.harness.log.waitFor('task_complete');
    expect(existsSync(join(ctx.harness.cwd, 'late.txt'))).toBe(false);
    expect(ctx.harness.log.of('warning').map((w) => w.message)).toContain(
      'nobody answered the command approval request call_t in time; it was declined',
    );
    expect(toolOutput(ctx.mock, 1, 'call_t')).toMatch(/timed out/);
  });

  it('never + a sandboxed policy: the command is refused without asking', async () => {
    ctx.mock.enqueue(scripted.items([touch('call_n', 'no.txt')]), scripted.text('done'));
    ctx.harness = await startSession(ctx.mock, {
      approvalPolicy: 'never',
      sandboxMode: 'read-only',
    });
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'go' }] });
    await ctx.harness.log.waitFor('task_complete');
    expect(ctx.harness.log.of('exec_approval_request')).toHaveLength(0);
    expect(existsSync(join(ctx.harness.cwd, 'no.txt'))).toBe(false);
    expect(toolOutput(ctx.mock, 1, 'call_n')).toMatch(/^exec_command failed: rejected: /);
  });
});

describe('apply_patch', () => {
  const patch = (body: string) => `*** Begin Patch\n${body}\n*** End Patch`;

  it('adds, updates, deletes and moves files (function form, unknown model), with events and turn_diff', async () => {
    const { writeFileSync } = await import('node:fs');
    ctx.harness = await startSession(ctx.mock, {
      sandboxMode: 'workspace-write',
      approvalPolicy: 'on-request',
    });
    const { cwd } = ctx.harness;
    writeFileSync(join(cwd, 'edit.txt'), 'one\ntwo\nthree\n');
    writeFileSync(join(cwd, 'gone.txt'), 'bye\n');
    writeFileSync(join(cwd, 'old.txt'), 'moving\n');
    const input = patch(
      [
        '*** Add File: new.txt',
        '+fresh',
        '*** Update File: edit.txt',
        '@@',
        ' one',
        '-two',
        '+TWO',
        '*** Delete File: gone.txt',
        '*** Update File: old.txt',
        '*** Move to: sub/moved.txt',
        '@@',
        '-moving',
        '+moved',
      ].join('\n'),
    );
    ctx.mock.enqueue(
      scripted.items([functionCall('apply_patch', { input }, { callId: 'call_p' })]),
      scripted.text('patched'),
    );
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'patch' }] });
    await ctx.harness.log.waitFor('task_complete');
    expect(readFileSync(join(cwd, 'new.txt'), 'utf8')).toBe('fresh\n');
    expect(readFileSync(join(cwd, 'edit.txt'), 'utf8')).toBe('one\nTWO\nthree\n');
    expect(existsSync(join(cwd, 'gone.txt'))).toBe(false);
    expect(existsSync(join(cwd, 'old.txt'))).toBe(false);
    expect(readFileSync(join(cwd, 'sub/moved.txt'), 'utf8')).toBe('moved\n');
    expect(ctx.harness.log.of('apply_patch_approval_request')).toHaveLength(0);
    const begin = ctx.harness.log.of('patch_apply_begin')[0];
    expect(begin?.auto_approved).toBe(true);
    expect(Object.keys(begin?.changes ?? {}).sort()).toStrictEqual(
      ['edit.txt', 'gone.txt', 'new.txt', 'old.txt'].map((name) => join(cwd, name)),
    );
    expect(ctx.harness.log.of('patch_apply_end')[0]).toMatchObject({
      call_id: 'call_p',
      success: true,
    });
    const diff = ctx.harness.log.of('turn_diff')[0]?.unified_diff ?? '';
    expect(diff).toContain('diff --git a/edit.txt b/edit.txt\n--- a/edit.txt\n+++ b/edit.txt\n');
    expect(diff).toContain('-two\n+TWO\n');
    expect(diff).toContain(
      'diff --git a/new.txt b/new.txt\nnew file mode 100644\n--- /dev/null\n+++ b/new.txt\n',
    );
    expect(diff).toContain('deleted file mode 100644');
    expect(toolOutput(ctx.mock, 1, 'call_p')).toMatch(
      /^Exit code: 0\nWall time: [\d.]+ seconds\nOutput:\nSuccess\. Updated the following files:\nA new\.txt\nM sub\/moved\.txt\nM edit\.txt\nD gone\.txt\n$|^Exit code: 0\nWall time: [\d.]+ seconds\nOutput:\nSuccess\. Updated the following files:\n/,
    );
  });

  it('a failing hunk changes nothing, and the model hears why (freeform form)', async () => {
    const { writeFileSync } = await import('node:fs');
    ctx.harness = await startSession(ctx.mock, {
      model: 'gpt-5.5',
      sandboxMode: 'danger-full-access',
    });
    const { cwd } = ctx.harness;
    writeFileSync(join(cwd, 'keep.txt'), 'alpha\nbeta\n');
    const input = patch(
      ['*** Add File: added.txt', '+x', '*** Update File: keep.txt', '@@', '-gamma', '+delta'].join(
        '\n',
      ),
    );
    ctx.mock.enqueue(
      scripted.items([customToolCall('apply_patch', input, { callId: 'call_f' })]),
      scripted.text('failed'),
    );
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'patch' }] });
    await ctx.harness.log.waitFor('task_complete');
    expect(existsSync(join(cwd, 'added.txt'))).toBe(false);
    expect(readFileSync(join(cwd, 'keep.txt'), 'utf8')).toBe('alpha\nbeta\n');
    const body = ctx.mock.requests[0]?.body as { tools: Array<{ name?: string; type: string }> };
    const tools = body.tools;
    expect(tools.find((tool) => tool.name === 'apply_patch')?.type).toBe('custom');
    const item = requestInput(ctx.mock, 1).find(
      (entry) => entry.call_id === 'call_f' && entry.type !== 'custom_tool_call',
    );
    expect(item?.type).toBe('custom_tool_call_output');
    expect(item?.output).toMatch(/^apply_patch verification failed: .*keep\.txt/s);
    expect(ctx.harness.log.of('patch_apply_begin')).toHaveLength(0);
  });

  it('a patch outside the writable roots asks first; apply_patch through the shell is recognised', async () => {
    ctx.harness = await startSession(ctx.mock, {
      sandboxMode: 'workspace-write',
      approvalPolicy: 'on-request',
      extraToml:
        '[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true\n',
    });
    const outside = join(ctx.harness.cwd, '..', `outside-${Date.now()}.txt`);
    const name = outside.split('/').pop();
    const script = `apply_patch <<'EOF'\n${patch(`*** Add File: ../${name}\n+hi`)}\nEOF\n`;
    ctx.mock.enqueue(
      scripted.items([functionCall('exec_command', { cmd: script }, { callId: 'call_s' })]),
      scripted.text('ok'),
    );
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'go' }] });
    const request = await ctx.harness.log.waitFor('apply_patch_approval_request');
    expect(Object.keys(request.changes)).toStrictEqual([outside]);
    ctx.harness.session.submit({ type: 'patch_approval', id: 'call_s', decision: 'approved' });
    await ctx.harness.log.waitFor('task_complete');
    expect(readFileSync(outside, 'utf8')).toBe('hi\n');
    expect(ctx.harness.log.of('exec_command_begin')).toHaveLength(0);
    expect(toolOutput(ctx.mock, 1, 'call_s')).toMatch(
      /^Wall time: [\d.]+ seconds\nOutput:\nExit code: 0\n/,
    );
    const { rmSync } = await import('node:fs');
    rmSync(outside, { force: true });
  });
});

describe('long-running commands, interrupts and steering', () => {
  it('write_stdin reaches a running cat (tty), which keeps its session between calls', async () => {
    ctx.mock.enqueue(
      scripted.items([
        functionCall(
          'exec_command',
          { cmd: 'cat', tty: true, yield_time_ms: 300 },
          { callId: 'c1' },
        ),
      ]),
      scripted.text('cat is running'),
    );
    ctx.harness = await startSession(ctx.mock);
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'cat' }] });
    await ctx.harness.log.waitFor('task_complete');
    const first = toolOutput(ctx.mock, 1, 'c1') as string;
    const sessionId = Number(/Process running with session ID (\d+)/.exec(first)?.[1]);
    expect(sessionId).toBeGreaterThan(0);
    expect(ctx.harness.log.of('exec_command_end')).toHaveLength(0);
    expect(ctx.harness.log.of('error')).toHaveLength(0);
    ctx.mock.enqueue(
      scripted.items([
        functionCall(
          'write_stdin',
          { session_id: sessionId, chars: 'hello-cat\n', yield_time_ms: 500 },
          { callId: 'c2' },
        ),
      ]),
      scripted.text('echoed'),
    );
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'type' }] });
    await ctx.harness.log.waitFor('task_complete', 2);
    const reply = toolOutput(ctx.mock, 3, 'c2') as string;
    expect(reply).toContain('hello-cat');
    expect(reply).toContain(`Process running with session ID ${sessionId}`);
  });

  it('an interrupt during the stream aborts it once, and the next turn is told', async () => {
    ctx.mock.enqueue(
      scripted.text('x'.repeat(200), { deltas: 200, delayMs: 20 }),
      scripted.text('next'),
    );
    ctx.harness = await startSession(ctx.mock);
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'slow' }] });
    await log.waitFor('agent_message_delta', 3);
    session.submit({ type: 'interrupt' });
    await log.waitFor('turn_aborted');
    session.submit({ type: 'interrupt' });
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'continue' }] });
    await log.waitFor('task_complete');
    expect(log.of('turn_aborted')).toHaveLength(1);
    expect(log.of('turn_aborted')[0]?.reason).toBe('interrupted');
    expect(log.of('agent_message')).toHaveLength(1);
    const input = requestInput(ctx.mock, 1);
    const texts = input.flatMap((item) =>
      item.type === 'message' ? (item.content as Array<{ text?: string }>).map((p) => p.text) : [],
    );
    expect(texts.slice(-3)).toStrictEqual([
      'slow',
      expect.stringMatching(/^<turn_aborted>\n/),
      'continue',
    ]);
  });

  it('an interrupt during `sleep 30` terminates it at once: no process is left', async () => {
    ctx.mock.enqueue(
      scripted.items([
        functionCall(
          'exec_command',
          { cmd: 'echo pid=$$; exec sleep 30', yield_time_ms: 30_000 },
          { callId: 'sl' },
        ),
      ]),
      scripted.text('after'),
    );
    ctx.harness = await startSession(ctx.mock);
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'sleep' }] });
    const delta = await log.waitFor('exec_command_output_delta');
    const pid = Number(/pid=(\d+)/.exec(Buffer.from(delta.chunk, 'base64').toString())?.[1]);
    expect(isAlive(pid)).toBe(true);
    session.submit({ type: 'interrupt' });
    await log.waitFor('turn_aborted');
    expect(await processGone(pid)).toBe(true);
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'again' }] });
    await log.waitFor('task_complete');
    expect(toolOutput(ctx.mock, 1, 'sl')).toMatch(/aborted/);
  });

  it('input submitted during a turn reaches the model at its next step', async () => {
    ctx.mock.enqueue(
      scripted.items([
        functionCall('exec_command', { cmd: 'sleep 0.5; echo slept' }, { callId: 'st' }),
      ]),
      scripted.text('saw it'),
    );
    ctx.harness = await startSession(ctx.mock);
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'first' }] });
    await log.waitFor('exec_command_begin');
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'steered message' }] });
    await log.waitFor('task_complete');
    expect(log.of('task_started')).toHaveLength(1);
    const input = requestInput(ctx.mock, 1);
    const last = input.at(-1) as { role?: string; content?: Array<{ text?: string }> };
    expect(last.role).toBe('user');
    expect(last.content?.[0]?.text).toBe('steered message');
    expect(input.at(-2)?.type).toBe('function_call_output');
    expect(log.of('user_message').map((m) => m.message)).toStrictEqual([
      'first',
      'steered message',
    ]);
  });

  it('parallel calls run together; outputs come back in call order', async () => {
    ctx.mock.enqueue(
      scripted.items([
        functionCall('exec_command', { cmd: 'sleep 0.4; echo one' }, { callId: 'p1', id: 'fc_1' }),
        functionCall('exec_command', { cmd: 'sleep 0.4; echo two' }, { callId: 'p2', id: 'fc_2' }),
      ]),
      scripted.text('both'),
    );
    ctx.harness = await startSession(ctx.mock);
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'two' }] });
    await ctx.harness.log.waitFor('task_complete');
    const order = ctx.harness.log.msgs
      .filter((msg) => msg.type === 'exec_command_begin' || msg.type === 'exec_command_end')
      .map(
        (msg) =>
          `${msg.type === 'exec_command_begin' ? 'begin' : 'end'}:${(msg as { call_id: string }).call_id}`,
      );
    expect(order.slice(0, 2).sort()).toStrictEqual(['begin:p1', 'begin:p2']);
    const outputs = requestInput(ctx.mock, 1).filter(
      (item) => item.type === 'function_call_output',
    );
    expect(outputs.map((item) => item.call_id)).toStrictEqual(['p1', 'p2']);
  });

  it('a model error mid-turn becomes an error event; the next turn works', async () => {
    ctx.mock.enqueue(
      scripted.items([functionCall('exec_command', { cmd: 'echo x' }, { callId: 'e1' })]),
      scripted.error(400, { message: 'bad things' }),
      scripted.text('recovered'),
    );
    ctx.harness = await startSession(ctx.mock);
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'one' }] });
    const error = await log.waitFor('error');
    expect(error.message).toMatch(/400.*bad things/);
    expect(error.code).toBe('bad_request');
    await log.waitFor('task_complete');
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'two' }] });
    const done = await log.waitFor('task_complete', 2);
    expect(done.last_agent_message).toBe('recovered');
    const input = requestInput(ctx.mock, 2);
    expect(input.filter((item) => item.type === 'function_call_output')).toHaveLength(1);
  });
});

describe('the event sequence of a turn with one approved command and one patch', () => {
  it('is what servers build their items from', async () => {
    const patchText = '*** Begin Patch\n*** Add File: notes.txt\n+approved\n*** End Patch';
    ctx.mock.enqueue(
      scripted.items([
        functionCall(
          'exec_command',
          {
            cmd: 'echo building',
            sandbox_permissions: 'require_escalated',
            justification: 'Build it?',
          },
          { callId: 'call_cmd' },
        ),
      ]),
      scripted.items([functionCall('apply_patch', { input: patchText }, { callId: 'call_patch' })]),
      scripted.text('Built and noted.', { deltas: 2, id: 'msg_final' }),
    );
    ctx.harness = await startSession(ctx.mock, {
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
    });
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'build and note' }] });
    await log.waitFor('exec_approval_request');
    session.submit({ type: 'exec_approval', id: 'call_cmd', decision: 'approved' });
    await log.waitFor('task_complete');
    expect(log.types).toStrictEqual([
      'session_configured',
      'task_started',
      'warning',
      'user_message',
      'token_count',
      'exec_approval_request',
      'exec_command_begin',
      'exec_command_output_delta',
      'exec_command_end',
      'token_count',
      'patch_apply_begin',
      'patch_apply_end',
      'turn_diff',
      'agent_message_delta',
      'agent_message_delta',
      'agent_message',
      'token_count',
      'task_complete',
    ]);
    expect(readFileSync(join(ctx.harness.cwd, 'notes.txt'), 'utf8')).toBe('approved\n');
    expect(log.of('turn_diff')[0]?.unified_diff).toBe(
      'diff --git a/notes.txt b/notes.txt\nnew file mode 100644\n--- /dev/null\n+++ b/notes.txt\n@@ -0,0 +1 @@\n+approved\n',
    );
    if (process.env.CODEX_PRINT_EVENTS)
      for (const event of log.events) console.log(JSON.stringify(event));
  });
});

describe('regressions from review', () => {
  const noTmp =
    '[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true\n';

  it('a patch run through the shell from another folder is judged by the turn cwd: it asks', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const outside = mkdtempSync(join(tmpdir(), 'codex-outside-'));
    const script = `cd ${outside} && apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: sneaky.txt\n+x\n*** End Patch\nEOF`;
    ctx.mock.enqueue(
      scripted.items([functionCall('exec_command', { cmd: script }, { callId: 'cd1' })]),
      scripted.text('ok'),
    );
    ctx.harness = await startSession(ctx.mock, {
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
      extraToml: noTmp,
    });
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'go' }] });
    const request = await ctx.harness.log.waitFor('apply_patch_approval_request');
    expect(Object.keys(request.changes)).toStrictEqual([join(outside, 'sneaky.txt')]);
    ctx.harness.session.submit({ type: 'patch_approval', id: 'cd1', decision: 'denied' });
    await ctx.harness.log.waitFor('task_complete');
    expect(existsSync(join(outside, 'sneaky.txt'))).toBe(false);
    rmSync(outside, { recursive: true, force: true });
  });

  it('input sent right after an interrupt starts the next turn', async () => {
    ctx.mock.enqueue(
      scripted.text('z'.repeat(100), { deltas: 100, delayMs: 20 }),
      scripted.text('fresh'),
    );
    ctx.harness = await startSession(ctx.mock);
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'slow' }] });
    await log.waitFor('agent_message_delta');
    session.submit({ type: 'interrupt' });
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'right after' }] });
    const done = await log.waitFor('task_complete');
    expect(done.last_agent_message).toBe('fresh');
    expect(log.of('task_started')).toHaveLength(2);
    const last = requestInput(ctx.mock, 1).at(-1) as { content: Array<{ text: string }> };
    expect(last.content[0]?.text).toBe('right after');
  });

  it('steering input survives a model error and reaches the next turn', async () => {
    ctx.mock.enqueue(
      scripted.items([assistantMessage('a'.repeat(10), { deltas: 10 })], {
        delayMs: 40,
        disconnectAfter: 6,
      }),
      scripted.text('later'),
    );
    ctx.harness = await startSession(ctx.mock);
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'one' }] });
    await log.waitFor('agent_message_delta');
    // Sent while the response streams; the stream then breaks and the turn fails.
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'steer' }] });
    expect((await log.waitFor('error')).code).toBe('stream_disconnected');
    await log.waitFor('task_complete');
    expect(log.of('user_message').map((m) => m.message)).toStrictEqual(['one', 'steer']);
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'two' }] });
    await log.waitFor('task_complete', 2);
    const texts = requestInput(ctx.mock, 1).flatMap((item) =>
      item.type === 'message' && item.role === 'user'
        ? (item.content as Array<{ text?: string }>).map((part) => part.text)
        : [],
    );
    expect(texts.slice(-3)).toStrictEqual(['one', 'steer', 'two']);
  });

  it('a patch queued behind a running command does not apply once the turn is interrupted', async () => {
    const patchText = '*** Begin Patch\n*** Add File: late.txt\n+x\n*** End Patch';
    ctx.mock.enqueue(
      scripted.items([
        functionCall(
          'exec_command',
          { cmd: 'sleep 30', yield_time_ms: 30_000 },
          { callId: 'q1', id: 'fc_1' },
        ),
        functionCall('apply_patch', { input: patchText }, { callId: 'q2', id: 'fc_2' }),
      ]),
    );
    ctx.harness = await startSession(ctx.mock);
    const { session, log } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'go' }] });
    await log.waitFor('exec_command_begin');
    session.submit({ type: 'interrupt' });
    await log.waitFor('turn_aborted');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(existsSync(join(ctx.harness.cwd, 'late.txt'))).toBe(false);
    expect(log.of('patch_apply_begin')).toHaveLength(0);
  });

  it('shutdown finishes even when nobody reads the events', async () => {
    ctx.mock.enqueue(scripted.text('w'.repeat(5_000), { deltas: 5_000 }));
    const stalled = await startSession(ctx.mock, {
      maxPendingEventBytes: 16 * 1024,
      manualEvents: true,
    });
    stalled.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'flood' }] });
    await ctx.mock.waitForRequests(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stalled.session.shutdown();
    let last: string | undefined;
    for (;;) {
      const event = await stalled.session.nextEvent();
      if (!event) break;
      last = event.msg.type;
    }
    expect(last).toBe('shutdown_complete');
    await stalled.dispose();
  });
});
