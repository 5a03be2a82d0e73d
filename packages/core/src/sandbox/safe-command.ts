import {
  isBashParserLoaded,
  loadBashParser,
  parseScriptCommands,
  type ScriptCommand,
} from './bash-parser.js';

export { loadBashParser, parseShellScript, splitShellScript } from './bash-parser.js';

/** Programs that only read, whatever their arguments (the original's allowlist). */
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

/** `find` options that run commands, delete files or write file lists. */
const FIND_UNSAFE_OPTIONS = new Set([
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

/** `rg` options that take a command to run, alone or as `--option=value`. */
const RG_COMMAND_OPTIONS = ['--pre', '--hostname-bin'];

/** Shells whose `-c` / `-lc` script is looked into; exact paths, as a `./bash` may be anything. */
const SHELLS = new Set([
  'bash',
  '/bin/bash',
  '/usr/bin/bash',
  '/usr/local/bin/bash',
  '/opt/homebrew/bin/bash',
  'zsh',
  '/bin/zsh',
  '/usr/bin/zsh',
  '/usr/local/bin/zsh',
  '/opt/homebrew/bin/zsh',
  'sh',
  '/bin/sh',
  '/usr/bin/sh',
]);

/** The program's file name: what the allowlist is keyed by (`/bin/ls` is `ls`). */
function programName(program: string): string {
  let end = program.length;
  while (end > 0 && program.charAt(end - 1) === '/') end--;
  return program.slice(program.lastIndexOf('/', end - 1) + 1, end);
}

/** A short-option cluster such as `-nz`: one dash, then letters that are each an option. */
function isShortOptionCluster(arg: string): boolean {
  return arg.length > 1 && arg.startsWith('-') && !arg.startsWith('--');
}

function base64IsSafe(args: readonly string[]): boolean {
  // `-o FILE`, `-oFILE`, `-Do FILE` and `--output[=FILE]` (or any abbreviation getopt_long
  // accepts, down to `--o`) write a file.
  return !args.some((arg) => {
    if (isShortOptionCluster(arg)) return arg.includes('o');
    const option = arg.split('=', 1)[0] ?? arg;
    return option.length > 2 && '--output'.startsWith(option);
  });
}

function findIsSafe(args: readonly string[]): boolean {
  return !args.some((arg) => FIND_UNSAFE_OPTIONS.has(arg));
}

function rgIsSafe(args: readonly string[]): boolean {
  return !args.some(
    (arg) =>
      // `--search-zip` / `-z` (also inside a cluster such as `-nz`) run decompressors.
      arg === '--search-zip' ||
      (isShortOptionCluster(arg) && arg.includes('z')) ||
      RG_COMMAND_OPTIONS.some((option) => arg === option || arg.startsWith(`${option}=`)),
  );
}

/** `N` or `M,N` followed by `p`: sed's "print these lines". */
function isLineRangePrint(script: string | undefined): boolean {
  if (script === undefined || !script.endsWith('p')) return false;
  const bounds = script.slice(0, -1).split(',');
  return bounds.length <= 2 && bounds.every((bound) => bound !== '' && isDigits(bound));
}

function isDigits(text: string): boolean {
  for (const ch of text) if (ch < '0' || ch > '9') return false;
  return true;
}

function sedIsSafe(args: readonly string[]): boolean {
  // Only `sed -n N[,M]p [file]`. The file may not look like an option: GNU sed would take
  // `-e…` / `-f…` as the script and `N[,M]p` as a file, and `w` / `e` commands write and run.
  const [flag, script, file, ...rest] = args;
  return (
    flag === '-n' &&
    isLineRangePrint(script) &&
    (file === undefined || !file.startsWith('-')) &&
    rest.length === 0
  );
}

/**
 * Whether running `argv` directly cannot change anything. `globbed[i]` marks words a shell may
 * still expand into file names: only the allowlisted programs, which ignore what their
 * arguments say, may have them, as a file named `-delete` or `--pre=sh` would become an option.
 */
function isSafeArgv(argv: readonly string[], globbed: readonly boolean[] = []): boolean {
  const [program, ...args] = argv;
  if (program === undefined || globbed[0] === true) return false;
  const name = programName(program);
  if (ALWAYS_SAFE.has(name)) return true;
  if (globbed.includes(true)) return false;
  switch (name) {
    case 'base64':
      return base64IsSafe(args);
    case 'find':
      return findIsSafe(args);
    case 'rg':
      return rgIsSafe(args);
    case 'sed':
      return sedIsSafe(args);
    default:
      return false;
  }
}

/** The script of `bash -c SCRIPT` / `bash -lc SCRIPT` (also zsh and sh), or null. */
export function shellScriptOf(argv: readonly string[]): string | null {
  const [shell, flag, script, ...rest] = argv;
  if (shell === undefined || !SHELLS.has(shell)) return null;
  if ((flag !== '-c' && flag !== '-lc') || script === undefined || rest.length > 0) return null;
  return script;
}

function scriptIsSafe(commands: readonly ScriptCommand[] | null): boolean {
  return (
    commands !== null &&
    commands.length > 0 &&
    commands.every((command) => isSafeArgv(command.argv, command.globbed))
  );
}

/**
 * True for commands that cannot change anything: an allowlisted program, or a `bash -lc` /
 * `zsh -lc` / `sh -c` script made only of such commands joined by `&&`, `||`, `;`, `|` or
 * newlines, with plain words only. The `untrusted` policy runs these without asking.
 *
 * Sync: until `loadBashParser` has finished, every shell script is judged not safe.
 */
export function isKnownSafeCommand(argv: readonly string[]): boolean {
  if (isSafeArgv(argv)) return true;
  const script = shellScriptOf(argv);
  if (script === null || !isBashParserLoaded()) return false;
  return scriptIsSafe(parseScriptCommands(script));
}

/** `isKnownSafeCommand`, after loading the bash parser when `argv` runs a shell script. */
export async function isKnownSafeCommandAsync(argv: readonly string[]): Promise<boolean> {
  if (shellScriptOf(argv) !== null) await loadBashParser();
  return isKnownSafeCommand(argv);
}
