import type { Readable, Writable } from 'node:stream';
import type { JsonRpcMessage } from '@codex/protocol';
import { ConnectionError } from './errors.js';
import { LineDecoder } from './line-decoder.js';
import { type CloseInfo, decodeFrame, encodeFrame, type Transport } from './transport.js';

export { DEFAULT_MAX_LINE_BYTES, LineDecoder, type LineEvent } from './line-decoder.js';

/** Settings of a {@link StdioTransport}. */
export interface StdioTransportOptions {
  /** Where messages arrive, one JSON value per line. */
  readonly input: Readable;
  /** Where messages go, one JSON value per line. */
  readonly output: Writable;
  /** Largest accepted line; longer ones are discarded and reported. Default 64 MiB. */
  readonly maxLineBytes?: number;
  /** End `output` when the transport closes. Default false (stdout usually stays open). */
  readonly endOutputOnClose?: boolean;
}

/**
 * Newline-delimited JSON over a pair of Node streams (a child's stdio, or the process's own
 * stdin/stdout). Honours the output stream's backpressure: `send` resolves after `drain`.
 */
export class StdioTransport implements Transport {
  private readonly input: Readable;
  private readonly output: Writable;
  private readonly decoder: LineDecoder;
  private readonly endOutputOnClose: boolean;
  private closed = false;
  onmessage?: (value: unknown) => void;
  onerror?: (error: Error) => void;
  onclose?: (info: CloseInfo) => void;

  constructor(options: StdioTransportOptions) {
    this.input = options.input;
    this.output = options.output;
    this.decoder = new LineDecoder({ maxLineBytes: options.maxLineBytes });
    this.endOutputOnClose = options.endOutputOnClose ?? false;
  }

  async start(): Promise<void> {
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('close', this.onEnd);
    this.input.on('error', this.onStreamError);
    this.output.on('error', this.onStreamError);
    this.output.on('close', this.onOutputClose);
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) throw new ConnectionError('closed', 'stdio transport is closed');
    const line = `${encodeFrame(message)}\n`;
    await new Promise<void>((resolve, reject) => {
      let needsDrain = false;
      const onDrain = () => {
        this.output.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        this.output.off('drain', onDrain);
        reject(new ConnectionError('closed', 'output stream closed before the message drained'));
      };
      needsDrain = !this.output.write(line, (error) => {
        if (error) reject(error);
        else if (!needsDrain) resolve();
      });
      if (needsDrain) {
        this.output.once('drain', onDrain);
        this.output.once('close', onClose);
      }
    });
  }

  async close(info: CloseInfo = {}): Promise<void> {
    this.finish(info);
    if (this.endOutputOnClose) this.output.end();
  }

  private readonly onData = (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    for (const event of this.decoder.push(bytes)) this.emit(event);
  };

  private readonly onEnd = () => {
    for (const event of this.decoder.end()) this.emit(event);
    this.finish({ reason: 'input ended' });
  };

  private readonly onOutputClose = () => {
    this.finish({ reason: 'output closed' });
  };

  private readonly onStreamError = (error: Error) => {
    this.onerror?.(error);
  };

  private emit(event: { line: string } | { error: Error }): void {
    if (this.closed) return;
    if ('error' in event) {
      this.onerror?.(event.error);
      return;
    }
    const decoded = decodeFrame(event.line);
    if ('error' in decoded) this.onerror?.(decoded.error);
    else this.onmessage?.(decoded.value);
  }

  private finish(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('close', this.onEnd);
    this.output.off('close', this.onOutputClose);
    // Keep the error listeners: an unhandled 'error' event would crash the process.
    this.onclose?.(info);
  }
}
