import { describe, expect, it } from 'vitest';
import {
  approxTokenCount,
  byteBudget,
  countLines,
  formattedTruncateText,
  scalePolicy,
  tokenBudget,
  truncateMiddle,
  truncateMiddleChars,
  truncateText,
} from '../src/tools/truncate.js';

/** `seq 1 N` output. */
function seq(count: number): string {
  let text = '';
  for (let number = 1; number <= count; number += 1) text += `${number}\n`;
  return text;
}

describe('token estimate', () => {
  it('counts 4 UTF-8 bytes per token, rounded up', () => {
    expect(approxTokenCount('')).toBe(0);
    expect(approxTokenCount('abc')).toBe(1);
    expect(approxTokenCount('abcd')).toBe(1);
    expect(approxTokenCount('abcde')).toBe(2);
    // The ground-truth example: 23 bytes are 6 tokens.
    expect(approxTokenCount('anchor-approved-output\n')).toBe(6);
    // Bytes, not UTF-16 units: "é" is 2 bytes, "😀" 4.
    expect(approxTokenCount('éé😀')).toBe(2);
  });

  it('derives budgets from policies', () => {
    expect(byteBudget({ mode: 'tokens', limit: 10 })).toBe(40);
    expect(byteBudget({ mode: 'bytes', limit: 10 })).toBe(10);
    expect(tokenBudget({ mode: 'bytes', limit: 10 })).toBe(3);
    expect(scalePolicy({ mode: 'tokens', limit: 10_001 }, 1.2)).toEqual({
      mode: 'tokens',
      limit: 12_002,
    });
  });
});

describe('truncateMiddle', () => {
  it('returns text within budget unchanged', () => {
    expect(truncateMiddle('hello', 2)).toBe('hello');
    expect(truncateMiddle('', 0)).toBe('');
  });

  it('keeps head and tail around the original marker (seq 1 30000 at 10 000 tokens)', () => {
    const text = seq(30_000);
    expect(Buffer.byteLength(text)).toBe(168_894);
    const truncated = truncateMiddle(text, 10_000);
    // 128 894 bytes cut are 32 224 tokens.
    expect(truncated).toContain('…32224 tokens truncated…');
    expect(truncated.startsWith('1\n2\n3\n')).toBe(true);
    expect(truncated.endsWith('29999\n30000\n')).toBe(true);
    const marker = '…32224 tokens truncated…';
    expect(Buffer.byteLength(truncated)).toBe(40_000 + Buffer.byteLength(marker));
  });

  it('never splits a multi-byte character', () => {
    const text = '😀'.repeat(100);
    const truncated = truncateMiddle(text, 5); // 20 bytes: 10 for the head, 10 for the tail
    expect(truncated).toBe(`😀😀…95 tokens truncated…😀😀`);
    expect(truncated).not.toContain('\uFFFD');
  });

  it('keeps only the marker for a zero budget', () => {
    expect(truncateMiddle('abcdefgh', 0)).toBe('…2 tokens truncated…');
  });
});

describe('truncateMiddleChars', () => {
  it('counts the characters cut', () => {
    expect(truncateMiddleChars('abcdefghij', 4)).toBe('ab…6 chars truncated…ij');
    expect(truncateMiddleChars('ééééé', 4)).toBe('é…3 chars truncated…é');
    expect(truncateText('abcdefghij', { mode: 'bytes', limit: 4 })).toBe('ab…6 chars truncated…ij');
  });
});

describe('formattedTruncateText', () => {
  it('leads truncated text with the warning and the line count', () => {
    const formatted = formattedTruncateText(seq(30_000), { mode: 'tokens', limit: 10_000 });
    expect(
      formatted.startsWith(
        'Warning: truncated output (original token count: 42224)\nTotal output lines: 30000\n\n1\n2\n',
      ),
    ).toBe(true);
    expect(formatted).toContain('…32224 tokens truncated…');
  });

  it('leaves text within budget alone', () => {
    expect(formattedTruncateText('short\n', { mode: 'tokens', limit: 10 })).toBe('short\n');
  });

  it('counts lines as Rust does', () => {
    expect(countLines('')).toBe(0);
    expect(countLines('a')).toBe(1);
    expect(countLines('a\n')).toBe(1);
    expect(countLines('a\nb')).toBe(2);
    expect(countLines('\n\n')).toBe(2);
  });
});
