import { describe, expect, it } from 'vitest';
import { ApplyPatchError } from '../src/tools/apply-patch/errors.js';
import { type ParsedPatch, parsePatch } from '../src/tools/apply-patch/parser.js';

const wrap = (body: string) => `*** Begin Patch\n${body}\n*** End Patch`;

/** The error `parsePatch` throws for `text`. */
function parseError(text: string): ApplyPatchError {
  try {
    parsePatch(text);
  } catch (error) {
    if (ApplyPatchError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('parsePatch accepted the patch');
}

describe('parsePatch', () => {
  it('parses add, delete and update (with move) hunks', () => {
    const parsed = parsePatch(
      wrap(
        [
          '*** Add File: path/add.py',
          '+abc',
          '+def',
          '*** Delete File: path/delete.py',
          '*** Update File: path/update.py',
          '*** Move to: path/update2.py',
          '@@ def f():',
          '-    pass',
          '+    return 123',
        ].join('\n'),
      ),
    );
    expect(parsed.hunks).toEqual([
      { type: 'add', path: 'path/add.py', contents: 'abc\ndef\n' },
      { type: 'delete', path: 'path/delete.py' },
      {
        type: 'update',
        path: 'path/update.py',
        movePath: 'path/update2.py',
        chunks: [
          {
            changeContext: ['def f():'],
            oldLines: ['    pass'],
            newLines: ['    return 123'],
            isEndOfFile: false,
            contextLineIndices: [],
          },
        ],
      },
    ]);
  });

  it('returns the patch text from Begin to End, lines joined with \\n', () => {
    const parsed = parsePatch('\n\n*** Begin Patch\r\n*** Delete File: a\r\n*** End Patch\r\n\n');
    expect(parsed.patch).toBe('*** Begin Patch\n*** Delete File: a\n*** End Patch');
    expect(parsed.hunks).toEqual([{ type: 'delete', path: 'a' }]);
  });

  it('records context lines (and empty lines) with their indices in old and new lines', () => {
    const [hunk] = parsePatch(
      wrap('*** Update File: f\n@@\n keep\n-old\n+new\n\n+added\n tail'),
    ).hunks;
    expect(hunk).toMatchObject({
      chunks: [
        {
          oldLines: ['keep', 'old', '', 'tail'],
          newLines: ['keep', 'new', '', 'added', 'tail'],
          contextLineIndices: [
            [0, 0],
            [2, 2],
            [3, 4],
          ],
        },
      ],
    });
  });

  it('lets the first chunk omit @@, but not a later one', () => {
    const [hunk] = parsePatch(wrap('*** Update File: file2.py\n import foo\n+bar')).hunks;
    expect(hunk).toMatchObject({
      chunks: [{ changeContext: [], oldLines: ['import foo'], newLines: ['import foo', 'bar'] }],
    });
    expect(parseError(wrap('*** Update File: f\n@@\n-a\n+b\nfoo')).message).toBe(
      "Invalid patch hunk on line 6: Expected update hunk to start with a @@ context marker, got: 'foo'",
    );
    const error = parseError(wrap('*** Update File: f\n@@\n-a\n+b\n@@\nbad'));
    expect(error.message).toBe(
      "Invalid patch hunk on line 7: Unexpected line found in update hunk: 'bad'. Every line should start with ' ' (context line), '+' (added line), or '-' (removed line)",
    );
  });

  it('splits chunks at each @@ and collects stacked @@ context lines', () => {
    const [hunk] = parsePatch(
      wrap(
        '*** Update File: f\n@@ class A\n@@   def run(self):\n-x\n+y\n@@\n-z\n+w\n*** End of File',
      ),
    ).hunks;
    expect(hunk).toMatchObject({
      chunks: [
        { changeContext: ['class A', '  def run(self):'], oldLines: ['x'], isEndOfFile: false },
        { changeContext: [], oldLines: ['z'], newLines: ['w'], isEndOfFile: true },
      ],
    });
  });

  it('accepts whitespace around the patch markers, hunk headers and Move to', () => {
    const parsed = parsePatch(
      ' *** Begin Patch \n  *** Update File: a.txt  \n   *** Move to: b.txt \n@@ \n-one\n+two\n*** End of File \n *** End Patch ',
    );
    expect(parsed.hunks).toEqual([
      {
        type: 'update',
        path: 'a.txt',
        movePath: 'b.txt',
        chunks: [
          {
            changeContext: [],
            oldLines: ['one'],
            newLines: ['two'],
            isEndOfFile: true,
            contextLineIndices: [],
          },
        ],
      },
    ]);
  });

  it.each(["<<'EOF'", '<<"EOF"', '<<EOF'])('strips a %s heredoc wrapper', (opener) => {
    const parsed: ParsedPatch = parsePatch(
      `${opener}\n*** Begin Patch\n*** Add File: foo\n+hi\n*** End Patch\nEOF\n`,
    );
    expect(parsed.hunks).toEqual([{ type: 'add', path: 'foo', contents: 'hi\n' }]);
    expect(parsed.patch).toBe('*** Begin Patch\n*** Add File: foo\n+hi\n*** End Patch');
  });

  it('reports a broken patch inside a heredoc wrapper', () => {
    expect(parseError("<<'EOF'\n*** Begin Patch\n*** Add File: foo\n+hi\nEOF").message).toBe(
      "Invalid patch: The last line of the patch must be '*** End Patch'",
    );
  });

  it('rejects text without the Begin / End markers', () => {
    const first = parseError('bad');
    expect(first.code).toBe('invalid_patch');
    expect(first.message).toBe(
      "Invalid patch: The first line of the patch must be '*** Begin Patch'",
    );
    expect(parseError('').message).toBe(
      "Invalid patch: The first line of the patch must be '*** Begin Patch'",
    );
    expect(parseError('*** Begin Patch\nbad').message).toBe(
      "Invalid patch: The last line of the patch must be '*** End Patch'",
    );
  });

  it('parses a patch without hunks (applying it is the error)', () => {
    expect(parsePatch('*** Begin Patch\n*** End Patch').hunks).toEqual([]);
  });

  it('names the line of an unknown hunk header', () => {
    const error = parseError('*** Begin Patch\n*** Frobnicate File: foo\n*** End Patch');
    expect(error.code).toBe('invalid_hunk');
    expect(error.line).toBe(2);
    expect(error.message).toBe(
      "Invalid patch hunk on line 2: '*** Frobnicate File: foo' is not a valid hunk header. Valid hunk headers: '*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'",
    );
  });

  it('rejects an Update without chunks', () => {
    const error = parseError('*** Begin Patch\n*** Update File: test.py\n*** End Patch');
    expect(error.line).toBe(2);
    expect(error.message).toBe(
      "Invalid patch hunk on line 2: Update file hunk for path 'test.py' is empty",
    );
  });

  it('rejects a chunk with a @@ but no lines', () => {
    expect(parseError(wrap('*** Update File: f\n@@ ctx')).message).toBe(
      'Invalid patch hunk on line 4: Update hunk does not contain any lines',
    );
    expect(parseError(wrap('*** Update File: f\n@@\n*** End of File')).message).toBe(
      'Invalid patch hunk on line 4: Update hunk does not contain any lines',
    );
  });

  it('rejects absolute paths, naming them', () => {
    for (const header of [
      '*** Add File: /etc/passwd\n+x',
      '*** Delete File: /etc/passwd',
      '*** Update File: /etc/passwd\n@@\n-a\n+b',
      '*** Update File: ok.txt\n*** Move to: /etc/passwd\n@@\n-a\n+b',
      '*** Delete File: C:\\Windows\\win.ini',
    ]) {
      const error = parseError(wrap(header));
      expect(error.code).toBe('invalid_hunk');
      expect(error.message).toMatch(
        /^Invalid patch hunk on line [23]: absolute path '(\/etc\/passwd|C:\\Windows\\win\.ini)' is not allowed; file paths in a patch must be relative to the working directory$/,
      );
    }
  });

  it('ends an Add File at the first line without +', () => {
    const parsed = parsePatch(wrap('*** Add File: a\n+1\n+\n*** Add File: b\n+2'));
    expect(parsed.hunks).toEqual([
      { type: 'add', path: 'a', contents: '1\n\n' },
      { type: 'add', path: 'b', contents: '2\n' },
    ]);
  });
});
