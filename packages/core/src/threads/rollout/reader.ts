import { type FileHandle, open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { RolloutError } from './errors.js';
import {
  HISTORY_MODES,
  parseRolloutLine,
  type RolloutItem,
  type RolloutLine,
  type SessionMeta,
} from './format.js';

/** A line of a rollout that was skipped because it is not a record. */
export interface RolloutReadWarning {
  readonly path: string;
  /** 1-based; 0 for the closing count of warnings not reported one by one. */
  readonly line: number;
  readonly message: string;
}

/** Options of {@link readRolloutLines} and {@link loadRollout}. */
export interface ReadRolloutOptions {
  /** Told of each skipped line (a torn last line after a crash, say). */
  readonly onWarning?: (warning: RolloutReadWarning) => void;
}

/** Lines the reader reports one by one; past this, one closing warning counts the rest. */
const MAX_LINE_WARNINGS = 100;
/** How much of the file is read at a time. */
const READ_CHUNK_BYTES = 64 * 1024;

const BLANK = /^\s*$/;

async function openForReading(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new RolloutError('not_found', `no rollout at ${path}`, { cause: error });
    throw new RolloutError('io', `cannot open ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * The records of the rollout at `path`, in order, read as a stream: memory stays bounded by
 * the longest line whatever the file's size, and a consumer that stops early stops the read.
 * Blank lines, records of types this version does not model (and legacy `ghost_snapshot`
 * items) are skipped silently; lines that are not records (a torn last line after a crash)
 * are skipped with a warning each.
 */
export async function* readRolloutLines(
  path: string,
  options: ReadRolloutOptions = {},
): AsyncGenerator<RolloutLine, void, undefined> {
  const handle = await openForReading(path);
  const input = handle.createReadStream({ encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  let skipped = 0;
  try {
    for await (const text of lines) {
      number++;
      if (BLANK.test(text)) continue;
      const line = parseRolloutLine(text);
      if (!line) {
        skipped++;
        if (skipped <= MAX_LINE_WARNINGS)
          options.onWarning?.({
            path,
            line: number,
            message: `line ${number} of ${path} is not a rollout record (a torn write?); skipped`,
          });
        continue;
      }
      if (line.item.type === 'unknown') continue;
      yield line;
    }
  } catch (error) {
    throw new RolloutError('io', `cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    lines.close();
    input.destroy();
  }
  if (skipped > MAX_LINE_WARNINGS)
    options.onWarning?.({
      path,
      line: 0,
      message: `${skipped - MAX_LINE_WARNINGS} more lines of ${path} are not rollout records; skipped`,
    });
}

/** A whole rollout in memory. */
export interface LoadedRollout {
  /** The file's first `session_meta` (later ones come from forked history). */
  readonly meta: SessionMeta;
  /** Every record, `session_meta` included, in order. */
  readonly items: RolloutItem[];
  /** The rollout file's path. */
  readonly path: string;
}

/** The first `session_meta`'s history mode must be one the original knows, as it requires. */
function checkSessionMeta(meta: SessionMeta, path: string): void {
  if (meta.history_mode !== undefined && !HISTORY_MODES.includes(meta.history_mode))
    throw new RolloutError(
      'invalid',
      `${path}: unknown history_mode ${JSON.stringify(meta.history_mode)}`,
    );
}

/**
 * Reads a whole rollout. An `invalid` error when the file holds no `session_meta` (an empty
 * file, say) or names an unknown history mode; `not_found` when there is no file.
 */
export async function loadRollout(
  path: string,
  options: ReadRolloutOptions = {},
): Promise<LoadedRollout> {
  let meta: SessionMeta | undefined;
  const items: RolloutItem[] = [];
  for await (const { item } of readRolloutLines(path, options)) {
    if (meta === undefined && item.type === 'session_meta') {
      checkSessionMeta(item.payload, path);
      meta = item.payload;
    }
    items.push(item);
  }
  if (meta === undefined) throw new RolloutError('invalid', `${path} holds no session_meta`);
  return { meta, items, path };
}
