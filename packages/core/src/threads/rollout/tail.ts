import type { FileHandle } from 'node:fs/promises';

/** How much of the file is read at a time, walking back from its end. */
const TAIL_BLOCK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * The lines of an open file from the last to the first, reading it backwards a block at a
 * time: the end of a large rollout (its last record, its ordinal) without reading the rest.
 * Memory is bounded by the longest line.
 */
export async function* linesFromEnd(handle: FileHandle): AsyncGenerator<string> {
  let position = (await handle.stat()).size;
  // Bytes of the line being assembled: they lie before everything already yielded.
  let partial: Buffer = Buffer.alloc(0);
  while (position > 0) {
    const length = Math.min(TAIL_BLOCK_BYTES, position);
    position -= length;
    const block = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(block, filled, length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    let chunk = Buffer.concat([block.subarray(0, filled), partial]);
    for (let index = chunk.lastIndexOf(NEWLINE); index >= 0; index = chunk.lastIndexOf(NEWLINE)) {
      yield chunk.subarray(index + 1).toString('utf8');
      chunk = chunk.subarray(0, index);
    }
    partial = chunk;
  }
  yield partial.toString('utf8');
}

/** Whether the file's last byte is a newline (or the file is empty): appends start a new line. */
export async function endsWithNewline(handle: FileHandle): Promise<boolean> {
  const { size } = await handle.stat();
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] === NEWLINE;
}
