import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@codex/common';

/** The built bin; tests run the real thing in a child process. */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** A child environment with just PATH. */
export const baseEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
});

export const quiet = { logger: silentLogger };

/** `process/start` params for a pipe process in this directory, with `extra` on top. */
export const startParams = (
  processId: string,
  argv: string[],
  extra: Record<string, unknown> = {},
) => ({
  processId,
  argv,
  cwd: process.cwd(),
  env: baseEnv(),
  tty: false,
  arg0: null,
  ...extra,
});

/** Runs the bin; stderr is collected. */
export function startBin(args: string[] = []): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr += text;
  });
  return { child, stderr: () => stderr };
}

/** Starts a ws:// bin on port 0 and returns the URL from its banner. */
export async function startWsBin(
  args: string[],
): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const started = startBin(['--listen', 'ws://127.0.0.1:0', ...args]);
  const url = await until(5_000, () => /listening on (ws:\/\/\S+)/.exec(started.stderr())?.[1]);
  return { ...started, url };
}

/** Polls `probe` until it returns a value (not undefined/false), or fails after `ms`. */
export async function until<T>(ms: number, probe: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits for a child to exit, killing it after `ms`. */
export function exitOf(child: ChildProcess, ms = 10_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Raw line-level access to a stdio bin: send objects or text, receive parsed lines. */
export class RawSession {
  readonly lines: unknown[] = [];
  /** Resolves once the child's stdout ended and every line of it was parsed. */
  readonly ended: Promise<void>;
  private readonly reader: Interface;
  private waiters: Array<() => void> = [];

  constructor(readonly child: ChildProcess) {
    if (!child.stdout) throw new Error('no stdout');
    this.reader = createInterface({ input: child.stdout });
    this.ended = new Promise((resolve) => this.reader.once('close', resolve));
    this.reader.on('line', (line) => {
      this.lines.push(JSON.parse(line));
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  send(message: unknown): void {
    this.child.stdin?.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
  }

  /** Waits for a message matching `match` and returns it. */
  async next(
    match: (message: Record<string, unknown>) => boolean,
    ms = 10_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    let seen = 0;
    for (;;) {
      for (; seen < this.lines.length; seen += 1) {
        const message = this.lines[seen] as Record<string, unknown>;
        if (match(message)) return message;
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching message within ${ms} ms; got ${JSON.stringify(this.lines).slice(0, 2000)}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a request and waits for its response or error. */
  async call(id: number, method: string, params?: unknown): Promise<Record<string, unknown>> {
    this.send(params === undefined ? { id, method } : { id, method, params });
    return this.next((message) => message.id === id && ('result' in message || 'error' in message));
  }

  async handshake(): Promise<void> {
    await this.call(0, 'initialize', { clientName: 'raw-test' });
    this.send({ method: 'initialized', params: {} });
  }
}

/** Pids of live (not zombie) processes whose whole command line is `command`. */
export function processesMatching(command: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      const state = /State:\s+(\S)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (cmdline === command && state !== 'Z') found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Peak and current resident memory of a pid, in bytes. */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) =>
    Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}
