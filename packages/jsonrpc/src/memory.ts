import type { JsonRpcMessage } from '@codex/protocol';
import { ConnectionError } from './errors.js';
import type { CloseInfo, Transport } from './transport.js';

class MemoryTransport implements Transport {
  peer: MemoryTransport | undefined;
  private started = false;
  private closed = false;
  private readonly inbox: unknown[] = [];
  onmessage?: (value: unknown) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: CloseInfo) => void;

  async start(): Promise<void> {
    this.started = true;
    for (const value of this.inbox.splice(0)) this.onmessage?.(value);
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) throw new ConnectionError('closed', 'transport is closed');
    // Copy through JSON so neither side shares objects with the other, as on a real wire.
    const copy = JSON.parse(JSON.stringify(message)) as unknown;
    const peer = this.peer;
    queueMicrotask(() => peer?.deliver(copy));
  }

  private deliver(value: unknown): void {
    if (this.closed) return;
    if (this.started) this.onmessage?.(value);
    else this.inbox.push(value);
  }

  async close(info: CloseInfo = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const peer = this.peer;
    this.onclose?.(info);
    // The peer learns after messages already in flight have been delivered.
    queueMicrotask(() => void peer?.close(info));
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
