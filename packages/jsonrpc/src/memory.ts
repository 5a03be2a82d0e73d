import { ConnectionError } from './errors.js';
import { decodeFrame } from './frame.js';
import { type CloseInfo, type Inbound, Inbox, type Transport } from './transport.js';

class MemoryTransport implements Transport {
  peer: MemoryTransport | undefined;
  private started = false;
  private closed = false;
  private readonly early: Inbound[] = [];
  private readonly inbox: Inbox;
  onmessage?: (value: unknown) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: CloseInfo) => void;

  constructor() {
    this.inbox = new Inbox({
      deliver: (item) => {
        if ('error' in item) this.onerror?.(item.error);
        else this.onmessage?.(item.value);
      },
      end: (info) => this.onclose?.(info),
    });
  }

  async start(): Promise<void> {
    this.started = true;
    for (const item of this.early.splice(0)) this.inbox.push(item);
  }

  async send(frame: string): Promise<void> {
    if (this.closed) throw new ConnectionError('closed', 'transport is closed');
    const peer = this.peer;
    // Decoded on arrival, as on a real wire: neither side shares objects with the other.
    queueMicrotask(() => peer?.deliver(decodeFrame(frame)));
  }

  pause(): void {
    this.inbox.pause();
  }

  resume(): void {
    this.inbox.resume();
  }

  private deliver(item: Inbound): void {
    if (this.closed) return;
    if (this.started) this.inbox.push(item);
    else this.early.push(item);
  }

  async close(info: CloseInfo = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const peer = this.peer;
    this.inbox.abort(info);
    // The peer learns after messages already in flight have been delivered.
    queueMicrotask(() => peer?.remoteClosed(info));
  }

  private remoteClosed(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    this.inbox.end(info);
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
