import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import type { core } from '@codex/protocol';
import {
  createTempCodexHome,
  functionCall,
  MockResponsesServer,
  scripted,
  type TempCodexHome,
} from '@codex/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import type { Subscription, ThreadEvent } from '../src/threads/event-hub.js';
import { ThreadManager, type ThreadManagerOptions } from '../src/threads/manager.js';
import { loadRollout, reconstructHistory } from '../src/threads/rollout/index.js';
import { loadThreadHistory } from '../src/threads/storage.js';
import type { Thread } from '../src/threads/thread.js';
import { bundleFixture, runFixture } from './helpers.js';

let mock: MockResponsesServer;
let home: TempCodexHome;
let cwd: string;
const managers: ThreadManager[] = [];

beforeAll(async () => {
  mock = await MockResponsesServer.start();
});
afterAll(async () => {
  await mock.close();
});
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.shutdown()));
  mock.reset();
  home?.dispose();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

const env = () => ({
  PATH: process.env.PATH,
  HOME: home.path,
  SHELL: '/bin/bash',
  MOCK_API_KEY: 'x',
});

async function manager(
  options: Partial<ThreadManagerOptions> & {
    approvalPolicy?: 'on-request' | 'never';
    sandboxMode?: 'workspace-write' | 'danger-full-access';
    cliOverrides?: string[];
  } = {},
) {
  home ??= createTempCodexHome({
    providerBaseUrl: mock.url,
    approvalPolicy: options.approvalPolicy,
    sandboxMode: options.sandboxMode,
  });
  cwd ??= realpathSync(mkdtempSync(join(tmpdir(), 'codex-threads-')));
  const { config } = await loadConfig({
    codexHome: home.path,
    systemConfigFile: null,
    env: env(),
    overrides: { cwd },
    cliOverrides: options.cliOverrides,
  });
  const created = new ThreadManager({ config, env: env(), logger: silentLogger, ...options });
  managers.push(created);
  return created;
}

function fresh(): void {
  // Each test gets its own CODEX_HOME and cwd.
  home = undefined as unknown as TempCodexHome;
  cwd = undefined as unknown as string;
}

/** Collects a subscription's events until `task_complete` / `turn_aborted` number `turns`. */
async function untilTurnEnds(subscription: Subscription, turns = 1): Promise<core.Event[]> {
  const events: core.Event[] = [];
  let ended = 0;
  for await (const item of subscription as AsyncIterable<ThreadEvent>) {
    if (item.kind === 'lagged') throw new Error(`lagged by ${item.missed}`);
    events.push(item.event);
    if (item.event.msg.type === 'task_complete' || item.event.msg.type === 'turn_aborted') ended++;
    if (ended === turns) break;
  }
  return events;
}

const inputOf = (n: number): Array<Record<string, unknown>> => {
  const body = mock.requests[n]?.body as { input?: Array<Record<string, unknown>> } | undefined;
  return body?.input ?? [];
};

const userTexts = (n: number) =>
  inputOf(n).flatMap((item) =>
    item.type === 'message' && item.role === 'user'
      ? (item.content as Array<{ text?: string }>)
          .map((part) => part.text ?? '')
          .filter((text) => !text.startsWith('<'))
      : [],
  );

async function runTurn(thread: Thread, text: string): Promise<core.Event[]> {
  const subscription = thread.subscribe();
  thread.submit({ type: 'user_input', items: [{ type: 'text', text }] });
  const events = await untilTurnEnds(subscription);
  subscription.close();
  return events;
}

describe('ThreadManager', () => {
  it('persists a thread, and a new manager resumes it: the next request carries the conversation', async () => {
    fresh();
    mock.enqueue(scripted.text('first answer'), scripted.text('second answer'));
    const first = await manager();
    const thread = await first.startThread();
    await runTurn(thread, 'first question');
    const path = thread.rolloutPath;
    expect(path).toMatch(/sessions\/\d{4}\/\d\d\/\d\d\/rollout-.*\.jsonl$/);
    await first.shutdown();
    const meta = JSON.parse(readFileSync(path ?? '', 'utf8').split('\n')[0] ?? '{}');
    expect(meta).toMatchObject({ type: 'session_meta', payload: { id: thread.id, cwd } });

    const second = await manager();
    const resumed = await second.resumeThread({ threadId: thread.id });
    expect(resumed.id).toBe(thread.id);
    await runTurn(resumed, 'second question');
    expect(userTexts(1)).toStrictEqual(['first question', 'second question']);
    const body = mock.requests[1]?.body as { input: Array<Record<string, unknown>> };
    expect(JSON.stringify(body.input)).toContain('first answer');
  });

  it('two resumes of the same thread at once load it once and return the same thread', async () => {
    fresh();
    mock.enqueue(scripted.text('only answer'));
    const first = await manager();
    const thread = await first.startThread();
    await runTurn(thread, 'question');
    await first.shutdown();
    const second = await manager();
    const [a, b] = await Promise.all([
      second.resumeThread({ threadId: thread.id }),
      second.resumeThread({ threadId: thread.id }),
    ]);
    expect(a).toBe(b);
    expect(second.listLoaded()).toStrictEqual([thread.id]);
  });

  it('a thread written by another process resumes here', async () => {
    fresh();
    mock.enqueue(scripted.text('from the child'), scripted.text('from the parent'));
    const threads = await manager();
    const child = await bundleFixture('thread-child');
    const id = (await runFixture(child, [home.path, cwd, 'asked in the child'], 30_000)).trim();
    const thread = await threads.resumeThread({ threadId: id });
    const events = await runTurn(thread, 'asked in the parent');
    expect(events.filter((event) => event.msg.type === 'error')).toStrictEqual([]);
    expect(mock.requests).toHaveLength(2);
    expect(userTexts(1)).toStrictEqual(['asked in the child', 'asked in the parent']);
    expect(JSON.stringify(mock.requests[1]?.body)).toContain('from the child');
  });

  it('a second writer is refused while the thread is loaded', async () => {
    fresh();
    mock.enqueue(scripted.text('a'));
    const first = await manager();
    const thread = await first.startThread();
    await runTurn(thread, 'q');
    await thread.flush();
    const second = await manager();
    await expect(second.resumeThread({ threadId: thread.id })).rejects.toThrow(
      `thread ${thread.id} already has an active writer`,
    );
  });

  it('forks up to a turn into a new thread, and rolls back the last turn', async () => {
    fresh();
    mock.enqueue(
      scripted.text('one'),
      scripted.text('two'),
      scripted.text('forked'),
      scripted.text('rolled'),
    );
    const threads = await manager();
    const thread = await threads.startThread();
    await runTurn(thread, 'turn one');
    await runTurn(thread, 'turn two');
    const fork = await threads.forkThread({ threadId: thread.id }, { upToTurn: 1 });
    expect(fork.id).not.toBe(thread.id);
    expect(fork.forkedFromId).toBe(thread.id);
    await runTurn(fork, 'in the fork');
    await fork.flush();
    expect(userTexts(2)).toStrictEqual(['turn one', 'in the fork']);
    const forkMeta = JSON.parse(
      readFileSync(fork.rolloutPath ?? '', 'utf8').split('\n')[0] ?? '{}',
    );
    expect(forkMeta.payload.forked_from_id).toBe(thread.id);

    const rolled = await threads.rollbackThread(thread.id, 1);
    await runTurn(rolled, 'after rollback');
    expect(userTexts(3)).toStrictEqual(['turn one', 'after rollback']);
  });

  it('a compacted thread resumes from its last compaction, read from the end of the file', async () => {
    fresh();
    mock.enqueue(
      scripted.text('first answer', { usage: { input_tokens: 900, output_tokens: 10 } }),
      scripted.text('THE-SUMMARY'),
      scripted.text('second answer'),
      scripted.text('third answer'),
    );
    const threads = await manager({ cliOverrides: ['model_auto_compact_token_limit=500'] });
    const thread = await threads.startThread();
    await runTurn(thread, 'one');
    await runTurn(thread, 'two');
    const path = thread.rolloutPath ?? '';
    await threads.unloadThread(thread.id);
    const fast = await loadThreadHistory(path);
    expect(fast.turns).toBeNull();
    const { items } = await loadRollout(path);
    expect(fast.history).toStrictEqual(reconstructHistory(items).history);
    const again = await threads.resumeThread({ path });
    await runTurn(again, 'three');
    const sent = JSON.stringify(inputOf(3));
    expect(sent).toContain('THE-SUMMARY');
    expect(sent).toContain('second answer');
    expect(sent).not.toContain('first answer');
    expect(userTexts(3).slice(-2)).toStrictEqual([expect.stringContaining('THE-SUMMARY'), 'three']);
  });

  it("resumes the original's own rollouts", async () => {
    fresh();
    mock.enqueue(scripted.text('continued'));
    const threads = await manager();
    const name =
      'rollout-2026-11-23T02-33-21-01a20640-357e-77d0-a2ed-c4aaa2999665-b_two_turns_persist.jsonl';
    const folder = join(home.path, 'sessions', '2026', '11', '23');
    mkdirSync(folder, { recursive: true });
    copyFileSync(join(import.meta.dirname, 'fixtures', 'rollouts', name), join(folder, name));
    const thread = await threads.resumeThread({ path: join(folder, name) });
    expect(thread.id).toBe('01a20640-357e-77d0-a2ed-c4aaa2999665');
    await runTurn(thread, 'fourth');
    expect(userTexts(0).at(-1)).toBe('fourth');
    expect(userTexts(0).length).toBeGreaterThanOrEqual(4);
  });

  it('20 threads at once: every subscriber gets every event of its thread, in order', async () => {
    fresh();
    for (let i = 0; i < 20; i++) mock.enqueue(scripted.text('hello from the mock', { deltas: 10 }));
    const threads = await manager();
    const started = await Promise.all(
      Array.from({ length: 20 }, () => threads.startThread({ ephemeral: true })),
    );
    const subscribers = started.map((thread) => [thread.subscribe(), thread.subscribe()] as const);
    for (const thread of started)
      thread.submit({ type: 'user_input', items: [{ type: 'text', text: 'hi' }] });
    const results = await Promise.all(
      subscribers.flatMap((pair) => pair.map((sub) => untilTurnEnds(sub))),
    );
    for (const events of results) {
      const types = events.map((event) => event.msg.type);
      expect(types[0]).toBe('task_started');
      expect(types.at(-1)).toBe('task_complete');
      expect(types.filter((type) => type === 'agent_message_delta')).toHaveLength(10);
      const deltas = events.flatMap((event) =>
        event.msg.type === 'agent_message_delta' ? [event.msg.delta] : [],
      );
      expect(deltas.join('')).toBe('hello from the mock');
    }
    expect(threads.listLoaded()).toHaveLength(20);
  });

  it('an approval raised while nobody listens is delivered on subscribe', async () => {
    fresh();
    mock.enqueue(
      scripted.items([
        functionCall(
          'exec_command',
          { cmd: 'echo ok', sandbox_permissions: 'require_escalated' },
          { callId: 'ap' },
        ),
      ]),
      scripted.text('done'),
    );
    const threads = await manager({ approvalPolicy: 'on-request', sandboxMode: 'workspace-write' });
    const thread = await threads.startThread({ ephemeral: true });
    thread.submit({ type: 'user_input', items: [{ type: 'text', text: 'go' }] });
    const deadline = Date.now() + 10_000;
    while (thread.pendingApprovals.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const subscription = thread.subscribe();
    const first = await subscription.next();
    expect(first?.kind === 'event' && first.event.msg.type).toBe('exec_approval_request');
    thread.submit({ type: 'exec_approval', id: 'ap', decision: 'approved' });
    const events = await untilTurnEnds(subscription);
    expect(events.at(-1)?.msg.type).toBe('task_complete');
    expect(thread.pendingApprovals).toHaveLength(0);
  });

  it('an idle thread with no subscriber unloads after the configured time', async () => {
    fresh();
    mock.enqueue(scripted.text('x'));
    const threads = await manager({ idleUnloadMs: 200 });
    const lifecycle = threads.lifecycle()[Symbol.asyncIterator]();
    const thread = await threads.startThread();
    expect((await lifecycle.next()).value).toMatchObject({ type: 'started', threadId: thread.id });
    await runTurn(thread, 'q');
    expect((await lifecycle.next()).value).toStrictEqual({ type: 'unloaded', threadId: thread.id });
    expect(threads.listLoaded()).toStrictEqual([]);
    expect(readFileSync(thread.rolloutPath ?? '', 'utf8')).toContain('"task_complete"');
  });

  it('a thread whose last subscriber left unloads after the idle time too', async () => {
    fresh();
    const threads = await manager({ idleUnloadMs: 200 });
    const thread = await threads.startThread();
    // Followed for a while, then let go: the idle clock starts again.
    const follower = thread.subscribe();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(threads.listLoaded()).toStrictEqual([thread.id]);
    follower.close();
    const deadline = Date.now() + 5_000;
    while (threads.listLoaded().length > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(threads.listLoaded()).toStrictEqual([]);
  });
});
