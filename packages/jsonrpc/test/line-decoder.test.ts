import { describe, expect, it } from 'vitest';
import { LineDecoder, type LineEvent } from '../src/line-decoder.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const lines = (events: LineEvent[]) =>
  events.map((e) => ('line' in e ? e.line : `!${e.error.code}`));

describe('LineDecoder', () => {
  it('joins lines split across chunks', () => {
    const decoder = new LineDecoder();
    expect(lines(decoder.push(bytes('{"a":')))).toStrictEqual([]);
    expect(lines(decoder.push(bytes('1}\n{"b"')))).toStrictEqual(['{"a":1}']);
    expect(lines(decoder.push(bytes(':2}\n')))).toStrictEqual(['{"b":2}']);
  });

  it('strips CRLF and skips blank lines', () => {
    const decoder = new LineDecoder();
    expect(lines(decoder.push(bytes('one\r\n\r\n\n  \ntwo\n')))).toStrictEqual(['one', 'two']);
  });

  it('decodes a multi-byte character split between chunks', () => {
    const decoder = new LineDecoder();
    const all = bytes('"héllo ☃"\n');
    const cut = 3; // inside the two-byte é
    expect(
      lines([...decoder.push(all.subarray(0, cut)), ...decoder.push(all.subarray(cut))]),
    ).toStrictEqual(['"héllo ☃"']);
  });

  it('discards an oversized line, reports it once, and recovers', () => {
    const decoder = new LineDecoder({ maxLineBytes: 10 });
    const events = [
      ...decoder.push(bytes('0123456789abc')),
      ...decoder.push(bytes('defghij')),
      ...decoder.push(bytes('klm\nok\n')),
    ];
    expect(lines(events)).toStrictEqual(['!too_large', 'ok']);
  });

  it('emits a final line without a newline at end of stream', () => {
    const decoder = new LineDecoder();
    expect(lines(decoder.push(bytes('{"x":1}')))).toStrictEqual([]);
    expect(lines(decoder.end())).toStrictEqual(['{"x":1}']);
  });
});
