import type { JsonRpcMessage } from '@codex/protocol';

/** Why a transport closed. */
export interface CloseInfo {
  /** WebSocket close code, when there was one. */
  readonly code?: number;
  readonly reason?: string;
}

/**
 * Moves JSON-RPC messages. A transport frames and decodes; it does not validate. It reports
 * decoded values through `onmessage`, frames it could not decode through `onerror` with a
 * {@link FrameError} (the transport stays usable), and the end through `onclose` (once).
 */
export interface Transport {
  /** Begins reading. Call once, after setting the callbacks. */
  start(): Promise<void>;
  /** Writes one message; resolves when the underlying sink accepted it (backpressure). */
  send(message: JsonRpcMessage): Promise<void>;
  /** Closes the transport; `onclose` follows. Safe to call more than once. */
  close(info?: CloseInfo): Promise<void>;
  onmessage?: (value: unknown) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: CloseInfo) => void;
}

const frameMarker = Symbol.for('codex.jsonrpc.FrameError');

/** A frame that could not be decoded: not JSON, or larger than the configured limit. */
export class FrameError extends Error {
  readonly [frameMarker] = true;
  /** `parse`: not valid JSON; `too_large`: over the size limit (the frame was discarded). */
  readonly kind: 'parse' | 'too_large';
  /** The start of the offending frame, for logs. */
  readonly excerpt: string;

  constructor(kind: 'parse' | 'too_large', message: string, excerpt: string) {
    super(message);
    this.name = 'FrameError';
    this.kind = kind;
    this.excerpt = excerpt;
  }

  static isInstance(value: unknown): value is FrameError {
    return typeof value === 'object' && value !== null && frameMarker in value;
  }
}

const EXCERPT_CHARS = 120;

/** Decodes one text frame, reporting failures as {@link FrameError}. */
export function decodeFrame(text: string): { value: unknown } | { error: FrameError } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return {
      error: new FrameError('parse', `invalid JSON: ${reason}`, text.slice(0, EXCERPT_CHARS)),
    };
  }
}

/** Encodes one message as a text frame (no trailing newline). */
export function encodeFrame(message: JsonRpcMessage): string {
  return JSON.stringify(message);
}
