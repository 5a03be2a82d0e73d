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
 * process, started on first use; it costs nothing while this process lives.
 */
export class OrphanGuard {
  private watchdog: ChildProcess | null = null;
  private broken = false;
  private readonly tracked = new Set<number>();

  constructor(private readonly logger: Logger = defaultLogger) {}

  /** Process groups the watchdog will kill. */
  get groups(): readonly number[] {
    return [...this.tracked];
  }

  /** The watchdog's pid (null before the first group, or if it could not start). */
  get watchdogPid(): number | null {
    return this.watchdog?.pid ?? null;
  }

  /** Kill group `pgid` if this process dies while it is tracked. */
  track(pgid: number): void {
    if (this.tracked.has(pgid)) return;
    this.tracked.add(pgid);
    this.send(`+${pgid}`);
  }

  /** Stops tracking `pgid` (its processes are gone, or were killed by their owner). */
  release(pgid: number): void {
    if (!this.tracked.delete(pgid)) return;
    this.send(`-${pgid}`);
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

let shared: OrphanGuard | null = null;

/** The process-wide guard every exec-server handler in this process uses. */
export function orphanGuard(): OrphanGuard {
  shared ??= new OrphanGuard();
  return shared;
}
