/** The shell `exec_command` uses when the model names none: `$SHELL`, else `/bin/bash`. */
export function defaultUserShell(env: Readonly<Record<string, string | undefined>>): string {
  const shell = env.SHELL;
  return shell !== undefined && shell.length > 0 ? shell : '/bin/bash';
}

/**
 * The argv that runs `cmd` in `shell`: `[shell, '-lc', cmd]` for a login shell, else
 * `[shell, '-c', cmd]` (POSIX shells; the original's Windows shells are not supported).
 */
export function shellCommandArgv(shell: string, cmd: string, login: boolean): string[] {
  return [shell, login ? '-lc' : '-c', cmd];
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `argv` as one shell-quoted line, for messages (the original's `shlex_join`). */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

function shellQuote(word: string): string {
  if (word.length === 0) return "''";
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}
