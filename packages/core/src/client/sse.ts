import { CodexError } from '@codex/common';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** An SSE read that stopped because the server went silent for too long. */
export class SseIdleTimeout extends CodexError<'idle_timeout'> {
  static override readonly brand = 'codex.core.SseIdleTimeout';

  constructor(readonly idleMs: number) {
    super('idle_timeout', `no data from the model for ${idleMs} ms (idle timeout)`);
  }
}

/**
 * Reads server-sent events from a response body. Each chunk re-arms an idle timer; when it
 * fires the read fails with {@link SseIdleTimeout}. Stopping early (break, return, a throw in
 * the consumer) cancels the body, which releases the connection.
 */
export async function* readSseEvents(
  body: ReadableStream<Uint8Array>,
  options: { readonly idleTimeoutMs: number; readonly signal?: AbortSignal },
): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let finished = false;
  try {
    for (;;) {
      while (pending.length > 0) yield pending.shift() as EventSourceMessage;
      const chunk = await readWithTimeout(reader, options.idleTimeoutMs, options.signal);
      if (chunk.done) {
        parser.feed(decoder.decode());
        parser.reset({ consume: true });
        while (pending.length > 0) yield pending.shift() as EventSourceMessage;
        finished = true;
        return;
      }
      parser.feed(decoder.decode(chunk.value, { stream: true }));
    }
  } finally {
    // Cancelling an already-failed body rejects again with the same error; nothing new to report.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function readWithTimeout(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  idleMs: number,
  signal: AbortSignal | undefined,
): Promise<Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cleanup();
      reject(signal?.reason ?? new Error('aborted'));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new SseIdleTimeout(idleMs));
    }, idleMs);
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    reader.read().then(
      (result) => {
        cleanup();
        resolve(result);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}
