import { execFile } from 'node:child_process';
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join, posix, relative, sep } from 'node:path';
import type { v2 } from '@codex/protocol';
import { fuzzyMatch, queryAtoms } from './fuzzy-match.js';

/** Matches kept per root, as the original's `LIMIT_PER_ROOT`. */
export const MATCHES_PER_ROOT = 50;
/** Entries (files and directories) considered per root. */
export const MAX_ENTRIES_PER_ROOT = 200_000;
/** Directory depth of the walk outside git repositories. */
const MAX_WALK_DEPTH = 32;
/** Entries matched between yields to the event loop (and checks for cancellation). */
const MATCH_BATCH = 2_000;
/** `git ls-files` output beyond this is cut (then the entry bound applies). */
const GIT_MAX_BUFFER = 64 * 1024 * 1024;

/** A file or directory under a root, its path relative to the root with `/` separators. */
interface Entry {
  readonly path: string;
  readonly type: v2.FuzzyFileSearchMatchType;
}

/** The original's order: higher score first, then path. */
export function compareMatches(a: v2.FuzzyFileSearchResult, b: v2.FuzzyFileSearchResult): number {
  if (a.score !== b.score) return b.score - a.score;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Files git would show (tracked, and untracked not ignored), or null outside a work tree. */
function gitEntries(root: string): Promise<string[] | null> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['ls-files', '--cached', '--others', '--exclude-standard', '-z'],
      { cwd: root, maxBuffer: GIT_MAX_BUFFER, encoding: 'utf8' },
      (error, stdout) => {
        if (error) {
          resolve(null);
          return;
        }
        resolve(stdout.split('\0').filter((path) => path.length > 0));
      },
    );
  });
}

/** Files plus the directories that hold them. */
function withDirectories(files: readonly string[]): Entry[] {
  const entries: Entry[] = [];
  const directories = new Set<string>();
  for (const file of files) {
    if (entries.length >= MAX_ENTRIES_PER_ROOT) break;
    entries.push({ path: file, type: 'file' });
    for (let dir = posix.dirname(file); dir !== '.' && !directories.has(dir); ) {
      directories.add(dir);
      entries.push({ path: dir, type: 'directory' });
      dir = posix.dirname(dir);
    }
  }
  return entries;
}

/** A breadth-first walk (symlinks not followed, `.git` skipped), bounded in entries and depth. */
async function walk(root: string, signal: AbortSignal): Promise<Entry[]> {
  const entries: Entry[] = [];
  let level = [root];
  for (let depth = 0; depth < MAX_WALK_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      if (signal.aborted || entries.length >= MAX_ENTRIES_PER_ROOT) return entries;
      let children: Dirent[];
      try {
        children = await readdir(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const child of children) {
        if (entries.length >= MAX_ENTRIES_PER_ROOT) break;
        if (child.name === '.git') continue;
        const full = join(dir, child.name);
        const path = relative(root, full).split(sep).join('/');
        if (child.isDirectory()) {
          entries.push({ path, type: 'directory' });
          next.push(full);
        } else if (child.isFile() || child.isSymbolicLink()) {
          entries.push({ path, type: 'file' });
        }
      }
    }
    level = next;
  }
  return entries;
}

async function entriesOf(root: string, signal: AbortSignal): Promise<Entry[]> {
  const files = await gitEntries(root);
  return files ? withDirectories(files) : walk(root, signal);
}

/** Keeps the `limit` best results seen (by {@link compareMatches}). */
class BestMatches {
  private readonly kept: v2.FuzzyFileSearchResult[] = [];

  constructor(private readonly limit: number) {}

  offer(result: v2.FuzzyFileSearchResult): void {
    const worst = this.kept[this.kept.length - 1];
    if (this.kept.length >= this.limit && worst && compareMatches(result, worst) >= 0) return;
    let index = this.kept.length;
    while (index > 0 && compareMatches(result, this.kept[index - 1] as typeof result) < 0) index--;
    this.kept.splice(index, 0, result);
    if (this.kept.length > this.limit) this.kept.pop();
  }

  get results(): readonly v2.FuzzyFileSearchResult[] {
    return this.kept;
  }
}

/**
 * Fuzzy-matches `query` against the files and directories under each root (what git shows in
 * a work tree, a bounded walk elsewhere); the best {@link MATCHES_PER_ROOT} of each root, best
 * first. An empty query, or a cancelled search, finds nothing.
 */
export async function fuzzyFileSearch(
  query: string,
  roots: readonly string[],
  signal: AbortSignal,
): Promise<v2.FuzzyFileSearchResult[]> {
  const atoms = queryAtoms(query);
  if (atoms.length === 0) return [];
  const files: v2.FuzzyFileSearchResult[] = [];
  for (const root of roots) {
    const entries = await entriesOf(root, signal);
    const best = new BestMatches(MATCHES_PER_ROOT);
    for (let start = 0; start < entries.length; start += MATCH_BATCH) {
      if (signal.aborted) return [];
      for (const entry of entries.slice(start, start + MATCH_BATCH)) {
        const match = fuzzyMatch(atoms, entry.path);
        if (!match) continue;
        best.offer({
          root,
          path: entry.path,
          file_name: basename(entry.path),
          match_type: entry.type,
          score: match.score,
          indices: match.indices,
        });
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    files.push(...best.results);
  }
  if (signal.aborted) return [];
  return files.sort(compareMatches);
}
