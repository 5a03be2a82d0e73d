import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createConsoleLogger,
  defaultLogger,
  type Logger,
  LogThrottle,
  setDefaultLogger,
  silentLogger,
  stderrLogger,
} from '../src/index.js';

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (message) => lines.push(`debug ${message}`),
    warn: (message) => lines.push(`warn ${message}`),
    error: (message) => lines.push(`error ${message}`),
  };
}

afterEach(() => {
  setDefaultLogger(stderrLogger);
});

describe('console logger', () => {
  it('prints one line per message at or above its level, errors with their stack', () => {
    const lines: string[] = [];
    const logger = createConsoleLogger({
      level: 'warn',
      prefix: 'test',
      write: (l) => lines.push(l),
    });
    logger.debug('hidden');
    logger.warn('careful', new Error('why'));
    const failure = new Error('boom');
    logger.error('failed', failure);
    expect(lines[0]).toBe('[test] WARN careful: Error: why');
    expect(lines[1]).toContain('[test] ERROR failed: Error: boom\n    at ');
    expect(lines).toHaveLength(2);
  });

  it('silent prints nothing at all', () => {
    const lines: string[] = [];
    const logger = createConsoleLogger({ level: 'silent', write: (l) => lines.push(l) });
    logger.error('x', new Error('y'));
    expect(lines).toStrictEqual([]);
  });
});

describe('default logger', () => {
  it('follows setDefaultLogger, also for references taken before the change', () => {
    const held = defaultLogger;
    const first = recorder();
    setDefaultLogger(first);
    held.warn('one');
    const previous = setDefaultLogger(silentLogger);
    expect(previous).toBe(first);
    held.warn('two');
    expect(first.lines).toStrictEqual(['warn one']);
  });
});

describe('LogThrottle', () => {
  it('logs the first of a burst, then one line per interval counting what it held back', () => {
    let now = 0;
    const sink = recorder();
    const throttle = new LogThrottle(sink, {
      intervalMs: 1_000,
      now: () => now,
      schedule: () => () => {},
    });
    for (let i = 0; i < 500; i++) throttle.warn('garbage', `bad frame ${i}`);
    throttle.warn('other', 'a different problem');
    now = 1_000;
    throttle.warn('garbage', 'bad frame 500');
    now = 1_500;
    throttle.warn('garbage', 'bad frame 501');
    now = 5_000;
    throttle.warn('garbage', 'bad frame 502');
    expect(sink.lines).toStrictEqual([
      'warn bad frame 0',
      'warn a different problem',
      'warn bad frame 500 (499 more like it were not logged)',
      'warn bad frame 502 (1 more like it were not logged)',
    ]);
  });

  it('logs the count held back at the end of a burst, once, even if nothing else comes', () => {
    let now = 0;
    const timers: Array<{ at: number; run: () => void; cancelled: boolean }> = [];
    const sink = recorder();
    const throttle = new LogThrottle(sink, {
      intervalMs: 1_000,
      now: () => now,
      schedule: (ms, run) => {
        const timer = { at: now + ms, run, cancelled: false };
        timers.push(timer);
        return () => {
          timer.cancelled = true;
        };
      },
    });
    const advance = (to: number) => {
      now = to;
      for (const timer of timers.splice(0))
        if (timer.cancelled) continue;
        else if (timer.at <= now) timer.run();
        else timers.push(timer);
    };
    throttle.warn('garbage', 'bad frame 0');
    expect(timers).toHaveLength(0);
    now = 100;
    for (let i = 1; i <= 5; i++) throttle.warn('garbage', `bad frame ${i}`);
    expect(timers).toHaveLength(1);
    advance(999);
    expect(sink.lines).toStrictEqual(['warn bad frame 0']);
    advance(1_000);
    expect(sink.lines).toStrictEqual([
      'warn bad frame 0',
      'warn bad frame 5 (4 more like it before this one were not logged)',
    ]);
    // The flush opened a new interval: a message within it is held, and flushed in turn.
    advance(1_500);
    throttle.warn('garbage', 'bad frame 6');
    advance(10_000);
    expect(sink.lines.at(-1)).toBe('warn bad frame 6');
    // Nothing held back: no line, no timer.
    advance(20_000);
    expect(sink.lines).toHaveLength(3);
    expect(timers).toHaveLength(0);
  });

  it('does not keep the process alive while a flush is pending', () => {
    const script = `
      const { LogThrottle } = require(${JSON.stringify(new URL('../dist/index.cjs', import.meta.url).pathname)});
      const throttle = new LogThrottle({ debug() {}, warn() {}, error() {} }, { intervalMs: 60000 });
      throttle.warn('k', 'one');
      throttle.warn('k', 'two');`;
    // With a referenced timer the child would live for the 60 s interval: killed at 20 s, this
    // throws.
    expect(() => execFileSync(process.execPath, ['-e', script], { timeout: 20_000 })).not.toThrow();
  });
});
