import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { asRecord, asString, type JsonObject } from '../../json.js';
import { ThreadIndexError } from './errors.js';
import { readLinesForward } from './line-reader.js';
import { ARCHIVED_SESSIONS_SUBDIR, isMissing, parseRolloutFileName } from './rollout-files.js';
import { parseRolloutRecord, userMessageText } from './rollout-records.js';

/** A stored thread as listings show it: what its rollout's head and file say. */
export interface ThreadSummary {
  /** The thread id (the first `session_meta`'s id). */
  id: string;
  /** Absolute path of the rollout file. */
  path: string;
  /** When the thread started, ms since the epoch: `session_meta.timestamp`, else the file name's. */
  createdAt: number;
  /** When the rollout last changed: the file's mtime, ms since the epoch. */
  updatedAt: number;
  /** The session's working directory. */
  cwd: string | null;
  /** The model provider id the session was recorded under. */
  modelProvider: string | null;
  /**
   * The session source kind: `cli`, `vscode`, `exec`, `mcp`, … as written; for a structured
   * source (`{"subagent": …}`) its key (`subagent`).
   */
  source: string | null;
  /** The client that created the session (`codex_cli_rs`, `codex_vscode`, …). */
  originator: string | null;
  /** Version of the program that wrote the session meta. */
  cliVersion: string | null;
  /** The thread this one was forked from, when it is a fork. */
  forkedFromId: string | null;
  /** The first real user message (injected context skipped), or null before there is one. */
  preview: string | null;
  /** The name set with `setThreadName` (newest wins), when there is one. */
  name: string | null;
  /** True when the rollout lives under `archived_sessions/`. */
  archived: boolean;
  /** The git branch of the working directory when the session started, when recorded. */
  gitBranch: string | null;
  /** The commit it was at, when recorded. */
  gitSha: string | null;
  /** The repository's remote URL, when recorded. */
  gitOriginUrl: string | null;
}

/** What the head of a rollout says, before the file system's facts are added. */
export interface RolloutHead {
  id: string | null;
  /** `session_meta.timestamp` in ms, when it parses. */
  createdAt: number | null;
  cwd: string | null;
  modelProvider: string | null;
  source: string | null;
  originator: string | null;
  cliVersion: string | null;
  forkedFromId: string | null;
  preview: string | null;
  gitBranch: string | null;
  gitSha: string | null;
  gitOriginUrl: string | null;
}

/** Records read for the session meta (the original's head scan). */
export const HEAD_RECORD_LIMIT = 10;
/** Further records read looking for the first user message. */
export const USER_MESSAGE_SCAN_LIMIT = 200;
/** Never read more than this much of a file's head, whatever its lines weigh. */
export const MAX_HEAD_BYTES = 8 * 1024 * 1024;

/**
 * Reads the head of a rollout: its first `session_meta` (within the first 10 records) and its
 * first real user message (within 200 more). Reads only the beginning of the file and stops
 * as soon as both are found. Null when the head has no session meta (not a thread rollout).
 */
export async function readRolloutHead(path: string): Promise<RolloutHead | null> {
  let meta: JsonObject | null = null;
  let preview: string | null = null;
  let records = 0;
  for await (const line of readLinesForward(path, 0, MAX_HEAD_BYTES)) {
    if (line.oversized || line.text.trim() === '') continue;
    records++;
    const record = parseRolloutRecord(line.text);
    if (record !== null) {
      if (record.type === 'session_meta') meta ??= record.payload;
      else if (meta !== null) preview ??= userMessageText(record);
    }
    if (meta !== null && preview !== null) break;
    if (meta === null && records >= HEAD_RECORD_LIMIT) break;
    if (records >= HEAD_RECORD_LIMIT + USER_MESSAGE_SCAN_LIMIT) break;
  }
  if (meta === null) return null;
  const git = asRecord(meta.git);
  const timestamp = Date.parse(asString(meta.timestamp) ?? '');
  return {
    id: asString(meta.session_id) ?? asString(meta.id),
    createdAt: Number.isNaN(timestamp) ? null : timestamp,
    cwd: asString(meta.cwd),
    modelProvider: asString(meta.model_provider),
    source: sourceKind(meta.source),
    originator: asString(meta.originator),
    cliVersion: asString(meta.cli_version),
    forkedFromId: asString(meta.forked_from_id),
    preview,
    gitBranch: asString(git.branch),
    gitSha: asString(git.commit_hash),
    gitOriginUrl: asString(git.repository_url),
  };
}

/** `"vscode"` → `vscode`; `{"subagent": "review"}` → `subagent`. */
function sourceKind(source: unknown): string | null {
  if (typeof source === 'string') return source;
  const keys = Object.keys(asRecord(source));
  return keys[0] ?? null;
}

/** The summary of one rollout file; null when it is missing or not a thread rollout. */
export async function readThreadSummary(path: string): Promise<ThreadSummary | null> {
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(path)).mtimeMs;
  } catch (error) {
    if (isMissing(error)) return null;
    throw new ThreadIndexError('io', `cannot stat ${path}`, { path, cause: error });
  }
  let head: RolloutHead | null;
  try {
    head = await readRolloutHead(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw new ThreadIndexError('io', `cannot read ${path}`, { path, cause: error });
  }
  if (head === null) return null;
  return summaryFromHead(head, {
    path,
    mtimeMs,
    archived: basename(dirname(path)) === ARCHIVED_SESSIONS_SUBDIR,
  });
}

/** Joins a head with the file's facts; null when no id can be told (neither meta nor name). */
export function summaryFromHead(
  head: RolloutHead,
  file: { path: string; mtimeMs: number; archived: boolean; name?: string | null },
): ThreadSummary | null {
  const fromName = parseRolloutFileName(basename(file.path));
  const id = head.id ?? fromName?.id ?? null;
  if (id === null) return null;
  return {
    id,
    path: file.path,
    createdAt: head.createdAt ?? fromName?.createdAt ?? Math.floor(file.mtimeMs),
    updatedAt: Math.floor(file.mtimeMs),
    cwd: head.cwd,
    modelProvider: head.modelProvider,
    source: head.source,
    originator: head.originator,
    cliVersion: head.cliVersion,
    forkedFromId: head.forkedFromId,
    preview: head.preview,
    name: file.name ?? null,
    archived: file.archived,
    gitBranch: head.gitBranch,
    gitSha: head.gitSha,
    gitOriginUrl: head.gitOriginUrl,
  };
}
