/** A patch found in a command, and the folder the command would first `cd` into. */
export interface PatchInvocation {
  /** The patch text: the argument, or the heredoc body without its final newline. */
  readonly patch: string;
  /** The `cd` target of `cd <dir> && apply_patch <<'EOF'`, as written (relative to the cwd or absolute). */
  readonly workdir?: string;
}

const APPLY_PATCH_COMMANDS: readonly string[] = ['apply_patch', 'applypatch'];
const SHELLS: readonly string[] = ['bash', 'zsh', 'sh'];
const SHELL_FLAGS: readonly string[] = ['-lc', '-c'];

/** A heredoc delimiter: a plain name, bare or in single or double quotes. */
const DELIMITER =
  /^(?:([A-Za-z_][A-Za-z0-9_]*)|'([A-Za-z_][A-Za-z0-9_]*)'|"([A-Za-z_][A-Za-z0-9_]*)")$/;
/** A `cd` target the shell would take literally: no expansion, globbing, escapes or options. */
const BARE_WORD = /^[^\s'"`$\\;&|<>(){}[\]*?~#!=-][^\s'"`$\\;&|<>(){}[\]*?]*$/;
const SINGLE_QUOTED = /^'([^']*)'$/;
const DOUBLE_QUOTED = /^"([^"`$\\]*)"$/;
/** `[cd <dir> &&] apply_patch <<DELIM`: the whole first line of the script. */
const HEADER =
  /^(?:cd[ \t]+('[^']*'|"[^"]*"|[^\s'"]+)[ \t]*&&[ \t]*)?(apply_patch|applypatch)[ \t]*<<[ \t]*(\S+)[ \t]*$/;

/**
 * Recognises a model running apply_patch through a command instead of the tool: `['apply_patch',
 * PATCH]` (or `applypatch`), or a shell (`bash`, `zsh`, `sh`, also by path) with `-lc` or `-c`
 * and a script {@link extractPatchFromScript} accepts. Anything else is `null`: the command is
 * not an apply_patch call. The patch is not parsed here.
 */
export function extractPatchFromCommand(argv: readonly string[]): PatchInvocation | null {
  const [command, first, second] = argv;
  if (argv.length === 2 && command !== undefined && first !== undefined) {
    return APPLY_PATCH_COMMANDS.includes(command) ? { patch: first } : null;
  }
  if (
    argv.length === 3 &&
    command !== undefined &&
    SHELLS.includes(shellName(command)) &&
    first !== undefined &&
    SHELL_FLAGS.includes(first) &&
    second !== undefined
  ) {
    return extractPatchFromScript(second);
  }
  return null;
}

/** `/bin/bash` → `bash`, `BASH.EXE` → `bash`. */
function shellName(command: string): string {
  const name = command.split(/[\\/]/).pop() ?? command;
  return name.toLowerCase().replace(/\.exe$/, '');
}

/**
 * Recognises a shell script that is only an apply_patch heredoc, optionally after one `cd`:
 *
 * ```sh
 * apply_patch <<'EOF'
 * *** Begin Patch
 * ...
 * *** End Patch
 * EOF
 * ```
 *
 * or `cd some/dir && apply_patch <<'EOF'` ... (the delimiter may be any name, bare or quoted;
 * `applypatch` works too). The `cd` target is one word, or one quoted string, without anything
 * the shell would expand. Nothing may come before, or after the closing delimiter (blank lines
 * aside): `echo x; apply_patch ...`, `cd a || apply_patch ...`, `... EOF && echo done` and an
 * unterminated heredoc are all `null`, and the shell should run them as they are.
 */
export function extractPatchFromScript(script: string): PatchInvocation | null {
  const lines = script.replace(/^\s+/, '').split('\n').map(withoutCarriageReturn);
  const header = HEADER.exec(lines[0] ?? '');
  if (header === null) return null;
  const [, rawWorkdir, , rawDelimiter = ''] = header;
  const delimiter = DELIMITER.exec(rawDelimiter);
  if (delimiter === null) return null;
  const name = delimiter[1] ?? delimiter[2] ?? delimiter[3];
  const end = lines.indexOf(name ?? '', 1);
  if (end === -1 || lines.slice(end + 1).some((line) => line.trim() !== '')) return null;
  const patch = lines.slice(1, end).join('\n');
  if (rawWorkdir === undefined) return { patch };
  const workdir = cdTarget(rawWorkdir);
  return workdir === undefined ? null : { patch, workdir };
}

const withoutCarriageReturn = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);

/** The folder a `cd` argument names, or `undefined` when the shell would expand it. */
function cdTarget(argument: string): string | undefined {
  const quoted = SINGLE_QUOTED.exec(argument) ?? DOUBLE_QUOTED.exec(argument);
  if (quoted !== null) return quoted[1] === '' ? undefined : quoted[1];
  return BARE_WORD.test(argument) ? argument : undefined;
}
