import type { ShellEnvironmentPolicy } from '../config/load.js';

/** The variables `inherit = "core"` keeps. */
const CORE_VARIABLES = [
  'HOME',
  'LOGNAME',
  'PATH',
  'SHELL',
  'USER',
  'USERNAME',
  'TMPDIR',
  'TEMP',
  'TMP',
];

/** Names dropped unless `ignore_default_excludes`: anything that looks like a credential. */
const DEFAULT_EXCLUDES = ['*KEY*', '*SECRET*', '*TOKEN*'];

/** A case-insensitive matcher for a glob with `*` and `?` (the original's wildmatch subset). */
function globMatcher(pattern: string): (name: string) => boolean {
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${source}$`, 'i');
  return (name) => regex.test(name);
}

const anyOf = (patterns: readonly string[]) => {
  const matchers = patterns.map(globMatcher);
  return (name: string) => matchers.some((matches) => matches(name));
};

/**
 * The environment commands get under `shell_environment_policy`, in the original's order:
 * start from `inherit` (`all`, `core` or `none`), drop credentials (`*KEY*`, `*SECRET*`,
 * `*TOKEN*`) unless `ignore_default_excludes`, drop `exclude` patterns, apply `set`, then keep
 * only `include_only` patterns when given.
 */
export function shellEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  policy: ShellEnvironmentPolicy,
): Record<string, string> {
  const entries = Object.entries(base).filter(
    (entry): entry is [string, string] => entry[1] !== undefined,
  );
  let env: Record<string, string>;
  switch (policy.inherit) {
    case 'none':
      env = {};
      break;
    case 'core':
      env = Object.fromEntries(entries.filter(([name]) => CORE_VARIABLES.includes(name)));
      break;
    default:
      env = Object.fromEntries(entries);
  }
  const drop = (matches: (name: string) => boolean) => {
    for (const name of Object.keys(env)) if (matches(name)) delete env[name];
  };
  if (!policy.ignoreDefaultExcludes) drop(anyOf(DEFAULT_EXCLUDES));
  if (policy.exclude.length > 0) drop(anyOf(policy.exclude));
  Object.assign(env, policy.set);
  if (policy.includeOnly.length > 0) {
    const keep = anyOf(policy.includeOnly);
    drop((name) => !keep(name));
  }
  return env;
}
