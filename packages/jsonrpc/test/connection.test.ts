import { silentLogger } from '@codex/common';
import { JsonRpcError, JsonRpcErrorCode, NoParamsSchema } from '@codex/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  appServerErrorPolicy,
  Connection,
  ConnectionError,
  type ConnectionOptions,
  type ProtocolSide,
} from '../src/index.js';
import {
  createPair,
  recordingLogger,
  sleep,
  TRANSPORT_KINDS,
  type TransportPair,
} from './harness.js';

/** What the client sends and the server handles. */
const toServer = {
  requests: {
    add: {
      params: z.object({ a: z.number(), b: z.number() }),
      result: z.object({ sum: z.number() }),
    },
    echo: { params: z.object({ text: z.string() }), result: z.object({ text: z.string() }) },
    slow: {
      params: z.object({ ms: z.number(), tag: z.number() }),
      result: z.object({ tag: z.number() }),
    },
    hang: { params: NoParamsSchema, result: z.null() },
    ask: { params: z.object({ question: z.string() }), result: z.object({ ok: z.boolean() }) },
    fail: { params: NoParamsSchema, result: z.null() },
    lie: { params: NoParamsSchema, result: z.object({ n: z.number() }) },
  },
  notifications: { note: { params: z.object({ n: z.number() }) } },
} as const satisfies ProtocolSide;

/** What the server sends and the client handles. */
const toClient = {
  requests: {
    confirm: { params: z.object({ question: z.string() }), result: z.object({ ok: z.boolean() }) },
  },
  notifications: { progress: { params: z.object({ pct: z.number() }) } },
} as const satisfies ProtocolSide;

type ServerConnection = Connection<typeof toServer, typeof toClient>;
type ClientConnection = Connection<typeof toClient, typeof toServer>;

let pair: TransportPair | undefined;
afterEach(async () => {
  await pair?.dispose();
  pair = undefined;
});

async function connect(
  kind: (typeof TRANSPORT_KINDS)[number],
  serverOptions: Partial<ConnectionOptions<typeof toServer, typeof toClient>> = {},
  clientOptions: Partial<ConnectionOptions<typeof toClient, typeof toServer>> = {},
): Promise<{ server: ServerConnection; client: ClientConnection }> {
  pair = await createPair(kind);
  const server: ServerConnection = new Connection(pair.server, {
    incoming: toServer,
    outgoing: toClient,
    logger: silentLogger,
    ...serverOptions,
  });
  const client: ClientConnection = new Connection(pair.client, {
    incoming: toClient,
    outgoing: toServer,
    logger: silentLogger,
    ...clientOptions,
  });
  server.onRequest('add', ({ a, b }) => ({ sum: a + b }));
  server.onRequest('echo', ({ text }) => ({ text }));
  server.onRequest('slow', async ({ ms, tag }) => {
    await sleep(ms);
    return { tag };
  });
  server.onRequest('hang', () => new Promise<null>(() => {}));
  server.onRequest('ask', async ({ question }) => server.request('confirm', { question }));
  server.onRequest('fail', () => {
    throw new JsonRpcError(-32001, 'nope', { why: 'testing' });
  });
  server.onRequest('lie', () => ({ n: 'not a number' }) as unknown as { n: number });
  await server.listen();
  await client.listen();
  return { server, client };
}

describe.each(TRANSPORT_KINDS)('Connection over %s', (kind) => {
  it('answers a typed request', async () => {
    const { client } = await connect(kind);
    await expect(client.request('add', { a: 2, b: 3 })).resolves.toStrictEqual({ sum: 5 });
  });

  it('carries server-to-client requests in the middle of a client request', async () => {
    const { client } = await connect(kind);
    client.onRequest('confirm', ({ question }) => ({ ok: question === 'proceed?' }));
    await expect(client.request('ask', { question: 'proceed?' })).resolves.toStrictEqual({
      ok: true,
    });
  });

  it('correlates interleaved concurrent requests by id', async () => {
    const { client } = await connect(kind);
    const tags = Array.from({ length: 60 }, (_, i) => i);
    const results = await Promise.all(
      tags.map((tag) => client.request('slow', { ms: (tag * 7) % 23, tag })),
    );
    expect(results.map((r) => r.tag)).toStrictEqual(tags);
  });

  it('delivers notifications in order, validated', async () => {
    const { server, client } = await connect(kind);
    const seen: number[] = [];
    const done = new Promise<void>((resolve) => {
      server.onNotification('note', ({ n }) => {
        seen.push(n);
        if (n === 99) resolve();
      });
    });
    for (let n = 0; n < 100; n++) void client.notify('note', { n });
    await done;
    expect(seen).toStrictEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('times out a request the peer never answers', async () => {
    const { client } = await connect(kind);
    const error = await client
      .request('hang', undefined, { timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error) && error.code).toBe('timeout');
    // The connection still works.
    await expect(client.request('add', { a: 1, b: 1 })).resolves.toStrictEqual({ sum: 2 });
  });

  it('cancels a request through an AbortSignal', async () => {
    const { client } = await connect(kind);
    const controller = new AbortController();
    const call = client.request('hang', undefined, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await call.catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error) && error.code).toBe('cancelled');
  });

  it('rejects pending requests when the peer disconnects mid-request', async () => {
    const { server, client } = await connect(kind);
    const call = client.request('hang');
    const serverSawClose = server.closed;
    await sleep(20);
    pair?.dropClient();
    const error = await call.catch((e: unknown) => e);
    expect(ConnectionError.isInstance(error) && error.code).toBe('closed');
    await serverSawClose;
    expect(server.isClosed).toBe(true);
    await expect(client.request('add', { a: 1, b: 1 })).rejects.toMatchObject({ code: 'closed' });
  });

  it('round-trips a 10 MB message', async () => {
    const { client } = await connect(kind);
    const text = 'x'.repeat(10 * 1024 * 1024);
    const result = await client.request('echo', { text });
    expect(result.text.length).toBe(text.length);
    expect(result.text === text).toBe(true);
  });

  it('passes handler errors through and hides nothing', async () => {
    const { client } = await connect(kind);
    const error = await client.request('fail').catch((e: unknown) => e);
    expect(JsonRpcError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: -32001, message: 'nope', data: { why: 'testing' } });
  });

  it('rejects a result that breaks the method schema', async () => {
    const { client } = await connect(kind);
    const error = await client.request('lie').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_result', message: expect.stringContaining('n:') });
  });

  it('answers garbage with -32700 (id null) and keeps working', async () => {
    const { client } = await connect(kind);
    const replies: unknown[] = [];
    const original = pair?.client.onmessage;
    if (!pair || !original) throw new Error('no pair');
    pair.client.onmessage = (value, bytes) => {
      replies.push(value);
      original(value, bytes);
    };
    pair.sendRawToServer(kind === 'stdio' ? 'this is not json\n{"trunc\n' : 'this is not json');
    await sleep(50);
    await expect(client.request('add', { a: 20, b: 22 })).resolves.toStrictEqual({ sum: 42 });
    const errors = replies.filter((r) => typeof r === 'object' && r !== null && 'error' in r);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatchObject({
      id: null,
      error: { code: kind === 'memory' ? -32600 : -32700 },
    });
  });
});

describe('error policies', () => {
  it('standard: -32601 for unknown methods, -32602 naming the field', async () => {
    const { client } = await connect('memory');
    const untyped = client as unknown as Connection;
    await expect(untyped.request('nope', {})).rejects.toMatchObject({
      code: JsonRpcErrorCode.MethodNotFound,
    });
    const bad = await untyped.request('add', { a: 1, b: 'two' }).catch((e: unknown) => e);
    expect(bad).toMatchObject({
      code: JsonRpcErrorCode.InvalidParams,
      message: expect.stringContaining('b:'),
    });
  });

  it('app-server: -32600 for both, unparsable lines skipped silently on the wire', async () => {
    const logger = recordingLogger();
    const { client } = await connect('stdio', { errorPolicy: appServerErrorPolicy, logger });
    const replies: unknown[] = [];
    if (!pair?.client.onmessage) throw new Error('no pair');
    const original = pair.client.onmessage;
    pair.client.onmessage = (value, bytes) => {
      replies.push(value);
      original(value, bytes);
    };
    const untyped = client as unknown as Connection;
    const unknown = await untyped.request('foo/bar', {}).catch((e: unknown) => e);
    expect(unknown).toMatchObject({
      code: -32600,
      message: 'Invalid request: unknown variant `foo/bar`',
    });
    const bad = await untyped.request('add', { a: 1 }).catch((e: unknown) => e);
    expect(bad).toMatchObject({
      code: -32600,
      message: expect.stringContaining('Invalid request: b:'),
    });
    pair.sendRawToServer('garbage\n[1,2]\n{"id":5}\n\n');
    await sleep(50);
    await expect(client.request('add', { a: 1, b: 1 })).resolves.toStrictEqual({ sum: 2 });
    expect(replies.filter((r) => (r as { id?: unknown }).id === null)).toStrictEqual([]);
    expect(logger.lines.some((line) => line.includes('unreadable frame'))).toBe(true);
    expect(logger.lines.some((line) => line.includes('array'))).toBe(true);
  });
});

describe('outbound queue', () => {
  it('counts bytes: senders wait above the high-water mark, non-replies fail past the limit', async () => {
    pair = await createPair('memory');
    // Nobody reads: the transport's send never completes.
    pair.client.send = () => new Promise(() => {});
    const client = new Connection(pair.client, {
      logger: silentLogger,
      highWaterMarkBytes: 200,
      maxQueuedBytes: 400,
      stallTimeoutMs: Number.POSITIVE_INFINITY,
    });
    const pad = 'x'.repeat(60);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 7 }, (_, n) =>
        Promise.race([client.notify('x', { n, pad }), sleep(50).then(() => 'waiting')]),
      ),
    );
    const kinds = outcomes.map((o) =>
      o.status === 'fulfilled'
        ? o.value === 'waiting'
          ? 'waiting'
          : 'queued'
        : (o.reason as ConnectionError).code,
    );
    // Each frame is about 100 characters: two fit below the high-water mark, two more are
    // accepted but their senders wait for the write, then the byte limit refuses the rest.
    expect(kinds).toStrictEqual([
      'queued',
      'queued',
      'waiting',
      'waiting',
      'queue_full',
      'queue_full',
      'queue_full',
    ]);
    expect(client.queuedBytes).toBeGreaterThan(300);
    expect(client.queuedBytes).toBeLessThanOrEqual(400);
    await client.close({}, { flushTimeoutMs: 10 });
    expect(client.queuedBytes).toBe(0);
  });
});

describe('typing', () => {
  it('derives handler and call types from the tables', async () => {
    const { client } = await connect('memory');
    // @ts-expect-error: `b` must be a number
    await client.request('add', { a: 1, b: '2' }).catch(() => {});
    // @ts-expect-error: not a method the server handles
    await client.request('confirm', { question: 'x' }).catch(() => {});
    const result: { sum: number } = await client.request('add', { a: 1, b: 2 });
    expect(result.sum).toBe(3);
  });
});

describe('close', () => {
  it.each(TRANSPORT_KINDS)('writes queued messages before closing (%s)', async (kind) => {
    const { server, client } = await connect(kind);
    const seen: number[] = [];
    const got = new Promise<void>((resolve) => {
      server.onNotification('note', ({ n }) => {
        seen.push(n);
        if (n === 199) resolve();
      });
    });
    for (let n = 0; n < 200; n++) void client.notify('note', { n });
    await client.close();
    await got;
    expect(seen).toHaveLength(200);
  });
});
