import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { shellJoin } from '../../tools/unified-exec/command.js';
import { type ExecPolicyDecision, strictestDecision } from './decision.js';
import { ExecPolicyError } from './errors.js';
import { parseRules } from './parser.js';
import { rulesFolder } from './paths.js';
import type { HostExecutable, PrefixRule, Rule } from './rule.js';
import { renderPattern } from './rule.js';
import { type ExecPolicyRuleMatch, RuleIndex } from './rule-index.js';

/** What the rules say about one command or several. */
export interface ExecPolicyEvaluation {
  /**
   * The strictest decision (forbidden > prompt > allow). `allow` only when every command
   * matched a rule (or the fallback allowed it); null when no rule decides: nothing matched, or
   * everything that matched allows but some command matched nothing.
   */
  readonly decision: ExecPolicyDecision | null;
  /** Every matching rule, command by command, in the order the rules were loaded. */
  readonly matchedRules: readonly ExecPolicyRuleMatch[];
  /** The commands no rule matched (the caller's heuristics decide those). */
  readonly unmatchedCommands: readonly (readonly string[])[];
}

/** Settings of {@link ExecPolicy.evaluate}. */
export interface EvaluateOptions {
  /**
   * Let `/usr/bin/git status` match rules for `git` when no rule names the path (restricted by
   * `host_executable`). Default true, as Codex sessions do; `codex execpolicy check` only with
   * `--resolve-host-executables`.
   */
  readonly resolveHostExecutables?: boolean;
  /** Decides the commands no rule matches; they then count like matched ones. */
  readonly fallback?: (argv: readonly string[]) => ExecPolicyDecision;
}

/** One rules file's text and the name its errors use. */
export interface RulesSource {
  readonly text: string;
  readonly file: string;
}

/**
 * The user's exec-policy rules: `prefix_rule`s that allow, prompt for or forbid commands by
 * their leading tokens, and `host_executable`s that say which absolute paths count as a program.
 * Immutable; load again after a change.
 */
export class ExecPolicy {
  private readonly index: RuleIndex;

  private constructor(
    /** Every rule of every file, in load order. */
    readonly rules: readonly Rule[],
  ) {
    this.index = indexOf(rules);
  }

  /** A policy without rules: every command is unmatched. */
  static empty(): ExecPolicy {
    return new ExecPolicy([]);
  }

  /**
   * Reads `$CODEX_HOME/rules/*.rules` (regular files, sorted by name). A missing folder gives
   * the empty policy.
   * @throws ExecPolicyError `io` when a file or the folder cannot be read; the errors of
   * {@link ExecPolicy.fromSources} for a bad file.
   */
  static async load(codexHome: string): Promise<ExecPolicy> {
    const folder = rulesFolder(codexHome);
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ExecPolicy.empty();
      throw ioError(`failed to read rules files from ${folder}`, folder, error);
    }
    const names = entries
      .filter((entry) => entry.isFile() && extname(entry.name) === '.rules')
      .map((entry) => entry.name)
      .sort();
    return ExecPolicy.fromFiles(names.map((name) => join(folder, name)));
  }

  /**
   * Reads the rules files at `paths`, in that order (`codex execpolicy check --rules ...`).
   * @throws ExecPolicyError `io` for a file that cannot be read, else as {@link fromSources}.
   */
  static async fromFiles(paths: readonly string[]): Promise<ExecPolicy> {
    const sources: RulesSource[] = [];
    for (const file of paths) {
      try {
        sources.push({ text: await readFile(file, 'utf8'), file });
      } catch (error) {
        throw ioError(`failed to read rules file ${file}`, file, error);
      }
    }
    return ExecPolicy.fromSources(sources);
  }

  /** One file's rules; `file` names it in errors. See {@link fromSources}. */
  static fromText(text: string, file: string): ExecPolicy {
    return ExecPolicy.fromSources([{ text, file }]);
  }

  /**
   * Parses the files in order and checks each rule's examples once its file is read: every
   * `match` example must match the rule and no `not_match` example may (with host-executable
   * resolution, under the `host_executable`s of this file and those before it).
   * @throws ExecPolicyError `parse` / `invalid_rule` from {@link parseRules},
   * `example_mismatch` naming the rule's file, line and column.
   */
  static fromSources(sources: readonly RulesSource[]): ExecPolicy {
    const rules: Rule[] = [];
    for (const { text, file } of sources) {
      const fileRules = parseRules(text, file);
      rules.push(...fileRules);
      const hostExecutables = rules.filter(isHostExecutable);
      for (const rule of fileRules.filter(isPrefixRule)) checkExamples(rule, hostExecutables);
    }
    return new ExecPolicy(rules);
  }

  /** What the rules say about one command. */
  evaluate(argv: readonly string[], options: EvaluateOptions = {}): ExecPolicyEvaluation {
    return this.evaluateCommands([argv], options);
  }

  /**
   * What the rules say about several commands run together (a shell script split into its
   * commands): the strictest decision over all of them, and `allow` only when each is allowed.
   */
  evaluateCommands(
    commands: readonly (readonly string[])[],
    options: EvaluateOptions = {},
  ): ExecPolicyEvaluation {
    const { resolveHostExecutables = true, fallback } = options;
    const matchedRules: ExecPolicyRuleMatch[] = [];
    const unmatchedCommands: string[][] = [];
    const decisions: ExecPolicyDecision[] = [];
    for (const argv of commands) {
      const matches = this.index.matches(argv, resolveHostExecutables);
      matchedRules.push(...matches);
      decisions.push(...matches.map((match) => match.decision));
      if (matches.length > 0) continue;
      unmatchedCommands.push([...argv]);
      if (fallback) decisions.push(fallback(argv));
    }
    const strictest = strictestDecision(decisions);
    const undecided = strictest === 'allow' && unmatchedCommands.length > 0 && !fallback;
    return { decision: undecided ? null : strictest, matchedRules, unmatchedCommands };
  }
}

function indexOf(rules: readonly Rule[]): RuleIndex {
  return new RuleIndex(rules.filter(isPrefixRule), rules.filter(isHostExecutable));
}

const isPrefixRule = (rule: Rule): rule is PrefixRule => rule.kind === 'prefix_rule';
const isHostExecutable = (rule: Rule): rule is HostExecutable => rule.kind === 'host_executable';

/** Checks `rule`'s examples against that rule alone, as the original does. */
function checkExamples(rule: PrefixRule, hostExecutables: readonly HostExecutable[]): void {
  const index = new RuleIndex([rule], hostExecutables);
  const described = `prefix_rule(pattern=${renderPattern(rule.pattern)})`;
  const matched = rule.notMatch.find((example) => index.matches(example, true).length > 0);
  if (matched !== undefined)
    throw ExecPolicyError.at(
      'example_mismatch',
      rule.location,
      `not_match example \`${shellJoin(matched)}\` matches ${described}`,
    );
  const unmatched = rule.match.filter((example) => index.matches(example, true).length === 0);
  if (unmatched.length > 0)
    throw ExecPolicyError.at(
      'example_mismatch',
      rule.location,
      `every match example must match ${described}; these do not: ${unmatched.map((example) => `\`${shellJoin(example)}\``).join(', ')}`,
    );
}

function ioError(message: string, file: string, cause: unknown): ExecPolicyError {
  return new ExecPolicyError('io', `${message}: ${(cause as Error).message}`, { file, cause });
}
