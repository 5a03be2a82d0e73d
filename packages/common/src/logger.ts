/**
 * Where codex-ts packages report what they recover from or swallow. Every API that logs takes a
 * `logger` option; without one it uses `defaultLogger`, which {@link setDefaultLogger}
 * redirects (or silences) for the whole process.
 */
export interface Logger {
  /** Detail a developer may want when tracing a problem; quiet by default. */
  debug(message: string, details?: unknown): void;
  /** Something went wrong and was recovered from or skipped. */
  warn(message: string, details?: unknown): void;
  /** Something failed that the caller could not handle itself. */
  error(message: string, details?: unknown): void;
}

/** How much a console logger prints: this level and the ones above it. */
export type LogLevel = 'debug' | 'warn' | 'error' | 'silent';

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, warn: 1, error: 2, silent: 3 };

/** Settings of {@link createConsoleLogger}. */
export interface ConsoleLoggerOptions {
  /** Default `warn`. */
  readonly level?: LogLevel;
  /** Printed in brackets before each line. Default `codex`. */
  readonly prefix?: string;
  /** Where lines go. Default `console.error` (stderr in Node). */
  readonly write?: (line: string) => void;
}

/** A short rendering of `details`: an error's message (its stack only at `error` level). */
function describe(details: unknown, withStack: boolean): string {
  if (details instanceof Error) {
    if (withStack && details.stack) return details.stack;
    return `${details.name}: ${details.message}`;
  }
  if (typeof details === 'string') return details;
  try {
    return JSON.stringify(details) ?? String(details);
  } catch {
    return String(details);
  }
}

/** A logger writing one line per message (stack traces only for errors). */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? 'warn'];
  const prefix = options.prefix ?? 'codex';
  const write = options.write ?? ((line: string) => console.error(line));
  const emit = (level: Exclude<LogLevel, 'silent'>, message: string, details: unknown) => {
    if (RANK[level] < threshold) return;
    const tail = details === undefined ? '' : `: ${describe(details, level === 'error')}`;
    write(`[${prefix}] ${level.toUpperCase()} ${message}${tail}`);
  };
  return {
    debug: (message, details) => emit('debug', message, details),
    warn: (message, details) => emit('warn', message, details),
    error: (message, details) => emit('error', message, details),
  };
}

/** Drops everything. */
export const silentLogger: Logger = Object.freeze({
  debug: () => {},
  warn: () => {},
  error: () => {},
});

const CURRENT = Symbol.for('codex.common.defaultLogger');
type Holder = { [CURRENT]?: Logger };

/**
 * Replaces the process-wide default logger (used wherever no `logger` option was given), for
 * every copy of every codex-ts package. Pass {@link silentLogger} to silence them. Returns the
 * previous default.
 */
export function setDefaultLogger(logger: Logger): Logger {
  const holder = globalThis as Holder;
  const previous = holder[CURRENT] ?? stderrLogger;
  holder[CURRENT] = logger;
  return previous;
}

const current = (): Logger => (globalThis as Holder)[CURRENT] ?? stderrLogger;

/** Warnings and errors to stderr, as `[codex] WARN …`. The initial default. */
export const stderrLogger: Logger = createConsoleLogger();

/**
 * The process-wide default: it forwards each call to whatever {@link setDefaultLogger} last
 * set, so objects created before the change follow it too.
 */
export const defaultLogger: Logger = Object.freeze({
  debug: (message: string, details?: unknown) => current().debug(message, details),
  warn: (message: string, details?: unknown) => current().warn(message, details),
  error: (message: string, details?: unknown) => current().error(message, details),
});

/** Settings of {@link LogThrottle}. */
export interface LogThrottleOptions {
  /** One line per key per interval at most. Default 10 s. */
  readonly intervalMs?: number;
  /** The clock, in epoch milliseconds. Default `Date.now`; tests pass a fake one. */
  readonly now?: () => number;
  /**
   * Runs `flush` after `ms`, returning a cancel function. Default: an unreferenced
   * `setTimeout` (a pending flush never keeps the process alive).
   */
  readonly schedule?: (ms: number, flush: () => void) => () => void;
}

interface HeldMessage {
  readonly level: keyof Logger;
  readonly message: string;
  readonly details: unknown;
}

interface ThrottleState {
  windowStart: number;
  suppressed: number;
  last?: HeldMessage;
  cancelFlush?: () => void;
}

const unrefTimeout = (ms: number, flush: () => void): (() => void) => {
  const timer = setTimeout(flush, ms);
  timer.unref?.();
  return () => clearTimeout(timer);
};

/**
 * Logs the first of a run of similar messages, then at most one line per key and interval,
 * which counts the ones it held back. For problems a peer can repeat at will (garbage input, a
 * reader that never reads), so that a flood of them cannot flood the log. When a burst ends, the
 * last message held back is logged with the count at the end of its interval, so no count is
 * lost to silence.
 */
export class LogThrottle {
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly schedule: (ms: number, flush: () => void) => () => void;
  private readonly states = new Map<string, ThrottleState>();

  constructor(logger: Logger, options: LogThrottleOptions = {}) {
    this.logger = logger;
    this.intervalMs = options.intervalMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.schedule = options.schedule ?? unrefTimeout;
  }

  /** Logs at `debug`, throttled per `key` (messages with the same key count as one run). */
  debug(key: string, message: string, details?: unknown): void {
    this.log('debug', key, message, details);
  }

  /** Logs at `warn`, throttled per `key` (messages with the same key count as one run). */
  warn(key: string, message: string, details?: unknown): void {
    this.log('warn', key, message, details);
  }

  /** Logs at `error`, throttled per `key` (messages with the same key count as one run). */
  error(key: string, message: string, details?: unknown): void {
    this.log('error', key, message, details);
  }

  private log(level: keyof Logger, key: string, message: string, details: unknown): void {
    const now = this.now();
    const state = this.states.get(key);
    if (state && now - state.windowStart < this.intervalMs) {
      state.suppressed += 1;
      state.last = { level, message, details };
      state.cancelFlush ??= this.schedule(state.windowStart + this.intervalMs - now, () =>
        this.flush(key),
      );
      return;
    }
    state?.cancelFlush?.();
    const held = state?.suppressed ?? 0;
    const suffix = held > 0 ? ` (${held} more like it were not logged)` : '';
    this.states.set(key, { windowStart: now, suppressed: 0 });
    this.logger[level](`${message}${suffix}`, details);
  }

  /** The interval of a burst ended with messages held back: logs the last, with the count. */
  private flush(key: string): void {
    const state = this.states.get(key);
    if (!state?.last || state.suppressed === 0) return;
    const { level, message, details } = state.last;
    // The line opens a new interval, so a flood that goes on still gets one line per interval.
    this.states.set(key, { windowStart: this.now(), suppressed: 0 });
    // This one is logged now: the others held back are counted.
    const others = state.suppressed - 1;
    const suffix = others > 0 ? ` (${others} more like it before this one were not logged)` : '';
    this.logger[level](`${message}${suffix}`, details);
  }
}
