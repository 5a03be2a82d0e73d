import type { HistoryItem } from '@codex/core';
import {
  ThreadEventTranslator,
  type TranslatedMessage,
  threadItemsFromHistory,
} from '@codex/core/wire';
import type { core, v2 } from '@codex/protocol';
import { describe, expect, it } from 'vitest';
import { checkDynamicTools } from '../src/host-tools.js';
import { referenceAjv, referenceDefinition } from './reference-schema.js';

const THREAD = '01a20799-a3b5-77a3-84cc-a5296181193c';
const TURN = '01a20799-aad1-7651-8e9f-c6bcd453cac7';
const serverNotification = referenceDefinition('ServerNotification');
const serverRequest = referenceDefinition('ServerRequest');

/** A translator on a fixed clock that advances 1 ms per reading, with a turn running. */
function translator(): { translate: (msg: core.EventMsg) => TranslatedMessage[] } {
  let now = 1_795_423_841_000;
  const translating = new ThreadEventTranslator({ threadId: THREAD, now: () => now++ });
  let id = 0;
  const translate = (msg: core.EventMsg) => translating.translate({ id: String(id++), msg });
  translate({ type: 'task_started', turn_id: TURN });
  return {
    translate: (msg) => {
      const out = translate(msg);
      for (const message of out) expectValidOnTheWire(message);
      return out;
    },
  };
}

/** Checks a message as the server sends it against the reference schema. */
function expectValidOnTheWire(message: TranslatedMessage): void {
  const request = message.kind === 'elicitation' || message.kind === 'toolCall';
  const wire = request
    ? { method: message.method, id: 0, params: message.params }
    : { method: message.method, params: message.params };
  const validate = request ? serverRequest : serverNotification;
  const valid = validate(JSON.parse(JSON.stringify(wire)));
  expect(valid, `${message.method}: ${referenceAjv.errorsText(validate.errors)}`).toBe(true);
}

const itemOf = (message: TranslatedMessage | undefined) =>
  (message?.params as { item: v2.ThreadItem } | undefined)?.item;

const invocation = { server: 'test', tool: 'echo', arguments: { text: 'hi there' } };

describe('MCP tool calls as v2 items', () => {
  it('begin and a successful end: mcpToolCall inProgress, then completed with the result', () => {
    const { translate } = translator();
    const started = translate({
      type: 'mcp_tool_call_begin',
      call_id: 'call_1',
      invocation,
      turn_id: TURN,
      read_only_hint: null,
    });
    expect(started.map((m) => m.method)).toStrictEqual(['item/started']);
    expect(itemOf(started[0])).toStrictEqual({
      type: 'mcpToolCall',
      id: 'call_1',
      server: 'test',
      tool: 'echo',
      status: 'inProgress',
      arguments: { text: 'hi there' },
      appContext: null,
      mcpAppUi: null,
      pluginId: null,
      readOnlyHint: null,
      result: null,
      error: null,
      durationMs: null,
      startedAtMs: 1_795_423_841_001,
      completedAtMs: null,
    });
    const ended = translate({
      type: 'mcp_tool_call_end',
      call_id: 'call_1',
      invocation,
      turn_id: TURN,
      duration: { secs: 0, nanos: 3_500_000 },
      result: { Ok: { content: [{ type: 'text', text: 'echo: hi there' }] } },
    });
    expect(ended.map((m) => m.method)).toStrictEqual(['item/completed']);
    expect(itemOf(ended[0])).toMatchObject({
      status: 'completed',
      result: {
        content: [{ type: 'text', text: 'echo: hi there' }],
        structuredContent: null,
        _meta: null,
      },
      error: null,
      durationMs: 3,
      startedAtMs: 1_795_423_841_001,
      completedAtMs: 1_795_423_841_002,
    });
    // Key order as the original's transcripts.
    expect(Object.keys(itemOf(ended[0]) ?? {})).toStrictEqual(
      Object.keys(itemOf(started[0]) ?? {}),
    );
  });

  it('isError and Err both fail the item: the result kept, or the error message', () => {
    const { translate } = translator();
    const isError = translate({
      type: 'mcp_tool_call_end',
      call_id: 'call_2',
      invocation,
      turn_id: TURN,
      duration: { secs: 0, nanos: 0 },
      result: { Ok: { content: [], isError: true, structuredContent: { a: 1 } } },
    });
    // An end without a begin still starts the item first.
    expect(isError.map((m) => m.method)).toStrictEqual(['item/started', 'item/completed']);
    expect(itemOf(isError[1])).toMatchObject({
      status: 'failed',
      result: { content: [], structuredContent: { a: 1 }, _meta: null },
      error: null,
    });
    const failed = translate({
      type: 'mcp_tool_call_end',
      call_id: 'call_3',
      invocation,
      turn_id: TURN,
      duration: { secs: 3, nanos: 1_000_000 },
      result: { Err: 'user rejected MCP tool call' },
    });
    expect(itemOf(failed[1])).toMatchObject({
      status: 'failed',
      result: null,
      error: { message: 'user rejected MCP tool call' },
      durationMs: 3001,
    });
  });

  it("a response's usage waits for its MCP call to end, as with commands", () => {
    const { translate } = translator();
    const usage: core.TokenUsage = { input_tokens: 1, output_tokens: 1, total_tokens: 2 };
    expect(
      translate({
        type: 'token_count',
        ...usage,
        info: { total_token_usage: usage, last_token_usage: usage },
        turn_id: TURN,
      }),
    ).toStrictEqual([]);
    const begin = translate({ type: 'mcp_tool_call_begin', call_id: 'c', invocation });
    expect(begin.map((m) => m.method)).toStrictEqual(['item/started']);
    const end = translate({
      type: 'mcp_tool_call_end',
      call_id: 'c',
      invocation,
      duration: { secs: 0, nanos: 0 },
      result: { Ok: { content: [] } },
    });
    expect(end.map((m) => m.method)).toStrictEqual([
      'item/completed',
      'thread/tokenUsage/updated',
      'account/rateLimits/updated',
    ]);
  });
});

describe('MCP elicitations, start-up and hooks', () => {
  it('an elicitation marks the thread waiting and asks in form mode; answering clears it', () => {
    const translating = new ThreadEventTranslator({ threadId: THREAD });
    translating.translate({ id: '0', msg: { type: 'task_started', turn_id: TURN } });
    const meta = { codex_approval_kind: 'mcp_tool_call', tool_name: 'echo' };
    const out = translating.translate({
      id: '1',
      msg: {
        type: 'elicitation_request',
        server_name: 'test',
        id: 'elicit-1',
        turn_id: TURN,
        message: 'Allow the test MCP server to run tool "echo"?',
        requested_schema: { type: 'object', properties: {} },
        meta,
      },
    });
    expect(out.map((m) => m.method)).toStrictEqual([
      'thread/status/changed',
      'mcpServer/elicitation/request',
    ]);
    for (const message of out) expectValidOnTheWire(message);
    const request = out[1];
    if (request?.kind !== 'elicitation') throw new Error('expected an elicitation');
    expect(request.params).toStrictEqual({
      threadId: THREAD,
      turnId: TURN,
      serverName: 'test',
      mode: 'form',
      _meta: meta,
      message: 'Allow the test MCP server to run tool "echo"?',
      requestedSchema: { type: 'object', properties: {} },
    });
    expect(request.requestId).toBe('elicit-1');
    expect(translating.status).toStrictEqual({
      type: 'active',
      activeFlags: ['waitingOnApproval'],
    });
    const answered = translating.approvalAnswered(request.key);
    expect(answered.map((m) => m.params)).toStrictEqual([
      { threadId: THREAD, status: { type: 'active', activeFlags: [] } },
    ]);
  });

  it('startup updates become mcpServer/startupStatus/updated, outside a turn too', () => {
    const translating = new ThreadEventTranslator({ threadId: THREAD });
    const out = [
      ...translating.translate({
        id: '0',
        msg: { type: 'mcp_startup_update', server: 'test', status: { state: 'starting' } },
      }),
      ...translating.translate({
        id: '0',
        msg: {
          type: 'mcp_startup_update',
          server: 'bad',
          status: { state: 'failed', error: 'MCP client for `bad` failed to start' },
        },
      }),
      ...translating.translate({
        id: '0',
        msg: { type: 'mcp_startup_complete', ready: [], failed: [], cancelled: [] },
      }),
    ];
    for (const message of out) expectValidOnTheWire(message);
    expect(out.map((m) => JSON.stringify(m.params))).toStrictEqual([
      JSON.stringify({
        threadId: THREAD,
        name: 'test',
        status: 'starting',
        error: null,
        failureReason: null,
      }),
      JSON.stringify({
        threadId: THREAD,
        name: 'bad',
        status: 'failed',
        error: 'MCP client for `bad` failed to start',
        failureReason: null,
      }),
    ]);
  });

  it('hook runs become hook/started and hook/completed', () => {
    const { translate } = translator();
    const run: v2.HookRunSummary = {
      id: 'pre-tool-use:0:/home/hooks.json:call_1',
      eventName: 'preToolUse',
      handlerType: 'command',
      executionMode: 'sync',
      scope: 'turn',
      sourcePath: '/home/hooks.json',
      source: 'user',
      displayOrder: 0,
      status: 'running',
      statusMessage: null,
      startedAt: 1_795_424_022,
      completedAt: null,
      durationMs: null,
      entries: [],
    };
    const started = translate({ type: 'hook_started', turn_id: TURN, run });
    expect(started.map((m) => [m.method, m.params])).toStrictEqual([
      ['hook/started', { threadId: THREAD, turnId: TURN, run }],
    ]);
    const done = { ...run, status: 'blocked' as const, entries: [] };
    expect(translate({ type: 'hook_completed', turn_id: null, run: done })[0]?.params).toEqual({
      threadId: THREAD,
      turnId: TURN,
      run: done,
    });
  });
});

describe('host (dynamic) tool calls', () => {
  it('a request starts a dynamicToolCall item and asks the client; the response completes it', () => {
    const { translate } = translator();
    const requested = translate({
      type: 'dynamic_tool_call_request',
      call_id: 'call_1',
      turn_id: TURN,
      namespace: null,
      tool: 'host_tool',
      arguments: { q: 'x' },
    });
    expect(requested.map((m) => m.method)).toStrictEqual(['item/started', 'item/tool/call']);
    expect(itemOf(requested[0])).toStrictEqual({
      type: 'dynamicToolCall',
      id: 'call_1',
      namespace: null,
      tool: 'host_tool',
      arguments: { q: 'x' },
      status: 'inProgress',
      contentItems: null,
      success: null,
      durationMs: null,
      startedAtMs: 1_795_423_841_001,
      completedAtMs: null,
    });
    expect(requested[1]?.params).toStrictEqual({
      threadId: THREAD,
      turnId: TURN,
      callId: 'call_1',
      namespace: null,
      tool: 'host_tool',
      arguments: { q: 'x' },
    });
    const contentItems: v2.DynamicToolCallOutputContentItem[] = [
      { type: 'inputText', text: 'host says hi' },
    ];
    const done = translate({
      type: 'dynamic_tool_call_response',
      call_id: 'call_1',
      turn_id: TURN,
      namespace: null,
      tool: 'host_tool',
      arguments: { q: 'x' },
      content_items: contentItems,
      success: true,
      error: null,
      duration: { secs: 0, nanos: 102_000_000 },
    });
    expect(itemOf(done[0])).toMatchObject({
      status: 'completed',
      contentItems,
      success: true,
      durationMs: 102,
    });
  });

  it("thread/start's dynamicTools are checked as the original checks them", () => {
    const fn = (name: string, extra: Partial<v2.DynamicToolSpec> = {}) =>
      ({
        type: 'function',
        name,
        description: 'd',
        inputSchema: {},
        ...extra,
      }) as v2.DynamicToolSpec;
    const ns = (name: string, tools: string[]): v2.DynamicToolSpec => ({
      type: 'namespace',
      name,
      description: 'd',
      tools: tools.map((tool) => ({
        type: 'function' as const,
        name: tool,
        description: 'd',
        inputSchema: {},
      })),
    });
    const problem = (specs: v2.DynamicToolSpec[]) => {
      try {
        checkDynamicTools(specs);
        return null;
      } catch (error) {
        const { code, message } = error as { code: number; message: string };
        return { code, message };
      }
    };
    expect(problem([fn('host_tool'), ns('hostns', ['inner', 'host_tool'])])).toBeNull();
    expect(problem([fn('')])).toStrictEqual({
      code: -32600,
      message: 'dynamic tool name must not be empty',
    });
    expect(problem([fn('bad name')])?.message).toBe(
      'dynamic tool name must match ^[a-zA-Z0-9_-]+$ to match Responses API: bad name',
    );
    expect(problem([fn('a'), fn('a')])?.message).toBe('duplicate dynamic tool name: a');
    expect(problem([ns('n', ['a', 'a'])])?.message).toBe(
      'duplicate dynamic tool name in namespace n: a',
    );
    expect(problem([fn('mcp__x')])?.message).toBe('dynamic tool name is reserved: mcp__x');
    expect(problem([ns('web', ['a'])])?.message).toBe(
      'dynamic tool namespace collides with a reserved Responses API namespace for a: web',
    );
    expect(problem([fn('a', { deferLoading: true })])?.message).toBe(
      'deferred dynamic tool must include a namespace: a',
    );
    expect(problem([ns('n', [])])?.message).toBe(
      "dynamic tool namespace 'n' must contain at least one tool",
    );
    expect(problem([fn('exec_command')])).toStrictEqual({
      code: -32602,
      message: 'dynamic tool name conflicts with a built-in tool: exec_command',
    });
  });
});

describe('tool calls in stored history', () => {
  const stored = (offset: number, payload: Record<string, unknown>): HistoryItem =>
    ({
      offset,
      turnId: TURN,
      timestamp: '2026-11-23T08:00:00.000Z',
      type: 'event_msg',
      payload,
    }) as unknown as HistoryItem;

  it("an MCP call recorded as the original records it (item_completed McpToolCall) is rebuilt; the turn's legacy messages stay", () => {
    const entries = threadItemsFromHistory([
      stored(0, { type: 'user_message', message: 'go' }),
      stored(1, {
        type: 'item_completed',
        thread_id: THREAD,
        turn_id: TURN,
        item: {
          type: 'McpToolCall',
          id: 'call_1',
          server: 'test',
          tool: 'echo',
          arguments: { text: 'x' },
          status: 'completed',
          result: { content: [{ type: 'text', text: 'echo: x' }] },
          duration: { secs: 0, nanos: 2_000_000 },
        },
        started_at_ms: 100,
        completed_at_ms: 102,
      }),
      stored(2, {
        type: 'item_completed',
        thread_id: THREAD,
        turn_id: TURN,
        item: {
          type: 'McpToolCall',
          id: 'call_2',
          server: 'test',
          tool: 'echo',
          arguments: {},
          status: 'failed',
          error: { message: 'user rejected MCP tool call' },
          duration: { secs: 0, nanos: 0 },
        },
      }),
      stored(3, { type: 'agent_message', message: 'done' }),
    ]);
    expect(entries.map((entry) => entry.item.type)).toStrictEqual([
      'userMessage',
      'mcpToolCall',
      'mcpToolCall',
      'agentMessage',
    ]);
    expect(entries[1]?.item).toStrictEqual({
      type: 'mcpToolCall',
      id: 'call_1',
      server: 'test',
      tool: 'echo',
      status: 'completed',
      arguments: { text: 'x' },
      appContext: null,
      mcpAppUi: null,
      pluginId: null,
      readOnlyHint: null,
      result: {
        content: [{ type: 'text', text: 'echo: x' }],
        structuredContent: null,
        _meta: null,
      },
      error: null,
      durationMs: 2,
      startedAtMs: 100,
      completedAtMs: 102,
    });
    expect(entries[2]?.item).toMatchObject({
      status: 'failed',
      result: null,
      error: { message: 'user rejected MCP tool call' },
    });
    const validate = referenceDefinition('ThreadItem');
    for (const entry of entries) expect(validate(entry.item)).toBe(true);
  });
});
