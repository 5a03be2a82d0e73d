/** The longest approval timeout (Node's timers cannot wait longer), in ms. */
export const MAX_APPROVAL_TIMEOUT_MS = 2_147_483_647;

/** Whether `ms` is a usable approval timeout: a whole number of ms from 1 to the maximum. */
export function isApprovalTimeout(ms: number): boolean {
  return Number.isInteger(ms) && ms >= 1 && ms <= MAX_APPROVAL_TIMEOUT_MS;
}

/**
 * Waits for `promise` at most `ms`: true if it settled in time, false otherwise (it is then
 * left to settle on its own; a rejection is the caller's to have handled).
 */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return (await Promise.race([promise.then(() => 'done'), timedOut])) !== 'timeout';
  } finally {
    clearTimeout(timer);
  }
}
