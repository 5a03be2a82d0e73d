import type { core } from '@codex/protocol';
import { describe, expect, it } from 'vitest';
import { EventHub, type Subscription, type ThreadEvent } from '../src/threads/event-hub.js';

const ev = (msg: core.EventMsg, id = '1'): core.Event => ({ id, msg });
const delta = (n: number) => ev({ type: 'agent_message_delta', delta: `d${n}` });
const message = (n: number) => ev({ type: 'agent_message', message: `m${n}` });

async function drain(iterator: AsyncIterator<ThreadEvent>, count: number): Promise<ThreadEvent[]> {
  const out: ThreadEvent[] = [];
  for (let i = 0; i < count; i++) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

/** Reads what is queued now, without waiting for more. */
async function drainQueued(subscription: Subscription): Promise<ThreadEvent[]> {
  const out: ThreadEvent[] = [];
  for (;;) {
    const next = await Promise.race([
      subscription.next(),
      new Promise<'empty'>((resolve) => setImmediate(() => resolve('empty'))),
    ]);
    if (next === 'empty' || next === undefined) return out;
    out.push(next);
  }
}

describe('EventHub', () => {
  it('replays completed events (not deltas), then live ones, with no gap and no duplicate', async () => {
    const hub = new EventHub();
    for (let n = 0; n < 100; n++) {
      hub.publish(delta(n));
      hub.publish(message(n));
    }
    const late = hub.subscribe({ replay: true });
    for (let n = 100; n < 200; n++) hub.publish(message(n));
    const got = await drain(late[Symbol.asyncIterator](), 200);
    const texts = got.map((item) =>
      item.kind === 'event' && item.event.msg.type === 'agent_message'
        ? item.event.msg.message
        : '?',
    );
    expect(texts).toStrictEqual(Array.from({ length: 200 }, (_, n) => `m${n}`));
  });

  it('takeQueued right after subscribing returns exactly the replay; later events stay queued', async () => {
    const hub = new EventHub();
    for (let n = 0; n < 5; n++) hub.publish(message(n));
    const late = hub.subscribe({ replay: true });
    const replay = late.takeQueued();
    hub.publish(message(5));
    expect(replay.map((event) => (event.msg as { message: string }).message)).toStrictEqual([
      'm0',
      'm1',
      'm2',
      'm3',
      'm4',
    ]);
    const live = await drainQueued(late);
    expect(live).toStrictEqual([{ kind: 'event', event: message(5) }]);
  });

  it('under load, a subscriber that joins mid-stream sees every event exactly once', async () => {
    const hub = new EventHub({ maxReplayEvents: 100_000 });
    let published = 0;
    const producer = (async () => {
      for (let batch = 0; batch < 50; batch++) {
        for (let i = 0; i < 200; i++) hub.publish(message(published++));
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await new Promise((resolve) => setImmediate(resolve));
    const subscription = hub.subscribe({ replay: true, maxQueuedBytes: 64 * 1024 * 1024 });
    await producer;
    const got = await drain(subscription[Symbol.asyncIterator](), 10_000);
    const numbers = got.map((item) =>
      item.kind === 'event' && item.event.msg.type === 'agent_message'
        ? Number(item.event.msg.message.slice(1))
        : -1,
    );
    expect(numbers).toStrictEqual(Array.from({ length: 10_000 }, (_, n) => n));
  });

  it('a slow subscriber lags with a count of what it missed; others are not held up', async () => {
    const hub = new EventHub();
    const slow = hub.subscribe({ maxQueuedBytes: 1_000 });
    const fast = hub.subscribe();
    for (let n = 0; n < 100; n++) hub.publish(message(n));
    const slowItems = await drainQueued(slow);
    const lag = slowItems.find((item) => item.kind === 'lagged');
    const delivered = slowItems.filter((item) => item.kind === 'event').length;
    expect(lag).toBeDefined();
    expect(lag?.kind === 'lagged' ? lag.missed : 0).toBe(100 - delivered);
    expect(delivered).toBeLessThan(100);
    expect(await drain(fast[Symbol.asyncIterator](), 100)).toHaveLength(100);
  });

  it('an approval raised while nobody listened is delivered to the next subscriber, until settled', async () => {
    const hub = new EventHub({ maxReplayEvents: 1 });
    hub.publish(ev({ type: 'exec_approval_request', call_id: 'c1', command: ['ls'], cwd: '/' }));
    hub.publish(message(1));
    hub.publish(message(2));
    const first = hub.subscribe();
    const [item] = await drain(first[Symbol.asyncIterator](), 1);
    expect(item?.kind === 'event' && item.event.msg.type).toBe('exec_approval_request');
    hub.publish(ev({ type: 'exec_command_begin', call_id: 'c1', command: ['ls'], cwd: '/' }));
    expect(hub.pending).toHaveLength(0);
    const second = hub.subscribe();
    hub.publish(message(3));
    const [next] = await drain(second[Symbol.asyncIterator](), 1);
    expect(next?.kind === 'event' && next.event.msg.type).toBe('agent_message');
  });

  it('close ends every subscription', async () => {
    const hub = new EventHub();
    const subscription = hub.subscribe();
    const pending = subscription.next();
    hub.close();
    expect(await pending).toBeUndefined();
    expect(hub.subscriberCount).toBe(0);
  });
});
