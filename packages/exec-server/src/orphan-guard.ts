import { type ChildProcess, spawn } from 'node:child_process';
import { defaultLogger, type Logger } from '@codex/common';

/**
 * The watchdog: a shell that keeps the process groups it is told about (`+PGID` adds, `-PGID`
 * drops) and, when its input ends — which happens however this process ends, SIGKILL included,
 * since the kernel closes the pipe — kills each of them. It ignores the signals a terminal or
 * a supervisor sends the whole foreground group, so that it is still there to do its job.
 */
const WATCHDOG = `trap '' INT TERM HUP QUIT
groups=' '
while IFS= read -r line; do
  case $line in
    +*) groups="$groups\${line#+} " ;;
    -*) g=\${line#-}
        case $groups in *" $g "*) groups="\${groups%% $g *} \${groups#* $g }" ;; esac ;;
  esac
done
for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
`;

/**
 * Kills the process groups this process started if it dies without doing so itself (SIGKILL,
 * a crash, OOM): commands must not outlive the agent that ran them. One watchdog shell per
 * process, started before the first command; it costs nothing while this process lives. The
 * one gap: a process killed inside the spawn call itself (after the OS created the command,
 * before the call returned to register it) leaves that one command behind.
 */
export class OrphanGuard {
  private watchdog: ChildProcess | null = null;
  private broken = false;
  /** Tracked groups and how many owners track each. */
  private readonly tracked = new Map<number, number>();
  private sweeper: ReturnType<typeof setInterval> | null = null;

  constructor(private logger: Logger = defaultLogger) {}

  /** Where the guard's own problems are logged (the first exec-server handler's logger). */
  useLogger(logger: Logger): void {
    this.logger = logger;
  }

  /** Process groups the watchdog will kill. */
  get groups(): readonly number[] {
    return [...this.tracked.keys()];
  }

  /** The watchdog's pid (null before the first group, or if it could not start). */
  get watchdogPid(): number | null {
    return this.watchdog?.pid ?? null;
  }

  /**
   * Starts the watchdog now if it is not running. Called before a process is created, so that
   * tracking it right after is one synchronous write (no window in which this process could
   * die with the new group not yet known to the watchdog).
   */
  prepare(): void {
    this.start();
  }

  /** Kill group `pgid` if this process dies while it is tracked (counted per call). */
  track(pgid: number): void {
    // A group found dead is dropped first: its number may be the one being tracked now.
    this.sweep();
    const owners = this.tracked.get(pgid) ?? 0;
    this.tracked.set(pgid, owners + 1);
    if (owners === 0) this.send(`+${pgid}`);
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref?.();
  }

  /** One owner stops tracking `pgid`; the group is let go when none is left. */
  release(pgid: number): void {
    const owners = this.tracked.get(pgid);
    if (owners === undefined) return;
    if (owners > 1) {
      this.tracked.set(pgid, owners - 1);
      return;
    }
    this.forget(pgid);
  }

  /** Lets go of `pgid` now if no process is left in it (called when its leader exits). */
  releaseIfEnded(pgid: number): void {
    if (this.tracked.has(pgid) && !groupExists(pgid)) this.forget(pgid);
  }

  /**
   * Lets go of groups with no process left, so that the watchdog never kills a group number
   * the system has since given to someone else.
   */
  sweep(): void {
    for (const pgid of [...this.tracked.keys()]) if (!groupExists(pgid)) this.forget(pgid);
    if (this.tracked.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  private forget(pgid: number): void {
    if (this.tracked.delete(pgid)) this.send(`-${pgid}`);
  }

  private send(line: string): void {
    const watchdog = this.start();
    if (!watchdog?.stdin?.writable) return;
    watchdog.stdin.write(`${line}\n`);
  }

  private start(): ChildProcess | null {
    if (this.watchdog || this.broken) return this.watchdog;
    try {
      const watchdog = spawn('/bin/sh', ['-c', WATCHDOG], {
        stdio: ['pipe', 'ignore', 'ignore'],
        // Its own group: a signal for the server's group (Ctrl-C) does not reach it.
        detached: true,
      });
      watchdog.on('error', (error) => this.fail('the orphan watchdog failed', error));
      watchdog.on('exit', (code, signal) => {
        if (this.watchdog === watchdog) this.fail(`the orphan watchdog exited (${signal ?? code})`);
      });
      watchdog.stdin?.on('error', (error) =>
        this.fail('the orphan watchdog stopped reading', error),
      );
      // Neither the watchdog nor its pipe keeps this process alive.
      watchdog.unref();
      (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      this.watchdog = watchdog;
      return watchdog;
    } catch (error) {
      this.fail('could not start the orphan watchdog', error);
      return null;
    }
  }

  /** Logged once: commands may outlive this process if it is killed. */
  private fail(message: string, error?: unknown): void {
    if (this.broken) return;
    this.broken = true;
    this.watchdog = null;
    this.logger.warn(`${message}; commands may outlive this process if it is killed`, error);
  }
}

/** How often groups are checked for having ended (while any is tracked). */
const SWEEP_INTERVAL_MS = 5_000;

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is not ours to signal (so not ours to kill either way).
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

let shared: OrphanGuard | null = null;

/** The process-wide guard every exec-server handler in this process uses. */
export function orphanGuard(logger?: Logger): OrphanGuard {
  if (!shared) {
    shared = new OrphanGuard(logger);
  }
  return shared;
}
