import {
  appendFileSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodexError } from '@codex/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  archiveThread,
  listItems,
  listThreads,
  listTurns,
  readThreadNames,
  readThreadSummary,
  setThreadName,
  THREAD_INDEX_FILE,
  ThreadIndex,
  ThreadIndexError,
  type TurnSummary,
  unarchiveThread,
} from '../src/threads/index/index.js';

const FIXTURES = new URL('./fixtures/thread-index/', import.meta.url).pathname;
const TWO_TURNS = {
  id: '01a20640-357e-77d0-a2ed-c4aaa2999665',
  file: 'rollout-2026-11-23T02-33-21-01a20640-357e-77d0-a2ed-c4aaa2999665-b_two_turns_persist.jsonl',
};
const APPROVAL = {
  id: '01a20640-3c48-7192-a98d-7a5625287d3f',
  file: 'rollout-2026-11-23T02-33-22-01a20640-3c48-7192-a98d-7a5625287d3f-c_approval.jsonl',
};

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'codex-thread-index-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

/** A deterministic uuid (v7-shaped) for thread `n`. */
const uuid = (n: number): string => `0190a000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;

const stamp = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replaceAll(':', '-');

/** Places a reference rollout in `home` under its canonical name. */
function installFixture(fixture: { id: string; file: string }, archived = false): string {
  const name = `${fixture.file.slice(0, 'rollout-2026-11-23T02-33-21-'.length)}${fixture.id}.jsonl`;
  const dir = archived
    ? join(home, 'archived_sessions')
    : join(home, 'sessions', '2026', '11', '23');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  copyFileSync(join(FIXTURES, fixture.file), path);
  return path;
}

interface ThreadSpec {
  n: number;
  /** Creation time, ms (also the file name's timestamp). */
  created?: number;
  /** File mtime, ms (default: `created`). */
  mtime?: number;
  cwd?: string;
  provider?: string | null;
  source?: unknown;
  /** The first user message; null for a thread with none. */
  message?: string | null;
  archived?: boolean;
}

const line = (type: string, payload: unknown, ordinal = 0) =>
  `${JSON.stringify({ timestamp: '2025-01-01T00:00:00.000Z', ordinal, type, payload })}\n`;

const envContext = (cwd: string) =>
  line('response_item', {
    type: 'message',
    role: 'user',
    content: [
      {
        type: 'input_text',
        text: `<environment_context>\n  <cwd>${cwd}</cwd>\n</environment_context>`,
      },
    ],
  });

/** Writes a small rollout in the current format and sets its mtime; returns its path. */
function writeThread(spec: ThreadSpec): string {
  const created = spec.created ?? Date.UTC(2025, 0, 1) + spec.n * 60_000;
  const id = uuid(spec.n);
  const cwd = spec.cwd ?? '/work/project';
  const date = new Date(created);
  const dir = spec.archived
    ? join(home, 'archived_sessions')
    : join(
        home,
        'sessions',
        String(date.getUTCFullYear()),
        String(date.getUTCMonth() + 1).padStart(2, '0'),
        String(date.getUTCDate()).padStart(2, '0'),
      );
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `rollout-${stamp(created)}-${id}.jsonl`);
  const meta: Record<string, unknown> = {
    id,
    timestamp: new Date(created).toISOString(),
    cwd,
    originator: 'codex_cli_rs',
    cli_version: '0.1.0',
    source: spec.source ?? 'cli',
    git: { branch: 'main', commit_hash: 'abc123' },
  };
  if (spec.provider !== null) meta.model_provider = spec.provider ?? 'openai';
  let text = line('session_meta', meta);
  const message = spec.message === undefined ? `question ${spec.n}` : spec.message;
  text += line('event_msg', { type: 'task_started', turn_id: `turn-${spec.n}` });
  text += envContext(cwd);
  if (message !== null) {
    text += line('response_item', {
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: message }],
    });
    text += line('event_msg', { type: 'user_message', message, images: [] });
  }
  text += line('event_msg', { type: 'task_complete', turn_id: `turn-${spec.n}` });
  writeFileSync(path, text);
  const mtime = (spec.mtime ?? created) / 1000;
  utimesSync(path, mtime, mtime);
  return path;
}

async function listAll(options: Omit<Parameters<typeof listThreads>[0], 'codexHome' | 'cursor'>) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await listThreads({ codexHome: home, ...options, cursor });
    ids.push(...page.threads.map((thread) => thread.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== null);
  return { ids, pages };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(ThreadIndexError.isInstance(error)).toBe(true);
  expect((error as ThreadIndexError).code).toBe(code);
}

describe('readThreadSummary', () => {
  it('reads the reference rollouts of the original', async () => {
    const two = installFixture(TWO_TURNS);
    const approval = installFixture(APPROVAL);
    const summary = await readThreadSummary(two);
    expect(summary).toStrictEqual({
      id: TWO_TURNS.id,
      path: two,
      createdAt: Date.parse('2026-11-23T02:33:21.037Z'),
      updatedAt: Math.floor(statSync(two).mtimeMs),
      cwd: '/home/dev/b_two_turns_persist',
      modelProvider: 'mock',
      source: 'vscode',
      originator: 'anchor_driver',
      cliVersion: '0.169.0',
      forkedFromId: null,
      preview: 'first question',
      name: null,
      archived: false,
      gitBranch: 'main',
      gitSha: '75c28525e4ffe24771ac1e979ab53597d10da503',
      gitOriginUrl: null,
    });
    expect((await readThreadSummary(approval))?.preview).toBe('please create approved.txt');
  });

  it('takes the first real user message of older files, skipping injected context', async () => {
    const path = join(
      home,
      'rollout-2025-01-01T00-00-00-00000000-0000-0000-0000-000000000001.jsonl',
    );
    writeFileSync(
      path,
      line('session_meta', { id: uuid(1), cwd: '/w', source: { subagent: 'review' } }) +
        envContext('/w') +
        line('response_item', {
          type: 'message',
          role: 'user',
          content: [
            {
              type: 'input_text',
              text: '# AGENTS.md instructions for /w\n\n<INSTRUCTIONS>x</INSTRUCTIONS>',
            },
          ],
        }) +
        'not json at all\n' +
        line('event_msg', {
          type: 'user_message',
          message: '## My request for Codex:\n  fix the bug  ',
        }),
    );
    const summary = await readThreadSummary(path);
    expect(summary?.preview).toBe('fix the bug');
    expect(summary?.source).toBe('subagent');
    // No session meta in the file name's place: the id still comes from the meta.
    expect(summary?.id).toBe(uuid(1));
  });

  it('gives [Image] for an image-only first message', async () => {
    const path = join(home, 'image.jsonl');
    writeFileSync(
      path,
      line('session_meta', { id: uuid(2), cwd: '/w' }) +
        line('event_msg', {
          type: 'user_message',
          message: '',
          images: ['data:image/png;base64,xx'],
        }),
    );
    expect((await readThreadSummary(path))?.preview).toBe('[Image]');
  });

  it('is null for a missing file or one without session meta at its head', async () => {
    expect(await readThreadSummary(join(home, 'missing.jsonl'))).toBeNull();
    const path = join(home, 'late-meta.jsonl');
    let text = '';
    for (let i = 0; i < 10; i++) text += line('event_msg', { type: 'token_count' });
    text += line('session_meta', { id: uuid(3), cwd: '/w' });
    writeFileSync(path, text);
    expect(await readThreadSummary(path)).toBeNull();
  });

  it('looks for the first user message within 200 records after the head only', async () => {
    const build = (filler: number) => {
      let text = line('session_meta', { id: uuid(4), cwd: '/w' });
      for (let i = 0; i < filler; i++) text += line('event_msg', { type: 'token_count' });
      return `${text}${line('event_msg', { type: 'user_message', message: 'late' })}`;
    };
    const near = join(home, 'near.jsonl');
    const far = join(home, 'far.jsonl');
    writeFileSync(near, build(150));
    writeFileSync(far, build(300));
    expect((await readThreadSummary(near))?.preview).toBe('late');
    expect((await readThreadSummary(far))?.preview).toBeNull();
  });

  it('reads only the head of a huge file', async () => {
    const path = writeThread({ n: 5 });
    truncateSync(path, 4 * 1024 * 1024 * 1024); // a sparse 4 GiB tail of zeros
    const started = performance.now();
    const summary = await readThreadSummary(path);
    expect(summary?.preview).toBe('question 5');
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('listThreads', () => {
  it('lists newest first by mtime, then id, across pages', async () => {
    const base = Date.UTC(2025, 5, 1);
    for (let n = 1; n <= 30; n++) {
      // Creation order differs from update order; threads 21..30 share one mtime.
      writeThread({
        n,
        created: base + n * 1000,
        mtime: n > 20 ? base + 10_000_000 : base + (40 - n) * 60_000,
      });
    }
    const { ids, pages } = await listAll({ limit: 7 });
    expect(pages).toBe(5);
    const expected = [
      ...Array.from({ length: 10 }, (_, i) => uuid(30 - i)), // the tie, by id descending
      ...Array.from({ length: 20 }, (_, i) => uuid(i + 1)), // older mtime for larger n
    ];
    expect(ids).toStrictEqual(expected);
    const first = await listThreads({ codexHome: home, limit: 3 });
    expect(first.threads.map((thread) => thread.updatedAt)).toStrictEqual([
      base + 10_000_000,
      base + 10_000_000,
      base + 10_000_000,
    ]);
  });

  it('keeps later pages stable while new threads appear', async () => {
    for (let n = 1; n <= 20; n++) writeThread({ n });
    const first = await listThreads({ codexHome: home, limit: 5 });
    expect(first.threads.map((thread) => thread.id)).toStrictEqual([20, 19, 18, 17, 16].map(uuid));
    // New threads, newer than everything, arrive between page requests.
    for (let n = 100; n < 110; n++) writeThread({ n, created: Date.UTC(2026, 0, 1) + n });
    const seen = first.threads.map((thread) => thread.id);
    let cursor = first.nextCursor;
    while (cursor !== null) {
      const page = await listThreads({ codexHome: home, limit: 5, cursor });
      seen.push(...page.threads.map((thread) => thread.id));
      cursor = page.nextCursor;
    }
    expect(seen).toStrictEqual(Array.from({ length: 20 }, (_, i) => uuid(20 - i)));
    // A fresh listing shows them first.
    const fresh = await listThreads({ codexHome: home, limit: 1 });
    expect(fresh.threads[0]?.id).toBe(uuid(109));
  });

  it('has no next cursor on the last page, and clamps the page size', async () => {
    for (let n = 1; n <= 3; n++) writeThread({ n });
    const page = await listThreads({ codexHome: home, limit: 3 });
    expect(page.threads).toHaveLength(3);
    expect(page.nextCursor).toBeNull();
    expect((await listThreads({ codexHome: home })).threads).toHaveLength(3);
    const empty = mkdtempSync(join(tmpdir(), 'codex-thread-index-empty-'));
    try {
      expect(await listThreads({ codexHome: empty })).toStrictEqual({
        threads: [],
        nextCursor: null,
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    for (let n = 10; n < 130; n++) writeThread({ n });
    expect((await listThreads({ codexHome: home, limit: 500 })).threads).toHaveLength(100);
    expect((await listThreads({ codexHome: home, limit: 0 })).threads).toHaveLength(25);
    await expectCode(listThreads({ codexHome: home, limit: -1 }), 'invalid_argument');
  });

  it('refuses a cursor it did not make', async () => {
    writeThread({ n: 1 });
    await expectCode(listThreads({ codexHome: home, cursor: 'garbage' }), 'invalid_cursor');
    const turnsCursor = Buffer.from(JSON.stringify({ k: 'turns', o: 0 })).toString('base64url');
    await expectCode(listThreads({ codexHome: home, cursor: turnsCursor }), 'invalid_cursor');
  });

  it('filters by archived, cwd, provider, source and search term', async () => {
    writeThread({
      n: 1,
      cwd: '/a',
      provider: 'openai',
      source: 'cli',
      message: 'Fix the École parser',
    });
    writeThread({ n: 2, cwd: '/b', provider: 'ollama', source: 'vscode', message: 'write docs' });
    writeThread({ n: 3, cwd: '/a/', provider: null, source: 'exec', message: 'tests please' });
    writeThread({
      n: 4,
      cwd: '/a',
      provider: 'openai',
      source: 'cli',
      archived: true,
      message: 'old',
    });
    writeThread({ n: 5, cwd: '/a', message: null }); // never got a user message: not listed
    const ids = async (options: Partial<Parameters<typeof listThreads>[0]>) =>
      (await listThreads({ codexHome: home, ...options })).threads.map((thread) => thread.id);

    expect(await ids({})).toStrictEqual([uuid(3), uuid(2), uuid(1)]);
    expect(await ids({ archived: true })).toStrictEqual([uuid(4)]);
    expect(await ids({ cwd: '/a' })).toStrictEqual([uuid(3), uuid(1)]);
    expect(await ids({ cwd: ['/b', '/nowhere'] })).toStrictEqual([uuid(2)]);
    expect(await ids({ modelProviders: ['ollama'] })).toStrictEqual([uuid(2)]);
    expect(await ids({ modelProviders: ['openai'] })).toStrictEqual([uuid(1)]);
    expect(await ids({ modelProviders: ['openai'], defaultModelProvider: 'openai' })).toStrictEqual(
      [uuid(3), uuid(1)],
    );
    expect(await ids({ modelProviders: [] })).toHaveLength(3);
    expect(await ids({ sources: ['cli', 'vscode'] })).toStrictEqual([uuid(2), uuid(1)]);
    expect(await ids({ searchTerm: 'école' })).toStrictEqual([uuid(1)]);
    expect(await ids({ searchTerm: 'DOCS' })).toStrictEqual([uuid(2)]);
    expect(await ids({ searchTerm: 'nothing like it' })).toStrictEqual([]);
    expect(await ids({ searchTerm: 'old', archived: true })).toStrictEqual([uuid(4)]);
    expect(await ids({ cwd: '/a', sources: ['cli'], searchTerm: 'parser' })).toStrictEqual([
      uuid(1),
    ]);
    const [archived] = (await listThreads({ codexHome: home, archived: true })).threads;
    expect(archived?.archived).toBe(true);
  });

  it('lists the reference rollouts with their previews', async () => {
    installFixture(TWO_TURNS);
    installFixture(APPROVAL);
    const { threads } = await listThreads({ codexHome: home });
    expect(threads.map((thread) => [thread.id, thread.preview]).sort()).toStrictEqual([
      [TWO_TURNS.id, 'first question'],
      [APPROVAL.id, 'please create approved.txt'],
    ]);
  });

  it('pages through 10,000 threads, each exactly once', async () => {
    const count = 10_000;
    // Creating 10,000 files on a busy disk can take seconds: use memory when there is some.
    if (existsSync('/dev/shm')) {
      rmSync(home, { recursive: true, force: true });
      home = mkdtempSync('/dev/shm/codex-thread-index-');
    }
    const base = Date.UTC(2024, 0, 1);
    for (let n = 0; n < count; n++) {
      // Spread over ~14 months of date directories, with many equal mtimes.
      writeThread({ n, created: base + n * 3_600_000, mtime: base + Math.floor(n / 3) * 1000 });
    }
    const started = performance.now();
    // Every tenth page repairs the index first (a stat walk of the 10,000 files); the others
    // are served from the index as it stands.
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listThreads({
        codexHome: home,
        limit: 100,
        cursor,
        useIndexOnly: pages % 10 !== 0,
      });
      ids.push(...page.threads.map((thread) => thread.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(100);
    expect(ids).toHaveLength(count);
    expect(new Set(ids).size).toBe(count);
    const byOrder = Array.from({ length: count }, (_, n) => n).sort(
      (a, b) => Math.floor(b / 3) - Math.floor(a / 3) || b - a,
    );
    expect(ids).toStrictEqual(byOrder.map(uuid));
    // A warm page is cheap: the walk only stats and the query is indexed.
    const warm = performance.now();
    await listThreads({ codexHome: home, limit: 50 });
    expect(performance.now() - warm).toBeLessThan(1_000);
    expect(performance.now() - started).toBeLessThan(30_000);
  }, 60_000);
});

describe('thread names', () => {
  it('appends names; the newest wins in readThreadNames and in listings', async () => {
    writeThread({ n: 1, message: 'first' });
    writeThread({ n: 2, message: 'second' });
    expect(
      (await listThreads({ codexHome: home })).threads.map((thread) => thread.name),
    ).toStrictEqual([null, null]);
    await setThreadName(home, uuid(1), 'Parser work');
    await setThreadName(home, uuid(2), 'Docs');
    await setThreadName(home, uuid(1), '  Renamed parser  ');
    expect(await readThreadNames(home)).toStrictEqual(
      new Map([
        [uuid(1), 'Renamed parser'],
        [uuid(2), 'Docs'],
      ]),
    );
    expect(await readThreadNames(home, [uuid(2)])).toStrictEqual(new Map([[uuid(2), 'Docs']]));
    const lines = readFileSync(join(home, 'session_index.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(Object.keys(JSON.parse(lines[0] ?? '{}'))).toStrictEqual([
      'id',
      'thread_name',
      'updated_at',
    ]);

    const { threads } = await listThreads({ codexHome: home });
    expect(threads.map((thread) => thread.name)).toStrictEqual(['Docs', 'Renamed parser']);
    // Search matches names as well as previews, case-insensitively.
    const found = await listThreads({ codexHome: home, searchTerm: 'RENAMED' });
    expect(found.threads.map((thread) => thread.id)).toStrictEqual([uuid(1)]);
    expect(
      (await listThreads({ codexHome: home, searchTerm: 'Parser work' })).threads,
    ).toHaveLength(0);
  });

  it('re-reads a session index that was replaced by a shorter one', async () => {
    writeThread({ n: 1 });
    await setThreadName(home, uuid(1), 'A long first name for the thread');
    expect((await listThreads({ codexHome: home })).threads[0]?.name).toBe(
      'A long first name for the thread',
    );
    writeFileSync(
      join(home, 'session_index.jsonl'),
      `${JSON.stringify({ id: uuid(1), thread_name: 'B', updated_at: 'x' })}\n`,
    );
    expect((await listThreads({ codexHome: home })).threads[0]?.name).toBe('B');
  });

  it('refuses an empty name', async () => {
    await expectCode(setThreadName(home, uuid(1), '   '), 'invalid_argument');
    expect(existsSync(join(home, 'session_index.jsonl'))).toBe(false);
  });
});

describe('the index', () => {
  it('reads only new or changed files on refresh', async () => {
    for (let n = 1; n <= 5; n++) writeThread({ n });
    const index = ThreadIndex.open(home);
    try {
      expect(await index.refresh()).toStrictEqual({ files: 5, read: 5, removed: 0 });
      expect(await index.refresh()).toStrictEqual({ files: 5, read: 0, removed: 0 });
      appendFileSync(writeThread({ n: 6 }), line('event_msg', { type: 'token_count' }));
      const changed = writeThread({ n: 2, message: 'edited' });
      utimesSync(changed, new Date(Date.UTC(2025, 6, 1)), new Date(Date.UTC(2025, 6, 1)));
      expect(await index.refresh()).toStrictEqual({ files: 6, read: 2, removed: 0 });
      unlinkSync(changed);
      expect(await index.refresh()).toStrictEqual({ files: 5, read: 0, removed: 1 });
    } finally {
      index.close();
    }
  });

  it('is rebuilt when deleted or corrupt, and repaired when files change or vanish', async () => {
    for (let n = 1; n <= 4; n++) writeThread({ n });
    const ids = async () =>
      (await listThreads({ codexHome: home })).threads.map((thread) => thread.id);
    expect(await ids()).toStrictEqual([4, 3, 2, 1].map(uuid));
    expect(existsSync(join(home, THREAD_INDEX_FILE))).toBe(true);

    rmSync(join(home, THREAD_INDEX_FILE));
    expect(await ids()).toStrictEqual([4, 3, 2, 1].map(uuid));

    // A thread that had no user message gets one (size and mtime change): it appears.
    const quiet = writeThread({ n: 5, message: null, mtime: Date.UTC(2020, 0, 1) });
    expect(await ids()).toStrictEqual([4, 3, 2, 1].map(uuid));
    appendFileSync(quiet, line('event_msg', { type: 'user_message', message: 'now I speak' }));
    expect((await listThreads({ codexHome: home, limit: 1 })).threads[0]?.preview).toBe(
      'now I speak',
    );

    // A file with the same size but a new mtime is re-read too.
    const same = writeThread({ n: 1, cwd: '/one', mtime: Date.UTC(2030, 0, 1) });
    expect((await listThreads({ codexHome: home, limit: 1 })).threads[0]?.cwd).toBe('/one');
    const sizeBefore = statSync(same).size;
    const rewritten = writeThread({ n: 1, cwd: '/two', mtime: Date.UTC(2031, 0, 1) });
    expect(statSync(rewritten).size).toBe(sizeBefore);
    expect((await listThreads({ codexHome: home, limit: 1 })).threads[0]?.cwd).toBe('/two');

    unlinkSync(rewritten);
    expect(await ids()).toStrictEqual([5, 4, 3, 2].map(uuid));

    writeFileSync(
      join(home, THREAD_INDEX_FILE),
      'this is not a database, just junk bytes '.repeat(100),
    );
    expect(await ids()).toStrictEqual([5, 4, 3, 2].map(uuid));
  });

  it('serves from the index as it stands with useIndexOnly, building it if never built', async () => {
    writeThread({ n: 1 });
    const onlyIndex = async () =>
      (await listThreads({ codexHome: home, useIndexOnly: true })).threads.map(
        (thread) => thread.id,
      );
    expect(await onlyIndex()).toStrictEqual([uuid(1)]);
    writeThread({ n: 2 });
    expect(await onlyIndex()).toStrictEqual([uuid(1)]);
    expect((await listThreads({ codexHome: home })).threads).toHaveLength(2);
  });

  it('keeps files that are not rollouts out of the listing', async () => {
    writeThread({ n: 1 });
    const dir = join(home, 'sessions', '2025', '01', '01');
    writeFileSync(join(dir, `rollout-2025-01-01T00-00-00-${uuid(9)}.jsonl`), 'garbage\n');
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    const { threads } = await listThreads({ codexHome: home });
    expect(threads.map((thread) => thread.id)).toStrictEqual([uuid(1)]);
  });
});

describe('archive and unarchive', () => {
  it('moves the rollout to archived_sessions/ and back to its date directory', async () => {
    const created = Date.UTC(2025, 2, 4, 5, 6, 7);
    const live = writeThread({ n: 1, created });
    writeThread({ n: 2 });
    await setThreadName(home, uuid(1), 'Keep me');
    expect((await listThreads({ codexHome: home })).threads).toHaveLength(2);

    const archived = await archiveThread(home, uuid(1));
    const archivedPath = join(
      home,
      'archived_sessions',
      `rollout-2025-03-04T05-06-07-${uuid(1)}.jsonl`,
    );
    expect(archived.path).toBe(archivedPath);
    expect(archived.archived).toBe(true);
    expect(archived.name).toBe('Keep me');
    expect(existsSync(live)).toBe(false);
    expect(existsSync(archivedPath)).toBe(true);
    expect(Math.floor(statSync(archivedPath).mtimeMs)).toBe(created); // archiving keeps the mtime
    expect(
      (await listThreads({ codexHome: home })).threads.map((thread) => thread.id),
    ).toStrictEqual([uuid(2)]);
    expect((await listThreads({ codexHome: home, archived: true })).threads[0]?.path).toBe(
      archivedPath,
    );
    await expectCode(archiveThread(home, uuid(1)), 'not_found');

    const before = Date.now();
    const restored = await unarchiveThread(home, uuid(1));
    expect(restored.path).toBe(live);
    expect(restored.archived).toBe(false);
    expect(existsSync(archivedPath)).toBe(false);
    expect(restored.updatedAt).toBeGreaterThanOrEqual(before - 1_000); // touched: listed as new
    expect(
      (await listThreads({ codexHome: home })).threads.map((thread) => thread.id),
    ).toStrictEqual([uuid(1), uuid(2)]);
    expect((await listThreads({ codexHome: home, archived: true })).threads).toHaveLength(0);
    await expectCode(unarchiveThread(home, uuid(1)), 'not_found');
    await expectCode(archiveThread(home, uuid(77)), 'not_found');
  });

  it('refuses to overwrite an existing destination', async () => {
    writeThread({ n: 1 });
    const copy = writeThread({ n: 1, archived: true });
    await expectCode(archiveThread(home, uuid(1)), 'conflict');
    expect(existsSync(copy)).toBe(true);
  });
});

/** Writes a rollout of `turns` explicit turns, each: start, user message (x2), items, end. */
function writeTurns(
  turns: number,
  itemsPerTurn: number,
  extra: (turn: number) => string = () => '',
): string {
  const path = join(home, `rollout-2025-01-01T00-00-00-${uuid(42)}.jsonl`);
  let text = line('session_meta', { id: uuid(42), cwd: '/w' });
  for (let t = 0; t < turns; t++) {
    text += line('event_msg', { type: 'task_started', turn_id: `t${t}`, started_at: 1000 + t });
    text += line('turn_context', { turn_id: `t${t}`, cwd: '/w' });
    text += envContext('/w');
    text += line('response_item', {
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: `ask ${t}` }],
    });
    text += line('event_msg', { type: 'user_message', message: `ask ${t}` });
    for (let i = 0; i < itemsPerTurn; i++) {
      text += line('response_item', {
        type: 'function_call',
        name: 'shell',
        call_id: `c${t}-${i}`,
        arguments: '{}',
      });
    }
    text += line('event_msg', { type: 'token_count', info: null });
    text += line('event_msg', {
      type: 'task_complete',
      turn_id: `t${t}`,
      last_agent_message: `done ${t}`,
    });
    text += extra(t);
  }
  writeFileSync(path, text);
  return path;
}

async function allTurns(path: string, limit: number, direction: 'asc' | 'desc') {
  const turns: TurnSummary[] = [];
  let cursor: string | null = null;
  do {
    const page = await listTurns(path, { limit, direction, cursor });
    turns.push(...page.turns);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return turns;
}

describe('listTurns', () => {
  it('reads the turns of the reference rollouts', async () => {
    const { turns, nextCursor } = await listTurns(join(FIXTURES, TWO_TURNS.file));
    expect(nextCursor).toBeNull();
    expect(
      turns.map((turn) => [turn.turnId, turn.status, turn.userMessage, turn.lastAgentMessage]),
    ).toStrictEqual([
      ['01a20640-35a4-7cf2-bfd5-594e3c712db8', 'completed', 'first question', 'First answer.'],
      ['01a20640-3657-7ae1-b7a7-9048a8ab3716', 'completed', 'second question', 'Second answer.'],
      [
        '01a20640-39ea-7003-81dd-8f2db5407687',
        'completed',
        'third question after resume',
        'Third answer after resume.',
      ],
    ]);
    expect(turns[0]?.durationMs).toBe(157);
    const approval = await listTurns(join(FIXTURES, APPROVAL.file), { direction: 'desc' });
    expect(approval.turns).toHaveLength(1);
    expect(approval.turns[0]?.userMessage).toBe('please create approved.txt');
    expect(approval.turns[0]?.itemCount).toBe(9);
  });

  it('pages forward and backward over the same turns', async () => {
    const path = writeTurns(23, 3);
    const forward = await allTurns(path, 5, 'asc');
    expect(forward.map((turn) => turn.turnId)).toStrictEqual(
      Array.from({ length: 23 }, (_, t) => `t${t}`),
    );
    expect(forward.every((turn) => turn.itemCount === 6 && turn.status === 'completed')).toBe(true);
    expect(forward[7]?.userMessage).toBe('ask 7');
    expect(forward[7]?.startedAt).toBe(1007);
    const backward = await allTurns(path, 4, 'desc');
    expect(backward).toStrictEqual([...forward].reverse());
    const first = await listTurns(path, { limit: 2, direction: 'desc' });
    expect(first.turns.map((turn) => turn.turnId)).toStrictEqual(['t22', 't21']);
  });

  it('does not re-read earlier pages: the cursor is a byte offset', async () => {
    const path = writeTurns(6, 2);
    const page1 = await listTurns(path, { limit: 3 });
    const rest = await listTurns(path, { limit: 3, cursor: page1.nextCursor });
    // Destroy everything page 1 covered; page 2 from the same cursor is unchanged.
    const text = readFileSync(path, 'utf8');
    const cut = text.indexOf('"task_started","turn_id":"t3"');
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(text.lastIndexOf('\n', cut), 'x'), 0);
    closeSync(fd);
    expect(await listTurns(path, { limit: 3, cursor: page1.nextCursor })).toStrictEqual(rest);
    expect(rest.turns.map((turn) => turn.turnId)).toStrictEqual(['t3', 't4', 't5']);
  });

  it('reads lines longer than a read chunk in both directions', async () => {
    const big = 'y'.repeat(700 * 1024);
    const path = writeTurns(3, 1, (t) =>
      t === 1
        ? line('response_item', { type: 'function_call_output', call_id: 'big', output: big })
        : '',
    );
    const bytes = readFileSync(path);
    const bigLine = bytes.lastIndexOf('\n', bytes.indexOf('"call_id":"big"')) + 1;
    const forward = await allTurns(path, 1, 'asc');
    // The stray item after t1's end forms a turn of its own, named by its offset.
    expect(forward.map((turn) => turn.turnId)).toStrictEqual([
      't0',
      't1',
      `rollout-${bigLine}`,
      't2',
    ]);
    expect(await allTurns(path, 1, 'desc')).toStrictEqual([...forward].reverse());
    const { items } = await listItems(path, { limit: 1000 });
    const output = items.find((item) => item.payload.call_id === 'big');
    expect(output?.payload.output).toBe(big);
  });

  it('marks a turn without an end as in progress and skips a torn last line', async () => {
    const path = writeTurns(2, 1);
    appendFileSync(path, line('event_msg', { type: 'task_started', turn_id: 'live' }));
    appendFileSync(path, line('response_item', { type: 'reasoning', summary: [] }));
    appendFileSync(path, '{"timestamp":"2025-01-01T00:00:00.000Z","type":"response_it');
    for (const direction of ['asc', 'desc'] as const) {
      const turns = await allTurns(path, 2, direction);
      const live = turns.find((turn) => turn.turnId === 'live');
      expect(live?.status).toBe('in_progress');
      expect(live?.itemCount).toBe(1);
      expect(turns).toHaveLength(3);
    }
  });

  it('agrees forward and backward on stray and repeated end markers', async () => {
    const path = writeTurns(3, 1, (t) =>
      t === 1
        ? line('event_msg', { type: 'task_complete', turn_id: 't1', last_agent_message: 'again' })
        : '',
    );
    const text = readFileSync(path, 'utf8');
    const meta = text.indexOf('\n') + 1;
    writeFileSync(
      path,
      text.slice(0, meta) +
        line('event_msg', { type: 'turn_aborted', turn_id: 'ghost' }) +
        text.slice(meta),
    );
    const forward = await allTurns(path, 2, 'asc');
    expect(forward.map((turn) => turn.turnId)).toStrictEqual(['t0', 't1', 't2']);
    expect(forward[1]?.lastAgentMessage).toBe('done 1');
    expect(await allTurns(path, 2, 'desc')).toStrictEqual([...forward].reverse());
  });

  it('drops rolled-back turns', async () => {
    const path = writeTurns(6, 1, (t) =>
      t === 3 ? line('event_msg', { type: 'thread_rolled_back', num_turns: 2 }) : '',
    );
    const expected = ['t0', 't1', 't4', 't5'];
    expect((await allTurns(path, 2, 'desc')).map((turn) => turn.turnId).reverse()).toStrictEqual(
      expected,
    );
    expect((await allTurns(path, 1, 'desc')).map((turn) => turn.turnId).reverse()).toStrictEqual(
      expected,
    );
    expect((await listTurns(path, { limit: 10 })).turns.map((turn) => turn.turnId)).toStrictEqual(
      expected,
    );
  });

  it('infers turns from user messages in rollouts without turn markers', async () => {
    const path = join(home, 'old.jsonl');
    let text = line('session_meta', { id: uuid(7), cwd: '/w' });
    text += envContext('/w');
    for (let t = 0; t < 4; t++) {
      text += line('response_item', {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: `q${t}` }],
      });
      text += line('event_msg', { type: 'user_message', message: `q${t}` });
      text += line('response_item', {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: `a${t}` }],
      });
      text += line('event_msg', { type: 'agent_message', message: `a${t}` });
    }
    writeFileSync(path, text);
    const forward = await allTurns(path, 2, 'asc');
    expect(forward.map((turn) => turn.userMessage)).toStrictEqual(['q0', 'q1', 'q2', 'q3']);
    expect(forward.map((turn) => turn.itemCount)).toStrictEqual([5, 4, 4, 4]); // env context joins q0
    expect(forward.every((turn) => !turn.explicit && turn.turnId.startsWith('rollout-'))).toBe(
      true,
    );
    expect(await allTurns(path, 3, 'desc')).toStrictEqual([...forward].reverse());
  });

  it('refuses bad cursors', async () => {
    const path = writeTurns(3, 1);
    const page = await listTurns(path, { limit: 1 });
    await expectCode(
      listTurns(path, { cursor: page.nextCursor, direction: 'desc' }),
      'invalid_cursor',
    );
    const midLine = Buffer.from(JSON.stringify({ k: 'turns', d: 'asc', o: 5 })).toString(
      'base64url',
    );
    await expectCode(listTurns(path, { cursor: midLine }), 'invalid_cursor');
    const pastEnd = Buffer.from(JSON.stringify({ k: 'turns', d: 'asc', o: 1e9 })).toString(
      'base64url',
    );
    await expectCode(listTurns(path, { cursor: pastEnd }), 'invalid_cursor');
    await expectCode(listTurns(join(home, 'missing.jsonl')), 'not_found');
  });
});

describe('listItems', () => {
  it('pages all items in order, each with its turn', async () => {
    const path = writeTurns(5, 3);
    const items: Array<{ turnId: string | null; type: string; offset: number }> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listItems(path, { limit: 4, cursor });
      items.push(...page.items.map(({ turnId, type, offset }) => ({ turnId, type, offset })));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(items).toHaveLength(5 * 6);
    expect(pages).toBe(Math.ceil(30 / 4));
    expect(items.map((item) => item.turnId)).toStrictEqual(
      Array.from({ length: 5 }, (_, t) => Array(6).fill(`t${t}`)).flat(),
    );
    const offsets = items.map((item) => item.offset);
    expect([...offsets].sort((a, b) => a - b)).toStrictEqual(offsets);
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(items.filter((item) => item.type === 'event_msg')).toHaveLength(5); // user_message
  });

  it('lists one turn by id or by the cursor listTurns gives', async () => {
    const path = writeTurns(4, 5);
    const { turns } = await listTurns(path);
    const third = turns[2];
    if (third === undefined) throw new Error('no third turn');
    const byCursor = await listItems(path, { cursor: third.itemsCursor, limit: 100 });
    expect(byCursor.nextCursor).toBeNull();
    expect(byCursor.items).toHaveLength(third.itemCount);
    expect(byCursor.items.every((item) => item.turnId === 't2')).toBe(true);
    expect(byCursor.items[1]?.payload).toMatchObject({ role: 'user', type: 'message' });

    const paged: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page = await listItems(path, { turnId: 't2', limit: 3, cursor });
      paged.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(paged).toStrictEqual(byCursor.items);
    await expectCode(listItems(path, { turnId: 'no-such-turn' }), 'not_found');
  });

  it('lists the items of an inferred turn by its id', async () => {
    const path = join(home, 'old.jsonl');
    let text = line('session_meta', { id: uuid(8), cwd: '/w' });
    for (let t = 0; t < 3; t++) {
      text += line('event_msg', { type: 'user_message', message: `q${t}` });
      text += line('event_msg', { type: 'agent_message', message: `a${t}` });
    }
    writeFileSync(path, text);
    const { turns } = await listTurns(path);
    expect(turns).toHaveLength(3);
    const second = turns[1];
    if (second === undefined) throw new Error('no second turn');
    const { items } = await listItems(path, { turnId: second.turnId });
    expect(items.map((item) => item.payload.message)).toStrictEqual(['q1', 'a1']);
  });
});

describe('ThreadIndexError', () => {
  it('is a branded CodexError', () => {
    const error = new ThreadIndexError('not_found', 'nope', { path: '/x' });
    expect(ThreadIndexError.isInstance(error)).toBe(true);
    expect(CodexError.isInstance(error)).toBe(true);
    expect(error.name).toBe('ThreadIndexError');
    expect(error.path).toBe('/x');
  });
});
