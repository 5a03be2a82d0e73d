import type { core } from '@codex/protocol';
import { OFFERED_DECISIONS } from '../approvals.js';
import type { ToolInvocation } from '../tool-call.js';

/** Thrown when the user answered `abort`: the turn ends. */
export class TurnAbortRequested extends Error {}

type RequestEvent =
  | Omit<core.EventMsgOf<'exec_approval_request'>, 'turn_id' | 'available_decisions'>
  | Omit<core.EventMsgOf<'apply_patch_approval_request'>, 'turn_id' | 'available_decisions'>;

/** The answer, as a tool acts on it. */
export type ApprovalOutcome =
  | 'approved'
  | 'denied'
  | 'timed_out'
  /** Approved, and commands starting with this prefix are allowed from now on. */
  | { readonly amendment: readonly string[] };

/**
 * Asks the user about a command or patch and waits for the answer (or the timeout, which
 * declines it). `abort` ends the turn: it interrupts the turn and throws.
 */
export async function askApproval(
  invocation: ToolInvocation,
  request: RequestEvent,
  sessionKey: string,
): Promise<ApprovalOutcome> {
  const { emit, turn, approvals, signal } = invocation;
  const kind = request.type === 'exec_approval_request' ? 'exec' : 'patch';
  const proposal =
    request.type === 'exec_approval_request' ? request.proposed_execpolicy_amendment : null;
  const offered: core.ReviewDecision[] = [...OFFERED_DECISIONS];
  if (proposal && proposal.length > 0)
    offered.splice(1, 0, {
      approved_execpolicy_amendment: { proposed_execpolicy_amendment: [...proposal] },
    });
  emit({ ...request, turn_id: turn.turnId, available_decisions: offered });
  const decision = await approvals.wait({
    kind,
    callId: request.call_id,
    submissionId: turn.submissionId,
    sessionKey,
    signal,
    onTimeout: () =>
      emit({
        type: 'warning',
        message: `nobody answered the ${kind === 'exec' ? 'command' : 'patch'} approval request ${request.call_id} in time; it was declined`,
        turn_id: turn.turnId,
      }),
  });
  if (typeof decision === 'object')
    return { amendment: decision.approved_execpolicy_amendment.proposed_execpolicy_amendment };
  switch (decision) {
    case 'approved':
    case 'approved_for_session':
      return 'approved';
    case 'denied':
    case 'timed_out':
      return decision;
    case 'abort':
      invocation.abortTurn();
      throw new TurnAbortRequested('the user aborted the turn');
  }
}
