import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { core } from '@codex/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ResponseItem } from '../src/client/types.js';
import {
  findRolloutPath,
  loadRollout,
  persistedEvent,
  RolloutError,
  type RolloutItem,
  type RolloutReadWarning,
  RolloutRecorder,
  readRolloutLines,
  reconstructHistory,
  rolloutFilePath,
  threadRolledBack,
  turnContextItem,
  turnSettingsOf,
  WRITER_LOCK_DIR,
} from '../src/threads/rollout/index.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/rollouts/', import.meta.url));
const TWO_TURNS =
  'rollout-2026-11-23T02-33-21-01a20640-357e-77d0-a2ed-c4aaa2999665-b_two_turns_persist.jsonl';
const APPROVAL =
  'rollout-2026-11-23T02-33-22-01a20640-3c48-7192-a98d-7a5625287d3f-c_approval.jsonl';
const TWO_TURNS_ID = '01a20640-357e-77d0-a2ed-c4aaa2999665';

const META = {
  cwd: '/home/dev/project',
  originator: 'codex_vscode',
  cli_version: '0.1.0',
  source: 'vscode',
  model_provider: 'openai',
  base_instructions: { text: 'You are Codex.' },
  git: { commit_hash: 'abc123', branch: 'main', repository_url: 'https://example.com/r.git' },
} as const;

/** The same, numbered (`paginated`), as the original's newest version writes new threads. */
const PAGINATED = { ...META, history_mode: 'paginated' } as const;

/** The `ordinal` of every line of a file. */
const ordinalsOf = (path: string) =>
  readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line).ordinal as number | undefined);

let home: string;
const threadIds: string[] = [];
let idCounter = 0;

/** A fresh UUIDv7-shaped thread id (distinct across the file's tests). */
function newThreadId(): string {
  idCounter++;
  const ms = Date.now().toString(16).padStart(12, '0');
  const tail = idCounter.toString(16).padStart(12, '0');
  const id = `${ms.slice(0, 8)}-${ms.slice(8)}-7000-8000-${tail}`;
  threadIds.push(id);
  return id;
}

const message = (role: string, text: string): ResponseItem => ({
  type: 'message',
  role,
  content: [{ type: role === 'assistant' ? 'output_text' : 'input_text', text } as never],
});
const responseItem = (payload: ResponseItem): RolloutItem => ({ type: 'response_item', payload });
const eventItem = (msg: core.EventMsg): RolloutItem => {
  const payload = persistedEvent(msg);
  if (!payload) throw new Error(`${msg.type} is not persisted`);
  return { type: 'event_msg', payload };
};
const texts = (history: readonly ResponseItem[]) =>
  history.map((item) =>
    item.type === 'message'
      ? (item.content[0] as { text: string }).text.slice(0, 30)
      : `${item.type}:${(item as { call_id?: string }).call_id ?? ''}`,
  );

/** One user turn as our session records it. */
function turn(turnId: string, user: string, answer: string): RolloutItem[] {
  return [
    eventItem({ type: 'task_started', turn_id: turnId, model_context_window: 1000 }),
    {
      type: 'turn_context',
      payload: turnContextItem({
        turnId,
        cwd: '/home/dev/project',
        approvalPolicy: 'on-request',
        sandboxPolicy: { mode: 'workspace-write', network_access: false },
        model: `model-${turnId}`,
        effort: 'high',
        summary: 'auto',
      }),
    },
    responseItem(message('user', user)),
    eventItem({ type: 'user_message', message: user, turn_id: turnId }),
    responseItem(message('assistant', answer)),
    eventItem({ type: 'agent_message', message: answer, turn_id: turnId }),
    eventItem({ type: 'task_complete', turn_id: turnId, last_agent_message: answer }),
  ];
}

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'rollout-test-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(home, { recursive: true, force: true });
});

describe('the original 0.169.0 rollouts', () => {
  it('reads the meta, every modelled record, and skips world_state / token_usage_record', async () => {
    const warnings: RolloutReadWarning[] = [];
    const loaded = await loadRollout(join(FIXTURES, TWO_TURNS), {
      onWarning: (warning) => warnings.push(warning),
    });
    expect(warnings).toStrictEqual([]);
    expect(loaded.meta).toMatchObject({
      id: TWO_TURNS_ID,
      session_id: TWO_TURNS_ID,
      cwd: '/home/dev/b_two_turns_persist',
      originator: 'anchor_driver',
      cli_version: '0.169.0',
      source: 'vscode',
      model_provider: 'mock',
      history_mode: 'paginated',
      git: { commit_hash: '75c28525e4ffe24771ac1e979ab53597d10da503', branch: 'main' },
    });
    expect(loaded.meta.base_instructions?.text).toMatch(/^You are a coding agent/);
    // 32 lines: 1 world_state and 3 token_usage_record are not modelled.
    expect(loaded.items).toHaveLength(28);
    const count = (type: string) => loaded.items.filter((item) => item.type === type).length;
    expect([count('session_meta'), count('response_item'), count('event_msg')]).toStrictEqual([
      1, 8, 16,
    ]);
    expect(count('turn_context')).toBe(3);
    const lines = [];
    for await (const line of readRolloutLines(join(FIXTURES, TWO_TURNS))) lines.push(line);
    expect(lines.map((line) => line.ordinal)).toStrictEqual(
      [...Array(32).keys()].filter((n) => ![4, 11, 20, 29].includes(n)),
    );
  });

  it('rebuilds the three-turn history with its context messages (b_two_turns)', async () => {
    const { items } = await loadRollout(join(FIXTURES, TWO_TURNS));
    const { history, turnContext } = reconstructHistory(items);
    expect(texts(history)).toStrictEqual([
      '<skills_instructions>\n## Skill',
      '<environment_context>\n  <cwd>/',
      'first question',
      'First answer.',
      'second question',
      'Second answer.',
      'third question after resume',
      'Third answer after resume.',
    ]);
    expect(history[0]).toMatchObject({ role: 'developer' });
    expect(turnContext?.turn_id).toBe('01a20640-39ea-7003-81dd-8f2db5407687');
    expect(turnContext && turnSettingsOf(turnContext)).toStrictEqual({
      cwd: '/home/dev/b_two_turns_persist',
      model: 'mock-model',
      approvalPolicy: 'never',
      sandboxPolicy: { mode: 'danger-full-access' },
      effort: null,
      summary: 'none',
    });
  });

  it('rebuilds the approval turn with the function call and its output (c_approval)', async () => {
    const { meta, items } = await loadRollout(join(FIXTURES, APPROVAL));
    expect(meta.id).toBe('01a20640-3c48-7192-a98d-7a5625287d3f');
    expect(items).toHaveLength(16);
    const { history, turnContext } = reconstructHistory(items);
    expect(texts(history)).toStrictEqual([
      '<skills_instructions>\n## Skill',
      '<environment_context>\n  <cwd>/',
      'please create approved.txt',
      'function_call:call_anchor_1',
      'function_call_output:call_anchor_1',
      'The command ran and printed an',
    ]);
    expect(history[3]).toMatchObject({ name: 'exec_command', call_id: 'call_anchor_1' });
    expect(history[4]).toMatchObject({
      output: expect.stringContaining('anchor-approved-output'),
    });
    expect(turnContext && turnSettingsOf(turnContext)).toMatchObject({
      approvalPolicy: 'on-request',
      sandboxPolicy: { mode: 'workspace-write', network_access: false },
    });
  });

  it('resumes an original rollout: appends with the next ordinal, history carries on', async () => {
    const folder = join(home, 'sessions', '2026', '11', '23');
    mkdirSync(folder, { recursive: true });
    const path = join(folder, TWO_TURNS.replace('-b_two_turns_persist', ''));
    copyFileSync(join(FIXTURES, TWO_TURNS), path);
    const before = readFileSync(path, 'utf8');
    expect(await findRolloutPath(home, TWO_TURNS_ID)).toBe(path);
    const recorder = await RolloutRecorder.open(path);
    expect(recorder.threadId).toBe(TWO_TURNS_ID);
    recorder.record(turn('01a20640-4000-7000-8000-000000000001', 'fourth question', 'Fourth.'));
    await recorder.close();
    const after = readFileSync(path, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    const appended = after.slice(before.length).trimEnd().split('\n');
    expect(appended.map((line) => JSON.parse(line).ordinal)).toStrictEqual([
      32, 33, 34, 35, 36, 37, 38,
    ]);
    const { history } = reconstructHistory((await loadRollout(path)).items);
    expect(texts(history).slice(-3)).toStrictEqual([
      'Third answer after resume.',
      'fourth question',
      'Fourth.',
    ]);
  });
});

describe('RolloutRecorder', () => {
  it('round-trips every kind of record, session_meta first (legacy by default)', async () => {
    const threadId = newThreadId();
    const created = new Date(2026, 10, 23, 9, 5, 7);
    const recorder = await RolloutRecorder.create({
      codexHome: home,
      threadId,
      meta: META,
      now: created,
    });
    expect(recorder.path).toBe(
      join(home, 'sessions', '2026', '11', '23', `rollout-2026-11-23T09-05-07-${threadId}.jsonl`),
    );
    expect(recorder.path).toBe(rolloutFilePath(home, threadId, created));
    const call: ResponseItem = {
      type: 'function_call',
      name: 'exec_command',
      arguments: '{"cmd":"ls"}',
      call_id: 'call_1',
    };
    const output: ResponseItem = {
      type: 'function_call_output',
      call_id: 'call_1',
      output: 'a\nb',
    };
    const items: RolloutItem[] = [
      ...turn('t1', 'hello\nworld', 'Hi \u2028 there'),
      responseItem(call),
      responseItem(output),
      {
        type: 'compacted',
        payload: { message: 'summary', replacement_history: [message('user', 'hello')] },
      },
      threadRolledBack(1),
    ];
    recorder.record(items);
    await recorder.close();
    const loaded = await loadRollout(recorder.path);
    expect(loaded.meta).toStrictEqual({
      ...META,
      id: threadId,
      session_id: threadId,
      timestamp: created.toISOString(),
      history_mode: 'legacy',
    });
    expect(loaded.items).toStrictEqual([{ type: 'session_meta', payload: loaded.meta }, ...items]);
    const lines = readFileSync(recorder.path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(items.length + 1);
    for (const line of lines) {
      expect(Object.keys(line).slice(0, 3)).toStrictEqual(['timestamp', 'type', 'payload']);
      expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    expect(statSync(recorder.path).mode & 0o777).toBe(0o600);
  });

  it('numbers the lines of a paginated rollout and records messages as completed items', async () => {
    const threadId = newThreadId();
    const recorder = await RolloutRecorder.create({ codexHome: home, threadId, meta: PAGINATED });
    recorder.record(turn('turn-1', 'hello', 'Hi.'));
    await recorder.close();
    const lines = readFileSync(recorder.path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.ordinal)).toStrictEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Object.keys(lines[0]).slice(0, 4)).toStrictEqual([
      'timestamp',
      'ordinal',
      'type',
      'payload',
    ]);
    expect(lines[0].payload.history_mode).toBe('paginated');
    const events = lines.filter((line) => line.type === 'event_msg').map((line) => line.payload);
    expect(events.map((event) => event.type)).toStrictEqual([
      'task_started',
      'item_completed',
      'item_completed',
      'task_complete',
    ]);
    expect(events[1]).toMatchObject({
      thread_id: threadId,
      turn_id: 'turn-1',
      item: { type: 'UserMessage', content: [{ type: 'text', text: 'hello', text_elements: [] }] },
    });
    expect(events[2]).toMatchObject({
      turn_id: 'turn-1',
      item: { type: 'AgentMessage', content: [{ type: 'Text', text: 'Hi.' }] },
    });
    expect(
      texts(reconstructHistory((await loadRollout(recorder.path)).items).history),
    ).toStrictEqual(['hello', 'Hi.']);
  });

  it('leaves out history items that are never persisted', async () => {
    const recorder = await RolloutRecorder.create({
      codexHome: home,
      threadId: newThreadId(),
      meta: META,
    });
    recorder.record([
      responseItem({ type: 'other' }),
      responseItem({ type: 'compaction_trigger' }),
      responseItem(message('user', 'kept')),
    ]);
    await recorder.close();
    const { items } = await loadRollout(recorder.path);
    expect(items.map((item) => item.type)).toStrictEqual(['session_meta', 'response_item']);
  });

  it('writes nothing before the first flush, then makes the folders and the file', async () => {
    const recorder = await RolloutRecorder.create({
      codexHome: home,
      threadId: newThreadId(),
      meta: META,
    });
    recorder.record(turn('t1', 'q', 'a'));
    expect(existsSync(recorder.path)).toBe(false);
    expect(existsSync(join(home, 'sessions'))).toBe(false);
    await recorder.flush();
    expect(existsSync(recorder.path)).toBe(true);
    expect((await loadRollout(recorder.path)).items).toHaveLength(8);
    await recorder.close();
  });

  it('fsyncs the file on every flush that wrote something', async () => {
    const probe = await open(join(home, 'probe'), 'w');
    const fileHandle = Object.getPrototypeOf(probe) as { sync(): Promise<void> };
    await probe.close();
    const recorder = await RolloutRecorder.create({
      codexHome: home,
      threadId: newThreadId(),
      meta: META,
    });
    await recorder.flush();
    const sync = vi.spyOn(fileHandle, 'sync');
    const write = vi.spyOn(fileHandle as never as { write(): Promise<unknown> }, 'write');
    recorder.record(turn('t2', 'q', 'a'));
    await recorder.flush();
    expect(sync).toHaveBeenCalledTimes(1);
    expect(write.mock.invocationCallOrder[0]).toBeLessThan(sync.mock.invocationCallOrder[0] ?? 0);
    await recorder.flush();
    expect(sync).toHaveBeenCalledTimes(1);
    await recorder.close();
  });

  it('keeps records buffered when a write fails and writes them on the next flush', async () => {
    const probe = await open(join(home, 'probe'), 'w');
    const fileHandle = Object.getPrototypeOf(probe) as { write(): Promise<unknown> };
    await probe.close();
    const recorder = await RolloutRecorder.create({
      codexHome: home,
      threadId: newThreadId(),
      meta: PAGINATED,
    });
    recorder.record(turn('t1', 'first', 'one'));
    const failure = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    vi.spyOn(fileHandle, 'write').mockRejectedValueOnce(failure);
    const error = await recorder.flush().catch((caught: unknown) => caught);
    expect(RolloutError.isInstance(error) && error.code).toBe('io');
    expect((error as Error).message).toContain('no space left on device');
    recorder.record(turn('t2', 'second', 'two'));
    await recorder.flush();
    await recorder.close();
    const { items } = await loadRollout(recorder.path);
    expect(texts(reconstructHistory(items).history)).toStrictEqual([
      'first',
      'one',
      'second',
      'two',
    ]);
    expect(ordinalsOf(recorder.path)).toStrictEqual([...Array(15).keys()]);
  });

  it.each([
    ['legacy', META, Array(15).fill(undefined)],
    ['paginated', PAGINATED, [...Array(15).keys()]],
  ])('appends to the same file on resume (%s)', async (_mode, meta, ordinals) => {
    const threadId = newThreadId();
    const first = await RolloutRecorder.create({ codexHome: home, threadId, meta });
    first.record(turn('t1', 'one', 'One.'));
    await first.close();
    const resumed = await RolloutRecorder.open(first.path);
    expect(resumed.path).toBe(first.path);
    expect(resumed.threadId).toBe(threadId);
    resumed.record(turn('t2', 'two', 'Two.'));
    await resumed.close();
    expect(readdirSync(join(first.path, '..'))).toHaveLength(1);
    const lines = readFileSync(first.path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.type === 'session_meta')).toHaveLength(1);
    expect(lines.map((line) => line.ordinal)).toStrictEqual(ordinals);
    const { history, turnContext } = reconstructHistory((await loadRollout(first.path)).items);
    expect(texts(history)).toStrictEqual(['one', 'One.', 'two', 'Two.']);
    expect(turnContext?.model).toBe('model-t2');
  });

  it('refuses a second writer in the same process, with the original words', async () => {
    const threadId = newThreadId();
    const first = await RolloutRecorder.create({ codexHome: home, threadId, meta: META });
    await first.flush();
    const error = await RolloutRecorder.open(first.path).catch((caught: unknown) => caught);
    expect(RolloutError.isInstance(error) && error.code).toBe('active_writer');
    expect((error as Error).message).toBe(`thread ${threadId} already has an active writer`);
    await expect(
      RolloutRecorder.create({ codexHome: home, threadId, meta: META }),
    ).rejects.toMatchObject({ code: 'active_writer' });
    await first.close();
    const second = await RolloutRecorder.open(first.path);
    await second.close();
    // The lock file goes with its last holder, as the original's does.
    expect(readdirSync(join(home, WRITER_LOCK_DIR))).toStrictEqual(['.coordination.lock']);
  });

  describe('across processes (flock on thread-writer-locks/<id>.lock, as the original)', () => {
    const koffi = createRequire(new URL('../../common/package.json', import.meta.url)).resolve(
      'koffi',
    );
    const HOLDER = `
      const koffi = require(process.argv[1]);
      const fs = require('node:fs');
      const libc = koffi.load(process.platform === 'darwin' ? 'libSystem.B.dylib' : 'libc.so.6');
      const flock = libc.func('int flock(int fd, int operation)');
      const fd = fs.openSync(process.argv[2], 'a');
      const locked = flock(fd, 2 | 4) === 0; // LOCK_EX | LOCK_NB
      process.stdout.write(locked ? 'locked\\n' : 'busy\\n');
      if (!locked) process.exit(1);
      process.stdin.on('end', () => process.exit(0));
      process.stdin.resume();
    `;
    const children: ChildProcess[] = [];
    afterEach(() => {
      for (const child of children.splice(0)) child.kill();
    });

    /** Runs the holder script; resolves with its first line (`locked` or `busy`). */
    function holdInChild(lockPath: string): Promise<{ child: ChildProcess; state: string }> {
      const child = spawn(process.execPath, ['-e', HOLDER, koffi, lockPath], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(child);
      return new Promise((resolve, reject) => {
        child.stdout?.once('data', (data: Buffer) =>
          resolve({ child, state: data.toString().trim() }),
        );
        child.once('error', reject);
      });
    }
    const exited = (child: ChildProcess) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.once('exit', () => resolve());
      });

    it('refuses to write a thread another process holds', async () => {
      const threadId = newThreadId();
      mkdirSync(join(home, WRITER_LOCK_DIR));
      const holder = await holdInChild(join(home, WRITER_LOCK_DIR, `${threadId}.lock`));
      expect(holder.state).toBe('locked');
      await expect(
        RolloutRecorder.create({ codexHome: home, threadId, meta: META }),
      ).rejects.toThrow(`thread ${threadId} already has an active writer`);
      holder.child.stdin?.end();
      await exited(holder.child);
      const recorder = await RolloutRecorder.create({ codexHome: home, threadId, meta: META });
      await recorder.close();
    });

    it('holds the lock against other processes until closed', async () => {
      const threadId = newThreadId();
      const recorder = await RolloutRecorder.create({ codexHome: home, threadId, meta: META });
      const lockPath = join(home, WRITER_LOCK_DIR, `${threadId}.lock`);
      const blocked = await holdInChild(lockPath);
      expect(blocked.state).toBe('busy');
      await recorder.close();
      const free = await holdInChild(lockPath);
      expect(free.state).toBe('locked');
      free.child.stdin?.end();
      await exited(free.child);
    });
  });
});

describe('readRolloutLines', () => {
  async function writtenRollout(): Promise<string> {
    const recorder = await RolloutRecorder.create({
      codexHome: home,
      threadId: newThreadId(),
      meta: PAGINATED,
    });
    recorder.record(turn('t1', 'one', 'One.'));
    await recorder.close();
    return recorder.path;
  }

  it('skips a torn last line with one warning, and a resumed writer starts a new line', async () => {
    const path = await writtenRollout();
    appendFileSync(
      path,
      '{"timestamp":"2026-11-23T00:00:00.000Z","ordinal":8,"type":"response_item","payl',
    );
    const warnings: RolloutReadWarning[] = [];
    const { items } = await loadRollout(path, { onWarning: (warning) => warnings.push(warning) });
    expect(items).toHaveLength(8);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ path, line: 9 });
    const resumed = await RolloutRecorder.open(path);
    resumed.record([responseItem(message('user', 'after the crash'))]);
    await resumed.close();
    warnings.length = 0;
    const reloaded = await loadRollout(path, { onWarning: (warning) => warnings.push(warning) });
    expect(warnings).toHaveLength(1);
    expect(texts(reconstructHistory(reloaded.items).history).at(-1)).toBe('after the crash');
    // The torn line had no ordinal that counts: numbering goes on from the last whole record.
    const last = readFileSync(path, 'utf8').trimEnd().split('\n').at(-1) ?? '';
    expect(JSON.parse(last).ordinal).toBe(8);
  });

  it('skips blank lines, unknown record types and legacy ghost snapshots without a warning', async () => {
    const path = await writtenRollout();
    appendFileSync(
      path,
      [
        '',
        '   ',
        '{"timestamp":"t","type":"world_state","payload":{"full":true}}',
        '{"timestamp":"t","type":"some_future_record","payload":{"x":1}}',
        '{"timestamp":"t","type":"response_item","payload":{"type":"ghost_snapshot","ghost_commit":{}}}',
        '{"timestamp":"t","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"last"}]}}',
        '',
      ].join('\n'),
    );
    const warnings: RolloutReadWarning[] = [];
    const { items } = await loadRollout(path, { onWarning: (warning) => warnings.push(warning) });
    expect(warnings).toStrictEqual([]);
    expect(items).toHaveLength(9);
    expect(items.some((item) => item.type === 'unknown')).toBe(false);
    expect(texts(reconstructHistory(items).history)).toStrictEqual(['one', 'One.', 'last']);
  });

  it('reports a missing file as not_found and a file without session_meta as invalid', async () => {
    await expect(loadRollout(join(home, 'nope.jsonl'))).rejects.toMatchObject({
      code: 'not_found',
    });
    const empty = join(home, 'empty.jsonl');
    appendFileSync(empty, '\n');
    await expect(loadRollout(empty)).rejects.toMatchObject({ code: 'invalid' });
    const badMode = join(home, 'bad.jsonl');
    appendFileSync(
      badMode,
      '{"timestamp":"t","type":"session_meta","payload":{"id":"x","history_mode":"scrolls"}}\n',
    );
    await expect(loadRollout(badMode)).rejects.toMatchObject({ code: 'invalid' });
  });

  it('reads a large file as a stream: records arrive before the end of the file is read', async () => {
    const path = join(home, 'large.jsonl');
    const out = createWriteStream(path);
    out.write(
      '{"timestamp":"t","ordinal":0,"type":"session_meta","payload":{"id":"x","cwd":"/"}}\n',
    );
    const filler = 'x'.repeat(1000);
    const lineCount = 50_000; // about 50 MB
    for (let index = 1; index <= lineCount; index++) {
      const line = `{"timestamp":"t","ordinal":${index},"type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"${filler}"}]}}\n`;
      if (!out.write(line))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));
    expect(statSync(path).size).toBeGreaterThan(50_000_000);
    // Appended once the first record arrived: a reader that loaded the file first never sees it.
    const marker =
      '{"timestamp":"t","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"appended while reading"}]}}\n';
    let seen = 0;
    let last: RolloutItem | undefined;
    for await (const line of readRolloutLines(path)) {
      if (seen === 0) appendFileSync(path, marker);
      seen++;
      last = line.item;
    }
    expect(seen).toBe(lineCount + 2);
    expect(last && texts([last.payload as ResponseItem])).toStrictEqual(['appended while reading']);
  }, 60_000);
});

describe('reconstructHistory', () => {
  const base: RolloutItem[] = [
    {
      type: 'session_meta',
      payload: {
        id: 'x',
        timestamp: 't',
        cwd: '/',
        originator: 'o',
        cli_version: '1',
        source: 'cli',
      },
    },
    responseItem(
      message('developer', '<permissions instructions>\nnever\n</permissions instructions>'),
    ),
    responseItem(message('user', '<environment_context>\n  <cwd>/</cwd>\n</environment_context>')),
    ...turn('t1', 'one', 'One.'),
    responseItem(
      message('developer', '<permissions instructions>\nchanged\n</permissions instructions>'),
    ),
    ...turn('t2', 'two', 'Two.'),
    ...turn('t3', 'three', 'Three.'),
  ];

  it('replaces everything before a compaction with its replacement history', () => {
    const { history, turnContext } = reconstructHistory([
      ...base,
      {
        type: 'compacted',
        payload: {
          message: 'sum',
          replacement_history: [message('user', 'three'), message('user', 'SUMMARY')],
        },
      },
      ...turn('t4', 'four', 'Four.'),
    ]);
    expect(texts(history)).toStrictEqual(['three', 'SUMMARY', 'four', 'Four.']);
    expect(turnContext?.model).toBe('model-t4');
  });

  it('rebuilds a legacy compaction (no replacement history) from the user messages and the summary', () => {
    const { history } = reconstructHistory([
      ...base,
      { type: 'compacted', payload: { message: 'the summary' } },
    ]);
    expect(texts(history)).toStrictEqual(['one', 'two', 'three', 'the summary']);
  });

  it('drops the last N user turns at a rollback marker, with their context messages and settings', () => {
    const one = reconstructHistory([...base, threadRolledBack(1)]);
    expect(texts(one.history)).toStrictEqual(texts(reconstructHistory(base).history).slice(0, -2));
    expect(one.turnContext?.model).toBe('model-t2');
    const two = reconstructHistory([...base, threadRolledBack(2)]);
    // The permissions update sent before turn 2 goes with it.
    expect(texts(two.history)).toStrictEqual([
      '<permissions instructions>\nnev',
      '<environment_context>\n  <cwd>/',
      'one',
      'One.',
    ]);
    expect(two.turnContext?.model).toBe('model-t1');
    const all = reconstructHistory([...base, threadRolledBack(10)]);
    expect(texts(all.history)).toStrictEqual([
      '<permissions instructions>\nnev',
      '<environment_context>\n  <cwd>/',
    ]);
    expect(all.turnContext).toBeUndefined();
    const thenMore = reconstructHistory([
      ...base,
      threadRolledBack(1),
      ...turn('t5', 'five', 'Five.'),
    ]);
    expect(texts(thenMore.history).slice(-4)).toStrictEqual(
      ['one', 'One.', 'two', 'Two.'].slice(-2).concat(['five', 'Five.']),
    );
    expect(thenMore.turnContext?.model).toBe('model-t5');
  });

  it('rolls back the original rollout by its user turns', async () => {
    const { items } = await loadRollout(join(FIXTURES, TWO_TURNS));
    expect(texts(reconstructHistory([...items, threadRolledBack(2)]).history)).toStrictEqual([
      '<skills_instructions>\n## Skill',
      '<environment_context>\n  <cwd>/',
      'first question',
      'First answer.',
    ]);
  });
});

describe('persistedEvent', () => {
  it('writes the persisted subset in the original shapes and drops the rest', () => {
    const now = new Date(1_795_401_201_500);
    expect(
      persistedEvent({ type: 'user_message', message: 'hi', turn_id: 't', item_id: 'i' }, { now }),
    ).toStrictEqual({
      type: 'user_message',
      message: 'hi',
      images: null,
      local_images: [],
      text_elements: [],
    });
    expect(
      persistedEvent({ type: 'task_started', turn_id: 't', model_context_window: 5 }, { now }),
    ).toStrictEqual({
      type: 'task_started',
      turn_id: 't',
      started_at: 1_795_401_201,
      model_context_window: 5,
      collaboration_mode_kind: 'default',
    });
    const usage = {
      input_tokens: 100,
      cached_input_tokens: null,
      output_tokens: 10,
      total_tokens: 110,
    };
    expect(
      persistedEvent({
        type: 'token_count',
        ...usage,
        info: { total_token_usage: usage, last_token_usage: usage, model_context_window: 258_400 },
      }),
    ).toStrictEqual({
      type: 'token_count',
      info: {
        total_token_usage: {
          input_tokens: 100,
          cached_input_tokens: 0,
          cache_write_input_tokens: 0,
          output_tokens: 10,
          reasoning_output_tokens: 0,
          total_tokens: 110,
        },
        last_token_usage: {
          input_tokens: 100,
          cached_input_tokens: 0,
          cache_write_input_tokens: 0,
          output_tokens: 10,
          reasoning_output_tokens: 0,
          total_tokens: 110,
        },
        last_usage_includes_reasoning: false,
        model_context_window: 258_400,
      },
      rate_limits: null,
    });
    expect(
      persistedEvent({ type: 'turn_aborted', reason: 'interrupted', turn_id: 't' }),
    ).toStrictEqual({
      type: 'turn_aborted',
      turn_id: 't',
      reason: 'interrupted',
    });
    expect(
      persistedEvent({
        type: 'patch_apply_end',
        call_id: 'c',
        stdout: 'ok',
        stderr: '',
        success: true,
      }),
    ).toMatchObject({
      changes: {},
      status: 'completed',
    });
    for (const msg of [
      { type: 'agent_message_delta', delta: 'x' },
      { type: 'exec_command_begin', call_id: 'c', command: ['ls'], cwd: '/' },
      { type: 'exec_approval_request', call_id: 'c', command: ['ls'], cwd: '/' },
      { type: 'error', message: 'boom' },
      { type: 'warning', message: 'careful' },
    ] as core.EventMsg[])
      expect(persistedEvent(msg)).toBeNull();
  });
});

describe('findRolloutPath', () => {
  it('finds live threads newest day first, then archived ones; unknown ids are undefined', async () => {
    const live = newThreadId();
    const recorder = await RolloutRecorder.create({
      codexHome: home,
      threadId: live,
      meta: META,
      now: new Date(2025, 0, 2),
    });
    await recorder.close();
    expect(await findRolloutPath(home, live)).toBe(recorder.path);
    const archivedId = '123e4567-e89b-42d3-a456-426614174000';
    mkdirSync(join(home, 'archived_sessions'));
    const archived = join(
      home,
      'archived_sessions',
      `rollout-2024-01-01T00-00-00-${archivedId}.jsonl`,
    );
    appendFileSync(archived, '{}\n');
    expect(await findRolloutPath(home, archivedId)).toBe(archived);
    expect(await findRolloutPath(home, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(await findRolloutPath(home, '../../etc/passwd')).toBeUndefined();
  });
});
