import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPatch } from '../src/tools/apply-patch/apply.js';
import { parsePatch } from '../src/tools/apply-patch/parser.js';
import { applyChunks } from '../src/tools/apply-patch/update-file.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'codex-apply-patch-eol-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The bytes of `input` (as text) after an Update whose body (after `@@`) is `chunks`. */
async function update(input: string, chunks: string): Promise<string> {
  writeFileSync(join(root, 'file.txt'), input);
  await applyPatch(`*** Begin Patch\n*** Update File: file.txt\n${chunks}\n*** End Patch`, root);
  return readFileSync(join(root, 'file.txt'), 'latin1');
}

describe('line endings', () => {
  it('gives new lines of a CRLF file CRLF endings (upstream 023)', async () => {
    expect(await update('one\r\ntwo\r\nthree\r\n', '@@\n-one\n+ONE\n two\n+between\n three')).toBe(
      'ONE\r\ntwo\r\nbetween\r\nthree\r\n',
    );
  });

  it('keeps each line’s ending in a mixed file; new lines take the first ending (upstream 024)', async () => {
    expect(
      await update('one\r\ntwo\rthree\nfour\r\n', '@@\n one\n two\n-three\n+THREE\n four'),
    ).toBe('one\r\ntwo\rTHREE\r\nfour\r\n');
    expect(await update('one\ntwo\r\nthree\r\n', '@@\n one\n-two\n+TWO\n+2b\n three')).toBe(
      'one\nTWO\n2b\nthree\r\n',
    );
  });

  it('keeps the ending of the context line a patch names, not of the removed twin', async () => {
    expect(await update('same\r\nsame\n', '@@\n-same\n same')).toBe('same\n');
  });

  it('ends an unterminated last line with the file’s ending', async () => {
    expect(await update('one\r\ntwo', '@@\n-one\n+ONE')).toBe('ONE\r\ntwo\r\n');
  });

  it('uses LF in a file without any line ending', async () => {
    expect(await update('only', '@@\n only\n+next')).toBe('only\nnext\n');
  });

  it('appends with the file’s ending', async () => {
    expect(await update('a\r\nb\r\n', '@@\n+c')).toBe('a\r\nb\r\nc\r\n');
  });

  it('matches a CRLF patch against an LF file and writes LF', async () => {
    expect(await update('a\nb\n', '@@\r\n a\r\n-b\r\n+B')).toBe('a\nB\n');
  });

  it('treats a chunk without context indices like a parsed one', () => {
    const [hunk] = parsePatch(
      '*** Begin Patch\n*** Update File: f\n@@\n keep\n-old\n+new\n*** End Patch',
    ).hunks;
    if (hunk?.type !== 'update') throw new Error('expected an update');
    const [chunk] = hunk.chunks;
    if (chunk === undefined) throw new Error('expected a chunk');
    const { contextLineIndices: _, ...handMade } = chunk;
    // The context line keeps its LF although new lines get the file's first ending, CRLF.
    const original = 'x\r\nkeep\nold\n';
    expect(applyChunks(original, [handMade], '/f')).toBe('x\r\nkeep\nnew\r\n');
    expect(applyChunks(original, [chunk], '/f')).toBe('x\r\nkeep\nnew\r\n');
  });
});
