/** What ends a line: LF, CRLF, a lone CR (old Mac files), or nothing for a last unterminated line. */
export type LineEnding = '\n' | '\r\n' | '\r' | '';

/** One line of a file, its text and its own ending kept apart. */
export interface SourceLine {
  readonly text: string;
  readonly ending: LineEnding;
}

/** `deleteCount` lines from `start` give way to `lines` (texts without endings). */
export interface Replacement {
  readonly start: number;
  readonly deleteCount: number;
  readonly lines: readonly string[];
}

const LINE_ENDING = /\r\n|\r|\n/g;

/** Splits `text` into lines, each keeping the ending it has in the file. */
export function splitSourceLines(text: string): SourceLine[] {
  const lines: SourceLine[] = [];
  let start = 0;
  for (const match of text.matchAll(LINE_ENDING)) {
    lines.push({ text: text.slice(start, match.index), ending: match[0] as LineEnding });
    start = match.index + match[0].length;
  }
  if (start < text.length) lines.push({ text: text.slice(start), ending: '' });
  return lines;
}

/**
 * The file after `replacements`, which must not overlap. Untouched lines keep their own ending;
 * new lines take the file's first ending (LF when it has none), as rustfmt and the original do;
 * and an unterminated last line gets that ending too, since updates always end with a newline.
 */
export function replaceLines(
  source: readonly SourceLine[],
  replacements: readonly Replacement[],
): string {
  const preferred = source.find((line) => line.ending !== '')?.ending ?? '\n';
  const ordered = [...replacements].sort((left, right) => left.start - right.start);
  const texts: string[] = [];
  const keep = (lines: readonly SourceLine[]) => {
    for (const line of lines) texts.push(line.text + (line.ending || preferred));
  };
  let cursor = 0;
  for (const { start, deleteCount, lines } of ordered) {
    if (start < cursor) throw new Error('apply_patch: overlapping replacements');
    keep(source.slice(cursor, start));
    for (const line of lines) texts.push(line + preferred);
    cursor = start + deleteCount;
  }
  keep(source.slice(cursor));
  return texts.join('');
}
