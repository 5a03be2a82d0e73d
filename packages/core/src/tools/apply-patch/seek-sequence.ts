import { trim, trimEnd } from './whitespace.js';

/** Typographic punctuation and odd spaces, each with the ASCII character it stands for. */
const ASCII_LOOKALIKES: readonly (readonly [RegExp, string])[] = [
  [/[\u2010-\u2015\u2212]/g, '-'],
  [/[\u2018-\u201b]/g, "'"],
  [/[\u201c-\u201f]/g, '"'],
  [/[\u00a0\u2002-\u200a\u202f\u205f\u3000]/g, ' '],
];

/** `line` trimmed, with dashes, quotes and spaces mapped to ASCII. */
function normalise(line: string): string {
  return ASCII_LOOKALIKES.reduce(
    (text, [pattern, ascii]) => text.replace(pattern, ascii),
    trim(line),
  );
}

type SameLine = (fileLine: string, patternLine: string) => boolean;

/** The matching passes, strictest first: a looser one runs only when the stricter ones failed. */
const PASSES: readonly SameLine[] = [
  (fileLine, patternLine) => fileLine === patternLine,
  (fileLine, patternLine) => trimEnd(fileLine) === trimEnd(patternLine),
  (fileLine, patternLine) => trim(fileLine) === trim(patternLine),
  (fileLine, patternLine) => normalise(fileLine) === normalise(patternLine),
];

/**
 * Where `pattern` occurs in `lines` at or after `start`, as the index of its first line, or
 * `undefined`. Four passes run in order over all positions: exact, then ignoring trailing
 * whitespace, then ignoring surrounding whitespace, then also mapping Unicode dashes, quotes and
 * spaces to ASCII; the first position a pass accepts wins. With `isEndOfFile`, the position that
 * ends at the last line is tried first (all four passes), then the search from `start`.
 * An empty pattern matches at `start`.
 */
export function seekSequence(
  lines: readonly string[],
  pattern: readonly string[],
  start: number,
  isEndOfFile: boolean,
): number | undefined {
  if (pattern.length === 0) return start;
  const lastStart = lines.length - pattern.length;
  if (lastStart < 0) return undefined;
  if (isEndOfFile && lastStart >= start) {
    const atEnd = firstMatch(lines, pattern, lastStart, lastStart);
    if (atEnd !== undefined) return atEnd;
  }
  return firstMatch(lines, pattern, start, lastStart);
}

function firstMatch(
  lines: readonly string[],
  pattern: readonly string[],
  from: number,
  to: number,
): number | undefined {
  for (const same of PASSES) {
    for (let index = from; index <= to; index++) {
      if (pattern.every((patternLine, offset) => same(lines[index + offset] ?? '', patternLine))) {
        return index;
      }
    }
  }
  return undefined;
}
