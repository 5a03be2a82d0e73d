import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApplyPatchError } from '../src/tools/apply-patch/errors.js';
import { previewPatch } from '../src/tools/apply-patch/preview.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'codex-apply-patch-preview-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const wrap = (body: string) => `*** Begin Patch\n${body}\n*** End Patch`;

async function previewError(patch: string): Promise<ApplyPatchError> {
  try {
    await previewPatch(patch, root);
  } catch (error) {
    if (ApplyPatchError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('previewPatch succeeded');
}

describe('previewPatch', () => {
  it('computes each file’s change, keyed by absolute path, without writing', async () => {
    writeFileSync(join(root, 'modify.txt'), 'a\nb\nc\nd\ne\n');
    writeFileSync(join(root, 'delete.txt'), 'bye\n');
    writeFileSync(join(root, 'move.txt'), 'm\n');
    const preview = await previewPatch(
      wrap(
        [
          '*** Add File: dir/new.txt',
          '+hello',
          '*** Delete File: delete.txt',
          '*** Update File: modify.txt',
          '@@',
          ' c',
          '-d',
          '+D',
          '*** Update File: move.txt',
          '*** Move to: sub/moved.txt',
          '@@',
          '+n',
        ].join('\n'),
      ),
      root,
    );
    expect(preview.cwd).toBe(root);
    expect(preview.changes).toEqual({
      [join(root, 'dir/new.txt')]: { type: 'add', content: 'hello\n' },
      [join(root, 'delete.txt')]: { type: 'delete', content: 'bye\n' },
      [join(root, 'modify.txt')]: {
        type: 'update',
        unified_diff: '@@ -3,3 +3,3 @@\n c\n-d\n+D\n e\n',
        move_path: null,
      },
      [join(root, 'move.txt')]: {
        type: 'update',
        unified_diff: '@@ -1 +1,2 @@\n m\n+n\n',
        move_path: join(root, 'sub/moved.txt'),
      },
    });
    expect(Object.keys(preview.changes)).toEqual([
      join(root, 'dir/new.txt'),
      join(root, 'delete.txt'),
      join(root, 'modify.txt'),
      join(root, 'move.txt'),
    ]);
    expect(readdirSync(root).sort()).toEqual(['delete.txt', 'modify.txt', 'move.txt']);
    expect(readFileSync(join(root, 'modify.txt'), 'utf8')).toBe('a\nb\nc\nd\ne\n');
  });

  it('sees earlier hunks of the same patch', async () => {
    const preview = await previewPatch(
      wrap('*** Add File: a.txt\n+one\n*** Update File: a.txt\n@@\n-one\n+two'),
      root,
    );
    expect(preview.changes).toEqual({
      [join(root, 'a.txt')]: {
        type: 'update',
        unified_diff: '@@ -1 +1 @@\n-one\n+two\n',
        move_path: null,
      },
    });
    const deleted = await previewError(
      wrap('*** Add File: b.txt\n+x\n*** Delete File: b.txt\n*** Delete File: b.txt'),
    );
    expect(deleted.code).toBe('missing_file');
    expect(readdirSync(root)).toEqual([]);
  });

  it('throws what applying would throw, without a partial result', async () => {
    writeFileSync(join(root, 'modify.txt'), 'line1\n');
    mkdirSync(join(root, 'dir'));
    const missingContext = await previewError(
      wrap('*** Add File: x.txt\n+x\n*** Update File: modify.txt\n@@\n-missing\n+changed'),
    );
    expect(missingContext.code).toBe('missing_context');
    expect(missingContext.message).toBe(
      `Failed to find expected lines in ${join(root, 'modify.txt')}:\nmissing`,
    );
    expect(missingContext.partial).toBeUndefined();

    const missingFile = await previewError(wrap('*** Update File: nope.txt\n@@\n-a\n+b'));
    expect(missingFile.code).toBe('missing_file');
    expect(missingFile.message).toBe(
      `Failed to read file to update ${join(root, 'nope.txt')}: No such file or directory (os error 2)`,
    );

    const folder = await previewError(wrap('*** Delete File: dir'));
    expect(folder.code).toBe('io');
    expect(folder.message).toBe(`Failed to delete file ${join(root, 'dir')}`);

    const overFolder = await previewError(wrap('*** Add File: dir\n+x'));
    expect(overFolder.message).toBe(`Failed to write file ${join(root, 'dir')}`);

    expect((await previewError('*** Begin Patch\n*** End Patch')).code).toBe('empty_patch');
    expect(readdirSync(root).sort()).toEqual(['dir', 'modify.txt']);
  });

  it('keeps CRLF in the diff of a CRLF file', async () => {
    writeFileSync(join(root, 'crlf.txt'), 'one\r\ntwo\r\n');
    const preview = await previewPatch(wrap('*** Update File: crlf.txt\n@@\n one\n-two\n+2'), root);
    expect(preview.changes[join(root, 'crlf.txt')]).toEqual({
      type: 'update',
      unified_diff: '@@ -1,2 +1,2 @@\n one\r\n-two\r\n+2\r\n',
      move_path: null,
    });
  });
});
