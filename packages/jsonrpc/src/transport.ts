import type { FrameError } from './frame.js';

/** Why a transport closed. */
export interface CloseInfo {
  /** WebSocket close code, when there was one. */
  readonly code?: number;
  readonly reason?: string;
}

/**
 * Moves JSON-RPC messages. A transport frames and decodes; it does not validate. It reports
 * decoded values through `onmessage`, frames it could not decode through `onerror` with a
 * {@link FrameError} (the transport stays usable), and the end through `onclose` (once, after
 * every message read before it).
 *
 * `pause` is input backpressure: the transport stops reading from its source, and messages it
 * already read are held (never dropped) until `resume`.
 */
export interface Transport {
  /** Begins reading. Call once, after setting the callbacks. */
  start(): Promise<void>;
  /** Writes one encoded message (JSON text, no framing); resolves once the sink accepted it. */
  send(frame: string): Promise<void>;
  /** Closes the transport; `onclose` follows. Safe to call more than once. */
  close(info?: CloseInfo): Promise<void>;
  /** Stops delivering messages and reading more, until {@link resume}. */
  pause(): void;
  resume(): void;
  onmessage?: (value: unknown) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: CloseInfo) => void;
}

/** What a transport read: a decoded value, or why a frame could not be decoded. */
export type Inbound = { readonly value: unknown } | { readonly error: FrameError };

/**
 * The in-order delivery a transport owes its connection: while paused, what was read is held;
 * `end` is reported only after everything held was delivered.
 */
export class Inbox {
  private readonly held: Inbound[] = [];
  private head = 0;
  private paused = false;
  private ended: CloseInfo | undefined;
  private finished = false;

  constructor(
    private readonly target: {
      readonly deliver: (item: Inbound) => void;
      readonly end: (info: CloseInfo) => void;
    },
  ) {}

  /** Whether delivery is paused. */
  get isPaused(): boolean {
    return this.paused;
  }

  push(item: Inbound): void {
    if (this.finished) return;
    if (this.paused || this.head < this.held.length) this.held.push(item);
    else this.target.deliver(item);
  }

  pause(): void {
    this.paused = true;
  }

  /** Delivers what was held, in order, until paused again. */
  resume(): void {
    this.paused = false;
    while (!this.paused && this.head < this.held.length) {
      const item = this.held[this.head] as Inbound;
      this.held[this.head++] = undefined as unknown as Inbound;
      this.target.deliver(item);
    }
    if (this.head === this.held.length) {
      this.held.length = 0;
      this.head = 0;
      if (this.ended) this.finish(this.ended);
    }
  }

  /** The source ended: reports `end` now, or once the held messages are delivered. */
  end(info: CloseInfo): void {
    if (this.head < this.held.length) this.ended ??= info;
    else this.finish(info);
  }

  /** Ends at once, dropping what is held (the transport was closed locally). */
  abort(info: CloseInfo): void {
    this.held.length = 0;
    this.head = 0;
    this.finish(info);
  }

  private finish(info: CloseInfo): void {
    if (this.finished) return;
    this.finished = true;
    this.target.end(info);
  }
}
