import { relative } from 'node:path';
import { asString } from '../../json.js';
import { cursorOffset, decodeCursor, encodeCursor, invalidCursor } from './cursor.js';
import { ThreadIndexError } from './errors.js';
import type { ThreadSummary } from './summary.js';
import { ThreadIndex, type ThreadPosition } from './thread-index.js';

/** Page size when none is asked for. */
export const DEFAULT_THREAD_PAGE_SIZE = 25;
/** The largest page a listing returns. */
export const MAX_THREAD_PAGE_SIZE = 100;

/** What to list. Omitted filters do not filter; an empty list counts as omitted. */
export interface ListThreadsOptions {
  /** The Codex home directory whose `sessions/` (or `archived_sessions/`) is listed. */
  codexHome: string;
  /** Page size: default 25, at most 100 (larger asks get 100). */
  limit?: number | null;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
  /** True: only archived threads; otherwise only live ones. */
  archived?: boolean | null;
  /** Only threads whose session cwd is (after normalization) one of these. */
  cwd?: string | readonly string[] | null;
  /** Only threads recorded under one of these model providers. */
  modelProviders?: readonly string[] | null;
  /**
   * The provider a thread that recorded none ran with: with `modelProviders` naming it, such
   * threads match too (the original's rule for old rollouts).
   */
  defaultModelProvider?: string | null;
  /** Only threads whose source kind (`cli`, `vscode`, `exec`, …) is one of these. */
  sources?: readonly string[] | null;
  /** Only threads whose preview or name contains this, case-insensitively. */
  searchTerm?: string | null;
  /**
   * Serve the page from the index as it stands, without the stat walk that repairs it (the
   * protocol's `useStateDbOnly`); an index never built is still built. For quick paging right
   * after a refreshed first page.
   */
  useIndexOnly?: boolean | null;
}

/** One page of threads, newest first. */
export interface ThreadPage {
  /** The threads of this page. */
  threads: ThreadSummary[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Lists stored threads newest first (by `updatedAt`, then id). The index beside the rollouts is
 * refreshed first (a stat-only walk; only new or changed files are read). The cursor names the
 * last thread returned, so threads created while paging do not shift later pages. As in the
 * original, a thread is listed once it has a first user message (its preview).
 */
export async function listThreads(options: ListThreadsOptions): Promise<ThreadPage> {
  const limit = pageSize(options.limit);
  const after = options.cursor ? decodeThreadCursor(options.cursor) : null;
  const modelProviders = nonEmpty(options.modelProviders);
  const index = ThreadIndex.open(options.codexHome);
  try {
    if (options.useIndexOnly !== true || !index.built()) await index.refresh();
    const rows = index.page({
      limit: limit + 1,
      archived: options.archived === true,
      after,
      cwds: typeof options.cwd === 'string' ? [options.cwd] : nonEmpty(options.cwd),
      modelProviders,
      includeMissingProvider:
        modelProviders !== null &&
        options.defaultModelProvider != null &&
        modelProviders.includes(options.defaultModelProvider),
      sources: nonEmpty(options.sources),
      searchTerm: options.searchTerm ? options.searchTerm : null,
    });
    const threads = rows.slice(0, limit);
    const last = threads.at(-1);
    const nextCursor =
      rows.length > limit && last !== undefined
        ? encodeCursor('threads', { u: last.updatedAt, i: last.id, p: relativePath(index, last) })
        : null;
    return { threads, nextCursor };
  } finally {
    index.close();
  }
}

function pageSize(limit: number | null | undefined): number {
  if (limit === null || limit === undefined || limit === 0) return DEFAULT_THREAD_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new ThreadIndexError(
      'invalid_argument',
      `limit must be a positive integer, not ${limit}`,
    );
  }
  return Math.min(limit, MAX_THREAD_PAGE_SIZE);
}

function decodeThreadCursor(cursor: string): ThreadPosition {
  const fields = decodeCursor('threads', cursor);
  const id = asString(fields.i);
  const path = asString(fields.p);
  if (id === null || path === null) throw invalidCursor(cursor);
  return { updatedAt: cursorOffset(fields, 'u', cursor), id, path };
}

const relativePath = (index: ThreadIndex, thread: ThreadSummary): string =>
  relative(index.codexHome, thread.path);

const nonEmpty = <T>(values: readonly T[] | null | undefined): readonly T[] | null =>
  values && values.length > 0 ? values : null;
