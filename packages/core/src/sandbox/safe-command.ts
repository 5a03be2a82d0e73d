/** Commands that only read, whatever their arguments (the original's allowlist). */
const ALWAYS_SAFE = new Set([
  'cat',
  'cd',
  'cut',
  'echo',
  'expr',
  'false',
  'grep',
  'head',
  'id',
  'ls',
  'nl',
  'paste',
  'pwd',
  'rev',
  'seq',
  'stat',
  'tail',
  'tr',
  'true',
  'uname',
  'uniq',
  'wc',
  'which',
  'whoami',
  ...(process.platform === 'linux' ? ['numfmt', 'tac'] : []),
]);

const FIND_UNSAFE = new Set([
  '-exec',
  '-execdir',
  '-ok',
  '-okdir',
  '-delete',
  '-fls',
  '-fprint',
  '-fprint0',
  '-fprintf',
]);
const RG_UNSAFE = new Set(['--pre', '--hostname-bin', '-z', '--search-zip']);

function isSafeArgv(argv: readonly string[]): boolean {
  const [program, ...args] = argv;
  if (program === undefined) return false;
  const name = program.split('/').pop() ?? program;
  if (ALWAYS_SAFE.has(name)) return true;
  switch (name) {
    case 'base64':
      return !args.some((arg) => arg === '-o' || arg.startsWith('--output'));
    case 'find':
      return !args.some((arg) => FIND_UNSAFE.has(arg));
    case 'rg':
      return !args.some(
        (arg) =>
          RG_UNSAFE.has(arg) || arg.startsWith('--pre=') || arg.startsWith('--hostname-bin='),
      );
    case 'sed':
      // Only `sed -n N[,M]p [file]`: printing a line range.
      return (
        args.length >= 2 &&
        args.length <= 3 &&
        args[0] === '-n' &&
        /^\d+(,\d+)?p$/.test(args[1] ?? '')
      );
    default:
      return false;
  }
}

/**
 * Splits a plain shell script into words and the operators `&&`, `||`, `;` and `|`. Returns
 * null for anything richer (expansions, substitutions, redirections, subshells, globs,
 * background jobs), which is never judged safe.
 */
export function splitPlainScript(script: string): string[][] | null {
  const commands: string[][] = [[]];
  let word: string | null = null;
  const endWord = () => {
    if (word !== null) commands[commands.length - 1]?.push(word);
    word = null;
  };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i] as string;
    if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) return null;
      word = (word ?? '') + script.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      const end = script.indexOf('"', i + 1);
      if (end < 0) return null;
      const inner = script.slice(i + 1, end);
      if (/[$`\\!]/.test(inner)) return null;
      word = (word ?? '') + inner;
      i = end;
    } else if (ch === ' ' || ch === '\t') {
      endWord();
    } else if (ch === '&' || ch === '|' || ch === ';') {
      endWord();
      const pair = script.slice(i, i + 2);
      if (ch === '&' && pair !== '&&') return null;
      if (pair === '&&' || pair === '||') i++;
      if (commands[commands.length - 1]?.length === 0) return null;
      commands.push([]);
    } else if (/[$`\\<>(){}*?[\]~#\n\r!]/.test(ch)) {
      return null;
    } else {
      word = (word ?? '') + ch;
    }
  }
  endWord();
  if (commands.some((command) => command.length === 0)) return null;
  return commands;
}

const SHELLS = new Set(['bash', 'zsh', 'sh']);

/**
 * True for commands that cannot change anything: an allowlisted program, or a `bash -lc` /
 * `zsh -lc` script made only of such commands joined by `&&`, `||`, `;` or `|`. The
 * `untrusted` policy runs these without asking.
 */
export function isKnownSafeCommand(argv: readonly string[]): boolean {
  const [program, flag, script, ...rest] = argv;
  const name = program?.split('/').pop();
  if (
    name !== undefined &&
    SHELLS.has(name) &&
    (flag === '-lc' || flag === '-c') &&
    script !== undefined &&
    rest.length === 0
  ) {
    const commands = splitPlainScript(script);
    return commands?.every(isSafeArgv) === true;
  }
  return isSafeArgv(argv);
}
