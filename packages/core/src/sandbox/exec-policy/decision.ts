/**
 * What a rule says about a command: run it, ask the user first, or refuse it. Ordered from
 * the most lenient to the strictest.
 */
export type ExecPolicyDecision = 'allow' | 'prompt' | 'forbidden';

/** Every decision, from the most lenient to the strictest. */
export const EXEC_POLICY_DECISIONS = [
  'allow',
  'prompt',
  'forbidden',
] as const satisfies readonly ExecPolicyDecision[];

/** True when `value` is one of the decisions a rule may carry. */
export function isExecPolicyDecision(value: string): value is ExecPolicyDecision {
  return (EXEC_POLICY_DECISIONS as readonly string[]).includes(value);
}

/** The strictest of `decisions` (forbidden > prompt > allow); null ones are skipped. */
export function strictestDecision(
  decisions: Iterable<ExecPolicyDecision | null>,
): ExecPolicyDecision | null {
  let strictest: ExecPolicyDecision | null = null;
  for (const decision of decisions) {
    if (decision === null) continue;
    if (strictest === null || severity(decision) > severity(strictest)) strictest = decision;
  }
  return strictest;
}

const severity = (decision: ExecPolicyDecision) => EXEC_POLICY_DECISIONS.indexOf(decision);
