import { describe, expect, it } from 'vitest';
import { settledWithin } from '../src/timers.js';

describe('settledWithin', () => {
  it('says whether a promise settled in time, rejections included, and never rejects', async () => {
    expect(await settledWithin(Promise.resolve(1), 1_000)).toBe(true);
    expect(await settledWithin(Promise.reject(new Error('x')), 1_000)).toBe(true);
    expect(await settledWithin(new Promise(() => {}), 20)).toBe(false);
  });
});
