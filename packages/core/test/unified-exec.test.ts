import { ExecServerClient } from '@codex/exec-server/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ToolArgumentsError } from '../src/tools/arguments.js';
import {
  createExecCommandToolSpec,
  createWriteStdinToolSpec,
} from '../src/tools/specs/shell-specs.js';
import { parseExecCommandArgs, parseWriteStdinArgs } from '../src/tools/unified-exec/arguments.js';
import { HeadTailBuffer } from '../src/tools/unified-exec/head-tail-buffer.js';
import {
  UnifiedExecError,
  UnifiedExecManager,
  type UnifiedExecManagerOptions,
} from '../src/tools/unified-exec/index.js';
import { sessionToPrune } from '../src/tools/unified-exec/pruning.js';
import { modelOutput } from '../src/tools/unified-exec/result.js';
import { isAlive, processGone } from './helpers.js';

const cwd = process.cwd();
let client: ExecServerClient;
const managers: UnifiedExecManager[] = [];

beforeAll(() => {
  client = ExecServerClient.connectInProcess();
});

afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.close()));
});

afterAll(async () => {
  await client.close();
});

function newManager(options: Partial<UnifiedExecManagerOptions> = {}): UnifiedExecManager {
  const manager = new UnifiedExecManager({ client, shell: '/bin/bash', ...options });
  managers.push(manager);
  return manager;
}

async function expectDead(pid: number, withinMs = 3_000): Promise<void> {
  expect(await processGone(pid, withinMs)).toBe(true);
}

/** Starts `cmd` behind `echo $$; exec ...` and returns the session and the OS pid. */
async function startWithPid(
  manager: UnifiedExecManager,
  cmd: string,
  tty = false,
): Promise<{ sessionId: number; pid: number }> {
  const result = await manager.execCommand({
    callId: 'start',
    cmd: `echo $$; exec ${cmd}`,
    workdir: cwd,
    login: false,
    tty,
    yieldTimeMs: 250,
  });
  const pid = Number.parseInt(result.aggregatedOutput, 10);
  expect(result.sessionId).not.toBeNull();
  expect(Number.isInteger(pid) && isAlive(pid)).toBe(true);
  return { sessionId: result.sessionId ?? -1, pid };
}

async function catchError(promise: Promise<unknown>): Promise<UnifiedExecError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!UnifiedExecError.isInstance(error)) throw new Error(`expected a UnifiedExecError: ${error}`);
  return error;
}

describe('exec_command', () => {
  it('runs a fast command and reports its exit in the original header', async () => {
    const manager = newManager();
    const result = await manager.execCommand({
      callId: 'c1',
      cmd: 'echo anchor-approved-output',
      workdir: cwd,
      login: false,
    });
    expect(result.exitCode).toBe(0);
    expect(result.sessionId).toBeNull();
    expect(result.output).toBe('anchor-approved-output\n');
    expect(result.originalTokenCount).toBe(6);
    expect(result.command).toEqual(['/bin/bash', '-c', 'echo anchor-approved-output']);
    expect(result.wallTimeSeconds).toBeLessThan(5);
    expect(manager.formatForModel(result)).toMatch(
      /^Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\nProcess exited with code 0\nOriginal token count: 6\nOutput:\nanchor-approved-output\n$/,
    );
    expect(manager.liveSessionIds()).toEqual([]);
  });

  it('reports non-zero exits and uses a login shell by default', async () => {
    const manager = newManager();
    const result = await manager.execCommand({ callId: 'c', cmd: 'exit 3', workdir: cwd });
    expect(result.exitCode).toBe(3);
    expect(result.command).toEqual(['/bin/bash', '-lc', 'exit 3']);
  });

  it('forces the original environment over the base one', async () => {
    const manager = newManager({
      env: { PATH: process.env.PATH, NO_COLOR: '0', TERM: 'xterm-256color', KEEP: 'kept' },
    });
    const result = await manager.execCommand({
      callId: 'c',
      cmd: 'echo "$NO_COLOR|$TERM|$LANG|$LC_CTYPE|$LC_ALL|$COLORTERM|$PAGER|$GIT_PAGER|$GH_PAGER|$CODEX_CI|$KEEP"',
      workdir: cwd,
      login: false,
    });
    expect(result.output).toBe('1|dumb|C.UTF-8|C.UTF-8|C.UTF-8||cat|cat|cat|1|kept\n');
  });

  it('keeps a long command under a session id; a poll collects the rest and the exit', async () => {
    const manager = newManager({ sequentialSessionIds: true });
    const first = await manager.execCommand({
      callId: 'long',
      cmd: 'echo start; sleep 0.8; echo done',
      workdir: cwd,
      login: false,
      yieldTimeMs: 250,
    });
    expect(first.exitCode).toBeNull();
    expect(first.sessionId).toBe(1000);
    expect(first.output).toBe('start\n');
    expect(manager.formatForModel(first)).toMatch(
      /\nProcess running with session ID 1000\nOriginal token count: 2\nOutput:\nstart\n$/,
    );
    expect(manager.liveSessionIds()).toEqual([1000]);

    const pollStarted = Date.now();
    const poll = await manager.writeStdin({ callId: 'poll', sessionId: 1000, chars: '' });
    // The 5 s poll floor ends early at the exit.
    expect(Date.now() - pollStarted).toBeLessThan(4_000);
    expect(poll.exitCode).toBe(0);
    expect(poll.sessionId).toBeNull();
    expect(poll.output).toBe('done\n');
    expect(poll.eventCallId).toBe('long');
    expect(manager.liveSessionIds()).toEqual([]);

    const error = await catchError(manager.writeStdin({ callId: 'x', sessionId: 1000, chars: '' }));
    expect(error.code).toBe('unknown_session');
    expect(error.message).toBe('write_stdin failed: Unknown process id 1000');
    expect(error.detail).toBe('Unknown process id 1000');
  });

  it('rejects an unknown session id', async () => {
    const manager = newManager();
    const error = await catchError(
      manager.writeStdin({ callId: 'x', sessionId: 4242, chars: 'a' }),
    );
    expect(error.code).toBe('unknown_session');
    expect(error.message).toBe('write_stdin failed: Unknown process id 4242');
  });

  it('keeps cat alive in a PTY and echoes what write_stdin sends', async () => {
    const manager = newManager();
    const opened = await manager.execCommand({
      callId: 'cat',
      cmd: 'cat',
      workdir: cwd,
      login: false,
      tty: true,
      yieldTimeMs: 250,
    });
    const sessionId = opened.sessionId;
    if (sessionId === null) throw new Error('cat exited');
    const echoed = await manager.writeStdin({
      callId: 'w1',
      sessionId,
      chars: 'hello\n',
      yieldTimeMs: 500,
    });
    expect(echoed.sessionId).toBe(sessionId);
    // The terminal echoes the line, then cat prints it.
    expect(echoed.output).toBe('hello\r\nhello\r\n');
    const again = await manager.writeStdin({
      callId: 'w2',
      sessionId,
      chars: 'again\n',
      yieldTimeMs: 500,
    });
    expect(again.output).toBe('again\r\nagain\r\n');
    expect(manager.liveSessionIds()).toEqual([sessionId]);
  });

  it('reports the exit of a PTY process that a write ends', async () => {
    const manager = newManager();
    const opened = await manager.execCommand({
      callId: 'read',
      cmd: 'read line; echo "got:$line"',
      workdir: cwd,
      login: false,
      tty: true,
      yieldTimeMs: 250,
    });
    const sessionId = opened.sessionId;
    if (sessionId === null) throw new Error('read exited');
    const answered = await manager.writeStdin({
      callId: 'w',
      sessionId,
      chars: 'hi\n',
      yieldTimeMs: 2_000,
    });
    expect(answered.output).toBe('hi\r\ngot:hi\r\n');
    expect(answered.exitCode).toBe(0);
    expect(answered.sessionId).toBeNull();
    expect(manager.liveSessionIds()).toEqual([]);
  });

  it('refuses to write to a process started without a TTY, as the original does', async () => {
    const manager = newManager();
    const { sessionId } = await startWithPid(manager, 'sleep 30');
    const error = await catchError(manager.writeStdin({ callId: 'w', sessionId, chars: 'x\n' }));
    expect(error.code).toBe('stdin_closed');
    expect(error.message).toBe(
      'write_stdin failed: stdin is closed for this session; rerun exec_command with tty=true to keep stdin open',
    );
    // The session survives the refused write.
    expect(manager.liveSessionIds()).toEqual([sessionId]);
  });

  it('truncates huge output with the marker and keeps at most 1 MiB of it', async () => {
    const manager = newManager();
    const result = await manager.execCommand({
      callId: 'big',
      cmd: 'yes | head -c 20000000',
      workdir: cwd,
      login: false,
      yieldTimeMs: 20_000,
    });
    expect(result.exitCode).toBe(0);
    const omitted = 20_000_000 - 1024 * 1024;
    expect(result.aggregatedOutput).toContain(`\n... ${omitted} bytes omitted ...\n`);
    expect(Buffer.byteLength(result.aggregatedOutput)).toBeLessThan(1024 * 1024 + 100);
    expect(result.output).toMatch(
      new RegExp(
        `^Warning: truncated output \\(original token count: ${result.originalTokenCount}\\)\n\\.\\.\\. ${omitted} bytes omitted \\.\\.\\.\n\n(y\n)+y?…\\d+ tokens truncated…`,
      ),
    );
    // 10 000 tokens of output plus the marker and the warning lines.
    expect(Buffer.byteLength(result.output)).toBeLessThan(40_000 + 200);
  });

  it('bounds what an endless writer leaves between reads', async () => {
    const manager = newManager();
    const result = await manager.execCommand({
      callId: 'yes',
      cmd: 'yes',
      workdir: cwd,
      login: false,
      yieldTimeMs: 600,
    });
    expect(result.sessionId).not.toBeNull();
    expect(result.aggregatedOutput).toMatch(/\n\.\.\. \d+ bytes omitted \.\.\.\n/);
    expect(Buffer.byteLength(result.aggregatedOutput)).toBeLessThan(1024 * 1024 + 100);
  });

  it('terminates the process at once when the call is aborted', async () => {
    const manager = newManager();
    const controller = new AbortController();
    let pid: number | undefined;
    const call = manager.execCommand({
      callId: 'abort',
      cmd: 'echo $$; exec sleep 30',
      workdir: cwd,
      login: false,
      yieldTimeMs: 10_000,
      signal: controller.signal,
      onOutput: (chunk) => {
        pid = Number.parseInt(chunk.toString(), 10);
        controller.abort();
      },
    });
    const started = Date.now();
    const error = await catchError(call);
    expect(error.code).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(pid).toBeGreaterThan(0);
    await expectDead(pid ?? -1);
    expect(manager.liveSessionIds()).toEqual([]);
  });

  it('terminateAll leaves no process alive', async () => {
    const manager = newManager();
    const started = await Promise.all([
      startWithPid(manager, 'sleep 30'),
      startWithPid(manager, 'sleep 30'),
      startWithPid(manager, 'sleep 30', true),
    ]);
    expect(manager.liveSessionIds()).toHaveLength(3);
    await manager.terminateAll();
    expect(manager.liveSessionIds()).toEqual([]);
    for (const { pid } of started) expect(isAlive(pid)).toBe(false);
  });

  it('prunes the least recently used process beyond maxProcesses and terminates it', async () => {
    const manager = newManager({ maxProcesses: 3 });
    const one = await startWithPid(manager, 'cat', true);
    const two = await startWithPid(manager, 'cat', true);
    const three = await startWithPid(manager, 'cat', true);
    // Using the oldest makes the second the least recently used.
    await manager.writeStdin({ callId: 'touch', sessionId: one.sessionId, chars: 'x' });
    const four = await startWithPid(manager, 'cat', true);
    expect(manager.liveSessionIds().sort()).toEqual(
      [one.sessionId, three.sessionId, four.sessionId].sort(),
    );
    await expectDead(two.pid);
    expect(isAlive(one.pid)).toBe(true);
    const error = await catchError(
      manager.writeStdin({ callId: 'x', sessionId: two.sessionId, chars: '' }),
    );
    expect(error.code).toBe('unknown_session');
  });

  it('reports a process that cannot start', async () => {
    const manager = newManager();
    const error = await catchError(
      manager.execCommand({ callId: 'c', cmd: 'true', workdir: '/nonexistent/dir', login: false }),
    );
    expect(error.code).toBe('create_process');
    expect(error.message).toMatch(/^exec_command failed for `\/bin\/bash -c true`: CreateProcess/);
    expect(manager.liveSessionIds()).toEqual([]);
  });
});

describe('pruning choice', () => {
  const entry = (sessionId: number, lastUsed: number, exited = false) => ({
    sessionId,
    lastUsed,
    exited,
  });

  it('prefers an exited process, then the least recently used, never a protected one', () => {
    const entries = [entry(1, 1), entry(2, 2), entry(3, 3, true), entry(4, 4), entry(5, 5)];
    expect(sessionToPrune(entries, 2)).toBe(3);
    expect(
      sessionToPrune(
        entries.filter((e) => !e.exited),
        2,
      ),
    ).toBe(1);
    // An exited process among the protected ones is not taken.
    expect(sessionToPrune([entry(1, 1), entry(2, 2, true)], 1)).toBe(1);
    expect(sessionToPrune([entry(1, 1), entry(2, 2)], 8)).toBeUndefined();
  });
});

describe('output buffer', () => {
  it('keeps the head and the tail and counts what it drops', () => {
    const buffer = new HeadTailBuffer(10);
    buffer.push(Buffer.from('abc'));
    buffer.push(Buffer.from('defghijklmnop'));
    buffer.push(Buffer.from('qr'));
    expect(buffer.retainedBytes).toBe(10);
    expect(buffer.omittedBytes).toBe(8);
    const drained = buffer.drain();
    expect(drained.bytes.toString()).toBe('abcde\n... 8 bytes omitted ...\nnopqr');
    expect(drained.omittedBytes).toBe(8);
    expect(buffer.drain().bytes.length).toBe(0);
  });

  it('stays bounded under a flood', () => {
    const buffer = new HeadTailBuffer(1024);
    for (let index = 0; index < 10_000; index += 1) buffer.push(Buffer.alloc(1000, 'y'));
    expect(buffer.retainedBytes).toBe(1024);
    expect(buffer.omittedBytes).toBe(10_000_000 - 1024);
  });
});

describe('model output budget', () => {
  it('uses the smaller of max_output_tokens and the turn budget', () => {
    const text = 'x'.repeat(1000);
    const request = { text, omittedBytes: 0, originalTokenCount: 250, header: 'h' };
    const small = modelOutput({
      ...request,
      maxOutputTokens: 10,
      truncationPolicy: { mode: 'tokens', limit: 10_000 },
    });
    expect(small).toContain('…240 tokens truncated…');
    const turnBound = modelOutput({
      ...request,
      maxOutputTokens: 10_000,
      truncationPolicy: { mode: 'bytes', limit: 100 },
    });
    // A byte policy marks characters; the whole text (header, newline, output) stays within
    // the turn budget plus its 20% allowance, so the warning lines cost output bytes.
    expect(turnBound).toMatch(
      /^Warning: truncated output \(original token count: 250\)\nTotal output lines: 1\n\nx+…\d+ chars truncated…x+$/,
    );
    expect(Buffer.byteLength(turnBound) + 'h\n'.length).toBeLessThanOrEqual(120);
  });
});

describe('arguments', () => {
  it('parses exec_command with the original defaults', () => {
    expect(parseExecCommandArgs('{"cmd":"ls"}')).toEqual({
      cmd: 'ls',
      workdir: undefined,
      shell: undefined,
      login: undefined,
      tty: false,
      yieldTimeMs: 10_000,
      maxOutputTokens: undefined,
      sandboxPermissions: 'use_default',
      justification: undefined,
      prefixRule: undefined,
    });
    const full = parseExecCommandArgs(
      JSON.stringify({
        cmd: 'git pull',
        workdir: 'sub',
        shell: '/bin/zsh',
        login: false,
        tty: true,
        yield_time_ms: 500,
        max_output_tokens: 100,
        sandbox_permissions: 'require_escalated',
        justification: 'Pull?',
        prefix_rule: ['git', 'pull'],
        unknown_field: 1,
      }),
    );
    expect(full).toMatchObject({
      workdir: 'sub',
      tty: true,
      yieldTimeMs: 500,
      maxOutputTokens: 100,
      sandboxPermissions: 'require_escalated',
      prefixRule: ['git', 'pull'],
    });
  });

  it('names the bad field in serde words', () => {
    const message = (json: string) => {
      try {
        parseExecCommandArgs(json);
      } catch (error) {
        if (ToolArgumentsError.isInstance(error) && error.code === 'invalid_arguments') {
          return error.message;
        }
        throw error;
      }
      throw new Error('parsed');
    };
    expect(message('{}')).toBe('failed to parse function arguments: missing field `cmd`');
    expect(message('{"cmd":5}')).toBe(
      'failed to parse function arguments: invalid type: integer `5`, expected a string',
    );
    expect(message('{"cmd":"ls","yield_time_ms":-1}')).toBe(
      'failed to parse function arguments: invalid value: integer `-1`, expected u64',
    );
    expect(message('{"cmd":"ls","tty":"yes"}')).toBe(
      'failed to parse function arguments: invalid type: string "yes", expected a boolean',
    );
    expect(message('{"cmd":"ls","sandbox_permissions":"root"}')).toBe(
      'failed to parse function arguments: unknown variant `root`, expected `use_default` or `require_escalated`',
    );
    expect(message('{"cmd":"ls","prefix_rule":["git",1]}')).toBe(
      'failed to parse function arguments: invalid type: integer `1`, expected a string',
    );
    expect(message('[1]')).toBe(
      'failed to parse function arguments: invalid type: sequence, expected a map',
    );
    expect(message('{"cmd":')).toMatch(/^failed to parse function arguments: /);
  });

  it('parses write_stdin with the original defaults', () => {
    expect(parseWriteStdinArgs('{"session_id":1234}')).toEqual({
      sessionId: 1234,
      chars: '',
      yieldTimeMs: 250,
      maxOutputTokens: undefined,
    });
    expect(() => parseWriteStdinArgs('{"chars":"x"}')).toThrow(
      'failed to parse function arguments: missing field `session_id`',
    );
    expect(() => parseWriteStdinArgs('{"session_id":1.5}')).toThrow(
      'failed to parse function arguments: invalid type: floating point `1.5`, expected i32',
    );
  });
});

describe('tool specs', () => {
  it('advertises exec_command as the original does', () => {
    const spec = createExecCommandToolSpec();
    if (spec.type !== 'function') throw new Error('not a function tool');
    expect(spec.name).toBe('exec_command');
    expect(spec.description).toBe(
      'Runs a command in a PTY, returning output or a session ID for ongoing interaction.',
    );
    expect(spec.strict).toBe(false);
    expect(spec.parameters.required).toEqual(['cmd']);
    expect(spec.parameters.additionalProperties).toBe(false);
    const properties = spec.parameters.properties as Record<string, Record<string, unknown>>;
    expect(Object.keys(properties)).toEqual([
      'cmd',
      'justification',
      'login',
      'max_output_tokens',
      'prefix_rule',
      'sandbox_permissions',
      'shell',
      'tty',
      'workdir',
      'yield_time_ms',
    ]);
    expect(properties.prefix_rule).toMatchObject({ type: 'array', items: { type: 'string' } });
    expect(properties.yield_time_ms?.type).toBe('number');
    expect(properties.sandbox_permissions?.description).toContain('"require_escalated"');
    const withoutLogin = createExecCommandToolSpec({ allowLoginShell: false });
    if (withoutLogin.type !== 'function') throw new Error('not a function tool');
    expect(Object.keys(withoutLogin.parameters.properties as object)).not.toContain('login');
  });

  it('advertises write_stdin as the original does', () => {
    const spec = createWriteStdinToolSpec();
    if (spec.type !== 'function') throw new Error('not a function tool');
    expect(spec.name).toBe('write_stdin');
    expect(spec.parameters.required).toEqual(['session_id']);
    expect(Object.keys(spec.parameters.properties as object)).toEqual([
      'chars',
      'max_output_tokens',
      'session_id',
      'yield_time_ms',
    ]);
  });
});
