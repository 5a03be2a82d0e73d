/** What pruning needs to know of one kept process. */
export interface PruneCandidate {
  readonly sessionId: number;
  /** Larger is more recent (a use counter, not a clock). */
  readonly lastUsed: number;
  readonly exited: boolean;
}

/**
 * The process to drop when the store is full, as the original chooses: never one of the
 * `protectedCount` most recently used; among the rest an exited process first, then the least
 * recently used. `undefined` when every process is protected.
 */
export function sessionToPrune(
  candidates: readonly PruneCandidate[],
  protectedCount: number,
): number | undefined {
  const byRecency = [...candidates].sort((a, b) => b.lastUsed - a.lastUsed);
  const protectedIds = new Set(byRecency.slice(0, protectedCount).map((entry) => entry.sessionId));
  const leastRecentFirst = byRecency
    .reverse()
    .filter((entry) => !protectedIds.has(entry.sessionId));
  return (leastRecentFirst.find((entry) => entry.exited) ?? leastRecentFirst[0])?.sessionId;
}
