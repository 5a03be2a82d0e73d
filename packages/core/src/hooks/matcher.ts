/**
 * A group's `matcher`, as the original reads it: empty or `*` matches everything; a plain name
 * (letters, digits, `_`, with `|` between alternatives) must equal the input exactly; anything
 * else is an unanchored regular expression.
 */
export interface Matcher {
  /** The text as configured; null when the group has none (or the event ignores matchers). */
  readonly pattern: string | null;
  matches(inputs: readonly string[]): boolean;
}

const EXACT = /^[A-Za-z0-9_|]*$/;

const matchAll: Matcher = { pattern: null, matches: () => true };

/** Compiles `pattern`; throws a `SyntaxError` naming what is wrong when it is not a valid regex. */
export function compileMatcher(pattern: string | null): Matcher {
  if (pattern === null) return matchAll;
  if (pattern === '' || pattern === '*') return { pattern, matches: () => true };
  if (EXACT.test(pattern)) {
    const names = new Set(pattern.split('|'));
    return { pattern, matches: (inputs) => inputs.some((input) => names.has(input)) };
  }
  const regex = new RegExp(pattern, 'u');
  return { pattern, matches: (inputs) => inputs.some((input) => regex.test(input)) };
}
