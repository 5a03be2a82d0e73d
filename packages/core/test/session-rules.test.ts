import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { functionCall, scripted } from '@codex/test-support';
import { describe, expect, it } from 'vitest';
import { startSession, toolOutput, useMockSessions } from './session-harness.js';

const ctx = useMockSessions();

describe('exec-policy rules in a session', () => {
  it('a forbidden command is refused without asking, even with full access', async () => {
    ctx.mock.enqueue(
      scripted.items([
        functionCall('exec_command', { cmd: 'touch a && rm -rf a' }, { callId: 'f' }),
      ]),
      scripted.text('ok'),
    );
    ctx.harness = await startSession(ctx.mock, {
      approvalPolicy: 'on-request',
      rules: 'prefix_rule(pattern=["rm"], decision="forbidden")\n',
    });
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'go' }] });
    await ctx.harness.log.waitFor('task_complete');
    expect(ctx.harness.log.of('exec_approval_request')).toHaveLength(0);
    expect(ctx.harness.log.of('exec_command_begin')).toHaveLength(0);
    expect(existsSync(join(ctx.harness.cwd, 'a'))).toBe(false);
    expect(toolOutput(ctx.mock, 1, 'f')).toBe(
      'exec_command failed: rejected: the command is forbidden by an exec-policy rule',
    );
  });

  it('"approve and always allow" appends the rule; the next such command runs unasked and unsandboxed', async () => {
    const outside = join(process.env.HOME ?? '/root', `.codex-ts-rule-${Date.now()}`);
    const escalated = (callId: string, file: string) =>
      functionCall(
        'exec_command',
        { cmd: `touch ${file}`, sandbox_permissions: 'require_escalated', justification: 'ok?' },
        { callId },
      );
    ctx.mock.enqueue(
      scripted.items([escalated('a1', `${outside}-1`)]),
      scripted.items([escalated('a2', `${outside}-2`)]),
      scripted.text('done'),
    );
    ctx.harness = await startSession(ctx.mock, {
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
    });
    const { session, log, home } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'go' }] });
    const request = await log.waitFor('exec_approval_request');
    expect(request.proposed_execpolicy_amendment).toStrictEqual(['touch', `${outside}-1`]);
    expect(request.available_decisions).toContainEqual({
      approved_execpolicy_amendment: { proposed_execpolicy_amendment: ['touch', `${outside}-1`] },
    });
    session.submit({
      type: 'exec_approval',
      id: 'a1',
      decision: { approved_execpolicy_amendment: { proposed_execpolicy_amendment: ['touch'] } },
    });
    await log.waitFor('task_complete');
    expect(readFileSync(join(home, 'rules', 'default.rules'), 'utf8')).toContain(
      'prefix_rule(pattern=["touch"], decision="allow")',
    );
    expect(log.of('exec_approval_request')).toHaveLength(1);
    expect(existsSync(`${outside}-1`)).toBe(true);
    expect(existsSync(`${outside}-2`)).toBe(true);
    const { rmSync } = await import('node:fs');
    rmSync(`${outside}-1`, { force: true });
    rmSync(`${outside}-2`, { force: true });
  });

  it('a rules file whose example does not match fails the start, naming file and line', async () => {
    await expect(
      startSession(ctx.mock, {
        rules:
          '# allow git status\nprefix_rule(pattern=["git", "status"], decision="allow", match=["git log"])\n',
      }),
    ).rejects.toThrow(/default\.rules:2/);
  });
});
