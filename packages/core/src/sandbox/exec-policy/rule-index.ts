import { isAbsolute, resolve } from 'node:path';
import type { ExecPolicyDecision } from './decision.js';
import { executableLookupKey, executablePathLookupKey } from './executable-name.js';
import { type HostExecutable, matchPrefix, type PatternToken, type PrefixRule } from './rule.js';

/** A rule that matched a command. */
export interface ExecPolicyRuleMatch {
  /** The rule's pattern, as written. */
  readonly pattern: readonly PatternToken[];
  /** The command's tokens the pattern matched (with the program's bare name after a fallback). */
  readonly matchedPrefix: readonly string[];
  readonly decision: ExecPolicyDecision;
  readonly justification?: string;
  /** The absolute program path, when it matched a rule for its bare name (host executables). */
  readonly resolvedProgram?: string;
  /** The rules file and 1-based line of the `prefix_rule` call. */
  readonly file: string;
  readonly line: number;
}

/**
 * Prefix rules by program name, for matching one command. A command whose program is an
 * absolute path that no rule names falls back to the rules for its bare name, unless
 * `host_executable` lists the paths allowed for that name and this path is not one of them.
 */
export class RuleIndex {
  private readonly rulesByProgram = new Map<string, PrefixRule[]>();
  /** Allowed paths by program lookup key; the last `host_executable` for a name wins. */
  private readonly hostPaths = new Map<string, readonly string[]>();

  constructor(prefixRules: Iterable<PrefixRule>, hostExecutables: Iterable<HostExecutable>) {
    for (const rule of prefixRules) {
      const first = rule.pattern[0] ?? [];
      for (const program of new Set(typeof first === 'string' ? [first] : first)) {
        const rules = this.rulesByProgram.get(program);
        if (rules === undefined) this.rulesByProgram.set(program, [rule]);
        else rules.push(rule);
      }
    }
    for (const host of hostExecutables)
      this.hostPaths.set(executableLookupKey(host.name), host.paths);
  }

  /** Every rule matching `argv`, in the order the rules were loaded. */
  matches(argv: readonly string[], resolveHostExecutables: boolean): ExecPolicyRuleMatch[] {
    const program = argv[0];
    if (program === undefined) return [];
    const exact = this.matchProgram(program, argv);
    if (exact.length > 0 || !resolveHostExecutables || !isAbsolute(program)) return exact;

    const path = resolve(program);
    const name = executablePathLookupKey(path);
    if (name === null) return [];
    const allowed = this.hostPaths.get(name);
    if (allowed !== undefined && !allowed.includes(path)) return [];
    return this.matchProgram(name, [name, ...argv.slice(1)]).map((match) => ({
      ...match,
      resolvedProgram: path,
    }));
  }

  private matchProgram(program: string, argv: readonly string[]): ExecPolicyRuleMatch[] {
    const found: ExecPolicyRuleMatch[] = [];
    for (const rule of this.rulesByProgram.get(program) ?? []) {
      const matchedPrefix = matchPrefix(rule.pattern, argv);
      if (matchedPrefix === null) continue;
      found.push({
        pattern: rule.pattern,
        matchedPrefix,
        decision: rule.decision,
        ...(rule.justification !== undefined && { justification: rule.justification }),
        file: rule.location.file,
        line: rule.location.line,
      });
    }
    return found;
  }
}
