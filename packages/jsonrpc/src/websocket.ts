import type { JsonRpcMessage } from '@codex/protocol';
import { type ClientOptions, type RawData, WebSocket } from 'ws';
import { ConnectionError } from './errors.js';
import {
  type CloseInfo,
  decodeFrame,
  encodeFrame,
  FrameError,
  type Transport,
} from './transport.js';

/** Settings of a {@link WebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** Largest accepted message in bytes; larger ones are dropped and reported. Default 64 MiB. */
  readonly maxMessageBytes?: number;
}

/** Close code sent when the local side closes normally. */
export const NORMAL_CLOSURE = 1000;

/**
 * One JSON-RPC message per WebSocket frame, over a `ws` socket (client or server side).
 * Text and binary frames are both read as UTF-8 JSON; frames are sent as text.
 */
export class WebSocketTransport implements Transport {
  private readonly socket: WebSocket;
  private readonly maxMessageBytes: number;
  private closed = false;
  onmessage?: (value: unknown) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: CloseInfo) => void;

  constructor(socket: WebSocket, options: WebSocketTransportOptions = {}) {
    this.socket = socket;
    this.maxMessageBytes = options.maxMessageBytes ?? 64 * 1024 * 1024;
  }

  async start(): Promise<void> {
    this.socket.on('message', this.onMessage);
    this.socket.on('close', this.onClose);
    this.socket.on('error', this.onError);
    if (this.socket.readyState === WebSocket.CLOSED)
      this.finish({ reason: 'socket already closed' });
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) {
      throw new ConnectionError('closed', 'websocket is not open');
    }
    const text = encodeFrame(message);
    await new Promise<void>((resolve, reject) => {
      this.socket.send(text, (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(info: CloseInfo = {}): Promise<void> {
    if (
      this.socket.readyState === WebSocket.OPEN ||
      this.socket.readyState === WebSocket.CONNECTING
    ) {
      this.socket.close(info.code ?? NORMAL_CLOSURE, info.reason);
    }
    this.finish(info);
  }

  private readonly onMessage = (data: RawData, isBinary: boolean) => {
    if (this.closed) return;
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (buffer.length > this.maxMessageBytes) {
      this.onerror?.(
        new FrameError(
          'too_large',
          `message of ${buffer.length} bytes exceeds the ${this.maxMessageBytes}-byte limit; discarded`,
          buffer.subarray(0, 120).toString('utf8'),
        ),
      );
      return;
    }
    const decoded = decodeFrame(buffer.toString('utf8'));
    if ('error' in decoded) {
      const kind = isBinary ? 'binary' : 'text';
      this.onerror?.(
        new FrameError('parse', `${kind} frame: ${decoded.error.message}`, decoded.error.excerpt),
      );
      return;
    }
    this.onmessage?.(decoded.value);
  };

  private readonly onClose = (code: number, reason: Buffer) => {
    this.finish({ code, reason: reason.toString('utf8') });
  };

  private readonly onError = (error: Error) => {
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
  /** Passed through to `ws` (for example `maxPayload`). */
  readonly clientOptions?: ClientOptions;
}

/** Opens a WebSocket to `url` and wraps it; rejects on failure or after the connect timeout. */
export function connectWebSocket(
  url: string,
  options: ConnectWebSocketOptions = {},
): Promise<WebSocketTransport> {
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { ...options.clientOptions, headers: options.headers });
    const timer = setTimeout(() => {
      cleanup();
      socket.terminate();
      reject(
        new ConnectionError('timeout', `websocket ${url} did not open within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    const onOpen = () => {
      cleanup();
      resolve(new WebSocketTransport(socket, options));
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
