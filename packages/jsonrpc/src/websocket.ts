import { timerFor } from '@codex/common';
import { type ClientOptions, type RawData, WebSocket } from 'ws';
import { ConnectionError } from './errors.js';
import { decodeFrame, FrameError, type FrameLimits, resolveFrameLimits } from './frame.js';
import { type CloseInfo, type Inbound, Inbox, type Transport } from './transport.js';

/** Settings of a {@link WebSocketTransport}. */
export type WebSocketTransportOptions = Partial<FrameLimits>;

/** Close code sent when the local side closes normally. */
export const NORMAL_CLOSURE = 1000;

/** A code a close frame may carry (RFC 6455 §7.4); others become a normal closure. */
const closeCode = (code: number | undefined) =>
  code !== undefined &&
  ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999))
    ? code
    : NORMAL_CLOSURE;

/** A close reason cut to the 123 bytes of UTF-8 a close frame allows, at a character boundary. */
function closeReason(reason: string | undefined): string | undefined {
  if (reason === undefined || Buffer.byteLength(reason) <= 123) return reason;
  let cut = '';
  for (const character of reason) {
    if (Buffer.byteLength(cut + character) > 120) break;
    cut += character;
  }
  return `${cut}…`;
}

/**
 * One JSON-RPC message per WebSocket frame, over a `ws` socket (client or server side).
 * Text and binary frames are both read as UTF-8 JSON; frames are sent as text. Pausing stops
 * reading the socket. Give the socket a `maxPayload` of at most `maxMessageBytes` so that an
 * oversized message is refused while it arrives, not after.
 */
export class WebSocketTransport implements Transport {
  private readonly socket: WebSocket;
  private readonly limits: FrameLimits;
  private readonly inbox: Inbox;
  private closed = false;
  onmessage?: (value: unknown, bytes: number) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: CloseInfo) => void;

  constructor(socket: WebSocket, options: WebSocketTransportOptions = {}) {
    this.socket = socket;
    this.limits = resolveFrameLimits(options);
    this.inbox = new Inbox({
      deliver: (item) => this.deliver(item),
      end: (info) => this.finish(info),
    });
  }

  async start(): Promise<void> {
    this.socket.on('message', this.onMessage);
    this.socket.on('close', this.onClose);
    this.socket.on('error', this.onError);
    if (this.socket.readyState === WebSocket.CLOSED)
      this.inbox.end({ reason: 'socket already closed' });
  }

  async send(frame: string): Promise<void> {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) {
      throw new ConnectionError('closed', 'websocket is not open');
    }
    await new Promise<void>((resolve, reject) => {
      this.socket.send(frame, (error) => (error ? reject(error) : resolve()));
    });
  }

  pause(): void {
    if (this.closed) return;
    this.inbox.pause();
    this.socket.pause();
  }

  resume(): void {
    if (this.closed) return;
    this.inbox.resume();
    if (!this.inbox.isPaused && !this.closed) this.socket.resume();
  }

  async close(info: CloseInfo = {}): Promise<void> {
    this.inbox.abort(info);
    // A paused socket would not read the peer's answer to our close frame, and the close
    // would wait for ws's 30 s timeout; what it reads now goes nowhere (the inbox is aborted).
    this.socket.resume();
    if (
      this.socket.readyState === WebSocket.OPEN ||
      this.socket.readyState === WebSocket.CONNECTING
    ) {
      try {
        this.socket.close(closeCode(info.code), closeReason(info.reason));
      } catch {
        // A code the protocol does not allow here: drop the connection instead.
        this.socket.terminate();
      }
    }
  }

  private readonly onMessage = (data: RawData, isBinary: boolean) => {
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    this.inbox.push(this.decode(buffer, isBinary));
  };

  private decode(buffer: Buffer, isBinary: boolean): Inbound {
    if (buffer.length > this.limits.maxMessageBytes)
      return {
        error: new FrameError(
          'too_large',
          `message of ${buffer.length} bytes exceeds the ${this.limits.maxMessageBytes}-byte limit; discarded`,
        ),
      };
    const decoded = decodeFrame(buffer.toString('utf8'), this.limits);
    if ('value' in decoded) return { value: decoded.value, bytes: buffer.length };
    if (decoded.error.code === 'parse')
      return {
        error: new FrameError(
          'parse',
          `${isBinary ? 'binary' : 'text'} frame: ${decoded.error.message}`,
        ),
      };
    return decoded;
  }

  private deliver(item: Inbound): void {
    if ('error' in item) this.onerror?.(item.error);
    else this.onmessage?.(item.value, item.bytes);
  }

  private readonly onClose = (code: number, reason: Buffer) => {
    this.inbox.end({ code, reason: reason.toString('utf8') });
  };

  private readonly onError = (error: Error) => {
    // `ws` refuses a message over `maxPayload` while it arrives and closes with 1009: a
    // peer's oversized frame, not a fault here.
    if ((error as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      this.onerror?.(
        new FrameError('too_large', `${error.message}; the connection is closed with 1009`),
      );
      return;
    }
    this.onerror?.(error);
  };

  private finish(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.off('message', this.onMessage);
    this.socket.off('close', this.onClose);
    this.onclose?.(info);
  }
}

/** Settings of {@link connectWebSocket}. */
export interface ConnectWebSocketOptions extends WebSocketTransportOptions {
  /** How long to wait for the socket to open. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Extra handshake headers, such as `Authorization`. */
  readonly headers?: Record<string, string>;
  /** Passed through to `ws`. `maxPayload` defaults to `maxMessageBytes`. */
  readonly clientOptions?: ClientOptions;
}

/** Opens a WebSocket to `url` and wraps it; rejects on failure or after the connect timeout. */
export function connectWebSocket(
  url: string,
  options: ConnectWebSocketOptions = {},
): Promise<WebSocketTransport> {
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  const limits = resolveFrameLimits(options);
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, {
      maxPayload: limits.maxMessageBytes,
      ...options.clientOptions,
      headers: options.headers,
    });
    const timer = timerFor(timeoutMs, () => {
      cleanup();
      socket.terminate();
      reject(
        new ConnectionError('timeout', `websocket ${url} did not open within ${timeoutMs} ms`),
      );
    });
    const onOpen = () => {
      cleanup();
      resolve(new WebSocketTransport(socket, limits));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onUnexpected = (_request: unknown, response: { statusCode?: number }) => {
      cleanup();
      socket.terminate();
      reject(
        new ConnectionError(
          'closed',
          `websocket ${url} refused the upgrade with HTTP ${response.statusCode}`,
        ),
      );
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('open', onOpen);
      socket.off('error', onError);
      socket.off('unexpected-response', onUnexpected);
      // Later errors belong to the transport; until it attaches, keep one listener so that an
      // 'error' event cannot crash the process.
      socket.on('error', () => {});
    };
    socket.once('open', onOpen);
    socket.once('error', onError);
    socket.once('unexpected-response', onUnexpected);
  });
}
