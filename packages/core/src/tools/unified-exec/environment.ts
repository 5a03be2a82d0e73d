/**
 * Variables forced on every unified exec process (the original's `UNIFIED_EXEC_ENV`): plain,
 * uncoloured, pager-free output in UTF-8, and a marker that a non-interactive agent runs it.
 */
export const UNIFIED_EXEC_ENV: Readonly<Record<string, string>> = Object.freeze({
  NO_COLOR: '1',
  TERM: 'dumb',
  LANG: 'C.UTF-8',
  LC_CTYPE: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  COLORTERM: '',
  PAGER: 'cat',
  GIT_PAGER: 'cat',
  GH_PAGER: 'cat',
  CODEX_CI: '1',
});

/** `base` (unset entries dropped) with {@link UNIFIED_EXEC_ENV} laid over it. */
export function unifiedExecEnv(
  base: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined) env[key] = value;
  }
  return Object.assign(env, UNIFIED_EXEC_ENV);
}
