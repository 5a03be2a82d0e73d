import { type ChildProcess, spawn } from 'node:child_process';
import { constants as fsConstants, readSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { CodexError, type Logger } from '@codex/common';
import type { exec } from '@codex/protocol';
import type { IPty } from 'node-pty';
import { orphanGuard } from './orphan-guard.js';

type ExecOutputStream = exec.ExecOutputStream;
type TerminalSize = exec.TerminalSize;

/** What to run: a resolved `process/start` request. */
export interface SpawnRequest {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly tty: boolean;
  readonly arg0?: string | null;
  readonly size?: TerminalSize | null;
  readonly openStdin?: boolean;
}

/** How a process ended. `exitCode` is `128 + signal number` for signal deaths. */
export interface ProcessExit {
  readonly exitCode: number;
  readonly signal: NodeJS.Signals | null;
}

/** Where a running process reports. Calls arrive in order; `exit` comes last, once. */
export interface ProcessSink {
  output(stream: ExecOutputStream, bytes: Buffer): void;
  exit(exit: ProcessExit): void;
}

/** Why a process could not be started. */
export type SpawnErrorCode = 'cwd' | 'not_found' | 'spawn';

/** A process that could not be started; the message names the command or directory. */
export class SpawnError extends CodexError<SpawnErrorCode> {
  static override readonly brand = 'codex.exec-server.SpawnError';
}

/** A started process, PTY- or pipe-backed. */
export interface LiveProcess {
  readonly pid: number;
  readonly tty: boolean;
  /** Whether `write` is possible: a PTY, or a pipe process started with open stdin. */
  readonly stdinOpen: boolean;
  /** Writes raw bytes to the PTY or the stdin pipe; resolves when handed to the OS. */
  write(bytes: Buffer): Promise<void>;
  /** Closes a pipe process's stdin (no-op when already closed). */
  closeStdin(): void;
  /** Resizes the PTY. */
  resize(size: TerminalSize): void;
  /** Stops reading output (flow control: the child blocks once the OS buffer fills). */
  pause(): void;
  resume(): void;
  /** Sends `signal` to the whole process group; false when the group is gone. */
  signalGroup(signal: NodeJS.Signals): boolean;
}

/** Settings of {@link spawnProcess}. */
export interface SpawnOptions {
  /** Output is delivered in chunks of at most this many bytes. */
  readonly maxChunkBytes: number;
  /**
   * After a pipe process's leader exits, how long to keep reading output that descendants
   * still write to the inherited pipes before reporting the exit. Paused time does not count.
   */
  readonly exitDrainMs: number;
  /** Where unexpected stream and process errors are reported. */
  readonly logger: Logger;
  /**
   * Called at the last moment before the process is created, synchronously with its creation
   * (so limits hold even for a burst of concurrent starts); it throws to refuse. It returns the
   * function that gives the slot back, which is called at once when the creation fails.
   */
  readonly admit?: () => () => void;
}

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Maps a signal name to the shell's `128 + n` exit code. */
export function signalExitCode(signal: NodeJS.Signals | number): number {
  const number = typeof signal === 'number' ? signal : (osConstants.signals[signal] ?? 0);
  return 128 + number;
}

function signalName(number: number): NodeJS.Signals | null {
  for (const [name, value] of Object.entries(osConstants.signals)) {
    if (value === number) return name as NodeJS.Signals;
  }
  return null;
}

async function isExecutableFile(candidate: string): Promise<boolean> {
  try {
    const info = await stat(candidate);
    if (!info.isFile()) return false;
    await access(candidate, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks `cwd` and finds `argv[0]` the way `execvp` will (the child's own `PATH`), so failures
 * are reported as clear errors rather than as a child that exits 127.
 */
export async function resolveSpawn(request: SpawnRequest): Promise<string> {
  const { cwd } = request;
  if (!path.isAbsolute(cwd)) {
    throw new SpawnError('cwd', `cwd must be an absolute path, got ${JSON.stringify(cwd)}`);
  }
  try {
    const info = await stat(cwd);
    if (!info.isDirectory()) throw new SpawnError('cwd', `cwd ${cwd} is not a directory`);
  } catch (error) {
    if (SpawnError.isInstance(error)) throw error;
    throw new SpawnError('cwd', `cwd ${cwd} does not exist`, { cause: error });
  }
  const command = request.argv[0];
  if (command === undefined || command === '') {
    throw new SpawnError('not_found', 'argv[0] must name a program');
  }
  if (command.includes('/')) {
    const candidate = path.resolve(cwd, command);
    if (await isExecutableFile(candidate)) return candidate;
    throw new SpawnError('not_found', `cannot run ${command}: no executable file at ${candidate}`);
  }
  const searchPath = request.env.PATH ?? process.env.PATH ?? DEFAULT_PATH;
  for (const dir of searchPath.split(path.delimiter)) {
    const candidate = path.resolve(cwd, dir === '' ? '.' : dir, command);
    if (await isExecutableFile(candidate)) return candidate;
  }
  throw new SpawnError(
    'not_found',
    `cannot run ${command}: not found in PATH ${JSON.stringify(searchPath)}`,
  );
}

/** Calls `deliver` with `data` cut into pieces of at most `max` bytes. */
function deliverChunked(data: Buffer, max: number, deliver: (piece: Buffer) => void): void {
  if (data.length <= max) {
    deliver(data);
    return;
  }
  for (let offset = 0; offset < data.length; offset += max) {
    deliver(data.subarray(offset, offset + max));
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Starts a process. Resolves once it is running; rejects with a {@link SpawnError}. */
export async function spawnProcess(
  request: SpawnRequest,
  sink: ProcessSink,
  options: SpawnOptions,
): Promise<LiveProcess> {
  if (request.tty) {
    // node-pty reports a failed exec only as output and exit 1: check everything first.
    return spawnPty(request, await resolveSpawn(request), sink, options);
  }
  if (!path.isAbsolute(request.cwd)) await resolveSpawn(request);
  try {
    return await spawnPipes(request, sink, options);
  } catch (error) {
    if (!SpawnError.isInstance(error)) throw error; // refused by `admit`
    // The OS says only ENOENT/EACCES; find out which part was wrong for the message.
    await resolveSpawn(request);
    throw error;
  }
}

async function spawnPipes(
  request: SpawnRequest,
  sink: ProcessSink,
  options: SpawnOptions,
): Promise<LiveProcess> {
  const openStdin = request.openStdin === true;
  const [command = '', ...args] = request.argv;
  const release = options.admit?.();
  orphanGuard(options.logger).prepare();
  const child: ChildProcess = spawn(command, args, {
    cwd: request.cwd,
    env: { ...request.env },
    argv0: request.arg0 ?? request.argv[0],
    // A new session: the child leads its own process group, which is what gets signalled.
    detached: true,
    stdio: [openStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  // No pid: the OS refused (the error event follows); the slot is free again at once.
  if (child.pid === undefined) release?.();
  // From its first moment, the group dies with this process (its owner releases it).
  else orphanGuard(options.logger).track(child.pid);
  await new Promise<void>((resolve, reject) => {
    const onSpawn = () => {
      child.off('error', onError);
      resolve();
    };
    const onError = (error: Error) => {
      child.off('spawn', onSpawn);
      reject(
        new SpawnError('spawn', `cannot run ${request.argv[0]}: ${error.message}`, {
          cause: error,
        }),
      );
    };
    child.once('spawn', onSpawn);
    child.once('error', onError);
  });
  const pid = child.pid;
  if (pid === undefined) throw new SpawnError('spawn', `cannot run ${request.argv[0]}: no pid`);

  const stdout = child.stdout as Readable;
  const stderr = child.stderr as Readable;
  const stdin = child.stdin;
  let stdinOpen = openStdin && stdin !== null;
  let paused = false;
  let openStreams = 2;
  let leaderExit: ProcessExit | undefined;
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  let finished = false;

  stdin?.on('error', (error) => {
    // Usually EPIPE after the child closed its stdin; pending writes reject through their callbacks.
    options.logger.debug(`stdin of pid ${pid} failed`, error);
    stdinOpen = false;
  });
  child.on('error', (error) => options.logger.warn(`process ${pid} reported an error`, error));
  const finish = () => {
    if (finished || !leaderExit) return;
    finished = true;
    if (drainTimer) clearTimeout(drainTimer);
    sink.exit(leaderExit);
  };
  const onStreamDone = () => {
    openStreams -= 1;
    if (openStreams === 0) finish();
  };
  const armDrain = () => {
    drainTimer = setTimeout(() => {
      if (finished) return;
      if (paused) {
        armDrain();
        return;
      }
      // Descendants still hold the pipes: stop reading and report the leader's exit.
      stdout.destroy();
      stderr.destroy();
      finish();
    }, options.exitDrainMs);
    drainTimer.unref?.();
  };
  for (const [stream, name] of [
    [stdout, 'stdout'],
    [stderr, 'stderr'],
  ] as const) {
    stream.on('data', (data: Buffer) =>
      deliverChunked(data, options.maxChunkBytes, (piece) => sink.output(name, piece)),
    );
    stream.once('close', onStreamDone);
    stream.on('error', (error) => options.logger.warn(`${name} of pid ${pid} failed`, error));
  }
  child.once('exit', (code, signal) => {
    stdinOpen = false;
    leaderExit =
      code !== null
        ? { exitCode: code, signal: null }
        : { exitCode: signal ? signalExitCode(signal) : 1, signal };
    if (openStreams === 0) finish();
    else armDrain();
  });

  return {
    pid,
    tty: false,
    get stdinOpen() {
      return stdinOpen;
    },
    write(bytes) {
      if (!stdinOpen || !stdin) return Promise.reject(new Error('stdin is closed'));
      return new Promise((resolve, reject) => {
        stdin.write(bytes, (error) => (error ? reject(error) : resolve()));
      });
    },
    closeStdin() {
      if (stdinOpen && stdin) stdin.end();
      stdinOpen = false;
    },
    resize() {
      throw new Error('not a PTY process');
    },
    pause() {
      paused = true;
      stdout.pause();
      stderr.pause();
    },
    resume() {
      paused = false;
      stdout.resume();
      stderr.resume();
    },
    signalGroup: (signal) => killGroup(pid, signal),
  };
}

type PtyModule = typeof import('node-pty');
let ptyModule: PtyModule | undefined;

async function loadPty(): Promise<PtyModule> {
  if (!ptyModule) {
    try {
      const loaded = (await import('node-pty')) as PtyModule & { default?: PtyModule };
      ptyModule = typeof loaded.spawn === 'function' ? loaded : (loaded.default ?? loaded);
    } catch (error) {
      throw new SpawnError('spawn', 'PTY support is unavailable: node-pty did not load', {
        cause: error,
      });
    }
  }
  return ptyModule;
}

/** The parts of node-pty's Unix terminal this module relies on beyond its typings. */
interface UnixPtyInternals {
  readonly _fd?: number;
  readonly _socket?: NodeJS.EventEmitter;
}

async function spawnPty(
  request: SpawnRequest,
  resolved: string,
  sink: ProcessSink,
  options: SpawnOptions,
): Promise<LiveProcess> {
  const pty = await loadPty();
  const [command = resolved, ...rest] = request.argv;
  // node-pty has no argv[0] override; bash's `exec -a` provides one.
  const [file, args] =
    request.arg0 != null
      ? ['bash', ['-c', 'exec -a "$0" "$@"', request.arg0, resolved, ...rest]]
      : [command, rest];
  const size = request.size ?? { rows: 24, cols: 80 };
  let term: IPty;
  const release = options.admit?.();
  orphanGuard(options.logger).prepare();
  try {
    term = pty.spawn(file, args, {
      name: request.env.TERM ?? 'xterm-256color',
      cols: size.cols,
      rows: size.rows,
      cwd: request.cwd,
      env: { ...request.env },
      encoding: null,
    });
  } catch (error) {
    release?.();
    throw new SpawnError(
      'spawn',
      `cannot run ${command} in a PTY: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  orphanGuard(options.logger).track(term.pid);
  let exited = false;
  const deliver = (data: Buffer | string) => {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    deliverChunked(bytes, options.maxChunkBytes, (piece) => sink.output('pty', piece));
  };
  term.onData(deliver);
  // libuv reports EOF on a PTY master when a short read coincides with the hang-up, while the
  // kernel still holds the child's last output. Read what is left before node-pty closes the fd.
  const internals = term as unknown as UnixPtyInternals;
  internals._socket?.once('end', () => {
    const fd = internals._fd;
    if (fd === undefined) return;
    const buffer = Buffer.allocUnsafe(65_536);
    for (;;) {
      let count: number;
      try {
        count = readSync(fd, buffer, 0, buffer.length, null);
      } catch {
        break; // EIO: the kernel buffer is empty; EAGAIN: nothing more was pending.
      }
      if (count <= 0) break;
      deliver(Buffer.from(buffer.subarray(0, count)));
    }
  });
  term.onExit(({ exitCode, signal }) => {
    exited = true;
    const name = signal ? signalName(signal) : null;
    sink.exit(
      signal ? { exitCode: signalExitCode(signal), signal: name } : { exitCode, signal: null },
    );
  });
  const pid = term.pid;
  return {
    pid,
    tty: true,
    get stdinOpen() {
      return !exited;
    },
    async write(bytes) {
      if (exited) throw new Error('process has exited');
      term.write(bytes);
    },
    closeStdin() {
      // A PTY has no separate stdin to close; EOF is written as ^D by the client.
    },
    resize(next) {
      if (!exited) term.resize(next.cols, next.rows);
    },
    pause: () => term.pause(),
    resume: () => term.resume(),
    signalGroup: (signal) => killGroup(pid, signal),
  };
}
