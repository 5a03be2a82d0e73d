import type { FrameError } from './frame.js';

/** Why a transport closed. */
export interface CloseInfo {
  /** WebSocket close code, when there was one. */
  readonly code?: number;
  /** Why, in words (the WebSocket close reason, or the error that ended the stream). */
  readonly reason?: string;
}

/**
 * Moves JSON-RPC messages. A transport frames and decodes; it does not validate. It reports
 * decoded values through `onmessage` (with the size of their frame), frames it could not decode
 * through `onerror` with a {@link FrameError} (the transport stays usable), and the end through
 * `onclose` (once, after every message read before it).
 *
 * `pause` is input backpressure: the transport stops reading from its source, and messages it
 * already read are held (never dropped) until `resume`. A transport whose input can end while
 * its output stays open (a pipe) reports that with `onend`, when set, instead of `onclose`: the
 * connection may still write, and closes the transport when it is done.
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
  /** Starts delivering again: first what was held, in order, then new input. */
  resume(): void;
  /** Receives each decoded message and the size of its frame in bytes. */
  onmessage?: (value: unknown, bytes: number) => void;
  /** Receives a frame that could not be decoded (a {@link FrameError}) or a transport failure. */
  onerror?: (error: Error) => void;
  /** The peer will send nothing more; this side may still write. */
  onend?: (info: CloseInfo) => void;
  /** Called once when the transport closed, after every message read before it. */
  onclose?: (info: CloseInfo) => void;
}

/**
 * What a transport read: a decoded value and its frame's size, or why a frame failed.
 * `settled` is called once the item was delivered, or dropped because the inbox was aborted or
 * had finished (a sender waiting on it can go on).
 */
export type Inbound =
  | {
      /** The decoded JSON value. */
      readonly value: unknown;
      /** The size of its frame in bytes. */
      readonly bytes: number;
      /** Called once the item was delivered or dropped. */
      readonly settled?: () => void;
    }
  | {
      /** Why the frame could not be decoded. */
      readonly error: FrameError;
      /** Called once the item was delivered or dropped. */
      readonly settled?: () => void;
    };

/** Above this many spent slots (and half the array), the held list is compacted. */
const COMPACT_AFTER = 1024;

/**
 * The in-order delivery a transport owes its connection: while paused, what was read is held;
 * `end` is reported only after everything held was delivered. For transports of your own.
 */
export class Inbox {
  private held: Inbound[] = [];
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

  /** Whether `end` or `abort` has been reported. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** Delivers `item` now, or holds it while paused or while older items are still held. */
  push(item: Inbound): void {
    if (this.finished) {
      item.settled?.();
      return;
    }
    if (this.paused || this.head < this.held.length) this.held.push(item);
    else this.hand(item);
  }

  /** Holds what is pushed until {@link resume}. */
  pause(): void {
    this.paused = true;
  }

  /** Delivers what was held, in order, until paused again. */
  resume(): void {
    this.paused = false;
    while (!this.paused && !this.finished && this.head < this.held.length) {
      const item = this.held[this.head] as Inbound;
      this.held[this.head++] = undefined as unknown as Inbound;
      this.hand(item);
    }
    if (this.head === this.held.length) {
      this.held = [];
      this.head = 0;
      if (this.ended) this.finish(this.ended);
    } else if (this.head > COMPACT_AFTER && this.head * 2 > this.held.length) {
      this.held = this.held.slice(this.head);
      this.head = 0;
    }
  }

  /** The source ended: reports `end` now, or once the held messages are delivered. */
  end(info: CloseInfo): void {
    if (this.head < this.held.length) this.ended ??= info;
    else this.finish(info);
  }

  /** Ends at once, dropping what is held (the transport was closed locally). */
  abort(info: CloseInfo): void {
    const dropped = this.held.slice(this.head);
    this.held = [];
    this.head = 0;
    this.finish(info);
    for (const item of dropped) item.settled?.();
  }

  private hand(item: Inbound): void {
    try {
      this.target.deliver(item);
    } finally {
      item.settled?.();
    }
  }

  private finish(info: CloseInfo): void {
    if (this.finished) return;
    this.finished = true;
    this.target.end(info);
  }
}
