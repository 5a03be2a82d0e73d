/**
 * Splits `text` into words the way the original's `shlex::split` does (POSIX shell quoting
 * without expansions): blanks separate words, `'...'` is literal, `"..."` honours backslashes
 * before `$`, `` ` ``, `"`, `\` and a newline, a backslash outside quotes escapes the next
 * character, and `#` at the start of a word comments out the rest of the line. Returns null for
 * an unterminated quote or a trailing backslash.
 */
export function splitShellWords(text: string): string[] | null {
  const words: string[] = [];
  let index = 0;
  const isBlank = (char: string | undefined) => char === ' ' || char === '\t' || char === '\n';

  while (index < text.length) {
    const first = text[index];
    if (isBlank(first)) {
      index++;
      continue;
    }
    if (first === '#') {
      const end = text.indexOf('\n', index);
      index = end < 0 ? text.length : end;
      continue;
    }
    let word = '';
    while (index < text.length && !isBlank(text[index])) {
      const char = text[index] as string;
      index++;
      if (char === "'") {
        const end = text.indexOf("'", index);
        if (end < 0) return null;
        word += text.slice(index, end);
        index = end + 1;
      } else if (char === '"') {
        const closed = readDoubleQuoted(text, index);
        if (closed === null) return null;
        word += closed.value;
        index = closed.next;
      } else if (char === '\\') {
        const escaped = text[index];
        if (escaped === undefined) return null;
        if (escaped !== '\n') word += escaped;
        index++;
      } else {
        word += char;
      }
    }
    words.push(word);
  }
  return words;
}

/** Characters a backslash escapes inside double quotes; before others it stays. */
const DOUBLE_QUOTE_ESCAPES = new Set(['$', '`', '"', '\\']);

/** Reads a double-quoted run starting after its opening quote. */
function readDoubleQuoted(text: string, start: number): { value: string; next: number } | null {
  let value = '';
  let index = start;
  while (index < text.length) {
    const char = text[index] as string;
    index++;
    if (char === '"') return { value, next: index };
    if (char !== '\\') {
      value += char;
      continue;
    }
    const escaped = text[index];
    if (escaped === undefined) return null;
    index++;
    if (DOUBLE_QUOTE_ESCAPES.has(escaped)) value += escaped;
    else if (escaped !== '\n') value += `\\${escaped}`;
  }
  return null;
}
