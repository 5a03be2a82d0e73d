import { MockResponsesServer, scripted } from '@codex/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventQueue } from '../src/session/event-queue.js';
import { startSession } from './session-harness.js';

describe('EventQueue', () => {
  it('delivers in order to a waiting reader and ends after close', async () => {
    const queue = new EventQueue<string>();
    const first = queue.next();
    queue.push('a');
    queue.push('b');
    queue.close();
    queue.push('ignored');
    expect(await first).toBe('a');
    expect(await queue.next()).toBe('b');
    expect(await queue.next()).toBeUndefined();
  });

  it('holds producers back past the high-water mark and releases them as the reader drains', async () => {
    const queue = new EventQueue<string>(1_000);
    for (let i = 0; i < 20; i++) queue.push('x'.repeat(100));
    const wait = queue.waitForRoom();
    expect(wait).toBeInstanceOf(Promise);
    let released = false;
    wait?.then(() => {
      released = true;
    });
    await Promise.resolve();
    expect(released).toBe(false);
    while (queue.queuedBytes >= 1_000) await queue.next();
    await Promise.resolve();
    expect(released).toBe(true);
    expect(queue.waitForRoom()).toBeUndefined();
  });
});

describe('a session whose reader stops reading', () => {
  let mock: MockResponsesServer;
  beforeAll(async () => {
    mock = await MockResponsesServer.start();
  });
  afterAll(async () => {
    await mock.close();
  });

  it('keeps unread events near the limit, then delivers every one once reading resumes', async () => {
    const deltas = 20_000;
    mock.enqueue(scripted.text('y'.repeat(deltas), { deltas }));
    const harness = await startSession(mock, {
      maxPendingEventBytes: 64 * 1024,
      manualEvents: true,
    });
    const { session } = harness;
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'flood' }] });
    await mock.waitForRequests(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Held back: far fewer bytes than the 20,000 deltas (≈1.5 MB of events) would take.
    expect(session.pendingEventBytes).toBeLessThan(64 * 1024 + 4 * 1024);
    expect(session.pendingEventBytes).toBeGreaterThan(32 * 1024);
    let count = 0;
    for (;;) {
      const event = await session.nextEvent();
      if (event?.msg.type === 'agent_message_delta') count++;
      if (!event || event.msg.type === 'task_complete') break;
    }
    expect(count).toBe(deltas);
    await harness.dispose();
  });
});
