import { describe, expect, it } from 'vitest';
import { DEFAULT_FRAME_LIMITS, decodeFrame, encodeFrame, FrameError } from '../src/index.js';

const limits = { ...DEFAULT_FRAME_LIMITS, maxNestingDepth: 8, maxValues: 100 };
const errorOf = (text: string) => {
  const decoded = decodeFrame(text, limits);
  if (!('error' in decoded)) throw new Error('expected a decoding error');
  return decoded.error;
};

describe('decodeFrame', () => {
  it('refuses nesting deeper than the limit before parsing it', () => {
    expect(decodeFrame('[[[[[[[[1]]]]]]]]', limits)).toStrictEqual({
      value: [[[[[[[[1]]]]]]]],
    });
    const error = errorOf('[[[[[[[[[1]]]]]]]]]');
    expect(FrameError.isInstance(error) && error.code).toBe('too_deep');
  });

  it('refuses more values than the limit, counting elements, members and containers', () => {
    const fits = `[${Array.from({ length: 99 }, () => '0').join(',')}]`;
    expect('value' in decodeFrame(fits, limits)).toBe(true);
    expect(errorOf(`[${Array.from({ length: 60 }, () => '{}').join(',')}]`).code).toBe(
      'too_many_values',
    );
    expect(errorOf(`{${Array.from({ length: 101 }, (_, i) => `"k${i}":1`).join(',')}}`).code).toBe(
      'too_many_values',
    );
  });

  it('does not count brackets, braces and commas inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ s: `${'[{,'.repeat(500)}\\"[[[[[[[[[[` });
    expect(decodeFrame(text, limits)).toStrictEqual({ value: JSON.parse(text) });
  });

  it('describes bad JSON without quoting it (it may hold secrets)', () => {
    for (const text of [
      '{"OPENAI_API_KEY": "sk-proj-SECRET',
      'root:x:0:0:root:/root',
      '{"a":1,}',
    ]) {
      const error = errorOf(text);
      expect(error.code).toBe('parse');
      expect(error.message).not.toContain('SECRET');
      expect(error.message).not.toContain('root');
      expect(error.message).toMatch(/^invalid JSON/);
    }
  });

  it('reads integer ids beyond 2^53 exactly, as BigInts', () => {
    const decoded = decodeFrame(
      '{"method":"m","params":{"id":1},"id": 9007199254740993 }',
      DEFAULT_FRAME_LIMITS,
    );
    expect(decoded).toStrictEqual({
      value: { method: 'm', params: { id: 1 }, id: 9007199254740993n },
    });
    const nested = decodeFrame('{"params":{"id":9007199254740993},"id":"x"}');
    expect(nested).toStrictEqual({ value: { params: { id: 9007199254740992 }, id: 'x' } });
    expect(decodeFrame('{"id":12}')).toStrictEqual({ value: { id: 12 } });
  });
});

describe('encodeFrame', () => {
  it('writes a BigInt id as a bare integer', () => {
    expect(encodeFrame({ id: 18446744073709551617n, result: { ok: true } })).toBe(
      '{"id":18446744073709551617,"result":{"ok":true}}',
    );
    // Keys keep their order: an error reply puts `error` before `id`, whatever the id.
    expect(encodeFrame({ error: { code: -1, message: 'x' }, id: 9007199254740993n })).toBe(
      '{"error":{"code":-1,"message":"x"},"id":9007199254740993}',
    );
    expect(encodeFrame({ error: { code: -1, message: 'x' }, id: 7 })).toBe(
      '{"error":{"code":-1,"message":"x"},"id":7}',
    );
  });

  it('throws an unserializable FrameError for what JSON cannot hold', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    for (const result of [10n, cycle, deep]) {
      let caught: unknown;
      try {
        encodeFrame({ id: 1, result });
      } catch (error) {
        caught = error;
      }
      expect(FrameError.isInstance(caught) && caught.code).toBe('unserializable');
    }
  });
});
