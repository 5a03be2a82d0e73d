import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { withFileLock } from '@codex/common/files';
import { ExecPolicyError } from './errors.js';
import { defaultRulesFile } from './paths.js';
import { renderPattern } from './rule.js';

/** Settings of {@link appendAllowRule}. */
export interface AppendAllowRuleOptions {
  /** How long to wait for another writer's lock. Default that of `withFileLock` (30 s). */
  readonly lockTimeoutMs?: number;
}

/** A UTF-16 surrogate without its pair: JSON would write it as an escape Starlark refuses. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The line "always allow" writes, exactly as the original does:
 * `prefix_rule(pattern=["git", "pull"], decision="allow")` (tokens as JSON strings).
 */
export function formatAllowRule(prefix: readonly string[]): string {
  return `prefix_rule(pattern=${renderPattern(prefix)}, decision="allow")`;
}

/**
 * Appends `formatAllowRule(prefix)` as a line of `$CODEX_HOME/rules/default.rules`, creating
 * the folder (0700) and the file (0600) if needed. Nothing is written when the file already
 * has that exact line. The file itself is `flock`ed meanwhile, as the original locks it, so
 * concurrent appends (here or by the original Codex) never interleave or duplicate.
 *
 * @throws ExecPolicyError `invalid_rule` for an empty prefix (or a token that is not valid
 * Unicode), `io` when the file cannot be locked, read or written.
 */
export async function appendAllowRule(
  codexHome: string,
  prefix: readonly string[],
  options: AppendAllowRuleOptions = {},
): Promise<void> {
  if (prefix.length === 0)
    throw new ExecPolicyError('invalid_rule', 'an allow rule needs at least one token');
  if (prefix.some((token) => LONE_SURROGATE.test(token)))
    throw new ExecPolicyError('invalid_rule', 'an allow rule token is not valid Unicode');
  const file = defaultRulesFile(codexHome);
  const rule = formatAllowRule(prefix);
  const lockOptions =
    options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs };
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await withFileLock(file, { ...lockOptions, mode: 0o600 }, async () => {
      const contents = await readExisting(file);
      if (contents.split('\n').some((line) => line.replace(/\r$/, '') === rule)) return;
      const separator = contents === '' || contents.endsWith('\n') ? '' : '\n';
      await appendFile(file, `${separator}${rule}\n`, { mode: 0o600 });
    });
  } catch (error) {
    throw new ExecPolicyError(
      'io',
      `failed to update rules file ${file}: ${(error as Error).message}`,
      { file, cause: error },
    );
  }
}

/** The file's text; empty when it does not exist yet (no `flock` here, so no lock file made it). */
async function readExisting(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}
