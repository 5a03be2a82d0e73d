import type { core } from '@codex/protocol';
import { OFFERED_DECISIONS } from '../approvals.js';
import type { ToolInvocation } from '../tool-call.js';

/** Thrown when the user answered `abort`: the turn ends. */
export class TurnAbortRequested extends Error {}

type RequestEvent =
  | Omit<core.EventMsgOf<'exec_approval_request'>, 'turn_id' | 'available_decisions'>
  | Omit<core.EventMsgOf<'apply_patch_approval_request'>, 'turn_id' | 'available_decisions'>;

/**
 * Asks the user about a command or patch and waits for the answer (or the timeout, which
 * declines it). `abort` ends the turn: it interrupts the turn and throws.
 */
export async function askApproval(
  invocation: ToolInvocation,
  request: RequestEvent,
  sessionKey: string,
): Promise<'approved' | 'denied' | 'timed_out'> {
  const { emit, turn, approvals, signal } = invocation;
  const kind = request.type === 'exec_approval_request' ? 'exec' : 'patch';
  emit({ ...request, turn_id: turn.turnId, available_decisions: [...OFFERED_DECISIONS] });
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
