import { diffArrays } from 'diff';
import { ApplyPatchError } from './errors.js';
import type { UpdateFileChunk } from './parser.js';
import { seekSequence } from './seek-sequence.js';
import { type Replacement, replaceLines, splitSourceLines } from './source-lines.js';

/**
 * The text of a file after an Update's chunks. Chunks are located in order, each after the
 * previous one: first its `@@` context lines one after another, then its old lines (see
 * {@link seekSequence}). Context lines stay exactly as they are in the file, line endings
 * included; removed lines go; added lines take the file's first line ending. A chunk without
 * old lines appends its new lines at the end of the file, as the original does. The result
 * always ends with a line ending.
 *
 * @param path the absolute path, for error messages
 * @throws ApplyPatchError `missing_context` when a context line or a chunk's old lines are not found
 */
export function applyChunks(
  original: string,
  chunks: readonly UpdateFileChunk[],
  path: string,
): string {
  const source = splitSourceLines(original);
  const lines = source.map((line) => line.text);
  const replacements: Replacement[] = [];
  let lineIndex = 0;
  for (const chunk of chunks) {
    for (const context of chunk.changeContext) {
      const found = seekSequence(lines, [context], lineIndex, false);
      if (found === undefined) {
        throw new ApplyPatchError(
          'missing_context',
          `Failed to find context '${context}' in ${path}`,
          { path },
        );
      }
      lineIndex = found + 1;
    }
    if (chunk.oldLines.length === 0) {
      replacements.push({ start: lines.length, deleteCount: 0, lines: chunk.newLines });
      continue;
    }
    let pattern = chunk.oldLines;
    let newLines = chunk.newLines;
    let found = seekSequence(lines, pattern, lineIndex, chunk.isEndOfFile);
    if (found === undefined && pattern.at(-1) === '') {
      // A trailing empty line usually stands for the file's final newline, which is no line
      // of its own here: retry without it.
      pattern = pattern.slice(0, -1);
      if (newLines.at(-1) === '') newLines = newLines.slice(0, -1);
      found = seekSequence(lines, pattern, lineIndex, chunk.isEndOfFile);
    }
    if (found === undefined) {
      throw new ApplyPatchError(
        'missing_context',
        `Failed to find expected lines in ${path}:\n${chunk.oldLines.join('\n')}`,
        { path },
      );
    }
    replacements.push(...splitAroundContext(chunk, found, pattern.length, newLines));
    lineIndex = found + pattern.length;
  }
  return replaceLines(source, replacements);
}

/**
 * The replacements for a chunk found at `start`: one per stretch between context lines, so the
 * context lines themselves are left untouched.
 */
function splitAroundContext(
  chunk: UpdateFileChunk,
  start: number,
  oldLength: number,
  newLines: readonly string[],
): Replacement[] {
  const replacements: Replacement[] = [];
  let oldStart = 0;
  let newStart = 0;
  const replaceUpTo = (oldEnd: number, newEnd: number) => {
    if (oldStart !== oldEnd || newStart !== newEnd) {
      replacements.push({
        start: start + oldStart,
        deleteCount: oldEnd - oldStart,
        lines: newLines.slice(newStart, newEnd),
      });
    }
  };
  for (const [oldContext, newContext] of contextPairs(chunk)) {
    // A trailing empty context line may have been dropped with the final newline.
    if (oldContext >= oldLength || newContext >= newLines.length) break;
    replaceUpTo(oldContext, newContext);
    oldStart = oldContext + 1;
    newStart = newContext + 1;
  }
  replaceUpTo(oldLength, newLines.length);
  return replacements;
}

/** Where the context lines sit in old and new lines: from the parser, or from a line diff. */
function contextPairs(chunk: UpdateFileChunk): readonly (readonly [number, number])[] {
  if (chunk.contextLineIndices !== undefined) return chunk.contextLineIndices;
  const pairs: [number, number][] = [];
  let oldIndex = 0;
  let newIndex = 0;
  for (const change of diffArrays([...chunk.oldLines], [...chunk.newLines])) {
    if (change.added) newIndex += change.count;
    else if (change.removed) oldIndex += change.count;
    else {
      for (let offset = 0; offset < change.count; offset++) {
        pairs.push([oldIndex + offset, newIndex + offset]);
      }
      oldIndex += change.count;
      newIndex += change.count;
    }
  }
  return pairs;
}
