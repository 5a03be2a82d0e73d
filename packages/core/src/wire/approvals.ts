import type { core, v2 } from '@codex/protocol';

/** A v2 command decision as core's review decision. */
export function commandDecision(
  decision: v2.CommandExecutionApprovalDecision,
): core.ReviewDecision {
  if (typeof decision === 'object') {
    if ('acceptWithExecpolicyAmendment' in decision) {
      return {
        approved_execpolicy_amendment: {
          proposed_execpolicy_amendment:
            decision.acceptWithExecpolicyAmendment.execpolicy_amendment,
        },
      };
    }
    // A network-policy amendment is not something core can grant yet: approve this once.
    return 'approved';
  }
  return fileChangeDecision(decision);
}

/** A v2 file-change decision as core's review decision. */
export function fileChangeDecision(decision: v2.FileChangeApprovalDecision): core.ReviewDecision {
  switch (decision) {
    case 'accept':
      return 'approved';
    case 'acceptForSession':
      return 'approved_for_session';
    case 'decline':
      return 'denied';
    case 'cancel':
      return 'abort';
  }
}

/** A v1 (`execCommandApproval` / `applyPatchApproval`) decision as core's. */
export function legacyDecision(decision: v2.ReviewDecision): core.ReviewDecision {
  if (typeof decision === 'string') {
    switch (decision) {
      case 'approved':
      case 'approved_for_session':
      case 'timed_out':
      case 'abort':
        return decision;
      case 'approved_mcp_policy_amendment':
        return 'approved';
    }
  }
  if (typeof decision === 'object' && 'approved_execpolicy_amendment' in decision) {
    return decision;
  }
  if (typeof decision === 'object' && 'network_policy_amendment' in decision) return 'approved';
  return 'denied';
}
