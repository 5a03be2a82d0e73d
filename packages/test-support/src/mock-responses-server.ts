import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { type LocalServer, readBody, startLocalServer } from './local-server.js';
import {
  assistantMessage,
  frameEvent,
  type OutputItem,
  responseEvents,
  type SseEvent,
  type Usage,
} from './sse.js';

/** One scripted answer to `POST /v1/responses` or `POST /v1/chat/completions`. */
export type ScriptedResponse =
  | {
      readonly kind: 'stream';
      readonly events: readonly SseEvent[];
      /** Pause before each event. Default 0. */
      readonly delayMs?: number;
      /** Send this many events, then hold the connection open without data (idle timeout tests). */
      readonly stallAfter?: number;
      /** Send this many events, then drop the connection without ending the stream. */
      readonly disconnectAfter?: number;
    }
  | {
      /** Pre-framed SSE text chunks (Chat Completions streams use data-only frames). */
      readonly kind: 'raw';
      readonly chunks: readonly string[];
      readonly delayMs?: number;
      readonly stallAfter?: number;
      readonly disconnectAfter?: number;
    }
  | {
      /** A plain JSON answer (e.g. to `POST /responses/compact`). */
      readonly kind: 'json';
      readonly status: number;
      readonly body: unknown;
    }
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly body: unknown;
      readonly headers: Readonly<Record<string, string>>;
    };

/** A request the mock received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The JSON body, or the raw text when it was not JSON. */
  readonly body: unknown;
}

/** Builders for {@link ScriptedResponse}s. */
export const scripted = {
  /** A streamed response holding these output items. */
  items(
    items: readonly OutputItem[],
    options: {
      usage?: Usage;
      responseId?: string;
      delayMs?: number;
      stallAfter?: number;
      disconnectAfter?: number;
    } = {},
  ): ScriptedResponse {
    const { usage, responseId, ...timing } = options;
    return { kind: 'stream', events: responseEvents(items, { usage, responseId }), ...timing };
  },
  /** A streamed assistant message in `deltas` text deltas. */
  text(
    text: string,
    options: { deltas?: number; id?: string; delayMs?: number; usage?: Usage } = {},
  ): ScriptedResponse {
    return scripted.items(
      [assistantMessage(text, { deltas: options.deltas, id: options.id })],
      options,
    );
  },
  /** An HTTP error; `retryAfterSeconds` / `retryAfterMs` set the retry headers. */
  error(
    status: number,
    options: {
      message?: string;
      retryAfterSeconds?: number;
      retryAfterMs?: number;
      body?: unknown;
      /** Sent as `x-request-id`. */
      requestId?: string;
    } = {},
  ): ScriptedResponse {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.requestId !== undefined) headers['x-request-id'] = options.requestId;
    if (options.retryAfterSeconds !== undefined)
      headers['retry-after'] = String(options.retryAfterSeconds);
    if (options.retryAfterMs !== undefined)
      headers['retry-after-ms'] = String(options.retryAfterMs);
    const body = options.body ?? {
      error: {
        message: options.message ?? `mock error ${status}`,
        type: status === 429 ? 'rate_limit_exceeded' : 'server_error',
      },
    };
    return { kind: 'error', status, body, headers };
  },
  /** A Chat Completions stream: each chunk object becomes a `data:` frame, then `data: [DONE]`. */
  chat(
    chunks: readonly Record<string, unknown>[],
    options: {
      delayMs?: number;
      stallAfter?: number;
      disconnectAfter?: number;
      done?: boolean;
    } = {},
  ): ScriptedResponse {
    const { done = true, ...timing } = options;
    const frames = chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`);
    if (done) frames.push('data: [DONE]\n\n');
    return { kind: 'raw', chunks: frames, ...timing };
  },
  /** A JSON answer with `status` (default 200): what `/responses/compact` returns. */
  json(body: unknown, status = 200): ScriptedResponse {
    return { kind: 'json', status, body };
  },
  /** Raw events, for shapes the builders do not cover. */
  events(
    events: readonly SseEvent[],
    options: { delayMs?: number; stallAfter?: number } = {},
  ): ScriptedResponse {
    return { kind: 'stream', events, ...options };
  },
};

/**
 * A local HTTP server that answers `POST …/responses` from a queue of scripted responses, with
 * SSE framed as the real API frames it, and records every request. Listens on 127.0.0.1 at an
 * ephemeral port.
 */
export class MockResponsesServer {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  private readonly queue: ScriptedResponse[] = [];
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(private readonly local: LocalServer) {}

  /** e.g. `http://127.0.0.1:40123` */
  get origin(): string {
    return this.local.origin;
  }

  /** The base URL to configure as a provider's `base_url`. */
  get url(): string {
    return `${this.origin}/v1`;
  }

  static async start(): Promise<MockResponsesServer> {
    let instance: MockResponsesServer | undefined;
    const local = await startLocalServer('mock-responses', async (req, res) => {
      await instance?.handle(req, res);
    });
    instance = new MockResponsesServer(local);
    return instance;
  }

  /** Queues responses, answered in order, one per request. */
  enqueue(...responses: ScriptedResponse[]): this {
    this.queue.push(...responses);
    return this;
  }

  /** Forgets queued responses and recorded requests (between tests). */
  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
  }

  /** TCP connections currently open to the mock. */
  get openConnections(): number {
    return this.local.sockets.size;
  }

  /** How many scripted responses are still queued. */
  get remaining(): number {
    return this.queue.length;
  }

  /** Resolves once `count` requests have arrived in total; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs = 5_000): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(`mock got ${this.requests.length} of ${count} requests within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Stops listening and drops open (stalled) connections. */
  close(): Promise<void> {
    return this.local.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    let body: unknown = text;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // Recorded as text: a test can assert the client sent valid JSON.
    }
    this.requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
    });
    for (const waiter of this.waiters.filter((w) => this.requests.length >= w.count)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }

    const path = (req.url ?? '').split('?')[0] ?? '';
    if (
      req.method !== 'POST' ||
      !(
        path.endsWith('/responses') ||
        path.endsWith('/responses/compact') ||
        path.endsWith('/chat/completions')
      )
    ) {
      this.json(res, 404, { error: { message: `mock: no route for ${req.method} ${path}` } });
      return;
    }
    const next = this.queue.shift();
    if (!next) {
      this.json(res, 500, {
        error: { message: 'mock: no scripted response left', type: 'mock_exhausted' },
      });
      return;
    }
    if (next.kind === 'error') {
      res.writeHead(next.status, next.headers);
      res.end(JSON.stringify(next.body));
      return;
    }
    if (next.kind === 'json') {
      this.json(res, next.status, next.body);
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    const frames = next.kind === 'raw' ? next.chunks : next.events.map(frameEvent);
    for (const [index, frame] of frames.entries()) {
      if (next.stallAfter !== undefined && index >= next.stallAfter) return; // hold the stream open
      if (next.disconnectAfter !== undefined && index >= next.disconnectAfter) {
        res.destroy();
        return;
      }
      if (next.delayMs) await new Promise((resolve) => setTimeout(resolve, next.delayMs));
      if (res.destroyed) return;
      res.write(frame);
    }
    res.end();
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
