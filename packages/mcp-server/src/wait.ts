import { MAX_TIMER_MS } from '@codex/common';

/** The longest approval timeout (Node's timers cannot wait longer), in ms. */
export const MAX_APPROVAL_TIMEOUT_MS = MAX_TIMER_MS;

/** Whether `ms` is a usable approval timeout: a whole number of ms from 1 to the maximum. */
export function isApprovalTimeout(ms: number): boolean {
  return Number.isInteger(ms) && ms >= 1 && ms <= MAX_APPROVAL_TIMEOUT_MS;
}
