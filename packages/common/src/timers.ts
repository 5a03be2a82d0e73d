/** Node fires timers of 2^31 ms or more at once; waits that long are treated as unbounded. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A timer for `ms`, or none when `ms` is unbounded (`Infinity`, or too long for Node's timers,
 * which would fire it at once). `clearTimeout(undefined)` is a no-op, so callers clear either.
 */
export function timerFor(
  ms: number,
  callback: () => void,
): ReturnType<typeof setTimeout> | undefined {
  return Number.isFinite(ms) && ms < MAX_TIMER_MS ? setTimeout(callback, ms) : undefined;
}

/**
 * Waits for `promise` at most `ms`: true if it settled (resolved or rejected) in time, false
 * otherwise; it is then left to settle on its own. Never rejects.
 */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
