import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import type { ApprovalRequest, ThreadStreamEvent } from '@codex/core';
import { capabilityTokenAuth } from '@codex/jsonrpc/server';
import {
  assistantMessage,
  functionCall,
  responseEvents,
  type ScriptedResponse,
  scripted,
} from '@codex/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { listenAppServer } from '../src/listen.js';
import { RemoteCodex } from '../src/sdk/remote-codex.js';
import { type Harness, startHarness } from './harness.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'bin.js');

let harness: Harness | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await harness?.dispose();
  harness = undefined;
});

/** A streamed answer that stops after `stallAfter` events and never ends. */
const stalled = (text: string, stallAfter: number): ScriptedResponse => ({
  kind: 'stream',
  events: responseEvents([assistantMessage(text, { deltas: 3 })]),
  stallAfter,
});

/** `codex-app-server` (the built bin) as a child over stdio, on the harness's CODEX_HOME. */
async function spawned(h: Harness, options: Parameters<typeof RemoteCodex.spawn>[0] = {}) {
  const codex = await RemoteCodex.spawn({
    args: [BIN],
    env: { ...process.env, ...h.home.env, CODEX_HOME: h.home.path },
    stderr: 'ignore',
    logger: silentLogger,
    ...options,
  });
  cleanups.push(() => codex.close());
  return codex;
}

describe('RemoteCodex (the SDK over codex-app-server)', () => {
  it('over a stdio child: run, streamed deltas, approvals by callback, host tools as functions', async () => {
    harness = await startHarness({ approvalPolicy: 'on-request', sandboxMode: 'workspace-write' });
    const asked: ApprovalRequest[] = [];
    const codex = await spawned(harness, {
      onApproval: (request) => {
        asked.push(request);
        return 'accept';
      },
    });
    const lookups: unknown[] = [];
    const thread = await codex.startThread({
      cwd: harness.cwd,
      hostTools: [
        {
          name: 'lookup_ticket',
          description: 'Reads a ticket',
          parameters: { type: 'object', properties: { id: { type: 'string' } } },
          run: (args) => {
            lookups.push(args);
            return 'T-7: flaky test';
          },
        },
      ],
    });
    harness.mock.enqueue(
      scripted.items([
        functionCall(
          'exec_command',
          { cmd: 'touch escalated.txt', sandbox_permissions: 'require_escalated' },
          { callId: 'c1' },
        ),
      ]),
      scripted.items([functionCall('lookup_ticket', { id: 'T-7' }, { callId: 'h1' })]),
      scripted.text('Done: T-7 is a flaky test.', { deltas: 3 }),
    );
    const events: ThreadStreamEvent[] = [];
    for await (const event of thread.runStreamed('Touch a file, then read T-7')) {
      events.push(event);
    }
    const last = events.at(-1);
    expect(last?.type).toBe('turn.completed');
    if (last?.type !== 'turn.completed') return;
    expect(last.result.finalResponse).toBe('Done: T-7 is a flaky test.');
    expect(events.filter((event) => event.type === 'text.delta')).toHaveLength(3);
    expect(asked.map((request) => request.type)).toEqual(['commandExecution']);
    expect(existsSync(join(harness.cwd, 'escalated.txt'))).toBe(true);
    expect(lookups).toEqual([{ id: 'T-7' }]);
    expect(last.result.items.map((item) => item.type)).toEqual([
      'userMessage',
      'commandExecution',
      'dynamicToolCall',
      'agentMessage',
    ]);
    expect(last.result.usage.totalTokens).toBe(330);

    // The same thread resumed by a second client of the same home continues the conversation.
    await codex.close();
    const again = await spawned(harness);
    harness.mock.enqueue(scripted.text('resumed'));
    const resumed = await again.resumeThread(thread.id);
    await expect(resumed.run('Still there?')).resolves.toMatchObject({
      finalResponse: 'resumed',
    });
    expect(JSON.stringify(harness.mock.requests.at(-1)?.body)).toContain(
      'Touch a file, then read T-7',
    );
  });

  it('over WebSocket with a token: an AbortSignal interrupts only the turn', async () => {
    harness = await startHarness();
    const listener = await listenAppServer(
      harness.server,
      { kind: 'websocket', host: '127.0.0.1', port: 0 },
      { auth: capabilityTokenAuth('sdk-token') },
    );
    cleanups.push(() => listener.close());
    await expect(
      RemoteCodex.connect(listener.url, { token: 'wrong', logger: silentLogger }),
    ).rejects.toThrow(/401/);
    const codex = await RemoteCodex.connect(listener.url, {
      token: 'sdk-token',
      logger: silentLogger,
    });
    cleanups.push(() => codex.close());
    const thread = await codex.startThread({ cwd: harness.cwd });
    harness.mock.enqueue(stalled('never ends', 3), scripted.text('second'));
    const controller = new AbortController();
    const running = thread.run('slow', { signal: controller.signal });
    await harness.mock.waitForRequests(1);
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    await expect(thread.run('again')).resolves.toMatchObject({ finalResponse: 'second' });
    const fork = await codex.forkThread(thread.id);
    expect(fork.id).not.toBe(thread.id);
  });

  it('a server killed mid-turn fails the run with closed, and nothing hangs', async () => {
    harness = await startHarness();
    const codex = await spawned(harness);
    const thread = await codex.startThread({ cwd: harness.cwd });
    harness.mock.enqueue(stalled('stuck', 2));
    const running = thread.run('hang').catch((error: unknown) => error);
    await harness.mock.waitForRequests(1);
    codex.client.process?.kill('SIGKILL');
    await expect(running).resolves.toMatchObject({ code: 'closed' });
    await expect(thread.run('more')).rejects.toMatchObject({ code: 'closed' });
  });

  it('an abort reaches its end when the server is paused (SIGSTOP) and never answers', async () => {
    harness = await startHarness();
    const codex = await spawned(harness, { interruptTimeoutMs: 300, requestTimeoutMs: 1_000 });
    const thread = await codex.startThread({ cwd: harness.cwd });
    harness.mock.enqueue(stalled('stuck', 2));
    const controller = new AbortController();
    const running = thread
      .run('hang', { signal: controller.signal })
      .catch((error: unknown) => error);
    await harness.mock.waitForRequests(1);
    const child = codex.client.process;
    child?.kill('SIGSTOP');
    try {
      controller.abort();
      await expect(running).resolves.toMatchObject({ name: 'AbortError' });
      expect(thread.running).toBe(false);
    } finally {
      child?.kill('SIGCONT');
    }
  });

  it('host tools cannot be added to a resumed remote thread', async () => {
    harness = await startHarness();
    const codex = await spawned(harness);
    await expect(
      codex.resumeThread('any', {
        hostTools: [{ name: 't', description: 'd', run: () => 'x' }],
      }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
