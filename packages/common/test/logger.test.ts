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
    const throttle = new LogThrottle(sink, { intervalMs: 1_000, now: () => now });
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
});
