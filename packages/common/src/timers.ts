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
