import { type FileHandle, open } from 'node:fs/promises';

const NEWLINE = 0x0a;
/** Bytes read per `read()`; lines longer than this are stitched from several chunks. */
const CHUNK_BYTES = 256 * 1024;
/** The first forward read is smaller: a head scan usually needs only the first few lines. */
const FIRST_CHUNK_BYTES = 64 * 1024;
/**
 * A longer line is skipped (yielded with `oversized` and empty text), so one runaway tool
 * output cannot make a reader hold hundreds of megabytes.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** One line of a rollout with its byte range: `offset` is where it starts, `end` where the next does. */
export interface RolloutLineText {
  /** The line without its newline; empty when `oversized`. */
  text: string;
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Byte offset just past the line's newline (or the end of the file for an unterminated line). */
  end: number;
  /** False for a last line with no newline yet: torn by a crash, or still being written. */
  complete: boolean;
  /** True when the line was longer than `MAX_LINE_BYTES` and its text was dropped. */
  oversized: boolean;
}

/** Collects the pieces of one line, dropping them once the line is known to be oversized. */
class LineBuffer {
  private pieces: Buffer[] = [];
  private bytes = 0;
  oversized = false;

  /** Adds `piece` at the end (`prepend` false) or the start (true); copies, as chunks are reused. */
  add(piece: Buffer, prepend: boolean): void {
    if (this.oversized || piece.length === 0) return;
    this.bytes += piece.length;
    if (this.bytes > MAX_LINE_BYTES) {
      this.oversized = true;
      this.pieces = [];
      return;
    }
    const copy = Buffer.from(piece);
    if (prepend) this.pieces.unshift(copy);
    else this.pieces.push(copy);
  }

  get empty(): boolean {
    return !this.oversized && this.bytes === 0;
  }

  /** The line's text with `extra` (a view into the current chunk) on the given side; then resets. */
  take(extra: Buffer, extraFirst: boolean): { text: string; oversized: boolean } {
    const oversized = this.oversized || this.bytes + extra.length > MAX_LINE_BYTES;
    let text = '';
    if (!oversized) {
      if (this.pieces.length === 0) text = extra.toString('utf8');
      else {
        const parts = extraFirst ? [extra, ...this.pieces] : [...this.pieces, extra];
        text = Buffer.concat(parts).toString('utf8');
      }
    }
    this.pieces = [];
    this.bytes = 0;
    this.oversized = false;
    return { text, oversized };
  }
}

/**
 * The lines of a file from byte `start` on, read in chunks as the caller pulls them: a caller
 * that stops early (`break`) reads no further, and memory stays at one chunk plus one line.
 * With `limit`, nothing at or past that byte is read, and a line it cuts is not yielded.
 */
export async function* readLinesForward(
  path: string,
  start = 0,
  limit = Number.POSITIVE_INFINITY,
): AsyncGenerator<RolloutLineText, void, undefined> {
  const handle = await open(path, 'r');
  try {
    let chunk = Buffer.allocUnsafe(FIRST_CHUNK_BYTES);
    const line = new LineBuffer();
    let position = start;
    let lineStart = start;
    for (let reads = 0; ; reads++) {
      if (reads === 1) chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      const wanted = Math.min(chunk.length, limit - position);
      if (wanted <= 0) return;
      const { bytesRead } = await handle.read(chunk, 0, wanted, position);
      if (bytesRead === 0) break;
      const view = chunk.subarray(0, bytesRead);
      let from = 0;
      while (from < bytesRead) {
        const newline = view.indexOf(NEWLINE, from);
        if (newline === -1) {
          line.add(view.subarray(from), false);
          break;
        }
        const end = position + newline + 1;
        const { text, oversized } = line.take(view.subarray(from, newline), false);
        yield { text, offset: lineStart, end, complete: true, oversized };
        lineStart = end;
        from = newline + 1;
      }
      position += bytesRead;
    }
    if (!line.empty) {
      const { text, oversized } = line.take(Buffer.alloc(0), false);
      yield { text, offset: lineStart, end: position, complete: false, oversized };
    }
  } finally {
    await handle.close();
  }
}

/**
 * The lines of a file that end at or before byte `end` (default: the whole file), last line
 * first, read backwards in chunks: the newest turns of a huge rollout cost what they weigh.
 */
export async function* readLinesBackward(
  path: string,
  end?: number,
): AsyncGenerator<RolloutLineText, void, undefined> {
  const handle = await open(path, 'r');
  try {
    const limit = end ?? (await handle.stat()).size;
    yield* backwardFrom(handle, limit);
  } finally {
    await handle.close();
  }
}

async function* backwardFrom(
  handle: FileHandle,
  limit: number,
): AsyncGenerator<RolloutLineText, void, undefined> {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  const line = new LineBuffer();
  // The bytes between the last newline before `limit` and `limit` have no newline of their own:
  // empty when `limit` is a line boundary, else an unterminated last line.
  let first = true;
  let lineEnd = limit;
  let position = limit;
  while (position > 0) {
    const size = Math.min(CHUNK_BYTES, position);
    const chunkStart = position - size;
    const { bytesRead } = await handle.read(chunk, 0, size, chunkStart);
    if (bytesRead !== size) return; // the file shrank under us: stop rather than misreport offsets
    const view = chunk.subarray(0, size);
    let scanEnd = size;
    for (;;) {
      const newline = scanEnd > 0 ? view.lastIndexOf(NEWLINE, scanEnd - 1) : -1;
      if (newline === -1) {
        line.add(view.subarray(0, scanEnd), true);
        break;
      }
      const offset = chunkStart + newline + 1;
      const { text, oversized } = line.take(view.subarray(newline + 1, scanEnd), true);
      if (!first || offset < lineEnd) {
        yield { text, offset, end: lineEnd, complete: !first, oversized };
      }
      first = false;
      lineEnd = offset;
      scanEnd = newline;
    }
    position = chunkStart;
  }
  // What is left is the file's first line, [0, lineEnd).
  if (lineEnd > 0) {
    const { text, oversized } = line.take(Buffer.alloc(0), true);
    yield { text, offset: 0, end: lineEnd, complete: !first, oversized };
  }
}
