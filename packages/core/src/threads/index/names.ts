import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { asString, parseJsonObject } from '../../json.js';
import { ThreadIndexError } from './errors.js';
import { readLinesForward } from './line-reader.js';
import { isMissing } from './rollout-files.js';

/** Thread names, append-only: `$CODEX_HOME/session_index.jsonl`, one `{id, thread_name, updated_at}` a line. */
export const SESSION_INDEX_FILE = 'session_index.jsonl';

/** One line of `session_index.jsonl`. */
export interface ThreadNameEntry {
  id: string;
  name: string;
  /** RFC 3339 time of the rename. */
  updatedAt: string;
}

/** Names a thread: appends one entry (and fsyncs); the newest entry for an id wins. */
export async function setThreadName(codexHome: string, id: string, name: string): Promise<void> {
  const trimmed = name.trim();
  if (id.trim() === '') throw new ThreadIndexError('invalid_argument', 'a thread id is required');
  if (trimmed === '')
    throw new ThreadIndexError('invalid_argument', 'a thread name cannot be empty');
  const path = join(codexHome, SESSION_INDEX_FILE);
  const line = `${JSON.stringify({ id, thread_name: trimmed, updated_at: new Date().toISOString() })}\n`;
  try {
    await mkdir(codexHome, { recursive: true });
    const handle = await open(path, 'a');
    try {
      await handle.write(line);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new ThreadIndexError('io', `cannot append to ${path}`, { path, cause: error });
  }
}

/**
 * The current name of each thread (of `ids` only, when given): the whole file is scanned and
 * a later entry replaces an earlier one. Entries with an empty name are ignored.
 */
export async function readThreadNames(
  codexHome: string,
  ids?: Iterable<string>,
): Promise<Map<string, string>> {
  const wanted = ids === undefined ? null : new Set(ids);
  const names = new Map<string, string>();
  const { entries } = await readThreadNameEntries(codexHome, 0);
  for (const entry of entries) {
    if (wanted === null || wanted.has(entry.id)) names.set(entry.id, entry.name);
  }
  return names;
}

/**
 * The entries of `session_index.jsonl` from byte `start` on, oldest first, and the offset just
 * past the last complete line (a line still being written is left for the next read).
 */
export async function readThreadNameEntries(
  codexHome: string,
  start: number,
): Promise<{ entries: ThreadNameEntry[]; end: number }> {
  const path = join(codexHome, SESSION_INDEX_FILE);
  const entries: ThreadNameEntry[] = [];
  let end = start;
  try {
    for await (const line of readLinesForward(path, start)) {
      if (!line.complete) break;
      end = line.end;
      const entry = parseEntry(line.text);
      if (entry !== null) entries.push(entry);
    }
  } catch (error) {
    if (isMissing(error)) return { entries, end: 0 };
    throw new ThreadIndexError('io', `cannot read ${path}`, { path, cause: error });
  }
  return { entries, end };
}

function parseEntry(text: string): ThreadNameEntry | null {
  const record = parseJsonObject(text);
  if (record === null) return null;
  const id = asString(record.id);
  const name = asString(record.thread_name)?.trim();
  if (id === null || !name) return null;
  return { id, name, updatedAt: asString(record.updated_at) ?? '' };
}
