import { constants } from 'node:fs';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RolloutError } from './errors.js';
import {
  HISTORY_MODES,
  type HistoryMode,
  parseRolloutLine,
  type RolloutItem,
  rolloutTimestamp,
  type SessionMeta,
  serializeRolloutLine,
} from './format.js';
import { codexHomeOf, isThreadId, rolloutFilePath } from './paths.js';
import { isPersistedResponseItem, paginatedEvent } from './policy.js';
import { readRolloutLines } from './reader.js';
import { endsWithNewline, linesFromEnd } from './tail.js';
import { acquireWriterLock, type WriterLock } from './writer-lock.js';

/** The most bytes handed to one write: a large backlog is written in pieces, not joined whole. */
const WRITE_CHUNK_BYTES = 1024 * 1024;
/** Rollouts hold the conversation: readable by their owner only, like `auth.json`. */
const FILE_MODE = 0o600;
const FOLDER_MODE = 0o700;

/** The `session_meta` of a new thread, less what the recorder fills in. */
export interface NewSessionMeta {
  readonly cwd: string;
  readonly originator: string;
  readonly cli_version: string;
  readonly source: SessionMeta['source'];
  readonly model_provider?: string | null;
  readonly base_instructions?: { readonly text: string } | null;
  readonly forked_from_id?: string | null;
  readonly dynamic_tools?: readonly unknown[] | null;
  readonly git?: SessionMeta['git'];
  /**
   * Default `legacy`: unnumbered lines with `user_message` / `agent_message` events, which every
   * version of the original reads and shows as turn items. `paginated` numbers the lines and
   * records messages as `item_completed`, as the original's newest version writes new threads.
   */
  readonly history_mode?: HistoryMode;
  readonly [field: string]: unknown;
}

/** Options of {@link RolloutRecorder.create}. */
export interface CreateRolloutOptions {
  readonly codexHome: string;
  readonly threadId: string;
  readonly meta: NewSessionMeta;
  /** The thread's creation time: the file's name and `session_meta.timestamp`. Default: now. */
  readonly now?: Date;
}

/** Options of {@link RolloutRecorder.open}. */
export interface OpenRolloutOptions {
  /** Where the writer locks live; by default the `CODEX_HOME` the file lies in. */
  readonly codexHome?: string;
}

const ioError = (message: string, cause: unknown) =>
  new RolloutError('io', `${message}: ${(cause as Error).message}`, { cause });

/** The first `session_meta` of the file at `path` (an `invalid` error when it has none). */
async function readSessionMeta(path: string): Promise<SessionMeta> {
  for await (const line of readRolloutLines(path)) {
    if (line.item.type !== 'session_meta')
      throw new RolloutError('invalid', `${path} does not start with session_meta`);
    return line.item.payload;
  }
  throw new RolloutError('invalid', `${path} holds no rollout records`);
}

function historyModeOf(meta: SessionMeta, path: string): HistoryMode {
  const mode = meta.history_mode ?? 'legacy';
  if (!HISTORY_MODES.includes(mode))
    throw new RolloutError('invalid', `${path}: unknown history_mode ${JSON.stringify(mode)}`);
  return mode;
}

/**
 * The ordinal the next record of a paginated file gets: one past the last record's, found
 * from the end of the file. A file whose last record has none is numbered by counting.
 */
async function nextOrdinalOf(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    for await (const text of linesFromEnd(handle)) {
      const line = text.trim() === '' ? undefined : parseRolloutLine(text);
      if (!line) continue;
      if (line.ordinal !== undefined) return line.ordinal + 1;
      break;
    }
  } finally {
    await handle.close();
  }
  let count = 0;
  for await (const line of readRolloutLines(path))
    count = Math.max(count, (line.ordinal ?? count) + 1);
  return count;
}

/**
 * Writes one thread's rollout. Records are buffered in memory by {@link record} (serialized at
 * once, so a record that cannot be written fails there) and appended by {@link flush}, which
 * makes them durable (fsync): callers flush at turn boundaries, so a crash loses at most the
 * turn in flight. The file and its folders are made by the first flush. A failed write keeps
 * the unwritten records buffered for the next flush and rejects with the error.
 *
 * New files are `legacy` (unnumbered) unless `meta.history_mode` says `paginated`; a reopened
 * file keeps its own mode, so the original's paginated files go on numbered.
 *
 * The recorder holds the thread's writer lock, shared with the original Codex, from
 * {@link create} / {@link open} until {@link close}: a second writer, here or in another
 * process, gets an `active_writer` error.
 */
export class RolloutRecorder {
  readonly #path: string;
  readonly #threadId: string;
  readonly #lock: WriterLock;
  /** Serialized lines not yet written, oldest first. */
  #pending: string[] = [];
  /** Set for paginated files: the ordinal of the next record. */
  #nextOrdinal: number | undefined;
  /** The turn of the last `task_started` recorded (paginated files name it in their items). */
  #turnId: string | undefined;
  /** Whether the file exists (it is made by the first flush). */
  #materialized: boolean;
  #handle: FileHandle | undefined;
  /** Bytes were written but not yet fsynced (an earlier fsync failed). */
  #unsynced = false;
  #closed = false;
  /** Flushes run one after the other. */
  #queue: Promise<void> = Promise.resolve();

  private constructor(options: {
    path: string;
    threadId: string;
    lock: WriterLock;
    nextOrdinal: number | undefined;
    materialized: boolean;
  }) {
    this.#path = options.path;
    this.#threadId = options.threadId;
    this.#lock = options.lock;
    this.#nextOrdinal = options.nextOrdinal;
    this.#materialized = options.materialized;
  }

  /**
   * Starts the rollout of a new thread: `session_meta` is the first record (written, like the
   * rest, by the first flush). Rejects with `active_writer` when the thread is written elsewhere.
   */
  static async create(options: CreateRolloutOptions): Promise<RolloutRecorder> {
    const now = options.now ?? new Date();
    const path = rolloutFilePath(options.codexHome, options.threadId, now);
    const historyMode = options.meta.history_mode ?? 'legacy';
    if (!HISTORY_MODES.includes(historyMode))
      throw new RolloutError('invalid', `unknown history_mode ${JSON.stringify(historyMode)}`);
    const lock = await acquireWriterLock(options.codexHome, options.threadId);
    const recorder = new RolloutRecorder({
      path,
      threadId: options.threadId,
      lock,
      nextOrdinal: historyMode === 'paginated' ? 0 : undefined,
      materialized: false,
    });
    const meta: SessionMeta = {
      ...options.meta,
      id: options.threadId,
      session_id:
        typeof options.meta.session_id === 'string' ? options.meta.session_id : options.threadId,
      timestamp: rolloutTimestamp(now),
      history_mode: historyMode,
    };
    recorder.#append([{ type: 'session_meta', payload: meta }], now);
    return recorder;
  }

  /**
   * Reopens the rollout at `path` to append to it (a resumed thread), ours or the original's.
   * The thread id is its first `session_meta`'s.
   */
  static async open(path: string, options: OpenRolloutOptions = {}): Promise<RolloutRecorder> {
    const meta = await readSessionMeta(path);
    const historyMode = historyModeOf(meta, path);
    if (!isThreadId(meta.id))
      throw new RolloutError('invalid', `${path}: ${JSON.stringify(meta.id)} is not a thread id`);
    const codexHome = options.codexHome ?? codexHomeOf(path);
    if (codexHome === undefined)
      throw new RolloutError(
        'invalid',
        `${path} is not under a CODEX_HOME's sessions/ or archived_sessions/; pass codexHome`,
      );
    const lock = await acquireWriterLock(codexHome, meta.id);
    try {
      // Only now, holding the lock, is the end of the file final.
      const nextOrdinal = historyMode === 'paginated' ? await nextOrdinalOf(path) : undefined;
      return new RolloutRecorder({
        path,
        threadId: meta.id,
        lock,
        nextOrdinal,
        materialized: true,
      });
    } catch (error) {
      await lock.release();
      if (RolloutError.isInstance(error)) throw error;
      throw ioError(`cannot read ${path}`, error);
    }
  }

  /** The rollout file (it exists once something was flushed). */
  get path(): string {
    return this.#path;
  }

  /** The thread the rollout records. */
  get threadId(): string {
    return this.#threadId;
  }

  /**
   * Buffers records, stamped now (and numbered, in a paginated file). History items that are
   * never persisted (`compaction_trigger`, `other`) are left out; events must already be in
   * their persisted shape (`persistedEvent`). Throws if a record cannot be serialized.
   */
  record(items: Iterable<RolloutItem>): void {
    if (this.#closed)
      throw new RolloutError('io', `the rollout of thread ${this.#threadId} is closed`);
    this.#append(items, new Date());
  }

  #append(items: Iterable<RolloutItem>, now: Date): void {
    const timestamp = rolloutTimestamp(now);
    const lines: string[] = [];
    let ordinal = this.#nextOrdinal;
    let turnId = this.#turnId;
    for (const recorded of items) {
      if (recorded.type === 'response_item' && !isPersistedResponseItem(recorded.payload)) continue;
      let item = recorded;
      if (item.type === 'event_msg') {
        if (item.payload.type === 'task_started' && typeof item.payload.turn_id === 'string')
          turnId = item.payload.turn_id;
        if (ordinal !== undefined)
          item = {
            type: 'event_msg',
            payload: paginatedEvent(item.payload, { threadId: this.#threadId, turnId, now }),
          };
      }
      lines.push(
        serializeRolloutLine(
          ordinal === undefined ? { timestamp, item } : { timestamp, ordinal: ordinal++, item },
        ),
      );
    }
    // Only a batch that serialized whole is kept, so a failure leaves no gap in the ordinals.
    this.#pending.push(...lines);
    this.#nextOrdinal = ordinal;
    this.#turnId = turnId;
  }

  /**
   * Appends the buffered records and fsyncs the file; the first flush makes the file and its
   * folders. On failure the records not written stay buffered and it rejects (`io`); the next
   * flush tries again.
   */
  flush(): Promise<void> {
    const run = this.#queue.then(() => this.#flushNow());
    this.#queue = run.catch(() => {});
    return run;
  }

  async #flushNow(): Promise<void> {
    if (this.#pending.length === 0 && !this.#unsynced) return;
    try {
      const handle = await this.#openFile();
      await this.#writePending(handle);
      await handle.sync();
      this.#unsynced = false;
    } catch (error) {
      // Reopened by the next flush, which also starts a new line after anything half-written.
      const handle = this.#handle;
      this.#handle = undefined;
      await handle?.close().catch(() => {});
      throw RolloutError.isInstance(error) ? error : ioError(`cannot write ${this.#path}`, error);
    }
  }

  /** The open file, made (with its folders) on first use; set to start on a fresh line. */
  async #openFile(): Promise<FileHandle> {
    if (this.#handle) return this.#handle;
    if (!this.#materialized)
      await mkdir(dirname(this.#path), { recursive: true, mode: FOLDER_MODE });
    const handle = await open(
      this.#path,
      constants.O_RDWR | constants.O_APPEND | constants.O_CREAT,
      FILE_MODE,
    );
    try {
      // A torn last line (a crash mid-write) must not swallow the next record.
      if (!(await endsWithNewline(handle))) await writeAll(handle, Buffer.from('\n'));
      if (!this.#materialized) {
        await syncFolder(dirname(this.#path));
        this.#materialized = true;
      }
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    this.#handle = handle;
    return handle;
  }

  /** Writes the buffered lines in pieces of at most {@link WRITE_CHUNK_BYTES}, oldest first. */
  async #writePending(handle: FileHandle): Promise<void> {
    while (this.#pending.length > 0) {
      let count = 0;
      let bytes = 0;
      for (const line of this.#pending) {
        const size = Buffer.byteLength(line);
        if (count > 0 && bytes + size > WRITE_CHUNK_BYTES) break;
        count++;
        bytes += size;
      }
      const chunk = Buffer.from(this.#pending.slice(0, count).join(''));
      const start = (await handle.stat()).size;
      this.#unsynced = true;
      try {
        await writeAll(handle, chunk);
      } catch (error) {
        // Take back a partial piece, so that the retry does not follow half a line.
        await handle.truncate(start).catch(() => {});
        throw error;
      }
      this.#pending.splice(0, count);
    }
  }

  /**
   * Flushes what is buffered, then releases the writer lock. The lock is released even when
   * the flush fails (the error is still thrown): a thread must not stay locked by a recorder
   * that can no longer write.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.flush();
    } finally {
      const handle = this.#handle;
      this.#handle = undefined;
      await handle?.close().catch(() => {});
      await this.#lock.release();
    }
  }
}

/** Writes all of `bytes` (a write may take only part of them). */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let rest = bytes;
  while (rest.length > 0) {
    const { bytesWritten } = await handle.write(rest, 0, rest.length);
    rest = rest.subarray(bytesWritten);
  }
}

/** Makes a new file's folder entry durable; a failure costs only durability, so it is ignored. */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems cannot fsync a folder.
  }
}
