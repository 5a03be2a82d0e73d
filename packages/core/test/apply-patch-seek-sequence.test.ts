import { describe, expect, it } from 'vitest';
import { seekSequence } from '../src/tools/apply-patch/seek-sequence.js';

describe('seekSequence', () => {
  it('finds an exact match', () => {
    expect(seekSequence(['foo', 'bar', 'baz'], ['bar', 'baz'], 0, false)).toBe(1);
  });

  it('ignores trailing whitespace in the second pass', () => {
    expect(seekSequence(['foo   ', 'bar\t\t'], ['foo', 'bar'], 0, false)).toBe(0);
  });

  it('ignores leading and trailing whitespace in the third pass', () => {
    expect(seekSequence(['    foo   ', '   bar\t'], ['foo', 'bar'], 0, false)).toBe(0);
  });

  it('maps Unicode dashes, quotes and spaces to ASCII in the fourth pass', () => {
    const lines = ['x', 'const a = \u201chello\u201d \u2014 it\u2019s\u00a0here'];
    expect(seekSequence(lines, [`const a = "hello" - it's here`], 0, false)).toBe(1);
    expect(seekSequence(['en\u2013dash'], ['en-dash'], 0, false)).toBe(0);
    expect(seekSequence(['no match here'], ['no-match here'], 0, false)).toBeUndefined();
  });

  it('prefers a stricter pass over an earlier position', () => {
    // Line 0 matches only once whitespace is ignored; line 1 matches exactly.
    expect(seekSequence(['  foo', 'foo'], ['foo'], 0, false)).toBe(1);
    expect(seekSequence(['foo  ', 'foo '], ['foo '], 0, false)).toBe(1);
  });

  it('keeps a byte order mark significant, as the original does', () => {
    expect(seekSequence(['\ufeffimport x'], ['import x'], 0, false)).toBeUndefined();
  });

  it('searches from start', () => {
    expect(seekSequence(['a', 'b', 'a'], ['a'], 1, false)).toBe(2);
    expect(seekSequence(['a', 'b'], ['a'], 1, false)).toBeUndefined();
  });

  it('tries the end of the file first for an end-of-file chunk, then falls back', () => {
    const lines = ['x', 'end', 'y', 'end'];
    expect(seekSequence(lines, ['end'], 0, false)).toBe(1);
    expect(seekSequence(lines, ['end'], 0, true)).toBe(3);
    expect(seekSequence(['end', 'tail'], ['end'], 0, true)).toBe(0);
  });

  it('matches an empty pattern at start and never a pattern longer than the file', () => {
    expect(seekSequence(['a'], [], 3, false)).toBe(3);
    expect(seekSequence(['just one line'], ['too', 'many', 'lines'], 0, false)).toBeUndefined();
  });
});
