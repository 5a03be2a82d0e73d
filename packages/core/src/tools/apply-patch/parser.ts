import { isAbsolute, win32 } from 'node:path';
import { ApplyPatchError } from './errors.js';
import { trim, trimEnd } from './whitespace.js';

const BEGIN_PATCH_MARKER = '*** Begin Patch';
const END_PATCH_MARKER = '*** End Patch';
const ADD_FILE_MARKER = '*** Add File: ';
const DELETE_FILE_MARKER = '*** Delete File: ';
const UPDATE_FILE_MARKER = '*** Update File: ';
const MOVE_TO_MARKER = '*** Move to: ';
const END_OF_FILE_MARKER = '*** End of File';
const CHANGE_CONTEXT_MARKER = '@@ ';
const EMPTY_CHANGE_CONTEXT_MARKER = '@@';
/** First lines of a heredoc wrapper (`apply_patch <<'EOF'` passed without a shell) accepted. */
const HEREDOC_OPENERS: readonly string[] = ['<<EOF', "<<'EOF'", '<<"EOF"'];
/** Opener, Begin, End and closer: a wrapped patch has at least this many lines. */
const MIN_HEREDOC_LINES = 4;

/** One `@@` section of an Update File hunk. */
export interface UpdateFileChunk {
  /**
   * The `@@ <line>` lines that head the chunk, outermost first (e.g. a class, then a method).
   * Each is sought after the previous one and the old lines after the last. Empty for a bare
   * `@@` or a first chunk without one.
   */
  readonly changeContext: readonly string[];
  /** The lines to replace: context (` `) and removed (`-`) lines, in order. */
  readonly oldLines: readonly string[];
  /** Their replacement: context (` `) and added (`+`) lines, in order. */
  readonly newLines: readonly string[];
  /** `*** End of File` followed the chunk: its old lines are sought at the end of the file first. */
  readonly isEndOfFile: boolean;
  /**
   * For each context line, its index in `oldLines` and in `newLines`. Context lines keep their
   * exact text and line ending in the file. The parser always sets it; for a hand-made chunk
   * without it, a line diff of `oldLines` and `newLines` stands in.
   */
  readonly contextLineIndices?: readonly (readonly [oldIndex: number, newIndex: number])[];
}

/** `*** Add File: path`: creates (or overwrites) a file with `contents`. */
export interface AddFileHunk {
  readonly type: 'add';
  /** Relative to the working directory, as written in the patch. */
  readonly path: string;
  /** The `+` lines, each ending with `\n`. */
  readonly contents: string;
}

/** `*** Delete File: path`. */
export interface DeleteFileHunk {
  readonly type: 'delete';
  readonly path: string;
}

/** `*** Update File: path`, optionally `*** Move to: movePath`, then chunks. */
export interface UpdateFileHunk {
  readonly type: 'update';
  readonly path: string;
  /** Where the updated file goes; the source is removed. */
  readonly movePath?: string;
  /** In file order: each chunk is sought after the previous one. */
  readonly chunks: readonly UpdateFileChunk[];
}

/** One file operation of a patch. */
export type PatchHunk = AddFileHunk | DeleteFileHunk | UpdateFileHunk;

/** A parsed patch. */
export interface ParsedPatch {
  /** The file operations, in the order the patch gives them. */
  readonly hunks: readonly PatchHunk[];
  /**
   * The patch text itself, from `*** Begin Patch` to `*** End Patch`, lines joined with `\n`,
   * without a heredoc wrapper: what to hand to an `apply_patch` process.
   */
  readonly patch: string;
}

/**
 * Parses the Codex patch format leniently, as the original does: whitespace around the patch
 * and around `*** Begin Patch`, `*** End Patch`, hunk headers and `*** Move to:` is ignored; a
 * heredoc wrapper (`<<'EOF'` ... `EOF`) is stripped; the first chunk of an Update may omit its
 * `@@`; several `@@ <line>` lines may head one chunk. Paths must be relative.
 *
 * @throws ApplyPatchError `invalid_patch` (bad framing) or `invalid_hunk` (with its `line`,
 *   counted from `*** Begin Patch` as line 1).
 */
export function parsePatch(text: string): ParsedPatch {
  const lines = framedLines(splitLines(trim(text)));
  const hunks: PatchHunk[] = [];
  const end = lines.length - 1;
  let index = 1;
  while (index < end) {
    const parsed = parseHunk(lines, index, end);
    hunks.push(parsed.hunk);
    index = parsed.next;
  }
  return { hunks, patch: lines.join('\n') };
}

/** Lines as Rust's `str::lines` gives them: split at `\n`, a `\r` before it dropped. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  return text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** The lines from `*** Begin Patch` to `*** End Patch`, unwrapping a heredoc when needed. */
function framedLines(lines: readonly string[]): readonly string[] {
  const problem = framingProblem(lines);
  if (problem === undefined) return lines;
  const first = lines[0];
  const last = lines.at(-1);
  if (
    lines.length >= MIN_HEREDOC_LINES &&
    first !== undefined &&
    last !== undefined &&
    HEREDOC_OPENERS.includes(trim(first)) &&
    trimEnd(last).endsWith('EOF')
  ) {
    const inner = lines.slice(1, -1);
    const innerProblem = framingProblem(inner);
    if (innerProblem === undefined) return inner;
    throw invalidPatch(innerProblem);
  }
  throw invalidPatch(problem);
}

function framingProblem(lines: readonly string[]): string | undefined {
  const first = lines[0];
  const last = lines.at(-1);
  if (first === undefined || trim(first) !== BEGIN_PATCH_MARKER) {
    return `The first line of the patch must be '${BEGIN_PATCH_MARKER}'`;
  }
  if (lines.length < 2 || last === undefined || trim(last) !== END_PATCH_MARKER) {
    return `The last line of the patch must be '${END_PATCH_MARKER}'`;
  }
  return undefined;
}

const invalidPatch = (detail: string) =>
  new ApplyPatchError('invalid_patch', `Invalid patch: ${detail}`);

/** `index` is 0-based in the framed lines, where `*** Begin Patch` is line 1. */
const invalidHunk = (index: number, detail: string) =>
  new ApplyPatchError('invalid_hunk', `Invalid patch hunk on line ${index + 1}: ${detail}`, {
    line: index + 1,
  });

interface Parsed<T> {
  readonly next: number;
  readonly hunk: T;
}

function parseHunk(lines: readonly string[], start: number, end: number): Parsed<PatchHunk> {
  const header = trim(lines[start] ?? '');
  if (header.startsWith(ADD_FILE_MARKER)) {
    const path = checkedPath(header.slice(ADD_FILE_MARKER.length), start);
    let contents = '';
    let index = start + 1;
    while (index < end && (lines[index] ?? '').startsWith('+')) {
      contents += `${(lines[index] ?? '').slice(1)}\n`;
      index++;
    }
    return { hunk: { type: 'add', path, contents }, next: index };
  }
  if (header.startsWith(DELETE_FILE_MARKER)) {
    const path = checkedPath(header.slice(DELETE_FILE_MARKER.length), start);
    return { hunk: { type: 'delete', path }, next: start + 1 };
  }
  if (header.startsWith(UPDATE_FILE_MARKER)) {
    return parseUpdateHunk(lines, start, end, header.slice(UPDATE_FILE_MARKER.length));
  }
  throw invalidHunk(
    start,
    `'${header}' is not a valid hunk header. Valid hunk headers: '*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'`,
  );
}

function parseUpdateHunk(
  lines: readonly string[],
  start: number,
  end: number,
  rawPath: string,
): Parsed<UpdateFileHunk> {
  const path = checkedPath(rawPath, start);
  let index = start + 1;
  let movePath: string | undefined;
  const moveLine = index < end ? trim(lines[index] ?? '') : '';
  if (moveLine.startsWith(MOVE_TO_MARKER)) {
    movePath = checkedPath(moveLine.slice(MOVE_TO_MARKER.length), index);
    index++;
  }
  const chunks: UpdateFileChunk[] = [];
  while (index < end) {
    const line = lines[index] ?? '';
    // Blank lines may separate chunks; a line starting with `***` begins the next hunk.
    if (trim(line) === '') {
      index++;
      continue;
    }
    if (line.startsWith('***')) break;
    const parsed = parseChunk(lines, index, end, chunks.length === 0);
    chunks.push(parsed.hunk);
    index = parsed.next;
  }
  if (chunks.length === 0) {
    throw invalidHunk(start, `Update file hunk for path '${path}' is empty`);
  }
  const hunk: UpdateFileHunk =
    movePath === undefined
      ? { type: 'update', path, chunks }
      : { type: 'update', path, movePath, chunks };
  return { hunk, next: index };
}

function parseChunk(
  lines: readonly string[],
  start: number,
  end: number,
  isFirstChunk: boolean,
): Parsed<UpdateFileChunk> {
  const changeContext: string[] = [];
  let sawContextMarker = false;
  let index = start;
  for (; index < end; index++) {
    const line = lines[index] ?? '';
    if (trimEnd(line) === EMPTY_CHANGE_CONTEXT_MARKER) sawContextMarker = true;
    else if (line.startsWith(CHANGE_CONTEXT_MARKER)) {
      sawContextMarker = true;
      changeContext.push(line.slice(CHANGE_CONTEXT_MARKER.length));
    } else break;
  }
  if (!sawContextMarker && !isFirstChunk) {
    throw invalidHunk(
      start,
      `Expected update hunk to start with a @@ context marker, got: '${lines[start] ?? ''}'`,
    );
  }
  if (index >= end) throw invalidHunk(index, 'Update hunk does not contain any lines');

  const oldLines: string[] = [];
  const newLines: string[] = [];
  const contextLineIndices: [number, number][] = [];
  let isEndOfFile = false;
  const bodyStart = index;
  for (; index < end; index++) {
    const line = lines[index] ?? '';
    if (trimEnd(line) === END_OF_FILE_MARKER) {
      if (index === bodyStart) throw invalidHunk(index, 'Update hunk does not contain any lines');
      isEndOfFile = true;
      break;
    }
    const marker = line.charAt(0);
    if (marker === '' || marker === ' ') {
      // An empty line is an empty context line (editors strip the lone space).
      contextLineIndices.push([oldLines.length, newLines.length]);
      oldLines.push(line.slice(1));
      newLines.push(line.slice(1));
    } else if (marker === '+') newLines.push(line.slice(1));
    else if (marker === '-') oldLines.push(line.slice(1));
    else if (index === bodyStart) {
      throw invalidHunk(
        index,
        `Unexpected line found in update hunk: '${line}'. Every line should start with ' ' (context line), '+' (added line), or '-' (removed line)`,
      );
    } else break; // the next chunk's `@@` or the next hunk
  }
  if (isEndOfFile) index++; // past the `*** End of File` line
  return {
    hunk: { changeContext, oldLines, newLines, isEndOfFile, contextLineIndices },
    next: index,
  };
}

/** The path of a hunk, trimmed; absolute paths are refused. */
function checkedPath(rawPath: string, index: number): string {
  const path = trim(rawPath);
  if (isAbsolute(path) || win32.isAbsolute(path)) {
    throw invalidHunk(
      index,
      `absolute path '${path}' is not allowed; file paths in a patch must be relative to the working directory`,
    );
  }
  return path;
}
