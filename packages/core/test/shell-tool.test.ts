import { ExecServerClient } from '@codex/exec-server/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SHELL_TIMEOUT_MS,
  formatShellOutputForModel,
  parseShellArgs,
  runShellCommand,
  type ShellRunResult,
} from '../src/tools/shell.js';
import { createShellToolSpec } from '../src/tools/specs/shell-specs.js';
import { UnifiedExecError } from '../src/tools/unified-exec/errors.js';
import { isAlive, processGone } from './helpers.js';

const cwd = process.cwd();
let client: ExecServerClient;

beforeAll(() => {
  client = ExecServerClient.connectInProcess();
});

afterAll(async () => {
  await client.close();
});

describe('runShellCommand', () => {
  it('runs an argv and returns stdout, stderr and their aggregate', async () => {
    const chunks: string[] = [];
    const result = await runShellCommand({
      client,
      callId: 'c1',
      command: ['bash', '-c', 'echo out; echo err >&2; exit 3'],
      workdir: cwd,
      onOutput: (chunk) => chunks.push(chunk.toString()),
    });
    expect(result).toMatchObject({
      exitCode: 3,
      stdout: 'out\n',
      stderr: 'err\n',
      aggregatedOutput: 'out\nerr\n',
      timedOut: false,
    });
    expect(chunks.join('')).toContain('out\n');
    expect(formatShellOutputForModel(result)).toMatch(
      /^\{"output":"out\\nerr\\n","metadata":\{"exit_code":3,"duration_seconds":\d+\.\d\}\}$/,
    );
  });

  it('kills a command at its timeout and reports exit code 124', async () => {
    const started = Date.now();
    const result = await runShellCommand({
      client,
      callId: 'slow',
      command: ['bash', '-c', 'echo before; echo $$ >&2; exec sleep 30'],
      workdir: cwd,
      timeoutMs: 300,
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(124);
    expect(result.stdout).toBe('before\n');
    expect(isAlive(Number.parseInt(result.stderr, 10))).toBe(false);
    const formatted = JSON.parse(formatShellOutputForModel(result)) as {
      output: string;
      metadata: { exit_code: number; duration_seconds: number };
    };
    expect(formatted.output).toMatch(/^command timed out after \d+ milliseconds\nbefore\n\d+\n$/);
    expect(Number(/after (\d+) milliseconds/.exec(formatted.output)?.[1])).toBeGreaterThanOrEqual(
      300,
    );
    expect(formatted.metadata.exit_code).toBe(124);
    expect(DEFAULT_SHELL_TIMEOUT_MS).toBe(10_000);
  });

  it('terminates the process when the call is aborted', async () => {
    const controller = new AbortController();
    let pid = 0;
    const call = runShellCommand({
      client,
      callId: 'abort',
      command: ['bash', '-c', 'echo $$; exec sleep 30'],
      workdir: cwd,
      signal: controller.signal,
      onOutput: (chunk) => {
        pid = Number.parseInt(chunk.toString(), 10);
        controller.abort();
      },
    });
    const error = await call.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(UnifiedExecError.isInstance(error) && error.code).toBe('aborted');
    expect(pid).toBeGreaterThan(0);
    expect(await processGone(pid, 3_000)).toBe(true);
  });

  it('reports a program that cannot start', async () => {
    const error = await runShellCommand({
      client,
      callId: 'missing',
      command: ['definitely-not-a-program-xyz'],
      workdir: cwd,
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(UnifiedExecError.isInstance(error) && error.code).toBe('create_process');
    expect((error as Error).message).toMatch(/^execution error: /);
  });
});

describe('formatShellOutputForModel', () => {
  const result = (overrides: Partial<ShellRunResult>): ShellRunResult => ({
    exitCode: 0,
    stdout: '',
    stderr: '',
    aggregatedOutput: '',
    durationMs: 0,
    timedOut: false,
    ...overrides,
  });

  it('writes duration seconds as serde writes an f32 rounded to a tenth', () => {
    expect(formatShellOutputForModel(result({ aggregatedOutput: 'hi\n', durationMs: 1_000 }))).toBe(
      '{"output":"hi\\n","metadata":{"exit_code":0,"duration_seconds":1.0}}',
    );
    expect(formatShellOutputForModel(result({ durationMs: 1_234 }))).toBe(
      '{"output":"","metadata":{"exit_code":0,"duration_seconds":1.2}}',
    );
    expect(formatShellOutputForModel(result({ durationMs: 20 }))).toBe(
      '{"output":"","metadata":{"exit_code":0,"duration_seconds":0.0}}',
    );
  });

  it('truncates long output to the turn budget', () => {
    const long = `${'line\n'.repeat(1000)}`;
    const formatted = JSON.parse(
      formatShellOutputForModel(result({ aggregatedOutput: long }), { mode: 'tokens', limit: 100 }),
    ) as { output: string };
    expect(formatted.output).toMatch(
      /^Warning: truncated output \(original token count: 1250\)\nTotal output lines: 1000\n\nline\n/,
    );
    expect(formatted.output).toContain('…1150 tokens truncated…');
  });
});

describe('shell arguments and spec', () => {
  it('parses the arguments, accepting the old `timeout` name', () => {
    expect(parseShellArgs('{"command":["ls","-la"],"workdir":"/tmp","timeout_ms":500}')).toEqual({
      command: ['ls', '-la'],
      workdir: '/tmp',
      timeoutMs: 500,
      sandboxPermissions: 'use_default',
      justification: undefined,
      prefixRule: undefined,
    });
    expect(parseShellArgs('{"command":["ls"],"timeout":700}').timeoutMs).toBe(700);
    expect(() => parseShellArgs('{"workdir":"/tmp"}')).toThrow(
      'failed to parse function arguments: missing field `command`',
    );
    expect(() => parseShellArgs('{"command":"ls"}')).toThrow(
      'failed to parse function arguments: invalid type: string "ls", expected a sequence',
    );
  });

  it('advertises shell as the original does', () => {
    const spec = createShellToolSpec();
    if (spec.type !== 'function') throw new Error('not a function tool');
    expect(spec.name).toBe('shell');
    expect(spec.description.startsWith('Runs a shell command and returns its output.\n')).toBe(
      true,
    );
    expect(spec.parameters.required).toEqual(['command']);
    expect(Object.keys(spec.parameters.properties as object)).toEqual([
      'command',
      'justification',
      'prefix_rule',
      'sandbox_permissions',
      'timeout_ms',
      'workdir',
    ]);
  });
});
