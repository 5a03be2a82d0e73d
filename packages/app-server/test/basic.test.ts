import { scripted } from '@codex/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

describe('a turn over the in-process client', () => {
  it('streams one delta per model delta and completes the turn', async () => {
    harness = await startHarness();
    harness.mock.enqueue(scripted.text('Hello from the mock model, in five parts.', { deltas: 5 }));
    const { client, methods, notifications } = await harness.client();
    const started = await client.request('thread/start', { cwd: harness.cwd });
    expect(started.thread.id).toMatch(/^[0-9a-f-]{36}$/);
    const completed = client.waitFor('turn/completed');
    const turn = await client.request('turn/start', {
      threadId: started.thread.id,
      input: [{ type: 'text', text: 'hello', text_elements: [] }],
    });
    expect(turn.turn.status).toBe('inProgress');
    const done = await completed;
    expect(done.turn.status).toBe('completed');
    const seen = methods().filter((m) => m !== 'remoteControl/status/changed');
    expect(seen.filter((m) => m === 'item/agentMessage/delta')).toHaveLength(5);
    expect(seen).toContain('thread/started');
    expect(seen.indexOf('turn/started')).toBeLessThan(seen.indexOf('item/agentMessage/delta'));
    expect(seen.at(-1)).toBe('turn/completed');
    expect(notifications.length).toBeGreaterThan(8);
  });
});
