import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../src/tools/apply-patch/unified-diff.js';

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', 1)).toBe('');
  });

  it('omits a range length of one and keeps one line of context', () => {
    expect(unifiedDiff('a\nb\nc\nd\n', 'a\nb\nC\nd\n', 1)).toBe(
      '@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n',
    );
    expect(unifiedDiff('x\n', 'y\n', 1)).toBe('@@ -1 +1 @@\n-x\n+y\n');
  });

  it('names the line before an empty range', () => {
    expect(unifiedDiff('', 'new\n', 1)).toBe('@@ -0,0 +1 @@\n+new\n');
    expect(unifiedDiff('a\nb\n', 'a\n', 1)).toBe('@@ -1,2 +1 @@\n a\n-b\n');
  });

  it('splits hunks separated by more than two unchanged lines', () => {
    const before = '1\n2\n3\n4\n5\n6\n7\n';
    expect(unifiedDiff(before, '1\nX\n3\n4\n5\nY\n7\n', 1)).toBe(
      '@@ -1,3 +1,3 @@\n 1\n-2\n+X\n 3\n@@ -5,3 +5,3 @@\n 5\n-6\n+Y\n 7\n',
    );
    expect(unifiedDiff(before, '1\nX\n3\n4\nY\n6\n7\n', 1)).toBe(
      '@@ -1,6 +1,6 @@\n 1\n-2\n+X\n 3\n 4\n-5\n+Y\n 6\n',
    );
  });

  it('marks a last line without a newline', () => {
    expect(unifiedDiff('a', 'a\nb\n', 1)).toBe(
      '@@ -1 +1,2 @@\n-a\n\\ No newline at end of file\n+a\n+b\n',
    );
  });

  it('keeps CRLF endings in the diff lines', () => {
    expect(unifiedDiff('a\r\nb\r\n', 'a\r\nB\r\n', 1)).toBe('@@ -1,2 +1,2 @@\n a\r\n-b\r\n+B\r\n');
  });

  it('widens the context on request', () => {
    expect(unifiedDiff('1\n2\n3\n4\n5\n', '1\n2\nX\n4\n5\n', 2)).toBe(
      '@@ -1,5 +1,5 @@\n 1\n 2\n-3\n+X\n 4\n 5\n',
    );
  });
});
