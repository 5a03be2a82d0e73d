import { DEFAULT_FRAME_LIMITS, FrameError } from './frame.js';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** What the decoder produced from a chunk: complete lines, or a report of a discarded one. */
export type LineEvent = { line: string } | { error: FrameError };

/**
 * Splits a byte stream into newline-delimited UTF-8 lines. Handles lines split across chunks,
 * CRLF endings and blank lines (skipped). A line longer than `maxLineBytes` is discarded as it
 * streams in (memory stays bounded) and reported once as a `too_large` {@link FrameError}.
 */
export class LineDecoder {
  private readonly maxLineBytes: number;
  private readonly decoder = new TextDecoder('utf-8');
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private discarding = false;

  constructor(options: { maxLineBytes?: number } = {}) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_FRAME_LIMITS.maxMessageBytes;
  }

  /** Feeds a chunk; returns the events it completes, in order. */
  push(chunk: Uint8Array): LineEvent[] {
    const events: LineEvent[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      this.append(chunk.subarray(start, end), events);
      if (newline === -1) break;
      this.finishLine(events);
      start = newline + 1;
    }
    return events;
  }

  /** Ends the stream: a final line without a newline still counts. */
  end(): LineEvent[] {
    const events: LineEvent[] = [];
    if (this.pendingBytes > 0 || this.discarding) this.finishLine(events);
    return events;
  }

  private append(piece: Uint8Array, events: LineEvent[]): void {
    if (piece.length === 0) return;
    if (this.discarding) return;
    if (this.pendingBytes + piece.length > this.maxLineBytes) {
      events.push({
        error: new FrameError(
          'too_large',
          `message exceeds the ${this.maxLineBytes}-byte limit; discarded`,
        ),
      });
      this.pending = [];
      this.pendingBytes = 0;
      this.discarding = true;
      return;
    }
    // The chunk's memory may be reused by the stream, so keep a copy only of what we hold.
    this.pending.push(piece.slice());
    this.pendingBytes += piece.length;
  }

  private finishLine(events: LineEvent[]): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    let bytes: Uint8Array;
    if (this.pending.length === 1) {
      bytes = this.pending[0] as Uint8Array;
    } else {
      bytes = new Uint8Array(this.pendingBytes);
      let offset = 0;
      for (const part of this.pending) {
        bytes.set(part, offset);
        offset += part.length;
      }
    }
    this.pending = [];
    this.pendingBytes = 0;
    let length = bytes.length;
    if (length > 0 && bytes[length - 1] === CARRIAGE_RETURN) length -= 1;
    const line = this.decoder.decode(bytes.subarray(0, length));
    if (line.trim().length === 0) return;
    events.push({ line });
  }
}
