import { beforeAll, describe, expect, it } from 'vitest';
import { BashParserError, parseScriptCommands } from '../src/sandbox/bash-parser.js';
import {
  isKnownSafeCommand,
  isKnownSafeCommandAsync,
  loadBashParser,
  parseShellScript,
  splitShellScript,
} from '../src/sandbox/safe-command.js';

const onLinux = process.platform === 'linux';
const bash = (script: string) => ['bash', '-lc', script];

// Runs first: vitest gives every test file its own module graph, so nothing has loaded it yet.
describe('before loadBashParser', () => {
  it('parseShellScript throws a not_loaded error', () => {
    let thrown: unknown;
    try {
      parseShellScript('ls');
    } catch (error) {
      thrown = error;
    }
    expect(BashParserError.isInstance(thrown)).toBe(true);
    expect((thrown as BashParserError).code).toBe('not_loaded');
  });

  it('isKnownSafeCommand judges scripts not safe, and plain argv as usual', () => {
    expect(isKnownSafeCommand(bash('ls'))).toBe(false);
    expect(isKnownSafeCommand(['ls', '-la'])).toBe(true);
    expect(isKnownSafeCommand(['rm', 'x'])).toBe(false);
  });

  it('isKnownSafeCommandAsync loads the parser first', async () => {
    expect(await isKnownSafeCommandAsync(bash('ls && pwd'))).toBe(true);
    expect(isKnownSafeCommand(bash('ls && pwd'))).toBe(true);
  });
});

describe('with the parser loaded', () => {
  beforeAll(() => loadBashParser());

  it('loadBashParser is memoized', () => {
    expect(loadBashParser()).toBe(loadBashParser());
  });

  describe('plain argv', () => {
    const allowlisted: [string[], boolean][] = [
      [['cat', 'README.md'], true],
      [['cd', 'src'], true],
      [['cut', '-d,', '-f1', 'a.csv'], true],
      [['echo', 'hi'], true],
      [['expr', '1', '+', '2'], true],
      [['false'], true],
      [['grep', '-R', 'foo', '.'], true],
      [['head', '-n', '5', 'a'], true],
      [['id', '-u'], true],
      [['ls', '-la'], true],
      [['nl', '-nrz', 'Cargo.toml'], true],
      [['paste', 'a', 'b'], true],
      [['pwd'], true],
      [['rev', 'a'], true],
      [['seq', '10'], true],
      [['stat', 'a'], true],
      [['tail', '-f', 'log'], true],
      [['tr', 'a-z', 'A-Z'], true],
      [['true'], true],
      [['uname', '-a'], true],
      [['uniq', '-c'], true],
      [['wc', '-l', 'a'], true],
      [['which', 'node'], true],
      [['whoami'], true],
      [['numfmt', '1000'], onLinux],
      [['tac', 'Cargo.toml'], onLinux],
      // The allowlist is keyed by the file name, as in the original.
      [['/bin/ls', '-la'], true],
      [['/usr/bin/cat', 'a'], true],
      [['./grep', 'x'], true],
    ];
    const base64: [string[], boolean][] = [
      [['base64'], true],
      [['base64', 'file'], true],
      [['base64', '-d', 'file'], true],
      [['base64', '-w', '0', 'file'], true],
      [['base64', '-'], true],
      [['base64', '-o', 'out.bin'], false],
      [['base64', '--output', 'out.bin'], false],
      [['base64', '--output=out.bin'], false],
      [['base64', '-ob64.txt'], false],
      [['base64', 'in', '-o', 'out'], false],
      [['base64', '-Do', 'out'], false],
      [['base64', '--out=x'], false],
      [['base64', '--o', 'x'], false],
    ];
    const find: [string[], boolean][] = [
      [['find', '.', '-name', 'file.txt'], true],
      [['find', '.', '-name', '*.ts'], true],
      [['find', '.', '-type', 'f', '-print0'], true],
      [['find', 'src', '-newer', 'a', '-ls'], true],
      [['find', '.', '-name', 'file.txt', '-exec', 'rm', '{}', ';'], false],
      [['find', '.', '-name', '*.py', '-execdir', 'python3', '{}', ';'], false],
      [['find', '.', '-name', 'file.txt', '-ok', 'rm', '{}', ';'], false],
      [['find', '.', '-name', '*.py', '-okdir', 'python3', '{}', ';'], false],
      [['find', '.', '-delete', '-name', 'file.txt'], false],
      [['find', '.', '-fls', '/etc/passwd'], false],
      [['find', '.', '-fprint', '/etc/passwd'], false],
      [['find', '.', '-fprint0', '/etc/passwd'], false],
      [['find', '.', '-fprintf', '/root/suid.txt', '%#m %u %p\n'], false],
    ];
    const ripgrep: [string[], boolean][] = [
      [['rg', 'Cargo.toml', '-n'], true],
      [['rg', '-g', '*.ts', 'foo'], true],
      [['rg', '--hidden', '-i', 'foo', 'src'], true],
      [['rg', '--pre', 'pwned', 'files'], false],
      [['rg', '--pre=pwned', 'files'], false],
      [['rg', '--hostname-bin', 'pwned', 'files'], false],
      [['rg', '--hostname-bin=pwned', 'files'], false],
      [['rg', '-z', 'files'], false],
      [['rg', '--search-zip', 'files'], false],
      [['rg', '-nz', 'files'], false],
    ];
    const sed: [string[], boolean][] = [
      [['sed', '-n', '5p'], true],
      [['sed', '-n', '1,5p', 'file.txt'], true],
      [['sed', '-n', '10,200p', 'a.txt'], true],
      [['sed', '-n', 'xp', 'file.txt'], false],
      [['sed', '-n', '1,2,3p', 'file.txt'], false],
      [['sed', '-n', ',5p', 'file.txt'], false],
      [['sed', '-n', '1,p', 'file.txt'], false],
      [['sed', '-n', 'p', 'file.txt'], false],
      [['sed', '-n', '$p', 'file.txt'], false],
      [['sed', '-n', '1,5p', 'a', 'b'], false],
      [['sed', '-n'], false],
      [['sed', '1,5p', 'file.txt'], false],
      [['sed', '-i', 's/a/b/', 'a.txt'], false],
      [['sed', '-n', '1p', '-ew/tmp/x'], false],
      [['sed', '-n', '1p', '--expression=w/tmp/x'], false],
    ];
    const others: [string[], boolean][] = [
      [['git', 'status'], false],
      [['git', 'diff', '-p'], false],
      [['git', 'log', '-p', '-1'], false],
      [['git', 'show', '-p', 'HEAD'], false],
      [['git', 'branch', '--show-current'], false],
      [['rm', '-rf', '/'], false],
      [['cp', 'a', 'b'], false],
      [['tee', 'out'], false],
      [['cargo', 'check'], false],
      [['python3', '-c', 'print(1)'], false],
      [['env', 'ls'], false],
      [['sudo', 'ls'], false],
      [['xargs', 'cat'], false],
      [['foo'], false],
      [[], false],
      [[''], false],
    ];
    it.each([...allowlisted, ...base64, ...find, ...ripgrep, ...sed, ...others])(
      '%j → %s',
      (argv, safe) => {
        expect(isKnownSafeCommand(argv)).toBe(safe);
      },
    );
  });

  describe('shell wrappers', () => {
    it.each<[string[], boolean]>([
      [['bash', '-lc', 'ls'], true],
      [['bash', '-c', 'ls'], true],
      [['zsh', '-lc', 'ls'], true],
      [['zsh', '-c', 'ls'], true],
      [['sh', '-c', 'ls'], true],
      [['sh', '-lc', 'ls'], true],
      [['/bin/bash', '-lc', 'ls'], true],
      [['/usr/bin/zsh', '-lc', 'ls'], true],
      [['/opt/homebrew/bin/bash', '-c', 'ls'], true],
      [['/bin/sh', '-c', 'ls'], true],
      [['fish', '-c', 'ls'], false],
      [['dash', '-c', 'ls'], false],
      [['/tmp/bash', '-lc', 'ls'], false],
      [['./bash', '-lc', 'ls'], false],
      [['bash', '-l', '-c', 'ls'], false],
      [['bash', '-ic', 'ls'], false],
      [['bash', '-lc', 'ls', 'extra'], false],
      [['bash', '-lc', 'git', 'status'], false],
      [['bash', '-lc'], false],
      [['bash', 'script.sh'], false],
      [['bash'], false],
      [['pwsh', '-Command', 'Get-Location'], false],
    ])('%j → %s', (argv, safe) => {
      expect(isKnownSafeCommand(argv)).toBe(safe);
    });
  });

  describe('bash -lc scripts', () => {
    const safe = [
      'ls',
      'ls -1',
      'ls && pwd',
      'ls || true',
      'ls; pwd',
      'ls;',
      'ls | wc -l',
      'ls\npwd',
      'ls &&\npwd',
      'ls \\\n  -l',
      'cat a | grep x | wc -l && echo done; pwd || true',
      'grep -R "Cargo.toml" -n || true',
      "echo 'hi' ; ls",
      "grep 'a b' file",
      'echo "hello world"',
      `echo "/usr"'/'"local"/bin`,
      'sed -n 1,5p file.txt',
      "sed -n '1,5p' file.txt",
      'find . -name file.txt',
      "find . -name '*.py' -type f",
      'rg -n "foo" -g"*.py"',
      "grep -n 'pattern' -g'*.txt'",
      'echo 123 456',
      'echo -1 0x1',
      'base64 -d file',
      '\\ls',
      'echo a\\ b',
      'ls *.py',
      'cat ~/notes.txt',
      'echo ""',
      "echo ''",
      'echo "{a,b}"',
      'echo x{y}',
      'echo "line1\nline2"',
      '/bin/ls -la',
    ];
    const unsafe = [
      // Programs that are not safe.
      'git status',
      'git log -p -1',
      "'git status'",
      'ls && rm -rf /',
      'ls | sh',
      'bash -c ls',
      'time ls',
      'sudo ls',
      'find . -name file.txt -delete',
      'rg --pre=sh foo',
      'sed -i s/a/b/ f',
      // The program must be a bare word.
      "'ls'",
      '"ls"',
      "l's'",
      // Redirections, heredocs, here-strings.
      'ls > out.txt',
      'ls >> out.txt',
      'cat < in.txt',
      'ls 2>&1',
      'ls &> out',
      'cat <<EOF\nhello\nEOF',
      "cat <<'EOF'\nhello\nEOF",
      'cat <<< hi',
      // Substitutions and expansions.
      'echo $(pwd)',
      'echo `pwd`',
      'echo $HOME',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, on purpose.
      'echo ${HOME}',
      'echo "hi $x"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, on purpose.
      'echo "hi ${USER}"',
      'echo "$(pwd)"',
      'rg -g"$VAR" pattern',
      'rg -g"$(pwd)" pattern',
      'echo $((1 + 2))',
      'cat <(ls)',
      'cat >(ls)',
      "echo $'a'",
      'echo $"a"',
      'echo a$',
      'echo "a$"',
      // Brace expansion turns one word into several.
      'echo {a,b}',
      'echo {1..3}',
      'find . -exe{c,} rm {} \\;',
      // What bash reads differently from a naive word: escapes and line continuations.
      'find . -exe\\c rm {} \\;',
      'find . -exe\\\nc rm {} \\;',
      // Globs could turn a file name into an option of a conditional program.
      'find . -name *.py',
      'rg foo *',
      'sed -n 1p *.txt',
      'base64 [ab]',
      '/bin/l? -la',
      // Grouping, background jobs, assignments, control flow.
      '(ls)',
      'ls || (pwd && echo hi)',
      '{ ls; }',
      'ls &',
      'echo hi & echo bye',
      'ls |& wc',
      'FOO=bar ls',
      'a=b',
      '! ls',
      'if true; then ls; fi',
      'for f in a; do cat f; done',
      'while true; do ls; done',
      'case a in a) ls;; esac',
      'f() { ls; }',
      '[[ -f x ]]',
      'ls # comment',
      // Parse errors and empty command positions.
      'ls &&',
      '&& ls',
      'ls ;; pwd',
      'ls | | wc',
      "echo 'unterminated",
      'echo "unterminated',
      'echo a\\',
      'ls *(e:rm:)',
      'ls =(pwd)',
      // No commands at all.
      '',
      '   ',
    ];
    it.each(safe)('%j is safe', (script) => {
      expect(isKnownSafeCommand(bash(script))).toBe(true);
    });
    it.each(unsafe)('%j is not safe', (script) => {
      expect(isKnownSafeCommand(bash(script))).toBe(false);
    });
  });

  describe('parseShellScript', () => {
    it.each<[string, string[][] | null]>([
      ['ls -1', [['ls', '-1']]],
      ["ls && pwd; echo 'hi there' | wc -l", [['ls'], ['pwd'], ['echo', 'hi there'], ['wc', '-l']]],
      ['ls\npwd', [['ls'], ['pwd']]],
      ['echo "hello world"', [['echo', 'hello world']]],
      ['git commit -m "line1\nline2"', [['git', 'commit', '-m', 'line1\nline2']]],
      [`echo "/usr"'/'"local"/bin`, [['echo', '/usr/local/bin']]],
      [`echo '/usr'"/"'local'/bin`, [['echo', '/usr/local/bin']]],
      ['rg -n "foo" -g"*.py"', [['rg', '-n', 'foo', '-g*.py']]],
      ['echo 123 456', [['echo', '123', '456']]],
      ['echo "a\\$b\\"c\\\\d\\x"', [['echo', 'a$b"c\\d\\x']]],
      ["echo 'a\\$b'", [['echo', 'a\\$b']]],
      ['echo "a\\\nb"', [['echo', 'ab']]],
      ['echo a\\ b \\$HOME', [['echo', 'a b', '$HOME']]],
      ['\\ls', [['ls']]],
      ['find . -exec rm {} \\;', [['find', '.', '-exec', 'rm', '{}', ';']]],
      ['echo ""', [['echo', '']]],
      ['ls \\\n-l', [['ls', '-l']]],
      ['', []],
      ['echo \'\'""', null],
      ['echo a\\\nb', null],
      ['echo {a,b}', null],
      ['FOO=bar ls', null],
      ['ls > out', null],
      ['echo $x', null],
      ['ls &&', null],
    ])('%j → %j', (script, commands) => {
      expect(parseShellScript(script)).toEqual(commands);
    });

    it('splitShellScript is parseShellScript', () => {
      expect(splitShellScript).toBe(parseShellScript);
    });

    it('marks the words a shell would glob', () => {
      expect(parseScriptCommands('ls *.py "*.md" \\*.txt [ab]c a?b')).toEqual([
        {
          argv: ['ls', '*.py', '*.md', '*.txt', '[ab]c', 'a?b'],
          globbed: [false, true, false, false, true, true],
        },
      ]);
    });
  });

  it('parses 1,000 scripts', () => {
    let parsed = 0;
    for (let i = 0; i < 1000; i++) {
      const script = `grep -n 'pattern ${i}' src/file${i}.ts | head -${i} && echo "done ${i}"; wc -l f${i}`;
      if (parseShellScript(script)?.length === 4) parsed++;
    }
    expect(parsed).toBe(1000);
  });
});
