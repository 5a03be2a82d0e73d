import { spawn } from 'node:child_process';
import type { Logger } from '@codex/common';
import { afterEach, describe, expect, it } from 'vitest';
import { OrphanGuard } from '../src/orphan-guard.js';
import { processesMatching, until } from './helpers.js';

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** A process leading its own group, like the exec-server starts them. */
function group(seconds: string): number {
  const child = spawn('sleep', [seconds], { detached: true, stdio: 'ignore' });
  child.unref();
  if (child.pid === undefined) throw new Error('no pid');
  started.push(child.pid);
  return child.pid;
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug: () => {}, error: () => {}, warn: (message) => warnings.push(message) };
}

describe('OrphanGuard', () => {
  it('counts owners: a group is let go only when every owner released it', () => {
    const guard = new OrphanGuard(recordingLogger());
    const pid = group('40.11');
    guard.track(pid);
    guard.track(pid);
    guard.release(pid);
    expect(guard.groups).toStrictEqual([pid]);
    guard.release(pid);
    guard.release(pid); // Released more than tracked: nothing happens.
    expect(guard.groups).toStrictEqual([]);
  });

  it('drops a group that has ended, so its number can never be killed once reused', async () => {
    const guard = new OrphanGuard(recordingLogger());
    const child = spawn('true', [], { detached: true, stdio: 'ignore' });
    const pid = child.pid ?? 0;
    guard.track(pid);
    await new Promise((resolve) => child.once('exit', resolve));
    guard.releaseIfEnded(pid);
    expect(guard.groups).toStrictEqual([]);
    const other = spawn('true', [], { detached: true, stdio: 'ignore' });
    guard.track(other.pid ?? 0);
    await new Promise((resolve) => other.once('exit', resolve));
    guard.sweep();
    expect(guard.groups).toStrictEqual([]);
    // A live group stays tracked.
    const live = group('40.17');
    guard.track(live);
    guard.releaseIfEnded(live);
    guard.sweep();
    expect(guard.groups).toStrictEqual([live]);
  });

  it('the watchdog kills what is tracked when its input ends, and only that', async () => {
    const guard = new OrphanGuard(recordingLogger());
    const kept = group('40.12');
    const released = group('40.13');
    guard.track(kept);
    guard.track(released);
    guard.release(released);
    const watchdog = guard.watchdogPid;
    expect(watchdog).not.toBeNull();
    // What the kernel does when this process dies: the watchdog's input ends.
    (guard as unknown as { watchdog: { stdin: { end(): void } } }).watchdog.stdin.end();
    await until(5_000, () => processesMatching('sleep 40.12').length === 0);
    expect(processesMatching('sleep 40.13')).toHaveLength(1);
  });

  it('a dead watchdog is reported once; tracking goes on without it', async () => {
    const logger = recordingLogger();
    const guard = new OrphanGuard(logger);
    guard.track(group('40.14'));
    process.kill(guard.watchdogPid ?? 0, 'SIGKILL');
    await until(5_000, () => logger.warnings.length > 0);
    guard.track(group('40.15'));
    guard.track(group('40.16'));
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/orphan watchdog exited .*commands may outlive/);
  });
});
