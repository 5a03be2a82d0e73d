import { describe, expect, it } from 'vitest';
import { extractPatchFromCommand, extractPatchFromScript } from '../src/tools/apply-patch/shell.js';

const PATCH = '*** Begin Patch\n*** Add File: foo\n+hi\n*** End Patch';
const heredoc = (prefix: string, suffix = '') =>
  `${prefix}apply_patch <<'PATCH'\n${PATCH}\nPATCH${suffix}`;

describe('extractPatchFromCommand', () => {
  it('takes the argument of apply_patch and applypatch as is', () => {
    expect(extractPatchFromCommand(['apply_patch', `${PATCH}\n`])).toEqual({ patch: `${PATCH}\n` });
    expect(extractPatchFromCommand(['applypatch', 'anything'])).toEqual({ patch: 'anything' });
  });

  it('reads a heredoc run by bash, zsh or sh with -lc or -c', () => {
    for (const shell of ['bash', 'zsh', 'sh', '/bin/bash', '/usr/bin/zsh']) {
      for (const flag of ['-lc', '-c']) {
        expect(extractPatchFromCommand([shell, flag, heredoc('')])).toEqual({ patch: PATCH });
      }
    }
    expect(extractPatchFromCommand(['bash', '-lc', heredoc('cd foo && ')])).toEqual({
      patch: PATCH,
      workdir: 'foo',
    });
  });

  it('is null for other commands', () => {
    expect(extractPatchFromCommand(['apply_patch'])).toBeNull();
    expect(extractPatchFromCommand(['apply_patch', PATCH, 'extra'])).toBeNull();
    expect(extractPatchFromCommand(['git', 'apply'])).toBeNull();
    expect(extractPatchFromCommand(['fish', '-c', heredoc('')])).toBeNull();
    expect(extractPatchFromCommand(['bash', '-x', heredoc('')])).toBeNull();
    expect(extractPatchFromCommand(['bash', '-lc', 'ls -la'])).toBeNull();
    expect(extractPatchFromCommand([PATCH])).toBeNull();
  });
});

describe('extractPatchFromScript', () => {
  it('reads the heredoc body, whatever the delimiter and its quoting', () => {
    expect(extractPatchFromScript(heredoc(''))).toEqual({ patch: PATCH });
    expect(extractPatchFromScript(`applypatch <<EOF\n${PATCH}\nEOF\n`)).toEqual({ patch: PATCH });
    expect(extractPatchFromScript(`  apply_patch <<"END"\n${PATCH}\nEND\n\n`)).toEqual({
      patch: PATCH,
    });
    expect(
      extractPatchFromScript(`apply_patch<<'EOF'\r\n${PATCH.replaceAll('\n', '\r\n')}\r\nEOF\r\n`),
    ).toEqual({
      patch: PATCH,
    });
  });

  it('keeps a line equal to the delimiter only when it closes the heredoc', () => {
    expect(extractPatchFromScript(`apply_patch <<'EOF'\n+EOF\n EOF\nEOF`)).toEqual({
      patch: '+EOF\n EOF',
    });
  });

  it('takes the folder of a leading cd', () => {
    expect(extractPatchFromScript(heredoc('cd foo && '))).toEqual({ patch: PATCH, workdir: 'foo' });
    expect(extractPatchFromScript(heredoc("cd 'foo bar' && "))).toEqual({
      patch: PATCH,
      workdir: 'foo bar',
    });
    expect(extractPatchFromScript(heredoc('cd "foo bar" && '))).toEqual({
      patch: PATCH,
      workdir: 'foo bar',
    });
    expect(extractPatchFromScript(heredoc('cd /abs/path&&'))).toEqual({
      patch: PATCH,
      workdir: '/abs/path',
    });
  });

  it.each([
    ['cd with ;', heredoc('cd foo; ')],
    ['cd with ||', heredoc('cd bar || ')],
    ['cd piped', heredoc('cd bar | ')],
    ['another command first', heredoc('echo foo && ')],
    ['a command before cd', heredoc('echo foo; cd bar && ')],
    ['two cds', heredoc('cd foo && cd bar && ')],
    ['cd with two arguments', heredoc('cd foo bar && ')],
    ['cd with an option', heredoc('cd -P foo && ')],
    ['cd to the previous folder', heredoc('cd - && ')],
    ['cd with expansion', heredoc('cd $HOME && ')],
    ['cd with a tilde', heredoc('cd ~/src && ')],
    ['cd into a double-quoted expansion', heredoc('cd "$DIR" && ')],
    ['apply_patch with an argument', `apply_patch foo <<'PATCH'\n${PATCH}\nPATCH`],
    ['a command after the heredoc', heredoc('', ' && echo done')],
    ['a command after the closing line', `${heredoc('')}\necho done`],
    ['an unterminated heredoc', `apply_patch <<'EOF'\n${PATCH}\n`],
    ['a <<- heredoc', `apply_patch <<-EOF\n${PATCH}\nEOF`],
    ['no heredoc', `apply_patch '${PATCH}'`],
    ['another command', 'ls -la'],
  ])('is null for %s', (_, script) => {
    expect(extractPatchFromScript(script)).toBeNull();
  });
});
