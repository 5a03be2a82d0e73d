import { describe, expect, it } from 'vitest';
import { RetainedOutput } from '../src/retained-output.js';

const bytes = (text: string) => Buffer.from(text);
const text = (chunks: { bytes: Buffer }[]) =>
  chunks.map((chunk) => chunk.bytes.toString()).join('');

describe('RetainedOutput', () => {
  it('numbers chunks from 1 and reads after an exclusive seq', () => {
    const output = new RetainedOutput(100);
    expect(output.nextSeq).toBe(1);
    output.append('stdout', bytes('a'));
    output.append('stderr', bytes('b'));
    output.append('stdout', bytes('c'));
    const all = output.read(0, 100);
    expect(all.chunks.map((chunk) => [chunk.seq, chunk.stream])).toEqual([
      [1, 'stdout'],
      [2, 'stderr'],
      [3, 'stdout'],
    ]);
    expect(all.nextSeq).toBe(4);
    expect(all.truncated).toBe(false);
    expect(text(output.read(1, 100).chunks)).toBe('bc');
    expect(output.read(3, 100)).toEqual({ chunks: [], nextSeq: 4, truncated: false });
  });

  it('drops the oldest chunks past the cap, still counting them, and reports truncation', () => {
    const output = new RetainedOutput(10);
    for (const piece of ['aaaa', 'bbbb', 'cccc', 'dddd']) output.append('stdout', bytes(piece));
    expect(output.retainedBytes).toBe(8);
    expect(output.totalBytes).toBe(16);
    expect(output.droppedBytes).toBe(8);
    const read = output.read(0, 100);
    expect(text(read.chunks)).toBe('ccccdddd');
    expect(read.chunks[0]?.seq).toBe(3);
    expect(read.truncated).toBe(true);
    // A reader that already saw seq 2 missed nothing.
    expect(output.read(2, 100).truncated).toBe(false);
  });

  it('keeps only the tail of a chunk larger than the whole cap', () => {
    const output = new RetainedOutput(4);
    const live = output.append('pty', bytes('0123456789'));
    expect(live.bytes.toString()).toBe('0123456789');
    expect(text(output.read(0, 100).chunks)).toBe('6789');
    expect(output.droppedBytes).toBe(6);
  });

  it('honours maxBytes but always returns at least one chunk', () => {
    const output = new RetainedOutput(100);
    for (const piece of ['aaaa', 'bbbb', 'cccc']) output.append('stdout', bytes(piece));
    const first = output.read(0, 6);
    expect(text(first.chunks)).toBe('aaaa');
    expect(first.nextSeq).toBe(2);
    expect(text(output.read(first.nextSeq - 1, 8).chunks)).toBe('bbbbcccc');
    expect(text(output.read(0, 1).chunks)).toBe('aaaa');
  });

  it('retains nothing with a zero cap and stays bounded over many appends', () => {
    const none = new RetainedOutput(0);
    none.append('stdout', bytes('x'));
    expect(none.read(0, 10)).toEqual({ chunks: [], nextSeq: 2, truncated: true });
    const output = new RetainedOutput(64);
    for (let index = 0; index < 100_000; index += 1) output.append('stdout', bytes('12345678'));
    expect(output.retainedBytes).toBe(64);
    expect(output.read(0, 1000).chunks).toHaveLength(8);
    expect(output.nextSeq).toBe(100_001);
  });

  it('rejects a nonsensical cap', () => {
    expect(() => new RetainedOutput(-1)).toThrow(/non-negative integer/);
  });
});
