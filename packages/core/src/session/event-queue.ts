/** Bytes of queued events above which a producer that asks waits for the reader. */
export const EVENT_QUEUE_HIGH_WATER_BYTES = 8 * 1024 * 1024;

/**
 * A rough byte size of a value, cheap enough to run on every streamed delta: strings count
 * their UTF-16 length, nested objects are walked one level deep and larger ones are measured
 * as JSON.
 */
export function approximateBytes(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object' || value === null) return 8;
  let bytes = 32;
  for (const field of Object.values(value)) {
    if (typeof field === 'string') bytes += field.length + 16;
    else if (typeof field === 'object' && field !== null)
      bytes += JSON.stringify(field)?.length ?? 0;
    else bytes += 16;
  }
  return bytes;
}

/**
 * The single-reader queue between a session and whoever reads its events. Nothing pushed is
 * dropped; instead a producer can `waitForRoom()` at a safe point (the turn loop does between
 * stream events), so a reader that falls behind slows the model stream instead of growing
 * memory without bound.
 */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private bytes = 0;
  private readonly sizes: number[] = [];
  private closed = false;
  private readers: Array<(item: T | undefined) => void> = [];
  private roomWaiters: Array<() => void> = [];

  constructor(private readonly highWaterBytes = EVENT_QUEUE_HIGH_WATER_BYTES) {}

  /** Queued bytes (approximate). */
  get queuedBytes(): number {
    return this.bytes;
  }

  /** Events waiting to be read. */
  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.closed) return;
    const reader = this.readers.shift();
    if (reader) {
      reader(item);
      return;
    }
    const size = approximateBytes(item);
    this.items.push(item);
    this.sizes.push(size);
    this.bytes += size;
  }

  /** The next event, or `undefined` once the queue is closed and drained. */
  next(): Promise<T | undefined> {
    if (this.head < this.items.length) {
      const item = this.items[this.head] as T;
      this.bytes -= this.sizes[this.head] ?? 0;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.items.length) this.compact();
      if (this.bytes < this.highWaterBytes) this.releaseProducers();
      return Promise.resolve(item);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.readers.push(resolve));
  }

  /** Resolves at once while the backlog is under the high-water mark, else once it drains. */
  waitForRoom(): Promise<void> | undefined {
    if (this.bytes < this.highWaterBytes || this.closed) return undefined;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** No more events: pending and future reads end after the backlog. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const reader of this.readers.splice(0)) reader(undefined);
    this.releaseProducers();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const item = await this.next();
      if (item === undefined) return;
      yield item;
    }
  }

  private compact(): void {
    this.items.splice(0, this.head);
    this.sizes.splice(0, this.head);
    this.head = 0;
  }

  private releaseProducers(): void {
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }
}
