import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPatch } from '../src/tools/apply-patch/apply.js';
import { ApplyPatchError } from '../src/tools/apply-patch/errors.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'codex-apply-patch-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const wrap = (body: string) => `*** Begin Patch\n${body}\n*** End Patch`;

function write(path: string, text: string | Buffer): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Every folder (ending with `/`) and file (with its text) under the root. */
function tree(folder = root): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      entries[`${relative(root, path)}/`] = '';
      Object.assign(entries, tree(path));
    } else entries[relative(root, path)] = readFileSync(path, 'utf8');
  }
  return entries;
}

async function applyError(patch: string): Promise<ApplyPatchError> {
  try {
    await applyPatch(patch, root);
  } catch (error) {
    if (ApplyPatchError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('applyPatch succeeded');
}

describe('applyPatch', () => {
  it('adds, deletes and updates files, reporting them as the original does', async () => {
    write('modify.txt', 'line1\nline2\n');
    write('delete.txt', 'obsolete\n');
    const result = await applyPatch(
      wrap(
        '*** Add File: nested/new.txt\n+created\n*** Delete File: delete.txt\n*** Update File: modify.txt\n@@\n-line2\n+changed',
      ),
      root,
    );
    expect(result.stdout).toBe(
      'Success. Updated the following files:\nA nested/new.txt\nM modify.txt\nD delete.txt\n',
    );
    expect(result.added).toEqual(['nested/new.txt']);
    expect(result.modified).toEqual(['modify.txt']);
    expect(result.deleted).toEqual(['delete.txt']);
    expect(tree()).toEqual({
      'modify.txt': 'line1\nchanged\n',
      'nested/': '',
      'nested/new.txt': 'created\n',
    });
    expect(result.changes).toEqual({
      [join(root, 'nested/new.txt')]: { type: 'add', content: 'created\n' },
      [join(root, 'delete.txt')]: { type: 'delete', content: 'obsolete\n' },
      [join(root, 'modify.txt')]: {
        type: 'update',
        unified_diff: '@@ -1,2 +1,2 @@\n line1\n-line2\n+changed\n',
        move_path: null,
      },
    });
  });

  it('applies several chunks of one file in order', async () => {
    write('multi.txt', 'line1\nline2\nline3\nline4\n');
    await applyPatch(
      wrap('*** Update File: multi.txt\n@@\n-line2\n+changed2\n@@\n-line4\n+changed4'),
      root,
    );
    expect(read('multi.txt')).toBe('line1\nchanged2\nline3\nchanged4\n');
  });

  it('moves a file into new folders, keeping the source folder and its other files', async () => {
    write('old/name.txt', 'old content\n');
    write('old/other.txt', 'other\n');
    const result = await applyPatch(
      wrap(
        '*** Update File: old/name.txt\n*** Move to: renamed/dir/name.txt\n@@\n-old content\n+new content',
      ),
      root,
    );
    expect(result.stdout).toBe('Success. Updated the following files:\nM renamed/dir/name.txt\n');
    expect(tree()).toEqual({
      'old/': '',
      'old/other.txt': 'other\n',
      'renamed/': '',
      'renamed/dir/': '',
      'renamed/dir/name.txt': 'new content\n',
    });
    expect(result.changes[join(root, 'old/name.txt')]).toEqual({
      type: 'update',
      unified_diff: '@@ -1 +1 @@\n-old content\n+new content\n',
      move_path: join(root, 'renamed/dir/name.txt'),
    });
  });

  it('overwrites the destination of a move', async () => {
    write('from.txt', 'from\n');
    write('to.txt', 'existing\n');
    await applyPatch(wrap('*** Update File: from.txt\n*** Move to: to.txt\n@@\n-from\n+new'), root);
    expect(tree()).toEqual({ 'to.txt': 'new\n' });
  });

  it('treats a move onto the same path as an update', async () => {
    write('same.txt', 'a\n');
    await applyPatch(wrap('*** Update File: same.txt\n*** Move to: ./same.txt\n@@\n-a\n+b'), root);
    expect(tree()).toEqual({ 'same.txt': 'b\n' });
  });

  it('overwrites an existing file on Add', async () => {
    write('duplicate.txt', 'old content\n');
    const result = await applyPatch(wrap('*** Add File: duplicate.txt\n+new content'), root);
    expect(result.stdout).toBe('Success. Updated the following files:\nA duplicate.txt\n');
    expect(read('duplicate.txt')).toBe('new content\n');
  });

  it('keeps the permissions of an updated file, and a moved file takes its source’s', async () => {
    write('run.sh', 'echo one\n');
    chmodSync(join(root, 'run.sh'), 0o750);
    write('moved.sh', 'echo two\n');
    chmodSync(join(root, 'moved.sh'), 0o700);
    await applyPatch(
      wrap(
        '*** Update File: run.sh\n@@\n-echo one\n+echo 1\n*** Update File: moved.sh\n*** Move to: bin/moved.sh\n@@\n-echo two\n+echo 2',
      ),
      root,
    );
    expect(statSync(join(root, 'run.sh')).mode & 0o777).toBe(0o750);
    expect(statSync(join(root, 'bin/moved.sh')).mode & 0o777).toBe(0o700);
  });

  it('leaves earlier hunks applied when a later one fails, and reports them', async () => {
    const error = await applyError(
      wrap('*** Add File: created.txt\n+hello\n*** Update File: missing.txt\n@@\n-old\n+new'),
    );
    const missing = join(root, 'missing.txt');
    expect(error.code).toBe('missing_file');
    expect(error.path).toBe(missing);
    expect(error.message).toBe(
      `Failed to read file to update ${missing}: No such file or directory (os error 2)`,
    );
    expect(error.partial).toEqual({
      added: ['created.txt'],
      modified: [],
      deleted: [],
      changes: { [join(root, 'created.txt')]: { type: 'add', content: 'hello\n' } },
    });
    expect(tree()).toEqual({ 'created.txt': 'hello\n' });
  });

  it('leaves a file untouched when its chunk is not found, naming the lines', async () => {
    write('modify.txt', 'line1\nline2\n');
    const error = await applyError(
      wrap('*** Update File: modify.txt\n@@\n-line1\n+first\n@@\n-missing\n-lines\n+changed'),
    );
    expect(error.code).toBe('missing_context');
    expect(error.message).toBe(
      `Failed to find expected lines in ${join(root, 'modify.txt')}:\nmissing\nlines`,
    );
    expect(error.partial?.modified).toEqual([]);
    expect(read('modify.txt')).toBe('line1\nline2\n');
  });

  it('fails on a @@ context line that is not in the file', async () => {
    write('a.py', 'def f():\n    pass\n');
    const error = await applyError(wrap('*** Update File: a.py\n@@ def g():\n-    pass\n+    1'));
    expect(error.code).toBe('missing_context');
    expect(error.message).toBe(`Failed to find context 'def g():' in ${join(root, 'a.py')}`);
  });

  it('refuses to delete a missing file or a folder', async () => {
    write('dir/foo.txt', 'x\n');
    const missing = await applyError(wrap('*** Delete File: missing.txt'));
    expect(missing.code).toBe('missing_file');
    expect(missing.message).toBe(`Failed to delete file ${join(root, 'missing.txt')}`);
    const folder = await applyError(wrap('*** Delete File: dir'));
    expect(folder.code).toBe('io');
    expect(folder.message).toBe(`Failed to delete file ${join(root, 'dir')}`);
    expect(tree()).toEqual({ 'dir/': '', 'dir/foo.txt': 'x\n' });
  });

  it('refuses an empty patch and writes nothing for a patch that does not parse', async () => {
    const empty = await applyError('*** Begin Patch\n*** End Patch');
    expect(empty.code).toBe('empty_patch');
    expect(empty.message).toBe('No files were modified.');
    const invalid = await applyError(wrap('*** Add File: a.txt\n+a\n*** Frobnicate File: foo'));
    expect(invalid.code).toBe('invalid_hunk');
    expect(invalid.partial).toBeUndefined();
    expect(tree()).toEqual({});
  });

  it('resolves paths against cwd and refuses absolute ones before writing anything', async () => {
    const outside = join(root, 'outside.txt');
    const error = await applyError(
      wrap(`*** Add File: inside.txt\n+a\n*** Add File: ${outside}\n+b`),
    );
    expect(error.code).toBe('invalid_hunk');
    expect(error.message).toContain(`absolute path '${outside}' is not allowed`);
    expect(tree()).toEqual({});
  });

  it('appends the lines of a chunk without old lines at the end of the file', async () => {
    write('input.txt', 'line1\nline2\n');
    await applyPatch(wrap('*** Update File: input.txt\n@@\n+added line 1\n+added line 2'), root);
    expect(read('input.txt')).toBe('line1\nline2\nadded line 1\nadded line 2\n');
  });

  it('ends an updated file with a newline', async () => {
    write('no_newline.txt', 'no newline at end');
    await applyPatch(
      wrap('*** Update File: no_newline.txt\n@@\n-no newline at end\n+first line\n+second line'),
      root,
    );
    expect(read('no_newline.txt')).toBe('first line\nsecond line\n');
  });

  it('deletes only the removed line of a chunk with context', async () => {
    write('lines.txt', 'line1\nline2\nline3\n');
    await applyPatch(wrap('*** Update File: lines.txt\n@@\n line1\n-line2\n line3'), root);
    expect(read('lines.txt')).toBe('line1\nline3\n');
  });

  it('anchors an End of File chunk at the end of the file', async () => {
    write('tail.txt', 'x\nsame\nmiddle\nsame\n');
    await applyPatch(wrap('*** Update File: tail.txt\n@@\n-same\n+last\n*** End of File'), root);
    expect(read('tail.txt')).toBe('x\nsame\nmiddle\nlast\n');
  });

  it('narrows the location with stacked @@ context lines', async () => {
    write(
      'a.py',
      'class A:\n    def run(self):\n        return 1\nclass B:\n    def run(self):\n        return 1\n',
    );
    await applyPatch(
      wrap(
        '*** Update File: a.py\n@@ class B:\n@@     def run(self):\n-        return 1\n+        return 2',
      ),
      root,
    );
    expect(read('a.py')).toBe(
      'class A:\n    def run(self):\n        return 1\nclass B:\n    def run(self):\n        return 2\n',
    );
  });

  it('keeps the file’s version of a context line matched loosely', async () => {
    write('f.txt', '  keep  \nold\n');
    await applyPatch(wrap('*** Update File: f.txt\n@@\n keep\n-old\n+new'), root);
    expect(read('f.txt')).toBe('  keep  \nnew\n');
  });

  it('matches and writes non-ASCII text', async () => {
    write('foo.txt', 'line1\nnaïve café\nline3\n');
    await applyPatch(
      wrap('*** Update File: foo.txt\n@@\n line1\n-naïve café\n+naïve café ✅'),
      root,
    );
    expect(readFileSync(join(root, 'foo.txt'))).toEqual(
      Buffer.from('line1\nnaïve café ✅\nline3\n', 'utf8'),
    );
  });

  it('matches typographic punctuation with ASCII in the patch', async () => {
    write('doc.md', 'Use \u201cquotes\u201d \u2014 not dashes\n');
    await applyPatch(wrap('*** Update File: doc.md\n@@\n-Use "quotes" - not dashes\n+Fixed'), root);
    expect(read('doc.md')).toBe('Fixed\n');
  });

  it('refuses to update a file that is not UTF-8', async () => {
    write('bin.dat', Buffer.from([0x66, 0xff, 0x0a]));
    const error = await applyError(wrap('*** Update File: bin.dat\n@@\n-f\n+g'));
    expect(error.code).toBe('io');
    expect(error.message).toBe(
      `Failed to read file to update ${join(root, 'bin.dat')}: stream did not contain valid UTF-8`,
    );
    expect(existsSync(join(root, 'bin.dat'))).toBe(true);
  });

  it('applies a parsed patch and a heredoc-wrapped one', async () => {
    await applyPatch(
      "<<'EOF'\n*** Begin Patch\n*** Add File: h.txt\n+hi\n*** End Patch\nEOF",
      root,
    );
    expect(read('h.txt')).toBe('hi\n');
    await applyPatch({ patch: '', hunks: [{ type: 'delete', path: 'h.txt' }] }, root);
    expect(tree()).toEqual({});
  });
});
