/**
 * Fuzzy matching scored as fzf's and nucleo's (the original file search uses nucleo): every
 * matched character earns {@link SCORE_MATCH}, more at word and path boundaries, camelCase humps
 * and in runs; gaps between matched characters cost. Case is ignored; a query is split on
 * whitespace into atoms that must all match.
 */

const SCORE_MATCH = 16;
const PENALTY_GAP_START = 3;
const PENALTY_GAP_EXTENSION = 1;
const BONUS_BOUNDARY = SCORE_MATCH / 2;
const BONUS_BOUNDARY_WHITE = BONUS_BOUNDARY + 2;
const BONUS_BOUNDARY_DELIMITER = BONUS_BOUNDARY + 1;
const BONUS_NON_WORD = SCORE_MATCH / 2;
const BONUS_CAMEL = BONUS_BOUNDARY - PENALTY_GAP_EXTENSION;
const BONUS_CONSECUTIVE = PENALTY_GAP_START + PENALTY_GAP_EXTENSION;
const BONUS_FIRST_CHAR_MULTIPLIER = 2;
/** Longer texts are not scored (paths never get near it). */
const MAX_TEXT_LENGTH = 4096;

enum CharClass {
  Whitespace,
  NonWord,
  Delimiter,
  Lower,
  Upper,
  Number,
}

function classOf(ch: string): CharClass {
  if (ch >= 'a' && ch <= 'z') return CharClass.Lower;
  if (ch >= 'A' && ch <= 'Z') return CharClass.Upper;
  if (ch >= '0' && ch <= '9') return CharClass.Number;
  if (ch === ' ' || ch === '\t' || ch === '\n') return CharClass.Whitespace;
  if (ch === '/' || ch === '\\' || ch === ',' || ch === ':' || ch === ';' || ch === '|')
    return CharClass.Delimiter;
  if (ch.toLowerCase() !== ch.toUpperCase())
    return ch === ch.toLowerCase() ? CharClass.Lower : CharClass.Upper;
  return CharClass.NonWord;
}

const isWord = (cls: CharClass) => cls >= CharClass.Lower;

function bonusFor(previous: CharClass, current: CharClass): number {
  if (isWord(current)) {
    if (previous === CharClass.Whitespace) return BONUS_BOUNDARY_WHITE;
    if (previous === CharClass.Delimiter) return BONUS_BOUNDARY_DELIMITER;
    if (previous === CharClass.NonWord) return BONUS_BOUNDARY;
  }
  if (previous === CharClass.Lower && current === CharClass.Upper) return BONUS_CAMEL;
  if (previous !== CharClass.Number && current === CharClass.Number) return BONUS_CAMEL;
  if (current === CharClass.Whitespace) return BONUS_BOUNDARY_WHITE;
  if (current === CharClass.NonWord || current === CharClass.Delimiter) return BONUS_NON_WORD;
  return 0;
}

/** A match: its score (never negative) and the matched character positions, ascending. */
export interface FuzzyMatch {
  readonly score: number;
  readonly indices: number[];
}

/** Best-scoring alignment of one atom (lower case) in `text`, or null when it does not occur. */
function matchAtom(atom: readonly string[], text: readonly string[]): FuzzyMatch | null {
  const m = atom.length;
  const n = text.length;
  const lower = text.map((ch) => ch.toLowerCase());
  // Cheap rejection: the atom must be a subsequence.
  let next = 0;
  for (let j = 0; j < n && next < m; j++) if (lower[j] === atom[next]) next++;
  if (next < m) return null;

  const bonus = new Array<number>(n);
  let previous = CharClass.Whitespace;
  for (let j = 0; j < n; j++) {
    const current = classOf(text[j] as string);
    bonus[j] = bonusFor(previous, current);
    previous = current;
  }
  const NONE = Number.NEGATIVE_INFINITY;
  // best[i*n+j]: best score with atom[i] matched at text[j]; from[i*n+j]: where atom[i-1] was.
  const best = new Float64Array(m * n).fill(NONE);
  const from = new Int32Array(m * n).fill(-1);
  for (let i = 0; i < m; i++) {
    // Best of best[i-1][k] + k * PENALTY_GAP_EXTENSION over k <= j - 2 (see viaGap).
    let gapBest = NONE;
    let gapFrom = -1;
    for (let j = i; j < n; j++) {
      if (i > 0 && j >= 2) {
        const k = j - 2;
        const candidate = (best[(i - 1) * n + k] as number) + k * PENALTY_GAP_EXTENSION;
        if (candidate > gapBest) {
          gapBest = candidate;
          gapFrom = k;
        }
      }
      if (lower[j] !== atom[i]) continue;
      const own = bonus[j] as number;
      if (i === 0) {
        best[j] = SCORE_MATCH + own * BONUS_FIRST_CHAR_MULTIPLIER;
        continue;
      }
      const adjacent = best[(i - 1) * n + j - 1] as number;
      const viaRun = adjacent + SCORE_MATCH + Math.max(own, BONUS_CONSECUTIVE);
      // A gap of g = j - k - 1 >= 1 costs PENALTY_GAP_START + (g - 1) * PENALTY_GAP_EXTENSION.
      const gapCost = PENALTY_GAP_START + (j - 2) * PENALTY_GAP_EXTENSION;
      const viaGap = gapBest - gapCost + SCORE_MATCH + own;
      if (viaRun >= viaGap && viaRun > NONE) {
        best[i * n + j] = viaRun;
        from[i * n + j] = j - 1;
      } else if (viaGap > NONE) {
        best[i * n + j] = viaGap;
        from[i * n + j] = gapFrom;
      }
    }
  }
  let end = -1;
  let score = NONE;
  for (let j = m - 1; j < n; j++) {
    const value = best[(m - 1) * n + j] as number;
    if (value > score) {
      score = value;
      end = j;
    }
  }
  if (end < 0) return null;
  const indices = new Array<number>(m);
  for (let i = m - 1, j = end; i >= 0; i--) {
    indices[i] = j;
    j = from[i * n + j] as number;
  }
  return { score: Math.max(0, Math.round(score)), indices };
}

/** Splits a query into lower-case atoms (whitespace separates them). */
export function queryAtoms(query: string): string[][] {
  return query
    .trim()
    .split(/\s+/)
    .filter((atom) => atom.length > 0)
    .map((atom) => [...atom.toLowerCase()]);
}

/** Matches every atom against `text`; the scores add up and the indices merge. */
export function fuzzyMatch(atoms: readonly (readonly string[])[], text: string): FuzzyMatch | null {
  if (atoms.length === 0) return null;
  const characters = [...text];
  if (characters.length > MAX_TEXT_LENGTH) return null;
  let score = 0;
  const indices = new Set<number>();
  for (const atom of atoms) {
    const match = matchAtom(atom, characters);
    if (!match) return null;
    score += match.score;
    for (const index of match.indices) indices.add(index);
  }
  return { score, indices: [...indices].sort((a, b) => a - b) };
}
