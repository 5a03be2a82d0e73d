import { mkdirSync, mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import { describe, expect, it } from 'vitest';
import { assessCommand, assessPatch } from '../src/sandbox/assessment.js';
import { isKnownSafeCommand } from '../src/sandbox/safe-command.js';
import { Approvals } from '../src/session/approvals.js';

const bash = (script: string) => ['/bin/bash', '-lc', script];

describe('isKnownSafeCommand', () => {
  it.each([
    [['ls', '-la'], true],
    [['cat', 'README.md'], true],
    [['sed', '-n', '1,20p', 'a.txt'], true],
    [['sed', '-i', 's/a/b/', 'a.txt'], false],
    [['find', '.', '-name', '*.ts'], true],
    [['find', '.', '-delete'], false],
    [['rg', '--pre', 'sh', 'x'], false],
    [['git', 'status'], false],
    [['rm', '-rf', '/'], false],
    [bash('ls && pwd | wc -l'), true],
    [bash('ls > out.txt'), false],
    [bash('echo $(rm -rf x)'), false],
    [bash('(ls)'), false],
    [bash('ls; rm x'), false],
    [bash("grep 'a b' file"), true],
  ])('%j → %s', (argv, safe) => {
    expect(isKnownSafeCommand(argv)).toBe(safe);
  });
});

describe('assessCommand', () => {
  const ask = { action: 'ask' };
  it('full access runs everything except what untrusted does not know to be safe', () => {
    const full = { mode: 'danger-full-access' } as const;
    for (const policy of ['never', 'on-request', 'on-failure'] as const)
      expect(
        assessCommand({
          argv: bash('rm x'),
          approvalPolicy: policy,
          sandboxPolicy: full,
          approvedForSession: false,
        }),
      ).toStrictEqual({ action: 'run' });
    expect(
      assessCommand({
        argv: bash('rm x'),
        approvalPolicy: 'untrusted',
        sandboxPolicy: full,
        approvedForSession: false,
      }),
    ).toMatchObject(ask);
    expect(
      assessCommand({
        argv: bash('ls'),
        approvalPolicy: 'untrusted',
        sandboxPolicy: full,
        approvedForSession: false,
      }),
    ).toStrictEqual({ action: 'run' });
  });

  it('a sandboxed policy never runs a command unsandboxed without asking, and refuses when it may not ask', () => {
    const sandboxed = { mode: 'workspace-write' } as const;
    expect(
      assessCommand({
        argv: bash('ls'),
        approvalPolicy: 'on-request',
        sandboxPolicy: sandboxed,
        approvedForSession: false,
        justification: 'why',
      }),
    ).toStrictEqual({ action: 'ask', reason: 'why' });
    expect(
      assessCommand({
        argv: bash('ls'),
        approvalPolicy: 'never',
        sandboxPolicy: { mode: 'read-only' },
        approvedForSession: false,
      }).action,
    ).toBe('reject');
    const granular = { granular: { sandbox_approval: false, rules: true, mcp_elicitations: true } };
    expect(
      assessCommand({
        argv: bash('ls'),
        approvalPolicy: granular,
        sandboxPolicy: sandboxed,
        approvedForSession: false,
      }).action,
    ).toBe('reject');
    expect(
      assessCommand({
        argv: bash('ls'),
        approvalPolicy: 'never',
        sandboxPolicy: sandboxed,
        approvedForSession: true,
      }),
    ).toStrictEqual({ action: 'run' });
  });
});

describe('assessPatch', () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'assess-')));
  const cwd = join(root, 'repo');
  mkdirSync(join(cwd, '.git'), { recursive: true });
  const outside = join(root, 'elsewhere');
  mkdirSync(outside);
  symlinkSync(outside, join(cwd, 'escape'));
  symlinkSync(join(outside, 'not-yet'), join(cwd, 'dangling'));
  const ww = {
    mode: 'workspace-write',
    exclude_slash_tmp: true,
    exclude_tmpdir_env_var: true,
  } as const;
  const assess = (
    paths: string[],
    approvalPolicy: 'on-request' | 'never' | 'untrusted' = 'on-request',
  ) => assessPatch({ paths, cwd, approvalPolicy, sandboxPolicy: ww, approvedForSession: false });

  it('applies inside the writable roots without asking', async () => {
    expect(await assess([join(cwd, 'src/new.ts')])).toStrictEqual({ action: 'run' });
  });

  it('asks outside them, through a symlink, and in protected folders; never refuses', async () => {
    expect((await assess([join(outside, 'x')])).action).toBe('ask');
    expect((await assess([join(cwd, 'escape', 'x')])).action).toBe('ask');
    expect((await assess([join(cwd, 'dangling')])).action).toBe('ask');
    expect((await assess([join(cwd, 'dangling', 'deeper.txt')])).action).toBe('ask');
    expect((await assess([join(cwd, '.git', 'config')])).action).toBe('ask');
    expect((await assess([join(outside, 'x')], 'never')).action).toBe('reject');
  });

  it('untrusted asks about every patch', async () => {
    expect((await assess([join(cwd, 'a')], 'untrusted')).action).toBe('ask');
  });
});

describe('Approvals', () => {
  it('answers by call id or, when unambiguous, by submission id; others are ignored', async () => {
    const approvals = new Approvals(60_000, silentLogger);
    const signal = new AbortController().signal;
    const wait = (callId: string, submissionId: string) =>
      approvals.wait({
        kind: 'exec',
        callId,
        submissionId,
        sessionKey: callId,
        signal,
        onTimeout: () => {},
      });
    const a = wait('call_a', 'sub1');
    expect(approvals.answer('exec', 'sub1', 'approved')).toBe(true);
    expect(await a).toBe('approved');
    const b = wait('call_b', 'sub2');
    const c = wait('call_c', 'sub2');
    expect(approvals.answer('exec', 'sub2', 'denied')).toBe(false);
    expect(approvals.answer('patch', 'call_b', 'denied')).toBe(false);
    expect(approvals.answer('exec', 'call_c', 'denied')).toBe(true);
    approvals.abortAll();
    expect(await b).toBe('abort');
    expect(await c).toBe('denied');
    expect(approvals.size).toBe(0);
  });

  it('approved_for_session is remembered by key', async () => {
    const approvals = new Approvals(60_000, silentLogger);
    const signal = new AbortController().signal;
    const pending = approvals.wait({
      kind: 'exec',
      callId: 'c',
      submissionId: 's',
      sessionKey: 'exec:["ls"]',
      signal,
      onTimeout: () => {},
    });
    approvals.answer('exec', 'c', 'approved_for_session');
    expect(await pending).toBe('approved_for_session');
    expect(approvals.isApprovedForSession('exec:["ls"]')).toBe(true);
    expect(approvals.isApprovedForSession('exec:["rm"]')).toBe(false);
  });
});
