import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { functionCall, scripted } from '@codex/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BIN,
  type Harness,
  processesMatching,
  rolloutOf,
  startHarness,
  until,
  untilGone,
} from './harness.js';

let harness: Harness | undefined;
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await harness?.dispose();
  harness = undefined;
});

type Message = Record<string, unknown> & { id?: number | string; method?: string };

/** The bin spoken to line by line, with no SDK in between (for input no SDK would send). */
class RawClient {
  readonly messages: Message[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.messages.push(JSON.parse(line) as Message);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static start(h: Harness, args: readonly string[] = []): RawClient {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: h.cwd,
      env: { ...process.env, ...h.home.env },
    });
    children.push(child);
    return new RawClient(child);
  }

  send(message: Message | string): void {
    this.child.stdin.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
  }

  async response(id: number | string): Promise<Message> {
    await until(
      () => this.messages.some((m) => m.id === id && !('method' in m)),
      `response ${id}`,
      15_000,
    );
    return this.messages.find((m) => m.id === id && !('method' in m)) as Message;
  }

  async request(method: string, params: unknown, id: number | string): Promise<Message> {
    this.send({ jsonrpc: '2.0', id, method, params });
    return this.response(id);
  }

  async initialize(capabilities: Record<string, unknown> = {}): Promise<void> {
    await this.request(
      'initialize',
      { protocolVersion: '2025-06-18', capabilities, clientInfo: { name: 'raw', version: '1' } },
      'init',
    );
    this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  events(): Array<{ type: string }> {
    return this.messages
      .filter((m) => m.method === 'codex/event')
      .map((m) => (m.params as { msg: { type: string } }).msg);
  }
}

const escalated = (command: string) => [
  scripted.items([
    functionCall(
      'exec_command',
      { cmd: command, sandbox_permissions: 'require_escalated', justification: 'Run it?' },
      { callId: 'call_raw' },
    ),
  ]),
  scripted.text('Done.'),
];

describe('faults on the wire', () => {
  it('garbage, non-objects and unknown methods get errors or are skipped; the server stays up', async () => {
    harness = await startHarness();
    const raw = RawClient.start(harness);
    await raw.initialize();
    for (let i = 0; i < 50; i++) raw.send(`this is not json ${i}`);
    raw.send('[1, 2, 3]');
    raw.send('{"jsonrpc":"2.0","id":5,"method":"no/such/method"}');
    raw.send(
      `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"codex","arguments":"${'x'.repeat(100_000)}"}}`,
    );
    const unknown = await raw.response(5);
    expect(unknown.error).toMatchObject({ code: -32601 });
    const badArguments = await raw.response(6);
    expect(JSON.stringify(badArguments).length).toBeLessThan(2_000);
    expect(badArguments.error).toStrictEqual({
      code: -32602,
      message: 'Invalid tools/call params: invalid type: a string, expected a map at `arguments`',
    });
    const noParams = await raw.request('tools/call', undefined, 8);
    expect(noParams.error).toStrictEqual({
      code: -32602,
      message: 'Invalid tools/call params: missing field `name`',
    });
    // Fifty garbage lines are one line of log, not fifty, and the input is not quoted.
    expect(raw.stderr.match(/bad input from the MCP client \(SyntaxError\)/g)).toHaveLength(1);
    expect(raw.stderr).not.toContain('this is not json');
    const list = await raw.request('tools/list', {}, 9);
    expect((list.result as { tools: unknown[] }).tools).toHaveLength(2);
    expect(raw.child.exitCode).toBeNull();
  });

  it("the original's `{decision}` answer works; an answer that means nothing is a denial", async () => {
    harness = await startHarness({ approvalPolicy: 'on-request', sandboxMode: 'workspace-write' });
    harness.mock.enqueue(...escalated('touch legacy.txt'), ...escalated('touch nothing.txt'));
    const raw = RawClient.start(harness);
    await raw.initialize({ elicitation: {} });
    const answerNextElicitation = async (result: unknown) => {
      const seen = raw.messages.filter((m) => m.method === 'elicitation/create').length;
      await until(
        () => raw.messages.filter((m) => m.method === 'elicitation/create').length > seen,
        'an elicitation',
      );
      const asked = raw.messages.filter((m) => m.method === 'elicitation/create').at(-1);
      raw.send({ jsonrpc: '2.0', id: asked?.id, result });
    };
    const args = (prompt: string) => ({ name: 'codex', arguments: { prompt, cwd: harness?.cwd } });
    raw.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: args('legacy') });
    await answerNextElicitation({ decision: 'approved' });
    expect((await raw.response(1)).result).toMatchObject({
      structuredContent: { content: 'Done.' },
    });
    expect(existsSync(join(harness.cwd, 'legacy.txt'))).toBe(true);

    raw.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: args('nothing') });
    await answerNextElicitation({ whatever: true });
    await raw.response(2);
    expect(existsSync(join(harness.cwd, 'nothing.txt'))).toBe(false);
    expect(raw.stderr).toContain('unusable answer to the approval of call call_raw; declined');
  });

  /**
   * A server whose turn is running a long command; resolves once the command runs. Not a login
   * shell: a shell killed in the middle of its profile can leave the profile's locks behind.
   */
  async function serverRunningCommand(
    h: Harness,
    label: string,
  ): Promise<{ raw: RawClient; marker: string; threadId: string }> {
    const marker = `mcp-${label}-${process.pid}-${Date.now()}`;
    h.mock.enqueue(
      scripted.items([
        functionCall('exec_command', {
          cmd: `sleep 30; echo ${marker}`,
          yield_time_ms: 60_000,
          login: false,
        }),
      ]),
    );
    const raw = RawClient.start(h);
    await raw.initialize();
    raw.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'codex', arguments: { prompt: 'long', cwd: h.cwd } },
    });
    await until(() => processesMatching(marker).length > 0, 'the command');
    // Begun: the exec-server has registered it (see OrphanGuard for the spawn call's own gap).
    await until(() => raw.events().some((msg) => msg.type === 'exec_command_begin'), 'its begin');
    const event = raw.messages.find((m) => m.method === 'codex/event');
    const threadId = (event?.params as { _meta: { threadId: string } } | undefined)?._meta.threadId;
    if (!threadId) throw new Error('no codex/event with a thread id');
    return { raw, marker, threadId };
  }

  for (const ending of ['stdin closed', 'SIGTERM'] as const) {
    it(`${ending} mid-turn: the turn is interrupted and recorded, its command killed, the server exits 0`, async () => {
      harness = await startHarness();
      const { raw, marker, threadId } = await serverRunningCommand(
        harness,
        ending.replace(' ', '-'),
      );
      if (ending === 'SIGTERM') raw.child.kill('SIGTERM');
      else raw.child.stdin.end();
      expect(await raw.exited).toBe(0);
      expect(processesMatching(marker)).toStrictEqual([]);
      expect(rolloutOf(harness.home.path, threadId)).toContain('"turn_aborted"');
    });
  }

  it('SIGKILL mid-turn: the command the turn was running dies with the server', async () => {
    harness = await startHarness();
    const { raw, marker } = await serverRunningCommand(harness, 'sigkill');
    raw.child.kill('SIGKILL');
    await raw.exited;
    await untilGone(marker, 'the command to die');
  });

  it('a client that closes its end of our output (EPIPE) is a client gone: clean exit', async () => {
    harness = await startHarness();
    const { raw, marker, threadId } = await serverRunningCommand(harness, 'epipe');
    raw.child.stdout.destroy();
    // Its answer to this fails with EPIPE; the server shuts down as for a closed input.
    raw.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect(await raw.exited).toBe(0);
    expect(processesMatching(marker)).toStrictEqual([]);
    expect(rolloutOf(harness.home.path, threadId)).toContain('"turn_aborted"');
  });

  it('refuses an approval timeout it cannot keep, naming the flag', async () => {
    harness = await startHarness();
    const raw = RawClient.start(harness, ['--approval-timeout', '99999999']);
    expect(await raw.exited).toBe(2);
    expect(raw.stderr).toContain(
      'codex-mcp-server: --approval-timeout takes a number of seconds from 0.001 to 2147483.647',
    );
  });

  it('a client that stops reading does not stall the turn or grow memory; reading again gets the answer', async () => {
    harness = await startHarness();
    const text = 'word '.repeat(20_000);
    harness.mock.enqueue(scripted.text(text, { deltas: 20_000 }));
    const raw = RawClient.start(harness);
    await raw.initialize();
    raw.child.stdout.pause();
    raw.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'codex', arguments: { prompt: 'talk a lot', cwd: harness.cwd } },
    });
    // The model's stream is read to the end and the turn recorded while nobody reads stdout.
    await until(
      () => harness?.mock.remaining === 0 && harness.mock.openConnections === 0,
      'the stream',
    );
    const codexHome = harness.home.path;
    await until(
      () => {
        try {
          return readdirRollouts(codexHome).some((body) => body.includes('"task_complete"'));
        } catch {
          return false;
        }
      },
      'the turn to be recorded',
      15_000,
    );
    const rssKiB = Number(
      /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${raw.child.pid}/status`, 'utf8'))?.[1],
    );
    expect(rssKiB).toBeLessThan(300 * 1024);
    raw.child.stdout.resume();
    const answer = await raw.response(1);
    expect(
      (answer.result as { structuredContent: { content: string } }).structuredContent.content,
    ).toBe(text);
  });
});

function readdirRollouts(codexHome: string): string[] {
  return readdirSync(join(codexHome, 'sessions'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.jsonl'))
    .map((name) => readFileSync(join(codexHome, 'sessions', name), 'utf8'));
}
