import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { functionCall, scripted } from '@codex/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type Harness,
  processesMatching,
  rolloutOf,
  startHarness,
  type ToolResult,
  until,
} from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

const StreamResultSchema = z.object({ threadId: z.string(), streaming: z.boolean() });

const inputText = (n: number) => JSON.stringify(harness?.mock.requests[n]?.body ?? {});

/** A model turn that runs a long command (marked so the test can find its process). */
const longCommandTurn = (marker: string) =>
  scripted.items([
    functionCall(
      'exec_command',
      { cmd: `sleep 30; echo ${marker}`, yield_time_ms: 60_000, login: false },
      { callId: 'call_long' },
    ),
  ]);

describe('threads across calls, restarts and cancellation', () => {
  it('a cancelled call interrupts its turn: the command is killed, the thread stays usable', async () => {
    harness = await startHarness();
    const marker = `mcp-cancel-${process.pid}-${Date.now()}`;
    harness.mock.enqueue(longCommandTurn(marker), scripted.text('After the interruption.'));
    const mcp = await harness.start();
    const controller = new AbortController();
    const call = mcp.client.callTool(
      { name: 'codex', arguments: { prompt: 'run the long thing', cwd: harness.cwd } },
      undefined,
      { signal: controller.signal, timeout: 60_000 },
    );
    const rejected = expect(call).rejects.toThrow(/user cancelled/);
    await until(() => processesMatching(marker).length > 0, 'the command to start');
    await until(() => mcp.eventsOf(1).length > 0, 'the first event');
    const first = mcp.notifications.find((n) => n.method === 'codex/event');
    const threadId = (first?.params._meta as { threadId?: string } | undefined)?.threadId ?? '';
    controller.abort('user cancelled');
    await rejected;
    // At once, the thread takes the next call (it waits for the cancelled one to wind down).
    const next = (await mcp.client.callTool({
      name: 'codex-reply',
      arguments: { threadId, prompt: 'what happened?' },
    })) as ToolResult;
    expect(next.structuredContent).toStrictEqual({ threadId, content: 'After the interruption.' });
    // The turn ended as interrupted, nothing is left running, and it is recorded so.
    expect(mcp.eventsOf(1).some((msg) => msg.type === 'turn_aborted')).toBe(true);
    expect(processesMatching(marker)).toStrictEqual([]);
    expect(rolloutOf(harness.home.path, threadId)).toContain('"turn_aborted"');
    // No answer is sent for a cancelled request.
    expect(mcp.received.some((m) => 'id' in m && m.id === 1 && 'result' in m)).toBe(false);
    expect(inputText(1)).toContain('<turn_aborted>');
  });

  it('codex-reply resumes a thread from disk after the server restarts', async () => {
    harness = await startHarness();
    harness.mock.enqueue(scripted.text('Remember 42.'), scripted.text('It was 42.'));
    const first = await harness.start();
    const started = (await first.client.callTool({
      name: 'codex',
      arguments: { prompt: 'remember a number', cwd: harness.cwd },
    })) as ToolResult;
    const threadId = started.structuredContent?.threadId ?? '';
    await first.close();

    const second = await harness.start();
    const reply = (await second.client.callTool({
      name: 'codex-reply',
      arguments: { threadId, prompt: 'which number?' },
    })) as ToolResult;
    expect(reply.structuredContent).toStrictEqual({ threadId, content: 'It was 42.' });
    expect(inputText(1)).toContain('Remember 42.');
    expect(inputText(1)).toContain('remember a number');
    // Both turns are in the one rollout.
    const rollout = rolloutOf(harness.home.path, threadId);
    expect(rollout.match(/"type":"task_complete"/g)).toHaveLength(2);
  });

  it('a second call on a thread that is running a turn is refused, not interleaved', async () => {
    harness = await startHarness();
    harness.mock.enqueue(scripted.text('Slow answer.', { deltas: 20, delayMs: 25 }));
    const mcp = await harness.start();
    const slow = mcp.client.callTool({
      name: 'codex',
      arguments: { prompt: 'slow', cwd: harness.cwd },
    });
    await until(() => mcp.eventsOf(1).some((msg) => msg.type === 'task_started'), 'the turn');
    const threadId =
      (mcp.notifications[0]?.params._meta as { threadId?: string } | undefined)?.threadId ?? '';
    const busy = (await mcp.client.callTool({
      name: 'codex-reply',
      arguments: { threadId, prompt: 'me too' },
    })) as ToolResult;
    expect(busy.isError).toBe(true);
    expect(busy.content[0]?.text).toBe(
      `Thread ${threadId} is already running a turn (request 1); wait for it to finish or cancel it.`,
    );
    expect(((await slow) as ToolResult).structuredContent?.content).toBe('Slow answer.');
    expect(harness.mock.requests).toHaveLength(1);
  });
});

describe('codex/stream (seed 004 streaming control)', () => {
  it('joining a running turn: initial_state, then live events, with no gap and no duplicate', async () => {
    harness = await startHarness();
    harness.mock.enqueue(
      scripted.text('First.'),
      scripted.text('Streaming reply here.', { deltas: 30, delayMs: 15 }),
    );
    const mcp = await harness.start();
    const first = (await mcp.client.callTool({
      name: 'codex',
      arguments: { prompt: 'one', cwd: harness.cwd },
    })) as ToolResult;
    const threadId = first.structuredContent?.threadId ?? '';
    const reply = mcp.client.callTool({
      name: 'codex-reply',
      arguments: { threadId, prompt: 'two' },
    });
    await until(
      () => mcp.eventsOf(2).filter((m) => m.type === 'agent_message_delta').length >= 5,
      'deltas',
    );
    const started = await mcp.client.request(
      { method: 'codex/stream', params: { threadId } },
      StreamResultSchema,
    );
    expect(started).toStrictEqual({ threadId, streaming: true });
    await reply;
    await until(
      () =>
        mcp.notifications.some(
          (n) =>
            n.method === 'codex/event' &&
            (n.params._meta as { requestId?: unknown }).requestId === undefined &&
            (n.params.msg as { type: string }).type === 'task_complete',
        ),
      'the streamed task_complete',
    );
    // The answer to codex/stream comes before initial_state.
    const answerAt = mcp.received.findIndex(
      (m) => 'result' in m && (m.result as { streaming?: boolean }).streaming,
    );
    const initialAt = mcp.received.findIndex(
      (m) => 'method' in m && m.method === 'notifications/initial_state',
    );
    expect(answerAt).toBeGreaterThanOrEqual(0);
    expect(initialAt).toBeGreaterThan(answerAt);
    const initial = mcp.notifications.find((n) => n.method === 'notifications/initial_state');
    expect(initial?.params._meta).toStrictEqual({ threadId });
    const replayed =
      (
        initial?.params.initial_state as
          | { events: Array<{ id: string; msg: { type: string } }> }
          | undefined
      )?.events ?? [];
    // The first turn is replayed whole (no deltas: those are live only).
    expect(replayed.map((e) => e.msg.type)).toContain('task_complete');
    expect(replayed.some((e) => e.msg.type === 'agent_message_delta')).toBe(false);
    const live = mcp.notifications
      .filter(
        (n) =>
          n.method === 'codex/event' &&
          (n.params._meta as { requestId?: unknown }).requestId === undefined,
      )
      .map((n) => n.params as { id: string; msg: { type: string } });
    for (const n of mcp.notifications.filter(
      (x) => x.method === 'codex/event' && !('requestId' in (x.params._meta as object)),
    ))
      expect(n.params._meta).toStrictEqual({ threadId });
    // Everything of the second turn that is not a delta, exactly once, in the call's order.
    const settled = (msgs: Array<{ type: string }>) =>
      msgs.map((m) => JSON.stringify(m)).filter((m) => !m.includes('"agent_message_delta"'));
    const secondTurn = settled(mcp.eventsOf(2));
    const streamed = settled([...replayed.map((e) => e.msg), ...live.map((e) => e.msg)]);
    expect(streamed.slice(-secondTurn.length)).toStrictEqual(secondTurn);
    expect(new Set(streamed).size).toBe(streamed.length);

    // Off: the next turn is not streamed.
    const stopped = await mcp.client.request(
      { method: 'codex/stream', params: { threadId, stream: false } },
      StreamResultSchema,
    );
    expect(stopped).toStrictEqual({ threadId, streaming: false });
    const before = live.length;
    harness.mock.enqueue(scripted.text('Third.'));
    await mcp.client.callTool({ name: 'codex-reply', arguments: { threadId, prompt: 'three' } });
    const after = mcp.notifications.filter(
      (n) =>
        n.method === 'codex/event' &&
        (n.params._meta as { requestId?: unknown }).requestId === undefined,
    ).length;
    expect(after).toBe(before);
  });

  it('streaming a thread that is not loaded resumes it; bad params name the field', async () => {
    harness = await startHarness();
    harness.mock.enqueue(scripted.text('Stored.'));
    const first = await harness.start();
    const result = (await first.client.callTool({
      name: 'codex',
      arguments: { prompt: 'store', cwd: harness.cwd },
    })) as ToolResult;
    const threadId = result.structuredContent?.threadId ?? '';
    await first.close();
    const second = await harness.start();
    await expect(
      second.client.request({ method: 'codex/stream', params: { threadId } }, StreamResultSchema),
    ).resolves.toStrictEqual({ threadId, streaming: true });
    await until(
      () => second.notifications.some((n) => n.method === 'notifications/initial_state'),
      'initial_state',
    );
    const stream = (params: Record<string, unknown>) =>
      second.client.request({ method: 'codex/stream', params }, StreamResultSchema);
    await expect(stream({ thread: threadId })).rejects.toThrow(
      'MCP error -32602: Invalid codex/stream params: missing field `threadId`',
    );
    await expect(stream({ threadId, everything: true })).rejects.toThrow(
      'MCP error -32602: Invalid codex/stream params: unknown field `everything`, expected `threadId` or `stream`',
    );
    await expect(
      second.client.request(
        { method: 'codex/stream', params: { threadId: '01a20747-0000-7000-8000-000000000000' } },
        StreamResultSchema,
      ),
    ).rejects.toThrow(/Failed to load thread 01a20747-0000-7000-8000-000000000000/);
  });
});

describe("the session's own MCP servers", () => {
  it("a tool approval of one of the session's MCP servers is relayed to the client, and its answer back", async () => {
    harness = await startHarness({ approvalPolicy: 'on-request', sandboxMode: 'workspace-write' });
    const fixture = new URL('../../core/test/fixtures/mcp-test-server.mjs', import.meta.url);
    appendFileSync(
      harness.home.configPath,
      `\n[mcp_servers.test]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(fileURLToPath(fixture))}]\n`,
    );
    harness.mock.enqueue(
      scripted.items([
        functionCall('echo', { text: 'relayed' }, { callId: 'call_mcp', namespace: 'mcp__test' }),
      ]),
      scripted.text('The server echoed.'),
    );
    const mcp = await harness.start({ elicitation: () => ({ action: 'accept' }) });
    const result = (await mcp.client.callTool({
      name: 'codex',
      arguments: { prompt: 'echo something', cwd: harness.cwd },
    })) as ToolResult;
    expect(result.structuredContent?.content).toBe('The server echoed.');
    expect(mcp.elicitations).toHaveLength(1);
    expect(mcp.elicitations[0]).toMatchObject({
      message: 'Allow the test MCP server to run tool "echo"?',
      codex_elicitation: 'mcp-server-elicitation',
      codex_mcp_server: 'test',
      codex_elicitation_id: 'mcp_tool_call_approval_call_mcp',
      codex_meta: { codex_approval_kind: 'mcp_tool_call', tool_name: 'echo' },
    });
    expect(inputText(1)).toContain('echo: relayed');
    const types = mcp.eventsOf(1).map((msg) => msg.type);
    expect(types).toContain('mcp_tool_call_begin');
    expect(types).toContain('mcp_tool_call_end');
  });
});
