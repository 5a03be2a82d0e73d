import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RolloutError } from './errors.js';

/** Live threads: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-….jsonl`. */
export const SESSIONS_SUBDIR = 'sessions';
/** Archived threads, flat: `$CODEX_HOME/archived_sessions/rollout-….jsonl`. */
export const ARCHIVED_SESSIONS_SUBDIR = 'archived_sessions';

const THREAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const YEAR = /^\d{4}$/;
const MONTH_OR_DAY = /^\d{2}$/;
const DAY_MS = 86_400_000;

/** Whether `id` is a thread id (a UUID): anything else must never become part of a path. */
export const isThreadId = (id: string): boolean => THREAD_ID.test(id);

const pad = (value: number) => String(value).padStart(2, '0');

/** The date folders of `date` in local time, as the original names them. */
const dayFolders = (date: Date): [string, string, string] => [
  String(date.getFullYear()),
  pad(date.getMonth() + 1),
  pad(date.getDate()),
];

/**
 * Where a thread created at `createdAt` keeps its rollout:
 * `sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<id>.jsonl`, in local time as the original
 * names it (only the lines' timestamps are UTC).
 */
export function rolloutFilePath(codexHome: string, threadId: string, createdAt: Date): string {
  if (!isThreadId(threadId))
    throw new RolloutError('invalid', `${JSON.stringify(threadId)} is not a thread id`);
  const [year, month, day] = dayFolders(createdAt);
  const time = `${pad(createdAt.getHours())}-${pad(createdAt.getMinutes())}-${pad(createdAt.getSeconds())}`;
  const name = `rollout-${year}-${month}-${day}T${time}-${threadId.toLowerCase()}.jsonl`;
  return join(codexHome, SESSIONS_SUBDIR, year, month, day, name);
}

/**
 * The `CODEX_HOME` a rollout file lives in, from its place (`sessions/YYYY/MM/DD/` or
 * `archived_sessions/`); `undefined` when the file is elsewhere.
 */
export function codexHomeOf(rolloutPath: string): string | undefined {
  const folder = dirname(rolloutPath);
  if (basename(folder) === ARCHIVED_SESSIONS_SUBDIR) return dirname(folder);
  const dayFolder = folder;
  const monthFolder = dirname(dayFolder);
  const yearFolder = dirname(monthFolder);
  const sessions = dirname(yearFolder);
  if (
    basename(sessions) === SESSIONS_SUBDIR &&
    YEAR.test(basename(yearFolder)) &&
    MONTH_OR_DAY.test(basename(monthFolder)) &&
    MONTH_OR_DAY.test(basename(dayFolder))
  )
    return dirname(sessions);
  return undefined;
}

async function entries(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new RolloutError('io', `cannot list ${folder}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

const newestFirst = (names: string[], pattern: RegExp) =>
  names.filter((name) => pattern.test(name)).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));

/** The thread's file among `names` (plain `.jsonl` only: compressed files are not read here). */
const fileOf = (names: readonly string[], threadId: string) => {
  const suffix = `-${threadId.toLowerCase()}.jsonl`;
  return names.find((name) => name.startsWith('rollout-') && name.toLowerCase().endsWith(suffix));
};

/** The creation time a UUIDv7 carries (its first 48 bits), or `undefined` for other UUIDs. */
function uuidv7Time(threadId: string): Date | undefined {
  if (threadId[14] !== '7') return undefined;
  const ms = Number.parseInt(threadId.slice(0, 8) + threadId.slice(9, 13), 16);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/**
 * The rollout file of `threadId`: under `sessions/` (newest date folders first) and then
 * `archived_sessions/`; `undefined` when there is none. A UUIDv7 id (ours and the original's)
 * names its creation day, so that day's folder (and its neighbours, for time zones) is looked
 * at before walking the rest.
 */
export async function findRolloutPath(
  codexHome: string,
  threadId: string,
): Promise<string | undefined> {
  if (!isThreadId(threadId)) return undefined;
  const sessions = join(codexHome, SESSIONS_SUBDIR);
  const tried = new Set<string>();
  const lookIn = async (folder: string) => {
    if (tried.has(folder)) return undefined;
    tried.add(folder);
    const name = fileOf(await entries(folder), threadId);
    return name === undefined ? undefined : join(folder, name);
  };
  const created = uuidv7Time(threadId);
  if (created)
    for (const offset of [0, -DAY_MS, DAY_MS]) {
      const found = await lookIn(
        join(sessions, ...dayFolders(new Date(created.getTime() + offset))),
      );
      if (found) return found;
    }
  for (const year of newestFirst(await entries(sessions), YEAR)) {
    const yearFolder = join(sessions, year);
    for (const month of newestFirst(await entries(yearFolder), MONTH_OR_DAY)) {
      const monthFolder = join(yearFolder, month);
      for (const day of newestFirst(await entries(monthFolder), MONTH_OR_DAY)) {
        const found = await lookIn(join(monthFolder, day));
        if (found) return found;
      }
    }
  }
  return lookIn(join(codexHome, ARCHIVED_SESSIONS_SUBDIR));
}
