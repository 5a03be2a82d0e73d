import { describe, expect, it } from 'vitest';
import { exec } from '../src/index.js';

describe('exec ByteChunkSchema', () => {
  it('accepts padded standard base64, including empty', () => {
    for (const value of [
      '',
      'aGk=',
      'aGVsbG8K',
      'AAAA/+==',
      Buffer.alloc(100_000, 7).toString('base64'),
    ]) {
      expect(exec.ByteChunkSchema.safeParse(value).success).toBe(true);
    }
  });

  it('rejects other alphabets, whitespace, bad padding and lengths, naming the problem', () => {
    for (const value of ['aGk', '!!!!', 'aG k=', 'a=Gk', 'aGk===', 'aGVsbG8K\n', 'aGk-']) {
      const parsed = exec.ByteChunkSchema.safeParse(value);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/^Invalid base64-encoded string/);
    }
  });
});
