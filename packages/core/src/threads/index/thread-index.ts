import { mkdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, join, normalize, sep } from 'node:path';
import Database from 'better-sqlite3';
import { ThreadIndexError } from './errors.js';
import { readThreadNameEntries, SESSION_INDEX_FILE } from './names.js';
import {
  isMissing,
  parseRolloutFileName,
  type RolloutFileStat,
  walkRolloutFiles,
} from './rollout-files.js';
import { type RolloutHead, readRolloutHead, type ThreadSummary } from './summary.js';

/** The index file, beside the rollouts. Ours alone: the original's `state_*.sqlite` is left alone. */
export const THREAD_INDEX_FILE = 'codex-ts-threads.sqlite';

// Bump when the schema changes: an index of another version is dropped and rebuilt from the files.
const SCHEMA_VERSION = 1;
/** Rollout heads read at once while (re)indexing. */
const HEAD_READ_CONCURRENCY = 32;
/** How long a connection waits for another process's write before giving up. */
const BUSY_TIMEOUT_MS = 5_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS threads (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  archived INTEGER NOT NULL,
  id TEXT,
  created_at INTEGER,
  updated_at INTEGER NOT NULL,
  cwd TEXT,
  cwd_key TEXT,
  model_provider TEXT,
  source TEXT,
  originator TEXT,
  cli_version TEXT,
  forked_from_id TEXT,
  preview TEXT,
  preview_search TEXT,
  git_branch TEXT,
  git_sha TEXT,
  git_origin_url TEXT
);
CREATE INDEX IF NOT EXISTS threads_recency ON threads (archived, updated_at DESC, id DESC, path DESC);
CREATE INDEX IF NOT EXISTS threads_id ON threads (id);
CREATE TABLE IF NOT EXISTS names (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_search TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

/** What a refresh did. */
export interface RefreshStats {
  /** Rollout files found by the walk. */
  files: number;
  /** Files whose head was (re)read: new, or changed in size or mtime. */
  read: number;
  /** Rows dropped because their file is gone. */
  removed: number;
}

/** The filters and position of one page of a listing (already validated). */
export interface ThreadQuery {
  limit: number;
  archived: boolean;
  after: ThreadPosition | null;
  cwds: readonly string[] | null;
  modelProviders: readonly string[] | null;
  /** With `modelProviders`: rows that recorded no provider match too. */
  includeMissingProvider: boolean;
  sources: readonly string[] | null;
  searchTerm: string | null;
}

/** Where a thread sits in the newest-first order. */
export interface ThreadPosition {
  updatedAt: number;
  id: string;
  path: string;
}

interface ThreadRow {
  path: string;
  archived: number;
  id: string | null;
  created_at: number | null;
  updated_at: number;
  cwd: string | null;
  model_provider: string | null;
  source: string | null;
  originator: string | null;
  cli_version: string | null;
  forked_from_id: string | null;
  preview: string | null;
  git_branch: string | null;
  git_sha: string | null;
  git_origin_url: string | null;
  name: string | null;
}

/** How cwd filters compare: normalized, without a trailing separator. */
export function cwdKey(cwd: string): string {
  const normalized = normalize(cwd);
  return normalized.length > 1 && normalized.endsWith(sep) ? normalized.slice(0, -1) : normalized;
}

/** Search is a case-insensitive substring test on these folded strings. */
export const searchKey = (text: string): string => text.toLocaleLowerCase();

/**
 * The SQLite index of a `$CODEX_HOME`'s rollouts (`codex-ts-threads.sqlite`). The files stay
 * the source of truth: `refresh()` compares them with the rows by a stat-only walk and re-reads
 * only files that are new or changed; rows of vanished files are dropped. A missing, corrupt
 * or older-version index is rebuilt from the files.
 */
export class ThreadIndex {
  private constructor(
    readonly codexHome: string,
    private readonly db: Database.Database,
  ) {}

  /** Opens (creating or rebuilding if needed) the index of `codexHome`. */
  static open(codexHome: string): ThreadIndex {
    const file = join(codexHome, THREAD_INDEX_FILE);
    try {
      mkdirSync(codexHome, { recursive: true });
    } catch (error) {
      throw new ThreadIndexError('io', `cannot create ${codexHome}`, {
        path: codexHome,
        cause: error,
      });
    }
    try {
      return new ThreadIndex(codexHome, openDatabase(file));
    } catch (error) {
      if (!isCorrupt(error)) throw unavailable(file, error);
    }
    // Only a cache: a damaged one is deleted and rebuilt from the files.
    for (const suffix of ['', '-wal', '-shm']) {
      try {
        unlinkSync(`${file}${suffix}`);
      } catch (error) {
        if (!isMissing(error)) throw unavailable(file, error);
      }
    }
    try {
      return new ThreadIndex(codexHome, openDatabase(file));
    } catch (error) {
      throw unavailable(file, error);
    }
  }

  close(): void {
    this.db.close();
  }

  /** Brings the rows in line with the files under `sessions/` and `archived_sessions/`, and names. */
  async refresh(): Promise<RefreshStats> {
    let files: RolloutFileStat[];
    try {
      files = await walkRolloutFiles(this.codexHome);
    } catch (error) {
      throw new ThreadIndexError('io', `cannot walk the rollouts of ${this.codexHome}`, {
        path: this.codexHome,
        cause: error,
      });
    }
    const known = new Map<string, { size: number; mtime: number }>();
    const rows = this.db.prepare('SELECT path, size, mtime_ms FROM threads').raw().all();
    for (const [path, size, mtime] of rows as Array<[string, number, number]>) {
      known.set(path, { size, mtime });
    }
    const changed: RolloutFileStat[] = [];
    for (const file of files) {
      const row = known.get(file.relativePath);
      if (row === undefined || row.size !== file.size || row.mtime !== file.mtimeMs) {
        changed.push(file);
      }
      known.delete(file.relativePath);
    }
    const heads = await mapConcurrently(changed, HEAD_READ_CONCURRENCY, (file) =>
      readHeadOrNull(join(this.codexHome, file.relativePath)),
    );
    if (changed.length > 0 || known.size > 0) {
      const upsert = this.db.prepare(UPSERT_THREAD);
      const remove = this.db.prepare('DELETE FROM threads WHERE path = ?');
      this.db.transaction(() => {
        for (const path of known.keys()) remove.run(path);
        changed.forEach((file, index) => {
          upsert.run(threadRow(file, heads[index] ?? null));
        });
      })();
    }
    await this.refreshNames();
    if (!this.built()) this.setState('built_at', new Date().toISOString());
    return { files: files.length, read: changed.length, removed: known.size };
  }

  /** Whether a refresh has ever completed on this index. */
  built(): boolean {
    return this.state('built_at') !== null;
  }

  /** Reads the entries appended to `session_index.jsonl` since the last refresh. */
  private async refreshNames(): Promise<void> {
    const path = join(this.codexHome, SESSION_INDEX_FILE);
    let stats: { ino: number; size: number } | undefined;
    try {
      stats = statSync(path, { throwIfNoEntry: false });
    } catch (error) {
      throw new ThreadIndexError('io', `cannot stat ${path}`, { path, cause: error });
    }
    const storedOffset = Number(this.state('names_offset') ?? 0);
    const storedInode = this.state('names_inode') ?? '';
    const inode = stats === undefined ? '' : String(stats.ino);
    // Append-only: a file that shrank or was replaced is read again from the start.
    const restart = inode !== storedInode || (stats?.size ?? 0) < storedOffset;
    const start = restart ? 0 : storedOffset;
    if (!restart && (stats?.size ?? 0) === storedOffset) return;
    const { entries, end } =
      stats === undefined
        ? { entries: [], end: 0 }
        : await readThreadNameEntries(this.codexHome, start);
    const upsert = this.db.prepare(
      'INSERT INTO names (id, name, name_search) VALUES (?, ?, ?) ' +
        'ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_search = excluded.name_search',
    );
    this.db.transaction(() => {
      if (restart) this.db.exec('DELETE FROM names');
      for (const entry of entries) upsert.run(entry.id, entry.name, searchKey(entry.name));
      this.setState('names_offset', String(end));
      this.setState('names_inode', inode);
    })();
  }

  /** One page of summaries, newest first (by `updatedAt`, then id, then path). */
  page(query: ThreadQuery): ThreadSummary[] {
    const where = ['t.archived = ?', 't.id IS NOT NULL', 't.preview IS NOT NULL'];
    const params: unknown[] = [query.archived ? 1 : 0];
    if (query.cwds !== null) {
      where.push(`t.cwd_key IN (${placeholders(query.cwds)})`);
      params.push(...query.cwds.map(cwdKey));
    }
    if (query.modelProviders !== null) {
      const missing = query.includeMissingProvider ? ' OR t.model_provider IS NULL' : '';
      where.push(`(t.model_provider IN (${placeholders(query.modelProviders)})${missing})`);
      params.push(...query.modelProviders);
    }
    if (query.sources !== null) {
      where.push(`t.source IN (${placeholders(query.sources)})`);
      params.push(...query.sources);
    }
    if (query.searchTerm !== null) {
      where.push('(instr(t.preview_search, ?) > 0 OR instr(n.name_search, ?) > 0)');
      const term = searchKey(query.searchTerm);
      params.push(term, term);
    }
    if (query.after !== null) {
      where.push('(t.updated_at, t.id, t.path) < (?, ?, ?)');
      params.push(query.after.updatedAt, query.after.id, query.after.path);
    }
    params.push(query.limit);
    const sql =
      `SELECT ${SUMMARY_COLUMNS} FROM threads t LEFT JOIN names n ON n.id = t.id ` +
      `WHERE ${where.join(' AND ')} ` +
      'ORDER BY t.updated_at DESC, t.id DESC, t.path DESC LIMIT ?';
    const rows = this.db.prepare(sql).all(...params) as ThreadRow[];
    return rows.flatMap((row) => this.summary(row) ?? []);
  }

  /** The indexed summary of thread `id` in the live or archived collection, newest file first. */
  findById(id: string, archived: boolean): ThreadSummary | null {
    const row = this.db
      .prepare(
        `SELECT ${SUMMARY_COLUMNS} FROM threads t LEFT JOIN names n ON n.id = t.id ` +
          'WHERE t.id = ? AND t.archived = ? ORDER BY t.updated_at DESC LIMIT 1',
      )
      .get(id, archived ? 1 : 0) as ThreadRow | undefined;
    return row === undefined ? null : this.summary(row);
  }

  /** Records that a rollout moved (archive / unarchive): reads its head again at the new place. */
  async recordMove(fromRelative: string, to: RolloutFileStat): Promise<ThreadSummary | null> {
    const head = await readHeadOrNull(join(this.codexHome, to.relativePath));
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM threads WHERE path = ?').run(fromRelative);
      this.db.prepare(UPSERT_THREAD).run(threadRow(to, head));
    })();
    const row = this.db
      .prepare(
        `SELECT ${SUMMARY_COLUMNS} FROM threads t LEFT JOIN names n ON n.id = t.id WHERE t.path = ?`,
      )
      .get(to.relativePath) as ThreadRow | undefined;
    return row === undefined ? null : this.summary(row);
  }

  /** The summary of a row; null for the row of a file that is not a thread rollout. */
  private summary(row: ThreadRow): ThreadSummary | null {
    if (row.id === null || row.created_at === null) return null;
    return {
      id: row.id,
      path: join(this.codexHome, row.path),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      cwd: row.cwd,
      modelProvider: row.model_provider,
      source: row.source,
      originator: row.originator,
      cliVersion: row.cli_version,
      forkedFromId: row.forked_from_id,
      preview: row.preview,
      name: row.name,
      archived: row.archived === 1,
      gitBranch: row.git_branch,
      gitSha: row.git_sha,
      gitOriginUrl: row.git_origin_url,
    };
  }

  private state(key: string): string | null {
    const row = this.db.prepare('SELECT value FROM state WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value ?? null;
  }

  private setState(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }
}

const SUMMARY_COLUMNS =
  't.path, t.archived, t.id, t.created_at, t.updated_at, t.cwd, t.model_provider, t.source, ' +
  't.originator, t.cli_version, t.forked_from_id, t.preview, t.git_branch, t.git_sha, ' +
  't.git_origin_url, n.name';

const THREAD_COLUMNS = [
  'path',
  'size',
  'mtime_ms',
  'archived',
  'id',
  'created_at',
  'updated_at',
  'cwd',
  'cwd_key',
  'model_provider',
  'source',
  'originator',
  'cli_version',
  'forked_from_id',
  'preview',
  'preview_search',
  'git_branch',
  'git_sha',
  'git_origin_url',
] as const;

const UPSERT_THREAD =
  `INSERT INTO threads (${THREAD_COLUMNS.join(', ')}) ` +
  `VALUES (${THREAD_COLUMNS.map((column) => `@${column}`).join(', ')}) ` +
  `ON CONFLICT (path) DO UPDATE SET ${THREAD_COLUMNS.filter((column) => column !== 'path')
    .map((column) => `${column} = excluded.${column}`)
    .join(', ')}`;

/** The row of one file; a file whose head is not a rollout's keeps a row with a null id. */
function threadRow(
  file: RolloutFileStat,
  head: (RolloutHead & { fileId: string; fileCreatedAt: number }) | null,
): Record<(typeof THREAD_COLUMNS)[number], string | number | null> {
  return {
    path: file.relativePath,
    size: file.size,
    mtime_ms: file.mtimeMs,
    archived: file.archived ? 1 : 0,
    id: head === null ? null : (head.id ?? head.fileId),
    created_at: head === null ? null : (head.createdAt ?? head.fileCreatedAt),
    updated_at: Math.floor(file.mtimeMs),
    cwd: head?.cwd ?? null,
    cwd_key: head?.cwd == null ? null : cwdKey(head.cwd),
    model_provider: head?.modelProvider ?? null,
    source: head?.source ?? null,
    originator: head?.originator ?? null,
    cli_version: head?.cliVersion ?? null,
    forked_from_id: head?.forkedFromId ?? null,
    preview: head?.preview ?? null,
    preview_search: head?.preview == null ? null : searchKey(head.preview),
    git_branch: head?.gitBranch ?? null,
    git_sha: head?.gitSha ?? null,
    git_origin_url: head?.gitOriginUrl ?? null,
  };
}

/** The head of a rollout with its file-name facts; null for an unreadable or foreign file. */
async function readHeadOrNull(
  path: string,
): Promise<(RolloutHead & { fileId: string; fileCreatedAt: number }) | null> {
  const name = parseRolloutFileName(basename(path));
  if (name === null) return null;
  try {
    const head = await readRolloutHead(path);
    return head === null ? null : { ...head, fileId: name.id, fileCreatedAt: name.createdAt };
  } catch {
    // Vanished or unreadable since the walk: its row says so until the file changes again.
    return null;
  }
}

function openDatabase(file: string): Database.Database {
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== SCHEMA_VERSION) {
      db.exec(
        'DROP TABLE IF EXISTS threads; DROP TABLE IF EXISTS names; DROP TABLE IF EXISTS state;',
      );
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    db.exec(SCHEMA);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function isCorrupt(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT';
}

function unavailable(file: string, cause: unknown): ThreadIndexError {
  return new ThreadIndexError('index_unavailable', `cannot open the thread index ${file}`, {
    path: file,
    cause,
  });
}

const placeholders = (values: readonly unknown[]): string => values.map(() => '?').join(', ');

/** `fn` over `items` with at most `limit` calls in flight; results in input order. */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
