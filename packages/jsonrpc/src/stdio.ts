import type { Readable, Writable } from 'node:stream';
import { ConnectionError } from './errors.js';
import { decodeFrame, type FrameLimits, resolveFrameLimits } from './frame.js';
import { LineDecoder, type LineEvent } from './line-decoder.js';
import { type CloseInfo, type Inbound, Inbox, type Transport } from './transport.js';

/** Settings of a {@link StdioTransport}. */
export interface StdioTransportOptions extends Partial<FrameLimits> {
  /** Where messages arrive, one JSON value per line. */
  readonly input: Readable;
  /** Where messages go, one JSON value per line. */
  readonly output: Writable;
  /** End `output` when the transport closes. Default false (stdout usually stays open). */
  readonly endOutputOnClose?: boolean;
}

/**
 * Newline-delimited JSON over a pair of Node streams (a child's stdio, or the process's own
 * stdin/stdout). Honours the output stream's backpressure (`send` resolves after `drain`) and
 * applies its own to the input: while paused, the input stream is not read.
 */
export class StdioTransport implements Transport {
  private readonly input: Readable;
  private readonly output: Writable;
  private readonly decoder: LineDecoder;
  private readonly limits: FrameLimits;
  private readonly endOutputOnClose: boolean;
  private readonly inbox: Inbox;
  private closed = false;
  onmessage?: (value: unknown, bytes: number) => void;
  onerror?: (error: Error) => void;
  onend?: (info: CloseInfo) => void;
  onclose?: (info: CloseInfo) => void;

  constructor(options: StdioTransportOptions) {
    this.input = options.input;
    this.output = options.output;
    this.limits = resolveFrameLimits(options);
    this.decoder = new LineDecoder({ maxLineBytes: this.limits.maxMessageBytes });
    this.endOutputOnClose = options.endOutputOnClose ?? false;
    this.inbox = new Inbox({
      deliver: (item) => this.deliver(item),
      end: (info) => this.inputEnded(info),
    });
  }

  async start(): Promise<void> {
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('close', this.onEnd);
    this.input.on('error', this.onStreamError);
    this.output.on('error', this.onStreamError);
    this.output.on('close', this.onOutputClose);
  }

  async send(frame: string): Promise<void> {
    if (this.closed) throw new ConnectionError('closed', 'stdio transport is closed');
    const line = `${frame}\n`;
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

  pause(): void {
    if (this.closed) return;
    this.inbox.pause();
    this.input.pause();
  }

  resume(): void {
    if (this.closed) return;
    this.inbox.resume();
    if (!this.inbox.isPaused && !this.closed) this.input.resume();
  }

  async close(info: CloseInfo = {}): Promise<void> {
    this.finish(info);
    this.inbox.abort(info);
    if (this.endOutputOnClose) this.output.end();
  }

  private readonly onData = (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    for (const event of this.decoder.push(bytes)) this.inbox.push(this.decode(event));
  };

  private readonly onEnd = () => {
    for (const event of this.decoder.end()) this.inbox.push(this.decode(event));
    this.inbox.end({ reason: 'input ended' });
  };

  private readonly onOutputClose = () => {
    this.finish({ reason: 'output closed' });
    this.inbox.abort({ reason: 'output closed' });
  };

  private readonly onStreamError = (error: Error) => {
    this.onerror?.(error);
  };

  private decode(event: LineEvent): Inbound {
    if ('error' in event) return event;
    const decoded = decodeFrame(event.line, this.limits);
    return 'error' in decoded ? decoded : { value: decoded.value, bytes: event.line.length };
  }

  private deliver(item: Inbound): void {
    if ('error' in item) this.onerror?.(item.error);
    else this.onmessage?.(item.value, item.bytes);
  }

  /** The input ended; the output may still be open, for the replies still owed. */
  private inputEnded(info: CloseInfo): void {
    if (this.closed) return;
    if (!this.onend || this.output.writableEnded || this.output.destroyed) {
      this.finish(info);
      return;
    }
    this.input.off('data', this.onData);
    this.onend(info);
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
