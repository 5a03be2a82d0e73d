export {
  type AppendAllowRuleOptions,
  appendAllowRule,
  formatAllowRule,
} from './amend.js';
export {
  type ExecPolicyCheckOutput,
  type ExecPolicyCheckRuleMatch,
  toCheckOutput,
} from './check-output.js';
export {
  EXEC_POLICY_DECISIONS,
  type ExecPolicyDecision,
  isExecPolicyDecision,
  strictestDecision,
} from './decision.js';
export { ExecPolicyError, type ExecPolicyErrorCode, type SourceLocation } from './errors.js';
export { parseRules } from './parser.js';
export { defaultRulesFile, rulesFolder } from './paths.js';
export {
  type EvaluateOptions,
  ExecPolicy,
  type ExecPolicyEvaluation,
  type RulesSource,
} from './policy.js';
export type { HostExecutable, NetworkRule, PatternToken, PrefixRule, Rule } from './rule.js';
export type { ExecPolicyRuleMatch } from './rule-index.js';
