import { silentLogger } from '@codex/common';
import { scripted } from '@codex/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { AppServerClient } from '../src/client.js';
import { listenAppServer } from '../src/listen.js';
import { type Harness, record, startHarness } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

const BACKLOG = 256 * 1024;
const DELTAS = 30_000;

describe('a client that stops reading', () => {
  it('is disconnected once it falls the backlog behind; the thread and its other client go on', async () => {
    harness = await startHarness({ server: { maxClientBacklogBytes: BACKLOG } });
    harness.mock.enqueue(scripted.text('d'.repeat(DELTAS), { deltas: DELTAS }));
    const listener = await listenAppServer(harness.server, {
      kind: 'websocket',
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const fast = await AppServerClient.connect(listener.url, { logger: silentLogger });
      const recording = record(fast);
      await fast.initialize({ name: 'fast', version: '1' });
      const { thread } = await fast.request('thread/start', { cwd: harness.cwd });

      // A raw client that joins the thread, then stops reading its socket.
      const stalled = new WebSocket(listener.url);
      await new Promise((resolve, reject) => stalled.once('open', resolve).once('error', reject));
      const answers = new Map<number, unknown>();
      stalled.on('message', (data) => {
        const message = JSON.parse(String(data)) as { id?: number };
        if (typeof message.id === 'number') answers.set(message.id, message);
      });
      const ask = async (id: number, method: string, params: unknown) => {
        stalled.send(JSON.stringify({ id, method, params }));
        for (let i = 0; i < 200 && !answers.has(id); i++)
          await new Promise((r) => setTimeout(r, 10));
        expect(answers.has(id)).toBe(true);
      };
      await ask(0, 'initialize', { clientInfo: { name: 'stalled', version: '1' } });
      await ask(1, 'thread/resume', { threadId: thread.id, excludeTurns: true });
      const closed = new Promise<number>((resolve) =>
        stalled.once('close', (code) => resolve(code)),
      );
      (stalled as unknown as { _socket: { pause(): void } })._socket.pause();
      expect(harness.server.connectionCount).toBe(2);

      const done = fast.waitFor('turn/completed', () => true, 60_000);
      await fast.request('turn/start', {
        threadId: thread.id,
        input: [{ type: 'text', text: 'stream a lot', text_elements: [] }],
      });
      expect((await done).turn.status).toBe('completed');
      // Every delta reached the client that reads, in order.
      const deltas = recording.notifications.filter((n) => n.method === 'item/agentMessage/delta');
      expect(deltas).toHaveLength(DELTAS);
      // The stalled one was let go instead of being buffered for without bound.
      for (let i = 0; i < 500 && harness.server.connectionCount > 1; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(harness.server.connectionCount).toBe(1);
      (stalled as unknown as { _socket: { resume(): void } })._socket.resume();
      expect(await closed).toBeGreaterThan(0);
      await fast.close();
    } finally {
      await listener.close();
    }
  }, 90_000);
});
