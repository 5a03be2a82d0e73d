import type { ChildProcess } from 'node:child_process';

/** Children lead process groups of their own (`detached`) where the platform has them. */
export const USE_PROCESS_GROUP = process.platform !== 'win32';

/**
 * Kills a child started with `detached: USE_PROCESS_GROUP` and whatever it started (SIGKILL to
 * its group), so that grandchildren holding its pipes cannot outlive or delay us.
 */
export function killProcessGroup(child: ChildProcess): void {
  if (USE_PROCESS_GROUP && child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
      return;
    } catch {
      // The group is gone already; fall through to the child itself.
    }
  }
  child.kill('SIGKILL');
}
