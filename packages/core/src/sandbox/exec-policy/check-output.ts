import { type ExecPolicyDecision, strictestDecision } from './decision.js';
import type { ExecPolicyEvaluation } from './policy.js';

/** One matched rule in `codex execpolicy check` output. */
export interface ExecPolicyCheckRuleMatch {
  readonly prefixRuleMatch: {
    readonly matchedPrefix: readonly string[];
    readonly decision: ExecPolicyDecision;
    /** Present only when an absolute program path matched a rule for its bare name. */
    readonly resolvedProgram?: string;
    readonly justification?: string;
  };
}

/**
 * What `codex execpolicy check` prints as JSON: `{"matchedRules":[...],"decision":"allow"}`,
 * or `{"matchedRules":[]}` when nothing matched.
 */
export interface ExecPolicyCheckOutput {
  readonly matchedRules: readonly ExecPolicyCheckRuleMatch[];
  /** The strictest decision of the matched rules; absent when none matched. */
  readonly decision?: ExecPolicyDecision;
}

/** `evaluation` in the original's check output shape, keys in its order. */
export function toCheckOutput(evaluation: ExecPolicyEvaluation): ExecPolicyCheckOutput {
  const matchedRules = evaluation.matchedRules.map((match) => ({
    prefixRuleMatch: {
      matchedPrefix: match.matchedPrefix,
      decision: match.decision,
      ...(match.resolvedProgram !== undefined && { resolvedProgram: match.resolvedProgram }),
      ...(match.justification !== undefined && { justification: match.justification }),
    },
  }));
  const decision = strictestDecision(matchedRules.map((match) => match.prefixRuleMatch.decision));
  return decision === null ? { matchedRules } : { matchedRules, decision };
}
