import type { exec } from '@codex/protocol';

type ExecOutputStream = exec.ExecOutputStream;

/** One chunk of output as the server retains it. */
export interface OutputChunk {
  /** 1-based, per process, in arrival order. */
  readonly seq: number;
  readonly stream: ExecOutputStream;
  readonly bytes: Buffer;
}

/** What {@link RetainedOutput.read} returns. */
export interface RetainedRead {
  readonly chunks: OutputChunk[];
  /** The seq the next unread chunk has; pass `nextSeq - 1` as the next `afterSeq`. */
  readonly nextSeq: number;
  /** Chunks after `afterSeq` were dropped from retention before this read. */
  readonly truncated: boolean;
}

/**
 * A process's output, newest last, capped at `capBytes`: when a chunk would push the total
 * past the cap, the oldest chunks are dropped (a chunk larger than the whole cap keeps only
 * its tail). Dropped bytes are still counted, and seqs keep increasing, so readers can tell
 * they missed something.
 */
export class RetainedOutput {
  private readonly capBytes: number;
  private chunks: OutputChunk[] = [];
  /** Index of the first live entry in `chunks` (dropping from the front is O(1)). */
  private head = 0;
  private retained = 0;
  private lastSeq = 0;
  /** Every byte ever appended. */
  totalBytes = 0;
  /** Bytes dropped from retention to respect the cap. */
  droppedBytes = 0;

  constructor(capBytes: number) {
    if (!Number.isInteger(capBytes) || capBytes < 0) {
      throw new RangeError(`retained output cap must be a non-negative integer, got ${capBytes}`);
    }
    this.capBytes = capBytes;
  }

  /** Bytes currently retained. */
  get retainedBytes(): number {
    return this.retained;
  }

  /** The seq the next appended chunk will get. */
  get nextSeq(): number {
    return this.lastSeq + 1;
  }

  /** Appends a chunk, assigning its seq, and evicts the oldest to stay within the cap. */
  append(stream: ExecOutputStream, bytes: Buffer): OutputChunk {
    this.lastSeq += 1;
    this.totalBytes += bytes.length;
    let kept = bytes;
    if (kept.length > this.capBytes) {
      this.droppedBytes += kept.length - this.capBytes;
      kept = kept.subarray(kept.length - this.capBytes);
    }
    if (kept.length === 0) return { seq: this.lastSeq, stream, bytes };
    this.retained += kept.length;
    this.chunks.push({ seq: this.lastSeq, stream, bytes: kept });
    while (this.retained > this.capBytes && this.head < this.chunks.length) {
      const oldest = this.chunks[this.head];
      if (!oldest) break;
      this.head += 1;
      this.retained -= oldest.bytes.length;
      this.droppedBytes += oldest.bytes.length;
    }
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    return { seq: this.lastSeq, stream, bytes };
  }

  /**
   * Retained chunks with `seq > afterSeq`, oldest first, up to `maxBytes` in total. The first
   * chunk is always returned whole, even when it alone exceeds `maxBytes`, so a reader always
   * makes progress.
   */
  read(afterSeq: number, maxBytes: number): RetainedRead {
    const firstRetained = this.chunks[this.head]?.seq ?? this.nextSeq;
    const truncated = afterSeq + 1 < firstRetained;
    const out: OutputChunk[] = [];
    let bytes = 0;
    const start = this.indexAfter(afterSeq);
    for (let index = start; index < this.chunks.length; index += 1) {
      const chunk = this.chunks[index];
      if (!chunk) continue;
      if (out.length > 0 && bytes + chunk.bytes.length > maxBytes) break;
      out.push(chunk);
      bytes += chunk.bytes.length;
    }
    const last = out[out.length - 1];
    const nextSeq = last ? last.seq + 1 : Math.max(afterSeq + 1, this.nextSeq);
    return { chunks: out, nextSeq: Math.min(nextSeq, this.nextSeq), truncated };
  }

  /** True when a chunk with `seq > afterSeq` is retained. */
  hasAfter(afterSeq: number): boolean {
    return this.indexAfter(afterSeq) < this.chunks.length;
  }

  private indexAfter(afterSeq: number): number {
    // Binary search over the live window; seqs are strictly increasing.
    let low = this.head;
    let high = this.chunks.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const chunk = this.chunks[mid];
      if (chunk && chunk.seq <= afterSeq) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
