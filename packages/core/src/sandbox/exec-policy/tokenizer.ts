import { ExecPolicyError, type SourceLocation } from './errors.js';

/**
 * A token of the Starlark subset rules files use. Numbers and any punctuation beyond the few
 * the grammar needs are still tokens, so the parser can say what it found instead of them.
 */
export type Token =
  | { readonly kind: 'identifier'; readonly text: string; readonly at: SourceLocation }
  | { readonly kind: 'string'; readonly value: string; readonly at: SourceLocation }
  | { readonly kind: 'number'; readonly text: string; readonly at: SourceLocation }
  | { readonly kind: 'punctuation'; readonly text: string; readonly at: SourceLocation }
  /** The end of a logical line: newlines inside brackets do not end one. */
  | { readonly kind: 'newline'; readonly at: SourceLocation }
  | { readonly kind: 'end'; readonly at: SourceLocation };

/** How a token reads in an error message: `'foo'`, `a string`, `end of line`. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'identifier':
    case 'punctuation':
      return `'${token.text}'`;
    case 'number':
      return `the number ${token.text}`;
    case 'string':
      return `the string ${JSON.stringify(token.value)}`;
    case 'newline':
      return 'the end of the line';
    case 'end':
      return 'the end of the file';
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
};
const HEX_ESCAPE_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };
const MAX_OCTAL_DIGITS = 3;
const MAX_OCTAL_VALUE = 0o377;
const OPENING = new Set(['(', '[', '{']);
const CLOSING = new Set([')', ']', '}']);

/** Splits `text` into tokens; `file` names it in errors. Ends with an `end` token. */
export function tokenize(text: string, file: string): Token[] {
  return new Tokenizer(text, file).run();
}

class Tokenizer {
  private index = 0;
  private line = 1;
  private lineStart = 0;
  /** How many brackets are open: newlines inside them do not end a statement. */
  private depth = 0;
  private readonly tokens: Token[] = [];

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  run(): Token[] {
    while (this.index < this.text.length) {
      const char = this.text[this.index] as string;
      if (char === '\n') {
        this.pushNewline();
        this.advanceLine();
      } else if (char === ' ' || char === '\t' || char === '\r' || char === '\f') {
        this.index++;
      } else if (char === '#') {
        const end = this.text.indexOf('\n', this.index);
        this.index = end < 0 ? this.text.length : end;
      } else if (char === '"' || char === "'") {
        this.readString(char);
      } else if (/[A-Za-z_]/.test(char)) {
        const at = this.location();
        const text = this.readWhile(/[A-Za-z0-9_]/);
        this.tokens.push({ kind: 'identifier', text, at });
      } else if (/[0-9]/.test(char)) {
        const at = this.location();
        const text = this.readWhile(/[A-Za-z0-9_.]/);
        this.tokens.push({ kind: 'number', text, at });
      } else {
        const at = this.location();
        const text = String.fromCodePoint(this.text.codePointAt(this.index) as number);
        this.index += text.length;
        if (OPENING.has(text)) this.depth++;
        if (CLOSING.has(text)) this.depth = Math.max(0, this.depth - 1);
        this.tokens.push({ kind: 'punctuation', text, at });
      }
    }
    this.pushNewline();
    this.tokens.push({ kind: 'end', at: this.location() });
    return this.tokens;
  }

  private location(index = this.index): SourceLocation {
    return { file: this.file, line: this.line, column: index - this.lineStart + 1 };
  }

  /** Called on a `\n` at `index`: the next character starts a new line. */
  private advanceLine(): void {
    this.index++;
    this.line++;
    this.lineStart = this.index;
  }

  private pushNewline(): void {
    const last = this.tokens.at(-1);
    if (this.depth > 0 || last === undefined || last.kind === 'newline') return;
    this.tokens.push({ kind: 'newline', at: this.location() });
  }

  private readWhile(pattern: RegExp): string {
    const start = this.index;
    while (this.index < this.text.length && pattern.test(this.text[this.index] as string)) {
      this.index++;
    }
    return this.text.slice(start, this.index);
  }

  /** Reads `'...'`, `"..."` or their triple-quoted forms (which may span lines). */
  private readString(quote: string): void {
    const at = this.location();
    const triple = this.text.startsWith(quote.repeat(3), this.index);
    const closing = triple ? quote.repeat(3) : quote;
    this.index += closing.length;
    let value = '';
    for (;;) {
      if (this.index >= this.text.length) throw this.error(at, 'unterminated string literal');
      if (this.text.startsWith(closing, this.index)) {
        this.index += closing.length;
        break;
      }
      const char = this.text[this.index] as string;
      if (char === '\n') {
        if (!triple) throw this.error(at, 'unterminated string literal (a newline ends it)');
        value += char;
        this.advanceLine();
      } else if (char === '\\') {
        value += this.readEscape();
      } else {
        value += char;
        this.index++;
      }
    }
    this.tokens.push({ kind: 'string', value, at });
  }

  /** Reads the escape sequence at `index` (a backslash) and returns what it stands for. */
  private readEscape(): string {
    const at = this.location();
    const kind = this.text[this.index + 1];
    if (kind === undefined) throw this.error(at, 'unterminated string literal');
    if (kind === '\n') {
      // A backslash before a newline continues the string on the next line.
      this.index++;
      this.advanceLine();
      return '';
    }
    const simple = SIMPLE_ESCAPES[kind];
    if (simple !== undefined) {
      this.index += 2;
      return simple;
    }
    if (/[0-7]/.test(kind)) {
      let digits = '';
      let next = this.index + 1;
      while (digits.length < MAX_OCTAL_DIGITS && /[0-7]/.test(this.text[next] ?? '')) {
        digits += this.text[next];
        next++;
      }
      const value = Number.parseInt(digits, 8);
      if (value > MAX_OCTAL_VALUE)
        throw this.error(at, `invalid escape sequence \\${digits}: octal escapes stop at \\377`);
      this.index = next;
      return String.fromCodePoint(value);
    }
    const hexDigits = HEX_ESCAPE_DIGITS[kind];
    if (hexDigits !== undefined) {
      const digits = this.text.slice(this.index + 2, this.index + 2 + hexDigits);
      const value = Number.parseInt(digits, 16);
      const valid =
        digits.length === hexDigits &&
        /^[0-9A-Fa-f]+$/.test(digits) &&
        value <= 0x10ffff &&
        !(value >= 0xd800 && value <= 0xdfff);
      if (!valid)
        throw this.error(
          at,
          `invalid escape sequence \\${kind}${digits}: expected ${hexDigits} hex digits of a Unicode scalar value`,
        );
      this.index += 2 + hexDigits;
      return String.fromCodePoint(value);
    }
    throw this.error(at, `invalid escape sequence \\${kind}`);
  }

  private error(at: SourceLocation, message: string): ExecPolicyError {
    return ExecPolicyError.at('parse', at, message);
  }
}
