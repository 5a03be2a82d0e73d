import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { CodexError } from '@codex/common';
import type { Parser, Node as SyntaxNode } from 'web-tree-sitter';

/** Why the bash parser cannot be used. */
export type BashParserErrorCode =
  /** `parseShellScript` was called before `loadBashParser` finished. */
  | 'not_loaded'
  /** web-tree-sitter or the tree-sitter-bash grammar could not be loaded. */
  | 'load_failed';

/** The bash parser is missing: not loaded yet, or it could not be loaded. */
export class BashParserError extends CodexError<BashParserErrorCode> {
  static override readonly brand = 'codex.core.BashParserError';
}

/** One simple command of a word-only script. */
export interface ScriptCommand {
  /** The argv bash would build: quotes and escapes removed, globs left unexpanded. */
  readonly argv: readonly string[];
  /**
   * `globbed[i]` is true when `argv[i]` has unquoted `*`, `?` or `[`, so bash may replace it by
   * file names (which could look like options).
   */
  readonly globbed: readonly boolean[];
}

const GRAMMAR = 'tree-sitter-bash/tree-sitter-bash.wasm';

let parser: Parser | undefined;
let loading: Promise<void> | undefined;

/**
 * Where to resolve the grammar from: this module (`import.meta.url`); inside a CommonJS bundle
 * without `import.meta`, the running script.
 */
function moduleUrl(): string {
  const url = (import.meta as { url?: string }).url;
  if (url) return url;
  return pathToFileURL(process.argv[1] ?? `${process.cwd()}/`).href;
}

async function createParser(): Promise<Parser> {
  const { Parser, Language } = await import('web-tree-sitter');
  await Parser.init();
  const grammar = await readFile(createRequire(moduleUrl()).resolve(GRAMMAR));
  const bash = new Parser();
  bash.setLanguage(await Language.load(grammar));
  return bash;
}

/**
 * Loads web-tree-sitter and the bash grammar. Idempotent: every call shares one load, and a
 * failed load is retried by the next call. Call it once at session start, so that the sync
 * `parseShellScript` / `isKnownSafeCommand` can use the parser.
 */
export function loadBashParser(): Promise<void> {
  loading ??= createParser().then(
    (loaded) => {
      parser = loaded;
    },
    (cause: unknown) => {
      loading = undefined;
      throw new BashParserError('load_failed', 'the tree-sitter bash grammar could not be loaded', {
        cause,
      });
    },
  );
  return loading;
}

/** True once `loadBashParser` has finished. */
export function isBashParserLoaded(): boolean {
  return parser !== undefined;
}

/**
 * Parses `script` with the bash grammar into its simple commands, in source order, when it is
 * nothing but plain commands joined by `&&`, `||`, `;`, `|` or newlines. Each word must be a
 * bare word, a number, a single-quoted string, a double-quoted string without expansions, or a
 * concatenation of these. Anything else (a syntax error, redirection, expansion, substitution,
 * assignment, subshell, group, background job, heredoc, comment, brace expansion, control
 * flow) gives null. An empty script gives `[]`.
 *
 * @throws BashParserError (`not_loaded`) before `loadBashParser` has finished.
 */
export function parseScriptCommands(script: string): ScriptCommand[] | null {
  if (parser === undefined) {
    throw new BashParserError(
      'not_loaded',
      'the bash parser is not loaded: await loadBashParser() first',
    );
  }
  const tree = parser.parse(script);
  if (tree === null) return null;
  try {
    if (tree.rootNode.hasError) return null;
    const commands: ScriptCommand[] = [];
    return collectCommands(tree.rootNode, script, commands) ? commands : null;
  } finally {
    // The tree lives in wasm memory, which the garbage collector does not reclaim.
    tree.delete();
  }
}

/**
 * The argv of each command of a word-only script (see `parseScriptCommands`), or null when the
 * script is anything richer. Sync: `loadBashParser` must have finished.
 *
 * @throws BashParserError (`not_loaded`) before `loadBashParser` has finished.
 */
export function parseShellScript(script: string): string[][] | null {
  return parseScriptCommands(script)?.map((command) => [...command.argv]) ?? null;
}

/** The name exec-policy matching knows it by: it splits a script into the commands it runs. */
export const splitShellScript = parseShellScript;

/** Operators allowed between commands; none of them has a side effect of its own. */
const SEPARATORS = new Set(['&&', '||', ';', '|']);

/** Containers that only sequence or pipe commands. */
const CONTAINERS = new Set(['program', 'list', 'pipeline']);

function collectCommands(node: SyntaxNode, source: string, commands: ScriptCommand[]): boolean {
  for (const child of node.children) {
    if (child === null) return false;
    if (!child.isNamed) {
      // Newlines between commands come as blank tokens.
      if (!SEPARATORS.has(child.type) && child.type.trim() !== '') return false;
    } else if (child.type === 'command') {
      const command = readCommand(child, source);
      if (command === null) return false;
      commands.push(command);
    } else if (!CONTAINERS.has(child.type) || !collectCommands(child, source, commands)) {
      return false;
    }
  }
  return true;
}

function readCommand(node: SyntaxNode, source: string): ScriptCommand | null {
  const argv: string[] = [];
  const globbed: boolean[] = [];
  let previous: SyntaxNode | undefined;
  for (const child of node.children) {
    if (child === null || !child.isNamed) return null;
    if (previous !== undefined && !separatedByBlanks(source, previous, child)) return null;
    previous = child;
    let word: Word | null;
    if (child.type === 'command_name') {
      // The program must be a bare word: `'ls'` or `l's'` are not plain.
      const name = child.namedChildren;
      const first = name[0];
      word = name.length === 1 && first?.type === 'word' ? readWord(first) : null;
    } else {
      word = readWord(child);
    }
    if (word === null) return null;
    argv.push(word.value);
    globbed.push(word.globbed);
  }
  return argv.length > 0 ? { argv, globbed } : null;
}

/**
 * tree-sitter-bash splits `a\<newline>b` into two words, while bash removes the line
 * continuation and reads one word `ab`: words must be apart by more than continuations.
 */
function separatedByBlanks(source: string, before: SyntaxNode, after: SyntaxNode): boolean {
  return source.slice(before.endIndex, after.startIndex).replaceAll('\\\n', '').length > 0;
}

interface Word {
  readonly value: string;
  readonly globbed: boolean;
}

function readWord(node: SyntaxNode): Word | null {
  const word = new WordBuilder();
  if (node.type === 'concatenation') {
    for (const part of node.children) {
      if (part === null || !part.isNamed || !appendPart(word, part)) return null;
    }
    // As in the original: a concatenation of empty strings is not taken as a word.
    if (word.value === '') return null;
  } else if (!appendPart(word, node)) {
    return null;
  }
  return word.finish();
}

function appendPart(word: WordBuilder, node: SyntaxNode): boolean {
  switch (node.type) {
    case 'word':
    case 'number':
      return word.addUnquoted(node.text);
    case 'raw_string':
      word.addQuoted(node.text.slice(1, -1));
      return true;
    case 'string':
      // Only literal text: the grammar leaves newlines out of `string_content`, so the value
      // is read from between the quotes.
      for (const part of node.children) {
        if (part === null || (part.type !== 'string_content' && part.type !== '"')) return false;
      }
      word.addQuoted(unescapeDoubleQuoted(node.text.slice(1, -1)));
      return true;
    default:
      return false;
  }
}

/** Characters a backslash escapes inside double quotes; elsewhere it stays. */
const DOUBLE_QUOTE_ESCAPABLE = new Set(['$', '`', '"', '\\']);

function unescapeDoubleQuoted(text: string): string {
  let value = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    const next = text.charAt(i + 1);
    if (ch === '\\' && next === '\n') {
      i++;
    } else if (ch === '\\' && DOUBLE_QUOTE_ESCAPABLE.has(next)) {
      value += next;
      i++;
    } else {
      value += ch;
    }
  }
  return value;
}

/** Unquoted characters that make bash expand a word into file names. */
const GLOB_CHARACTERS = new Set(['*', '?', '[']);

/**
 * Unquoted characters that never belong in a plain word; tree-sitter-bash gives them their own
 * nodes, so meeting one here means the grammar and bash disagree.
 */
const UNQUOTED_SPECIAL = new Set(['$', '`', '(', ')', '<', '>', '|', '&', ';', '\n']);

/**
 * Builds one argv word from its unquoted and quoted parts, as bash does after quote removal,
 * noting what would make bash expand it: unquoted glob characters, and brace expansions
 * (`-exe{c,}` is the two words `-exec -exe`), which make the word unusable.
 */
class WordBuilder {
  value = '';
  private globbed = false;
  private braceExpansion = false;
  private openBrace = false;
  private braceListSeparator = false;

  /** Appends unquoted source text, removing backslash escapes; false if it is not plain. */
  addUnquoted(text: string): boolean {
    for (let i = 0; i < text.length; i++) {
      const ch = text.charAt(i);
      if (ch === '\\') {
        i++;
        // A line continuation disappears; a backslash ending the text stays.
        if (i >= text.length) this.value += ch;
        else if (text.charAt(i) !== '\n') this.value += text.charAt(i);
        continue;
      }
      if (UNQUOTED_SPECIAL.has(ch)) return false;
      if (GLOB_CHARACTERS.has(ch)) this.globbed = true;
      this.trackBraces(ch);
      this.value += ch;
    }
    return true;
  }

  /** Appends text that was quoted: taken literally. */
  addQuoted(text: string): void {
    this.value += text;
  }

  finish(): Word | null {
    return this.braceExpansion ? null : { value: this.value, globbed: this.globbed };
  }

  // `{a,b}` and `{1..3}` expand; `{}` or `{x}` do not. A `.` or `,` between unquoted braces is
  // taken as a list separator, which may reject a word bash would not expand: that only costs
  // an approval prompt.
  private trackBraces(ch: string): void {
    if (ch === '{') {
      this.openBrace = true;
    } else if (this.openBrace && (ch === ',' || ch === '.')) {
      this.braceListSeparator = true;
    } else if (ch === '}' && this.braceListSeparator) {
      this.braceExpansion = true;
    }
  }
}
