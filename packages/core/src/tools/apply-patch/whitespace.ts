// Whitespace as the original (Rust `char::is_whitespace`, the Unicode White_Space property)
// sees it, so trimming here matches the original's `trim`, `trim_start` and `trim_end`. It
// differs from JavaScript's `trim` by keeping U+FEFF (a byte order mark is not whitespace) and
// by dropping U+0085 (next line). Every such character is a single UTF-16 unit.
const WHITESPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

const isWhitespace = (text: string, index: number) => WHITESPACE.test(text.charAt(index));

/** `text` without leading whitespace. */
export function trimStart(text: string): string {
  let start = 0;
  while (start < text.length && isWhitespace(text, start)) start++;
  return text.slice(start);
}

/** `text` without trailing whitespace. */
export function trimEnd(text: string): string {
  let end = text.length;
  while (end > 0 && isWhitespace(text, end - 1)) end--;
  return text.slice(0, end);
}

/** `text` without leading or trailing whitespace. */
export function trim(text: string): string {
  return trimEnd(trimStart(text));
}
