import type { ExecPolicyDecision } from './decision.js';
import type { SourceLocation } from './errors.js';

/**
 * One element of a prefix pattern: a token the command must have at that position, or a list of
 * alternatives any of which will do. A one-element list is read as its single token.
 */
export type PatternToken = string | readonly string[];

/**
 * `prefix_rule(pattern=[...], decision=..., justification=..., match=[...], not_match=[...])`:
 * commands whose first tokens match `pattern` get `decision`.
 */
export interface PrefixRule {
  readonly kind: 'prefix_rule';
  /** At least one element; alternatives in the first element make one rule per program. */
  readonly pattern: readonly PatternToken[];
  /** `allow` when the rule does not say. */
  readonly decision: ExecPolicyDecision;
  /** Why the rule exists (never blank); shown in approval prompts and rejections. */
  readonly justification?: string;
  /** Example commands that must match this rule, checked when the rules are loaded. */
  readonly match: readonly (readonly string[])[];
  /** Example commands that must not match this rule, checked when the rules are loaded. */
  readonly notMatch: readonly (readonly string[])[];
  /** Where the `prefix_rule` call is. */
  readonly location: SourceLocation;
}

/**
 * `host_executable(name=..., paths=[...])`: the absolute paths through which `name` may be run
 * and still match rules written for the bare `name`. A later definition of a name replaces an
 * earlier one.
 */
export interface HostExecutable {
  readonly kind: 'host_executable';
  /** A bare program name, no directory. */
  readonly name: string;
  /** Absolute paths (`~/` already expanded), without duplicates; may be empty (no path allowed). */
  readonly paths: readonly string[];
  readonly location: SourceLocation;
}

/**
 * `network_rule(host=..., protocol=..., decision=..., justification=...)`, which the original
 * writes to the same files. Kept so such files load; it plays no part in command decisions.
 */
export interface NetworkRule {
  readonly kind: 'network_rule';
  readonly host: string;
  readonly protocol: 'http' | 'https' | 'socks5_tcp' | 'socks5_udp';
  /** `deny` in the file reads as `forbidden`. */
  readonly decision: ExecPolicyDecision;
  readonly justification?: string;
  readonly location: SourceLocation;
}

/** One top-level call of a rules file. */
export type Rule = PrefixRule | HostExecutable | NetworkRule;

/** The tokens of `argv` that `pattern` matches, or null when it does not match. */
export function matchPrefix(
  pattern: readonly PatternToken[],
  argv: readonly string[],
): string[] | null {
  if (argv.length < pattern.length) return null;
  for (const [index, expected] of pattern.entries()) {
    const token = argv[index] as string;
    if (typeof expected === 'string' ? token !== expected : !expected.includes(token)) return null;
  }
  return argv.slice(0, pattern.length);
}

/**
 * `pattern` as a rules file spells it: `["git", ["pull", "fetch"]]` (tokens as JSON strings,
 * separated by `, `, the original's amendment format).
 */
export function renderPattern(pattern: readonly PatternToken[]): string {
  const renderToken = (token: PatternToken): string =>
    typeof token === 'string' ? JSON.stringify(token) : renderList(token);
  const renderList = (tokens: readonly PatternToken[]) => `[${tokens.map(renderToken).join(', ')}]`;
  return renderList(pattern);
}
