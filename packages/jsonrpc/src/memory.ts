import { ConnectionError } from './errors.js';
import { decodeFrame } from './frame.js';
import { type CloseInfo, type Inbound, Inbox, type Transport } from './transport.js';

class MemoryTransport implements Transport {
  peer: MemoryTransport | undefined;
  private started = false;
  private closed = false;
  private remoteEnd: CloseInfo | undefined;
  private readonly early: Inbound[] = [];
  private readonly inbox: Inbox;
  onmessage?: (value: unknown, bytes: number) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: CloseInfo) => void;

  constructor() {
    this.inbox = new Inbox({
      deliver: (item) => {
        if ('error' in item) this.onerror?.(item.error);
        else this.onmessage?.(item.value, item.bytes);
      },
      end: (info) => this.onclose?.(info),
    });
  }

  async start(): Promise<void> {
    this.started = true;
    for (const item of this.early.splice(0)) this.inbox.push(item);
    if (this.remoteEnd) this.inbox.end(this.remoteEnd);
  }

  /**
   * Resolves once the peer's connection took the message in, so a peer that pauses its input
   * holds the sender back, as a full socket would.
   */
  send(frame: string): Promise<void> {
    if (this.closed) return Promise.reject(new ConnectionError('closed', 'transport is closed'));
    const peer = this.peer;
    return new Promise((resolve) => {
      // Decoded on arrival, as on a real wire: neither side shares objects with the other.
      queueMicrotask(() => {
        const decoded = decodeFrame(frame);
        const item: Inbound =
          'value' in decoded
            ? { value: decoded.value, bytes: frame.length, settled: resolve }
            : { error: decoded.error, settled: resolve };
        if (!peer?.deliver(item)) resolve();
      });
    });
  }

  pause(): void {
    this.inbox.pause();
  }

  resume(): void {
    this.inbox.resume();
  }

  /** Takes a message in; false when this side is closed (the message is dropped). */
  private deliver(item: Inbound): boolean {
    if (this.closed) return false;
    if (this.started) this.inbox.push(item);
    else this.early.push(item);
    return true;
  }

  async close(info: CloseInfo = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const peer = this.peer;
    for (const item of this.early.splice(0)) item.settled?.();
    this.inbox.abort(info);
    // The peer learns after messages already in flight have been delivered.
    queueMicrotask(() => peer?.remoteClosed(info));
  }

  private remoteClosed(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    if (this.started) this.inbox.end(info);
    else this.remoteEnd = info;
  }
}

/** Two transports wired to each other in memory, for tests and in-process clients. */
export function createLinkedPair(): [Transport, Transport] {
  const a = new MemoryTransport();
  const b = new MemoryTransport();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
