import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { functionCall, scripted } from '@codex/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bubblewrapArgv, probeBubblewrap } from '../src/sandbox/bubblewrap.js';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { startSession, toolOutput, useMockSessions } from './session-harness.js';

const ctx = useMockSessions();
/** A folder outside the workspace and outside /tmp (the workspace-write policy can write /tmp). */
let outside: string;

beforeAll(() => {
  outside = mkdtempSync(join(homedir(), '.codex-ts-sandbox-test-'));
});
afterAll(() => {
  rmSync(outside, { recursive: true, force: true });
});

/** Runs one `exec_command` in a turn and returns what the model was told. */
async function runCommand(
  cmd: string,
  options: Parameters<typeof startSession>[1] & { tty?: boolean } = {},
): Promise<string> {
  ctx.mock.enqueue(
    scripted.items([
      functionCall('exec_command', { cmd, tty: options.tty ?? false }, { callId: 'c' }),
    ]),
    scripted.text('done'),
  );
  ctx.harness = await startSession(ctx.mock, {
    sandboxMode: 'workspace-write',
    approvalPolicy: 'on-request',
    ...options,
  });
  ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'go' }] });
  await ctx.harness.log.waitFor('task_complete');
  expect(ctx.harness.log.of('exec_approval_request')).toHaveLength(0);
  return toolOutput(ctx.mock, 1, 'c') as string;
}

describe('the probe', () => {
  it('finds the system bubblewrap and what it can do', async () => {
    const status = await probeBubblewrap(process.env);
    expect(status).toMatchObject({ available: true, kind: 'bubblewrap', bwrap: '/usr/bin/bwrap' });
  });

  it('reports a missing bubblewrap with the fix', async () => {
    const status = await probeBubblewrap(
      { PATH: '/nonexistent' },
      { systemBwrap: '/nonexistent/bwrap' },
    );
    expect(status).toStrictEqual({
      available: false,
      kind: 'none',
      reason: 'bubblewrap (bwrap) is not installed',
      fix: 'install it (Debian/Ubuntu: apt install bubblewrap; Fedora: dnf install bubblewrap)',
    });
  });

  it('builds the argv: read-only root, writable roots, protected folders, no network', async () => {
    const cwd = mkdtempSync(join(outside, 'repo-'));
    mkdirSync(join(cwd, '.git'));
    const status = await probeBubblewrap(process.env);
    if (status.kind !== 'bubblewrap') throw new Error('no bubblewrap');
    const argv = await bubblewrapArgv({
      argv: ['bash', '-lc', 'true'],
      policy: { mode: 'workspace-write', exclude_tmpdir_env_var: true },
      cwd,
      status,
      env: {},
    });
    expect(argv.join(' ')).toBe(
      [
        '/usr/bin/bwrap --new-session --die-with-parent --ro-bind / / --dev /dev',
        `--bind ${cwd} ${cwd} --bind /tmp /tmp --ro-bind ${cwd}/.git ${cwd}/.git`,
        '--unshare-user --unshare-pid --unshare-ipc --unshare-net --cap-drop ALL',
        `${status.procMount ? '--proc /proc ' : ''}--chdir ${cwd} -- bash -lc true`,
      ].join(' '),
    );
  });
});

describe('commands under workspace-write run in bubblewrap', () => {
  it('a write outside the workspace fails; one inside succeeds; .git stays read-only', async () => {
    const target = join(outside, `escape-${Date.now()}`);
    const output = await runCommand(
      `mkdir -p .git && echo inside > inside.txt && echo ok-inside; touch .git/hooked || echo git-denied; echo x > ${target} || echo outside-denied`,
      { extraToml: '' },
    );
    // .git was created by the command itself, so it is only protected from the next command on.
    expect(output).toContain('ok-inside');
    expect(output).toContain('outside-denied');
    expect(output).toMatch(/Read-only file system/);
    expect(existsSync(target)).toBe(false);
    expect(readFileSync(join(ctx.harness?.cwd ?? '', 'inside.txt'), 'utf8')).toBe('inside\n');
  });

  it('.git inside the workspace is read-only', async () => {
    ctx.mock.enqueue(
      scripted.items([
        functionCall(
          'exec_command',
          { cmd: 'touch .git/x && echo wrote || echo denied' },
          { callId: 'c' },
        ),
      ]),
      scripted.text('done'),
    );
    ctx.harness = await startSession(ctx.mock, {
      sandboxMode: 'workspace-write',
      approvalPolicy: 'on-request',
    });
    execFileSync('git', ['init', '-q', ctx.harness.cwd]);
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'go' }] });
    await ctx.harness.log.waitFor('task_complete');
    expect(toolOutput(ctx.mock, 1, 'c')).toMatch(/denied/);
    expect(existsSync(join(ctx.harness.cwd, '.git', 'x'))).toBe(false);
  });

  it('PTY commands are sandboxed too', async () => {
    const target = join(outside, `pty-${Date.now()}`);
    const output = await runCommand(`touch ${target} 2>&1; echo status=$?`, { tty: true });
    expect(output).toMatch(/Read-only file system/);
    expect(output).toMatch(/status=1/);
    expect(existsSync(target)).toBe(false);
  });

  it('the environment says the network is off', async () => {
    const output = await runCommand('echo net=$CODEX_SANDBOX_NETWORK_DISABLED');
    expect(output).toContain('net=1');
  });
});

describe('read-only', () => {
  it('has a private /tmp: writes there do not reach the host', async () => {
    const marker = `codex-ts-marker-${process.pid}-${Date.now()}`;
    const output = await runCommand(
      `echo hi > /tmp/${marker} && cat /tmp/${marker}; touch here.txt || echo cwd-denied`,
      {
        sandboxMode: 'read-only',
      },
    );
    expect(output).toContain('hi');
    expect(output).toContain('cwd-denied');
    expect(existsSync(join(tmpdir(), marker))).toBe(false);
    expect(existsSync(join('/tmp', marker))).toBe(false);
  });
});

describe('network', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((socket) => {
      // The client closes as soon as it connects: a reset while answering is expected.
      socket.on('error', () => undefined);
      socket.end('hello\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server.close();
  });

  it('a TCP connect to 127.0.0.1 fails with network off', async () => {
    const output = await runCommand(
      `(exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected) 2>&1 || echo refused`,
    );
    expect(output).toContain('refused');
    expect(output).not.toContain('connected');
  });

  it('and succeeds with network_access = true', async () => {
    const output = await runCommand(
      `(exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected) 2>&1 || echo refused`,
      {
        extraToml: '[sandbox_workspace_write]\nnetwork_access = true\n',
      },
    );
    expect(output).toContain('connected');
  });
});

describe('on-failure', () => {
  it('a denial offers the retry without the sandbox; approved, it runs unsandboxed', async () => {
    const target = join(outside, `retry-${Date.now()}`);
    ctx.mock.enqueue(
      scripted.items([functionCall('exec_command', { cmd: `touch ${target}` }, { callId: 'r' })]),
      scripted.text('done'),
    );
    ctx.harness = await startSession(ctx.mock, { sandboxMode: 'workspace-write' });
    const { session, log, cwd } = ctx.harness;
    session.submit({
      type: 'user_turn',
      items: [{ type: 'text', text: 'go' }],
      cwd,
      approval_policy: 'on-failure',
      sandbox_policy: { mode: 'workspace-write' },
      model: 'mock-model',
      summary: 'auto',
    });
    const request = await log.waitFor('exec_approval_request');
    expect(request.reason).toBe('command failed; retry without sandbox?');
    expect(log.of('exec_command_end')[0]).toMatchObject({ call_id: 'r', status: 'failed' });
    expect(existsSync(target)).toBe(false);
    session.submit({ type: 'exec_approval', id: 'r', decision: 'approved' });
    await log.waitFor('task_complete');
    expect(existsSync(target)).toBe(true);
    expect(log.of('exec_command_end').map((end) => end.exit_code)).toStrictEqual([1, 0]);
    expect(toolOutput(ctx.mock, 1, 'r')).toMatch(/Process exited with code 0/);
  });
});

describe('without bubblewrap', () => {
  it('says so with the reason and the fix, and asks before running unsandboxed', async () => {
    const sandbox = await Sandbox.probe(
      { PATH: '/nonexistent' },
      { systemBwrap: '/nonexistent/bwrap' },
    );
    ctx.mock.enqueue(
      scripted.items([functionCall('exec_command', { cmd: 'touch made.txt' }, { callId: 'n' })]),
      scripted.text('done'),
    );
    ctx.harness = await startSession(ctx.mock, {
      sandboxMode: 'workspace-write',
      approvalPolicy: 'on-request',
      sandbox,
    });
    const { session, log, cwd } = ctx.harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'go' }] });
    const request = await log.waitFor('exec_approval_request');
    expect(request.reason).toMatch(/without a sandbox: bubblewrap \(bwrap\) is not installed/);
    const warning = log
      .of('warning')
      .find((w) => w.message.startsWith('Commands cannot be sandboxed'));
    expect(warning?.message).toMatch(/To fix: install it \(Debian\/Ubuntu: apt install bubblewrap/);
    expect(existsSync(join(cwd, 'made.txt'))).toBe(false);
    session.submit({ type: 'exec_approval', id: 'n', decision: 'denied' });
    await log.waitFor('task_complete');
    expect(existsSync(join(cwd, 'made.txt'))).toBe(false);
  });
});

describe('interrupt', () => {
  it('leaves no sandboxed process behind', async () => {
    const marker = `${30 + (process.pid % 1000) / 1000}`;
    ctx.mock.enqueue(
      scripted.items([
        functionCall(
          'exec_command',
          { cmd: `sleep ${marker}`, yield_time_ms: 30_000 },
          { callId: 's' },
        ),
      ]),
    );
    ctx.harness = await startSession(ctx.mock, {
      sandboxMode: 'workspace-write',
      approvalPolicy: 'on-request',
    });
    ctx.harness.session.submit({ type: 'user_input', items: [{ type: 'text', text: 'go' }] });
    await ctx.harness.log.waitFor('exec_command_begin');
    const pgrep = () => {
      try {
        return execFileSync('pgrep', ['-f', `sleep ${marker}`], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    };
    const deadline = Date.now() + 5_000;
    while (pgrep() === '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(pgrep()).not.toBe('');
    ctx.harness.session.submit({ type: 'interrupt' });
    await ctx.harness.log.waitFor('turn_aborted');
    const gone = Date.now() + 5_000;
    while (pgrep() !== '' && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
    expect(pgrep()).toBe('');
  });
});

describe('shell_environment_policy', () => {
  it('commands get no credentials by default; exclude and set apply', async () => {
    // The session's environment holds MOCK_API_KEY (the provider's key); commands must not see it.
    const output = await runCommand(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template.
      'echo key=${MOCK_API_KEY:-none} home=${HOME:+set} set=$EXTRA',
      { extraToml: '[shell_environment_policy]\nexclude = ["HOME"]\nset = { EXTRA = "yes" }\n' },
    );
    expect(output).toContain('key=none home= set=yes');
  });

  it('unit: inherit, default excludes, exclude, set, include_only', async () => {
    const { shellEnvironment } = await import('../src/sandbox/shell-environment.js');
    const base = {
      PATH: '/bin',
      HOME: '/h',
      OPENAI_API_KEY: 'x',
      GH_TOKEN: 'y',
      FOO: '1',
      DROP_ME: '2',
    };
    const policy = {
      inherit: 'all',
      exclude: [],
      set: {},
      includeOnly: [],
      ignoreDefaultExcludes: false,
      useProfile: false,
    } as const;
    expect(shellEnvironment(base, policy)).toStrictEqual({
      PATH: '/bin',
      HOME: '/h',
      FOO: '1',
      DROP_ME: '2',
    });
    expect(shellEnvironment(base, { ...policy, ignoreDefaultExcludes: true })).toStrictEqual(base);
    expect(shellEnvironment(base, { ...policy, inherit: 'core' })).toStrictEqual({
      PATH: '/bin',
      HOME: '/h',
    });
    expect(shellEnvironment(base, { ...policy, inherit: 'none', set: { A: 'b' } })).toStrictEqual({
      A: 'b',
    });
    expect(shellEnvironment(base, { ...policy, exclude: ['drop_*'] })).not.toHaveProperty(
      'DROP_ME',
    );
    expect(shellEnvironment(base, { ...policy, includeOnly: ['P?TH', 'HOME'] })).toStrictEqual({
      PATH: '/bin',
      HOME: '/h',
    });
  });
});
