import { mkdirSync, mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { assessCommand, assessPatch } from '../src/sandbox/assessment.js';
import { isKnownSafeCommand, loadBashParser } from '../src/sandbox/safe-command.js';
import { Approvals } from '../src/session/approvals.js';

const bash = (script: string) => ['/bin/bash', '-lc', script];

beforeAll(() => loadBashParser());

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
  const full = { mode: 'danger-full-access' } as const;
  const ww = { mode: 'workspace-write' } as const;
  const base = { approvedForSession: false, sandboxUnavailable: null };

  it('full access runs everything unsandboxed, except what untrusted does not know to be safe', () => {
    for (const policy of ['never', 'on-request', 'on-failure'] as const)
      expect(
        assessCommand({ ...base, argv: bash('rm x'), approvalPolicy: policy, sandboxPolicy: full }),
      ).toStrictEqual({ action: 'run', sandboxed: false });
    expect(
      assessCommand({
        ...base,
        argv: bash('rm x'),
        approvalPolicy: 'untrusted',
        sandboxPolicy: full,
      }).action,
    ).toBe('ask');
    expect(
      assessCommand({
        ...base,
        argv: bash('ls'),
        approvalPolicy: 'untrusted',
        sandboxPolicy: full,
      }),
    ).toStrictEqual({ action: 'run', sandboxed: false });
  });

  it('external-sandbox wraps nothing: the host sandboxes the agent', () => {
    expect(
      assessCommand({
        ...base,
        argv: bash('rm x'),
        approvalPolicy: 'on-request',
        sandboxPolicy: { mode: 'external-sandbox' },
      }),
    ).toStrictEqual({ action: 'run', sandboxed: false });
  });

  it('a confined policy runs commands in the sandbox unasked', () => {
    for (const policy of ['never', 'on-request', 'on-failure'] as const)
      expect(
        assessCommand({ ...base, argv: bash('rm x'), approvalPolicy: policy, sandboxPolicy: ww }),
      ).toStrictEqual({ action: 'run', sandboxed: true });
    expect(
      assessCommand({ ...base, argv: bash('ls'), approvalPolicy: 'untrusted', sandboxPolicy: ww }),
    ).toStrictEqual({ action: 'run', sandboxed: true });
  });

  it('leaving the sandbox needs an approval; a policy that may not ask refuses', () => {
    expect(
      assessCommand({
        ...base,
        argv: bash('curl x'),
        approvalPolicy: 'on-request',
        sandboxPolicy: ww,
        escalated: true,
        justification: 'why',
      }),
    ).toStrictEqual({ action: 'ask', reason: 'why', sandboxedAfterApproval: false });
    expect(
      assessCommand({
        ...base,
        argv: bash('curl x'),
        approvalPolicy: 'never',
        sandboxPolicy: ww,
        escalated: true,
      }).action,
    ).toBe('reject');
    const granular = { granular: { sandbox_approval: false, rules: true, mcp_elicitations: true } };
    expect(
      assessCommand({
        ...base,
        argv: bash('ls'),
        approvalPolicy: granular,
        sandboxPolicy: ww,
        escalated: true,
      }).action,
    ).toBe('reject');
    expect(
      assessCommand({
        ...base,
        argv: bash('rm x'),
        approvalPolicy: 'untrusted',
        sandboxPolicy: ww,
      }),
    ).toMatchObject({ action: 'ask', sandboxedAfterApproval: true });
  });

  it('without a sandbox every confined command is asked about (never refuses)', () => {
    const none = { ...base, sandboxUnavailable: 'bubblewrap (bwrap) is not installed' };
    expect(
      assessCommand({ ...none, argv: bash('ls'), approvalPolicy: 'on-request', sandboxPolicy: ww }),
    ).toStrictEqual({
      action: 'ask',
      reason: 'this command would run without a sandbox: bubblewrap (bwrap) is not installed.',
      sandboxedAfterApproval: false,
    });
    expect(
      assessCommand({
        ...none,
        argv: bash('ls'),
        approvalPolicy: 'never',
        sandboxPolicy: { mode: 'read-only' },
      }).action,
    ).toBe('reject');
  });

  it('exec-policy rules: forbidden refuses, allow runs unsandboxed, prompt asks; session approval runs', () => {
    const args = {
      ...base,
      argv: bash('git push'),
      approvalPolicy: 'on-request',
      sandboxPolicy: ww,
    } as const;
    expect(assessCommand({ ...args, rule: 'forbidden' }).action).toBe('reject');
    expect(assessCommand({ ...args, rule: 'allow' })).toStrictEqual({
      action: 'run',
      sandboxed: false,
    });
    expect(assessCommand({ ...args, rule: 'prompt' }).action).toBe('ask');
    expect(assessCommand({ ...args, rule: 'prompt', approvalPolicy: 'never' }).action).toBe(
      'reject',
    );
    expect(assessCommand({ ...args, approvedForSession: true })).toStrictEqual({
      action: 'run',
      sandboxed: false,
    });
    expect(
      assessCommand({
        ...args,
        approvalPolicy: 'on-request',
        sandboxPolicy: full,
        rule: 'forbidden',
      }).action,
    ).toBe('reject');
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
