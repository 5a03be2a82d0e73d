import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { functionCall, scripted } from '@codex/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionError } from '../src/session/errors.js';
import { requestInput, startSession, toolOutput, useMockSessions } from './session-harness.js';

const ctx = useMockSessions();

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

describe('ops', () => {
  it('a malformed op is refused with an error naming the field', async () => {
    ctx.harness = await startSession(ctx.mock);
    expect(() =>
      ctx.harness?.session.submit({ type: 'user_input', items: [{ type: 'text' }] } as never),
    ).toThrow(/invalid op: `items\.0\.text`/);
    try {
      ctx.harness.session.submit({ type: 'exec_approval', id: 'x', decision: 'maybe' } as never);
    } catch (error) {
      expect(SessionError.isInstance(error)).toBe(true);
      expect((error as SessionError).code).toBe('invalid_op');
    }
  });

  it('ops after shutdown are refused; shutdown ends the event stream', async () => {
    ctx.harness = await startSession(ctx.mock);
    await ctx.harness.session.shutdown();
    await ctx.harness.log.done;
    expect(ctx.harness.log.types.at(-1)).toBe('shutdown_complete');
    expect(() => ctx.harness?.session.submit({ type: 'interrupt' })).toThrow(/shut down/);
  });

  it('user_turn overrides apply from then on; a changed sandbox resends the context messages', async () => {
    ctx.mock.enqueue(scripted.text('one'), scripted.text('two'), scripted.text('three'));
    ctx.harness = await startSession(ctx.mock);
    const { session, log, cwd } = ctx.harness;
    const schema = { type: 'object', properties: { answer: { type: 'string' } } };
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'zero' }] });
    await log.waitFor('task_complete');
    session.submit({
      type: 'user_turn',
      items: [{ type: 'text', text: 'first' }],
      cwd,
      approval_policy: 'never',
      sandbox_policy: { mode: 'read-only' },
      model: 'gpt-5.5',
      effort: 'high',
      summary: 'concise',
      final_output_json_schema: schema,
    });
    await log.waitFor('task_complete', 2);
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'second' }] });
    await log.waitFor('task_complete', 3);
    const first = ctx.mock.requests[1]?.body as Record<string, unknown>;
    expect(first.model).toBe('gpt-5.5');
    expect(first.reasoning).toStrictEqual({ effort: 'high', summary: 'concise' });
    expect((first.text as { format: { schema: unknown } }).format.schema).toStrictEqual(schema);
    const second = ctx.mock.requests[2]?.body as Record<string, unknown>;
    expect(second.model).toBe('gpt-5.5');
    expect(second.text).toBeUndefined();
    const permissions = requestInput(ctx.mock, 2).flatMap((item) =>
      ((item.content as Array<{ text?: string }>) ?? []).filter((part) =>
        part.text?.startsWith('<permissions instructions>'),
      ),
    );
    // The config said danger-full-access; the turn said read-only: both were described.
    expect(
      permissions.map((part) => /`sandbox_mode` is `([a-z-]+)`/.exec(part.text ?? '')?.[1]),
    ).toStrictEqual(['danger-full-access', 'read-only']);
  });
});

describe('tools', () => {
  it('update_plan emits plan_update; view_image attaches the image; a local image input is sent as a data URL', async () => {
    ctx.harness = await startSession(ctx.mock);
    const { session, log, cwd } = ctx.harness;
    writeFileSync(join(cwd, 'pic.png'), PNG);
    const plan = [
      { step: 'look', status: 'completed' },
      { step: 'fix', status: 'in_progress' },
    ];
    ctx.mock.enqueue(
      scripted.items([
        functionCall('update_plan', { explanation: 'why', plan }, { callId: 'u1', id: 'fc_1' }),
        functionCall('view_image', { path: 'pic.png' }, { callId: 'v1', id: 'fc_2' }),
      ]),
      scripted.text('seen'),
    );
    session.submit({
      type: 'user_input',
      items: [
        { type: 'text', text: 'look' },
        { type: 'local_image', path: join(cwd, 'pic.png') },
      ],
    });
    await log.waitFor('task_complete');
    expect(log.of('plan_update')[0]).toMatchObject({ explanation: 'why', plan, call_id: 'u1' });
    expect(log.of('view_image_tool_call')[0]).toMatchObject({
      call_id: 'v1',
      path: join(cwd, 'pic.png'),
    });
    expect(log.of('user_message')[0]?.local_images).toStrictEqual([join(cwd, 'pic.png')]);
    const dataUrl = `data:image/png;base64,${PNG.toString('base64')}`;
    expect(toolOutput(ctx.mock, 1, 'u1')).toBe('Plan updated');
    expect(toolOutput(ctx.mock, 1, 'v1')).toStrictEqual([
      { type: 'input_image', image_url: dataUrl, detail: 'high' },
    ]);
    const user = requestInput(ctx.mock, 0).at(-1) as { content: unknown[] };
    expect(user.content).toStrictEqual([
      { type: 'input_text', text: 'look' },
      { type: 'input_image', image_url: dataUrl },
    ]);
  });

  it('bad arguments, a second in_progress step and an unknown tool are reported to the model', async () => {
    ctx.mock.enqueue(
      scripted.items([
        functionCall('exec_command', '{"cmd": 5}', { callId: 'b1', id: 'fc_1' }),
        functionCall(
          'update_plan',
          {
            plan: [
              { step: 'a', status: 'in_progress' },
              { step: 'b', status: 'in_progress' },
            ],
          },
          { callId: 'b2', id: 'fc_2' },
        ),
        functionCall('teleport', {}, { callId: 'b3', id: 'fc_3' }),
      ]),
      scripted.text('ok'),
    );
    ctx.harness = await startSession(ctx.mock);
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'x' }] });
    await ctx.harness.log.waitFor('task_complete');
    expect(toolOutput(ctx.mock, 1, 'b1')).toMatch(/^failed to parse function arguments: /);
    expect(toolOutput(ctx.mock, 1, 'b2')).toMatch(/at most one step can be in_progress/);
    expect(toolOutput(ctx.mock, 1, 'b3')).toBe('unsupported call: teleport');
  });

  it('config can choose the legacy shell tool', async () => {
    ctx.mock.enqueue(
      scripted.items([functionCall('shell', { command: ['echo', 'legacy'] }, { callId: 's1' })]),
      scripted.text('ok'),
    );
    ctx.harness = await startSession(ctx.mock, { extraToml: '[features]\nunified_exec = false\n' });
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'x' }] });
    await ctx.harness.log.waitFor('task_complete');
    const body = ctx.mock.requests[0]?.body as { tools: Array<{ name?: string }> };
    const tools = body.tools;
    expect(tools.map((tool) => tool.name)).toContain('shell');
    expect(tools.map((tool) => tool.name)).not.toContain('exec_command');
    expect(JSON.parse(toolOutput(ctx.mock, 1, 's1') as string)).toMatchObject({
      output: 'legacy\n',
      metadata: { exit_code: 0 },
    });
    expect(ctx.harness.log.of('exec_command_end')[0]).toMatchObject({
      call_id: 's1',
      exit_code: 0,
    });
  });
});

describe('a remote exec-server over WebSocket', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it('runs the commands', async () => {
    const require = createRequire(import.meta.url);
    const bin = join(dirname(require.resolve('@codex/exec-server/package.json')), 'dist', 'bin.js');
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'exec-token-')), 'token');
    writeFileSync(tokenFile, 'let-me-in-please\n', { mode: 0o600 });
    child = spawn(
      process.execPath,
      [
        bin,
        '--listen',
        'ws://127.0.0.1:0',
        '--ws-auth',
        'capability-token',
        '--ws-token-file',
        tokenFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${stderr}`)), 10_000);
      child?.stderr?.on('data', (text: string) => {
        stderr += text;
        const found = /listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      });
    });
    ctx.mock.enqueue(
      scripted.items([
        functionCall('exec_command', { cmd: 'echo $PPID-remote' }, { callId: 'r1' }),
      ]),
      scripted.text('ok'),
    );
    ctx.harness = await startSession(ctx.mock, { execServer: { url, token: 'let-me-in-please' } });
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'x' }] });
    await ctx.harness.log.waitFor('task_complete');
    expect(toolOutput(ctx.mock, 1, 'r1')).toMatch(/Output:\n\d+-remote\n$/);
  });

  it('an unreachable exec-server fails the start with a clear error', async () => {
    await expect(
      startSession(ctx.mock, { execServer: { url: 'ws://127.0.0.1:9/', connectTimeoutMs: 2_000 } }),
    ).rejects.toThrow(/could not connect to the exec-server at ws:\/\/127\.0\.0\.1:9\//);
  });
});
