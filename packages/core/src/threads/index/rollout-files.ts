import { readdirSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { ARCHIVED_SESSIONS_SUBDIR, SESSIONS_SUBDIR } from '../rollout/paths.js';

export { ARCHIVED_SESSIONS_SUBDIR, SESSIONS_SUBDIR };

// Statting is synchronous (about twice as fast as fs.promises for many small calls); the walk
// yields to the event loop after each batch so a large tree never blocks it for long.
const STAT_BATCH = 1_000;

const ROLLOUT_FILE_NAME =
  /^rollout-(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i;

/** What a rollout's file name says: `rollout-YYYY-MM-DDThh-mm-ss-<uuid>.jsonl`. */
export interface RolloutFileName {
  /** The thread id (the uuid at the end of the name). */
  id: string;
  /** The timestamp in the name, read as UTC (as the original does), in ms since the epoch. */
  createdAt: number;
  /** `YYYY`, `MM`, `DD` of the name: the date directories of a live rollout. */
  year: string;
  month: string;
  day: string;
}

/** Parses a rollout file name; null when `name` is not one (compressed `.jsonl.zst` included). */
export function parseRolloutFileName(name: string): RolloutFileName | null {
  const match = ROLLOUT_FILE_NAME.exec(name);
  if (!match) return null;
  const [, year = '', month = '', day = '', hour, minute, second, id = ''] = match;
  const createdAt = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  if (Number.isNaN(createdAt)) return null;
  return { id: id.toLowerCase(), createdAt, year, month, day };
}

/** One rollout file found by a walk, with what `stat` said of it. */
export interface RolloutFileStat {
  /** Path relative to `$CODEX_HOME` (`sessions/2025/01/03/rollout-….jsonl`). */
  relativePath: string;
  /** True under `archived_sessions/`. */
  archived: boolean;
  size: number;
  mtimeMs: number;
}

/**
 * Every rollout file under `sessions/` and `archived_sessions/`, with size and mtime: a
 * directory walk that stats files and opens none.
 */
export async function walkRolloutFiles(codexHome: string): Promise<RolloutFileStat[]> {
  // Plain concatenation: `path.join` normalizes every time, which costs as much as the stat.
  const root = resolve(codexHome);
  const found: RolloutFileStat[] = [];
  const pending: Array<{ relativeDir: string; archived: boolean }> = [
    { relativeDir: SESSIONS_SUBDIR, archived: false },
    { relativeDir: ARCHIVED_SESSIONS_SUBDIR, archived: true },
  ];
  let sinceYield = 0;
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { relativeDir, archived } = next;
    for (const entry of readDirectory(`${root}${sep}${relativeDir}`)) {
      const relativePath = `${relativeDir}${sep}${entry.name}`;
      if (entry.isDirectory()) {
        pending.push({ relativeDir: relativePath, archived });
        continue;
      }
      if (!entry.isFile() || !ROLLOUT_FILE_NAME.test(entry.name)) continue;
      const stats = statSync(`${root}${sep}${relativePath}`, { throwIfNoEntry: false });
      if (stats === undefined) continue; // removed since the readdir
      found.push({ relativePath, archived, size: stats.size, mtimeMs: stats.mtimeMs });
      sinceYield++;
      if (sinceYield === STAT_BATCH) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  return found;
}

function readDirectory(path: string) {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

/** True for ENOENT / ENOTDIR: the thing is simply not there. */
export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
