import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/**
 * A `fetch` for streaming POSTs built on `node:http`. Unlike the built-in fetch, aborting (or
 * cancelling the body) destroys the socket at once: the built-in client instead drains an
 * abandoned response so it can pool the connection, which never ends for a stalled SSE stream.
 * Supports what the model client uses: method, string body, headers and signal.
 */
export const nodeFetch: typeof fetch = (input, init = {}) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const signal = init.signal ?? undefined;
  const headers = new Headers(init.headers);
  const body = typeof init.body === 'string' ? init.body : undefined;
  if (body !== undefined && !headers.has('content-length'))
    headers.set('content-length', String(Buffer.byteLength(body)));
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: init.method ?? 'GET',
      headers: Object.fromEntries(headers.entries()),
    });
    const onAbort = () =>
      req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const detach = () => signal?.removeEventListener('abort', onAbort);
    req.on('error', (error) => {
      detach();
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
    });
    req.on('response', (res: IncomingMessage) => {
      res.on('close', detach);
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (value === undefined) continue;
        for (const item of Array.isArray(value) ? value : [value])
          responseHeaders.append(name, item);
      }
      const status = res.statusCode ?? 500;
      const noBody = status === 204 || status === 304 || init.method === 'HEAD';
      resolve(
        new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
          status,
          statusText: res.statusMessage ?? '',
          headers: responseHeaders,
        }),
      );
    });
    req.end(body);
  });
};
