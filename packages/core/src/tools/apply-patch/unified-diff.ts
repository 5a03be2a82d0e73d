import { diffArrays } from 'diff';
import { splitSourceLines } from './source-lines.js';

const MISSING_NEWLINE_HINT = '\\ No newline at end of file';

/** A run of equal lines, or a run of changed ones (old lines removed, new lines added). */
interface DiffOp {
  readonly equal: boolean;
  readonly oldStart: number;
  readonly oldEnd: number;
  readonly newStart: number;
  readonly newEnd: number;
}

/**
 * A unified diff of two texts, hunks only (no `---` / `+++` header), formatted as the original's
 * (the Rust `similar` crate's): `@@ -3 +3,2 @@` ranges omit a length of one, each line keeps
 * its own ending (so CRLF files diff with CRLF lines), and a last line without a newline is
 * followed by `\ No newline at end of file`. Empty when the texts are equal.
 */
export function unifiedDiff(oldText: string, newText: string, contextRadius: number): string {
  const oldLines = linesWithEndings(oldText);
  const newLines = linesWithEndings(newText);
  return groupIntoHunks(diffOps(oldLines, newLines), contextRadius)
    .map((hunk) => formatHunk(hunk, oldLines, newLines))
    .join('');
}

function linesWithEndings(text: string): string[] {
  return splitSourceLines(text).map((line) => line.text + line.ending);
}

function diffOps(oldLines: string[], newLines: string[]): DiffOp[] {
  const ops: DiffOp[] = [];
  let oldIndex = 0;
  let newIndex = 0;
  for (const change of diffArrays(oldLines, newLines)) {
    const oldCount = change.added ? 0 : change.count;
    const newCount = change.removed ? 0 : change.count;
    const equal = !change.added && !change.removed;
    const previous = ops.at(-1);
    if (!equal && previous !== undefined && !previous.equal) {
      // A removal next to an addition is one change.
      ops[ops.length - 1] = {
        ...previous,
        oldEnd: previous.oldEnd + oldCount,
        newEnd: previous.newEnd + newCount,
      };
    } else {
      ops.push({
        equal,
        oldStart: oldIndex,
        oldEnd: oldIndex + oldCount,
        newStart: newIndex,
        newEnd: newIndex + newCount,
      });
    }
    oldIndex += oldCount;
    newIndex += newCount;
  }
  return ops;
}

/** An equal op cut to `length` lines from its start (or from its end). */
function cut(op: DiffOp, length: number, fromEnd: boolean): DiffOp {
  const drop = Math.max(0, op.oldEnd - op.oldStart - length);
  return fromEnd
    ? { ...op, oldStart: op.oldStart + drop, newStart: op.newStart + drop }
    : { ...op, oldEnd: op.oldEnd - drop, newEnd: op.newEnd - drop };
}

/**
 * Groups ops into hunks as difflib and `similar` do: at most `radius` equal lines around each
 * change, and a run of more than `2 * radius` equal lines splits two hunks.
 */
function groupIntoHunks(ops: readonly DiffOp[], radius: number): DiffOp[][] {
  const trimmed = ops.map((op, index) => {
    if (!op.equal) return op;
    let kept = op;
    if (index === 0) kept = cut(kept, radius, true);
    if (index === ops.length - 1) kept = cut(kept, radius, false);
    return kept;
  });
  const hunks: DiffOp[][] = [];
  let current: DiffOp[] = [];
  for (const op of trimmed) {
    if (op.equal && op.oldEnd - op.oldStart > 2 * radius) {
      current.push(cut(op, radius, false));
      hunks.push(current);
      current = [cut(op, radius, true)];
    } else {
      current.push(op);
    }
  }
  hunks.push(current);
  return hunks.filter((hunk) => hunk.some((op) => !op.equal));
}

function formatRange(start: number, end: number): string {
  const length = end - start;
  if (length === 1) return `${start + 1}`;
  // An empty range names the line before it.
  return `${length === 0 ? start : start + 1},${length}`;
}

function formatHunk(hunk: readonly DiffOp[], oldLines: string[], newLines: string[]): string {
  const first = hunk[0];
  const last = hunk.at(-1);
  if (first === undefined || last === undefined) return '';
  let text = `@@ -${formatRange(first.oldStart, last.oldEnd)} +${formatRange(first.newStart, last.newEnd)} @@\n`;
  const emit = (tag: string, line: string) => {
    text += tag + line;
    if (!line.endsWith('\n') && !line.endsWith('\r')) text += `\n${MISSING_NEWLINE_HINT}\n`;
  };
  for (const op of hunk) {
    if (op.equal) {
      for (const line of oldLines.slice(op.oldStart, op.oldEnd)) emit(' ', line);
    } else {
      for (const line of oldLines.slice(op.oldStart, op.oldEnd)) emit('-', line);
      for (const line of newLines.slice(op.newStart, op.newEnd)) emit('+', line);
    }
  }
  return text;
}
