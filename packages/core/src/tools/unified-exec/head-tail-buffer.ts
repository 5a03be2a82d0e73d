/** What {@link HeadTailBuffer.drain} hands back. */
export interface DrainedOutput {
  /** The retained head, then the marker (when bytes were dropped), then the retained tail. */
  readonly bytes: Buffer;
  /** Bytes dropped from the middle since the last drain. */
  readonly omittedBytes: number;
}

/**
 * Output kept between reads, bounded: the first half of the budget fills with the earliest
 * bytes, the second half keeps the latest, and whatever falls between is only counted.
 */
export class HeadTailBuffer {
  private readonly headBudget: number;
  private readonly tailBudget: number;
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private omitted = 0;

  constructor(maxBytes: number) {
    this.headBudget = Math.floor(maxBytes / 2);
    this.tailBudget = maxBytes - this.headBudget;
  }

  /** Bytes held now (head and tail). */
  get retainedBytes(): number {
    return this.headBytes + this.tailBytes;
  }

  /** Bytes dropped from the middle since the last drain. */
  get omittedBytes(): number {
    return this.omitted;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const toHead = Math.min(this.headBudget - this.headBytes, chunk.length);
    if (toHead > 0) {
      // Copied: a slice would pin the whole (possibly large) source chunk.
      this.head.push(Buffer.from(chunk.subarray(0, toHead)));
      this.headBytes += toHead;
    }
    this.pushTail(chunk.subarray(toHead));
  }

  /**
   * Takes everything held and empties the buffer. When bytes were dropped, the result carries
   * `\n... N bytes omitted ...\n` between head and tail, as the original's transcript does.
   */
  drain(): DrainedOutput {
    const omittedBytes = this.omitted;
    const parts = [...this.head];
    if (omittedBytes > 0) parts.push(Buffer.from(`\n${omissionMarker(omittedBytes)}\n`));
    parts.push(...this.tail);
    this.head = [];
    this.headBytes = 0;
    this.tail = [];
    this.tailBytes = 0;
    this.omitted = 0;
    return { bytes: Buffer.concat(parts), omittedBytes };
  }

  private pushTail(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (chunk.length >= this.tailBudget) {
      const kept = chunk.subarray(chunk.length - this.tailBudget);
      this.omitted += this.tailBytes + (chunk.length - kept.length);
      this.tail = kept.length > 0 ? [Buffer.from(kept)] : [];
      this.tailBytes = kept.length;
      return;
    }
    this.tail.push(Buffer.from(chunk));
    this.tailBytes += chunk.length;
    let excess = this.tailBytes - this.tailBudget;
    while (excess > 0) {
      const first = this.tail[0];
      if (!first) break;
      const dropped = Math.min(first.length, excess);
      if (dropped === first.length) this.tail.shift();
      else this.tail[0] = first.subarray(dropped);
      this.tailBytes -= dropped;
      this.omitted += dropped;
      excess -= dropped;
    }
  }
}

/** `... N bytes omitted ...`: the original's note for output the collection cap dropped. */
export function omissionMarker(omittedBytes: number): string {
  return `... ${omittedBytes} bytes omitted ...`;
}
