import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import type { v2 } from '@codex/protocol';
import { functionCall, type OutputItem, scripted } from '@codex/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { AppServerClient } from '../src/client.js';
import { listenAppServer } from '../src/listen.js';
import { type Harness, type HarnessOptions, record, startHarness } from './harness.js';
import { referenceAjv, referenceDefinition } from './reference-schema.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'mcp', 'test-server.mjs');

/** An `[mcp_servers.<name>]` table running the test server with node. */
const testServer = (name: string, extra = '') =>
  `[mcp_servers.${name}]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(FIXTURE)}]\n${extra}`;

/** A server whose command does not exist. */
const brokenServer = (name: string, extra = '') =>
  `[mcp_servers.${name}]\ncommand = "/nonexistent/mcp-server-xyz"\n${extra}`;

/** The model calls tool `name` of namespace `namespace` (an MCP server's or a host namespace). */
const namespacedCall = (
  namespace: string | null,
  name: string,
  args: unknown,
  callId: string,
): OutputItem => {
  const call = functionCall(name, args, { callId, id: `fc_${callId}` });
  return namespace === null ? call : { ...call, item: { ...call.item, namespace } };
};

const text = (value: string) => [{ type: 'text' as const, text: value, text_elements: [] }];

/** The `function_call_output` the model was sent for `callId` in request `index`. */
function outputFor(harness: Harness, index: number, callId: string): unknown {
  const body = harness.mock.requests[index]?.body as {
    input: Array<{ type: string; call_id?: string; output?: unknown }>;
  };
  return body.input.find((item) => item.type === 'function_call_output' && item.call_id === callId)
    ?.output;
}

/** The tools offered to the model in its first request, as JSON text. */
const offeredTools = (harness: Harness): string =>
  JSON.stringify((harness.mock.requests[0]?.body as { tools?: unknown } | undefined)?.tools);

const outputText = (output: unknown): string =>
  typeof output === 'string' ? output : JSON.stringify(output);

function expectValid(name: string, value: unknown): void {
  const validate = referenceDefinition(name);
  expect(
    validate(JSON.parse(JSON.stringify(value))),
    referenceAjv.errorsText(validate.errors),
  ).toBe(true);
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

async function start(options: HarnessOptions): Promise<Harness> {
  harness = await startHarness(options);
  return harness;
}

type Item = v2.ThreadItem;
const itemsOf = (
  recorded: { notifications: { method: string; params: unknown }[] },
  method: string,
  type: string,
): Item[] =>
  recorded.notifications
    .filter((n) => n.method === method)
    .map((n) => (n.params as { item: Item }).item)
    .filter((item) => item.type === type);

describe('MCP servers of a thread', () => {
  it('start-up statuses follow thread/start; a tool call is an mcpToolCall item; the model gets its output; thread/read rebuilds it', async () => {
    const h = await start({ extraToml: `${testServer('test')}\n${brokenServer('broken')}` });
    h.mock.enqueue(
      scripted.items([namespacedCall('mcp__test', 'echo', { text: 'hi there' }, 'call_1')]),
      scripted.items([namespacedCall('mcp__test', 'structured', {}, 'call_2')]),
      scripted.text('done'),
    );
    const recorded = await h.client();
    const { client } = recorded;
    const ready = client.waitFor(
      'mcpServer/startupStatus/updated',
      (p) => p.name === 'test' && p.status === 'ready',
    );
    const failed = client.waitFor(
      'mcpServer/startupStatus/updated',
      (p) => p.name === 'broken' && p.status === 'failed',
    );
    const { thread } = await client.request('thread/start', { cwd: h.cwd });
    await ready;
    const broken = await failed;
    expect(broken.error).toMatch(/broken/);
    expect(broken.failureReason).toBeNull();
    const methods = recorded.methods();
    const startedAt = methods.indexOf('thread/started');
    const firstStatus = methods.indexOf('mcpServer/startupStatus/updated');
    expect(startedAt).toBeGreaterThanOrEqual(0);
    expect(firstStatus).toBeGreaterThan(startedAt);
    const statuses = recorded.notifications
      .filter((n) => n.method === 'mcpServer/startupStatus/updated')
      .map((n) => n.params as v2.McpServerStatusUpdatedNotification);
    expect(statuses.filter((s) => s.name === 'test').map((s) => s.status)).toStrictEqual([
      'starting',
      'ready',
    ]);
    expect(statuses[0]).toStrictEqual({
      threadId: thread.id,
      name: statuses[0]?.name,
      status: 'starting',
      error: null,
      failureReason: null,
    });

    const done = client.waitFor('turn/completed');
    await client.request('turn/start', { threadId: thread.id, input: text('go') });
    expect((await done).turn.status).toBe('completed');

    const started = itemsOf(recorded, 'item/started', 'mcpToolCall');
    const completed = itemsOf(recorded, 'item/completed', 'mcpToolCall');
    expect(started.map((item) => item.id)).toStrictEqual(['call_1', 'call_2']);
    expect(started[0]).toMatchObject({
      type: 'mcpToolCall',
      id: 'call_1',
      server: 'test',
      tool: 'echo',
      status: 'inProgress',
      arguments: { text: 'hi there' },
      result: null,
      error: null,
      durationMs: null,
      completedAtMs: null,
    });
    expect(completed[0]).toMatchObject({
      status: 'completed',
      result: {
        content: [{ type: 'text', text: 'echo: hi there' }],
        structuredContent: null,
        _meta: null,
      },
      error: null,
    });
    expect(completed[1]).toMatchObject({
      tool: 'structured',
      result: { structuredContent: { a: 1 } },
    });
    for (const item of [...started, ...completed]) expectValid('ThreadItem', item);
    // The model saw the namespace and got the outputs.
    const tools = offeredTools(h);
    expect(tools).toContain('mcp__test');
    expect(outputText(outputFor(h, 1, 'call_1'))).toContain('echo: hi there');
    expect(outputFor(h, 2, 'call_2')).toMatch(/^Wall time: .*\nOutput:\n\{"a":1\}$/);

    const read = await client.request('thread/read', { threadId: thread.id, includeTurns: true });
    const history = read.thread.turns[0]?.items ?? [];
    expect(history.map((item) => item.type)).toStrictEqual([
      'userMessage',
      'mcpToolCall',
      'mcpToolCall',
      'agentMessage',
    ]);
    expect(history[1]).toMatchObject({
      id: 'call_1',
      server: 'test',
      tool: 'echo',
      status: 'completed',
      result: { content: [{ type: 'text', text: 'echo: hi there' }] },
    });
  });

  it('a call needing approval asks mcpServer/elicitation/request: accept runs it, decline fails it; a read-only tool asks nothing', async () => {
    const h = await start({
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
      extraToml: testServer('test'),
    });
    h.mock.enqueue(
      scripted.items([namespacedCall('mcp__test', 'echo', { text: 'yes' }, 'call_1')]),
      scripted.items([namespacedCall('mcp__test', 'echo', { text: 'no' }, 'call_2')]),
      scripted.items([namespacedCall('mcp__test', 'read_things', {}, 'call_3')]),
      scripted.text('done'),
    );
    const recorded = await h.client();
    const { client } = recorded;
    const asked: v2.McpServerElicitationRequestParams[] = [];
    client.onServerRequest('mcpServer/elicitation/request', (params) => {
      asked.push(params);
      return asked.length === 1 ? { action: 'accept', content: null } : { action: 'decline' };
    });
    const { thread } = await client.request('thread/start', { cwd: h.cwd });
    const done = client.waitFor('turn/completed');
    await client.request('turn/start', { threadId: thread.id, input: text('go') });
    expect((await done).turn.status).toBe('completed');

    expect(asked).toHaveLength(2);
    expect(asked[0]).toMatchObject({
      threadId: thread.id,
      serverName: 'test',
      mode: 'form',
      _meta: { codex_approval_kind: 'mcp_tool_call' },
    });
    for (const params of asked) {
      expectValid('ServerRequest', {
        method: 'mcpServer/elicitation/request',
        id: 0,
        params,
      });
    }
    const completed = itemsOf(recorded, 'item/completed', 'mcpToolCall');
    expect(completed.map((item) => [item.id, item.type === 'mcpToolCall' && item.status])).toEqual([
      ['call_1', 'completed'],
      ['call_2', 'failed'],
      ['call_3', 'completed'],
    ]);
    expect(completed[1]).toMatchObject({
      result: null,
      error: { message: 'user rejected MCP tool call' },
    });
    expect(completed[2]).toMatchObject({ readOnlyHint: true });
    expect(outputText(outputFor(h, 1, 'call_1'))).toContain('echo: yes');
    expect(outputText(outputFor(h, 2, 'call_2'))).not.toContain('echo: no');
    // Each answer is announced, and the thread waited on approval meanwhile.
    expect(recorded.methods().filter((m) => m === 'serverRequest/resolved')).toHaveLength(2);
    const flags = recorded.notifications
      .filter((n) => n.method === 'thread/status/changed')
      .map((n) => (n.params as { status: unknown }).status);
    expect(flags).toContainEqual({ type: 'active', activeFlags: ['waitingOnApproval'] });
  });

  it("a server's own elicitation reaches the client with _meta null and the answer reaches the server", async () => {
    // Under `never`, server elicitations are declined without asking: ask, approving the call.
    const h = await start({
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
      extraToml: testServer('test'),
    });
    h.mock.enqueue(
      scripted.items([namespacedCall('mcp__test', 'ask', {}, 'call_1')]),
      scripted.text('done'),
    );
    const { client } = await h.client();
    const asked: v2.McpServerElicitationRequestParams[] = [];
    client.onServerRequest('mcpServer/elicitation/request', (params) => {
      asked.push(params);
      return { action: 'accept', content: { name: 'Bob' } };
    });
    const { thread } = await client.request('thread/start', { cwd: h.cwd });
    const done = client.waitFor('turn/completed');
    await client.request('turn/start', { threadId: thread.id, input: text('go') });
    await done;
    expect(asked[0]?._meta).toMatchObject({ codex_approval_kind: 'mcp_tool_call' });
    expect(asked.slice(1)).toStrictEqual([
      {
        threadId: thread.id,
        turnId: expect.any(String),
        serverName: 'test',
        mode: 'form',
        _meta: null,
        message: 'Please give a name',
        requestedSchema: {
          type: 'object',
          properties: { name: { type: 'string', title: 'Name' } },
          required: ['name'],
        },
      },
    ]);
    expect(outputText(outputFor(h, 1, 'call_1'))).toContain('Bob');
  });

  it('a client that disconnects while asked declines the elicitation', async () => {
    const h = await start({
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
      extraToml: testServer('test'),
    });
    h.mock.enqueue(
      scripted.items([namespacedCall('mcp__test', 'echo', { text: 'x' }, 'call_1')]),
      scripted.text('done'),
    );
    const watcher = await h.client('watcher');
    const doomed = await AppServerClient.inProcess(h.server, { logger: silentLogger });
    await doomed.initialize({ name: 'doomed', version: '1' });
    const { thread } = await doomed.request('thread/start', { cwd: h.cwd });
    await watcher.client.request('thread/unsubscribe', { threadId: thread.id });
    const asked = new Promise<void>((resolve) =>
      doomed.onServerRequest('mcpServer/elicitation/request', () => {
        resolve();
        return new Promise(() => {});
      }),
    );
    await doomed.request('turn/start', { threadId: thread.id, input: text('go') });
    await asked;
    await doomed.close();
    await h.mock.waitForRequests(2, 15_000);
    expect(outputText(outputFor(h, 1, 'call_1'))).not.toContain('echo: x');
  });

  it('mcpServerStatus/list: a loaded thread its live servers, else a throwaway set; sorted, paged, filtered', async () => {
    const h = await start({
      extraToml: [
        testServer('test'),
        brokenServer('broken'),
        testServer('off', 'enabled = false'),
        '[mcp_servers.web]\nurl = "https://user:pw@mcp.example.com:8443/path?q=1"\nbearer_token_env_var = "WEB_TOKEN"\nenabled = false',
      ].join('\n'),
    });
    const { client } = await h.client();
    const fresh = await client.request('mcpServerStatus/list', {});
    expect(fresh.data.map((s) => [s.name, s.runtimeStatus])).toStrictEqual([
      ['broken', 'failed'],
      ['off', 'disabled'],
      ['test', 'connected'],
      ['web', 'disabled'],
    ]);
    expect(fresh.nextCursor).toBeNull();
    expectValid('ListMcpServerStatusResponse', fresh);
    const test = fresh.data.find((s) => s.name === 'test');
    expect(test).toMatchObject({
      name: 'test',
      runtimeStatus: 'connected',
      pluginId: null,
      httpOrigin: null,
      serverInfo: {
        name: 'app-server-test',
        title: 'App-server test server',
        version: '1.2.3',
        description: null,
        icons: null,
        websiteUrl: null,
      },
      serverCapabilities: { tools: {} },
      toolListMeta: null,
      toolsError: null,
      resources: [],
      resourceTemplates: [],
      authStatus: 'unsupported',
    });
    expect(Object.keys(test?.tools ?? {}).sort()).toStrictEqual([
      'ask',
      'echo',
      'fail',
      'read_things',
      'structured',
    ]);
    expect(test?.tools.read_things?.annotations).toStrictEqual({ readOnlyHint: true });
    expect(fresh.data.find((s) => s.name === 'broken')).toMatchObject({
      serverInfo: null,
      tools: {},
      toolsError: expect.any(String),
    });
    expect(fresh.data.find((s) => s.name === 'web')).toMatchObject({
      httpOrigin: 'https://mcp.example.com:8443',
      authStatus: 'bearerToken',
      toolsError: null,
    });

    const { thread } = await client.request('thread/start', { cwd: h.cwd });
    await client.waitFor(
      'mcpServer/startupStatus/updated',
      (p) => p.name === 'test' && p.status === 'ready',
    );
    const first = await client.request('mcpServerStatus/list', { threadId: thread.id, limit: 2 });
    expect(first.data.map((s) => s.name)).toStrictEqual(['broken', 'off']);
    expect(first.nextCursor).not.toBeNull();
    const second = await client.request('mcpServerStatus/list', {
      threadId: thread.id,
      limit: 2,
      cursor: first.nextCursor,
    });
    expect(second.data.map((s) => s.name)).toStrictEqual(['test', 'web']);
    expect(second.nextCursor).toBeNull();
    const one = await client.request('mcpServerStatus/list', {
      threadId: thread.id,
      serverName: 'test',
      detail: 'toolsAndAuthOnly',
    });
    expect(one.data.map((s) => [s.name, s.runtimeStatus])).toStrictEqual([['test', 'connected']]);
    await expect(
      client.request('mcpServerStatus/list', {
        threadId: '01a20799-a3b5-77a3-84cc-a5296181193c',
      }),
    ).rejects.toMatchObject({ code: -32600, message: expect.stringMatching(/thread not found/) });
  });

  it('mcpServer/tool/call calls a loaded thread server directly', async () => {
    const h = await start({ extraToml: testServer('test') });
    const { client } = await h.client();
    const { thread } = await client.request('thread/start', { cwd: h.cwd });
    await client.waitFor(
      'mcpServer/startupStatus/updated',
      (p) => p.name === 'test' && p.status === 'ready',
    );
    const echo = await client.request('mcpServer/tool/call', {
      threadId: thread.id,
      server: 'test',
      tool: 'echo',
      arguments: { text: 'direct' },
    });
    expect(echo).toStrictEqual({ content: [{ type: 'text', text: 'echo: direct' }] });
    expectValid('McpServerToolCallResponse', echo);
    const failed = await client.request('mcpServer/tool/call', {
      threadId: thread.id,
      server: 'test',
      tool: 'fail',
    });
    expect(failed).toMatchObject({ isError: true, content: [{ type: 'text', text: 'it failed' }] });
    await expect(
      client.request('mcpServer/tool/call', {
        threadId: thread.id,
        server: 'test',
        tool: 'nope',
      }),
    ).rejects.toMatchObject({ code: -32603, message: expect.stringMatching(/nope/) });
    await expect(
      client.request('mcpServer/tool/call', {
        threadId: '01a20799-a3b5-77a3-84cc-a5296181193c',
        server: 'test',
        tool: 'echo',
      }),
    ).rejects.toMatchObject({ code: -32600, message: expect.stringMatching(/thread not found/) });
  });

  it('a required server that fails to start fails thread/start as the original', async () => {
    const h = await start({ extraToml: brokenServer('req', 'required = true') });
    const { client } = await h.client();
    await expect(client.request('thread/start', { cwd: h.cwd })).rejects.toMatchObject({
      code: -32603,
      message: expect.stringMatching(
        /^error creating thread: Fatal error: Failed to initialize session: required MCP servers failed to initialize: req: /,
      ),
    });
  });
});

describe('host tools (thread/start dynamicTools) over WebSocket', () => {
  const dynamicTools: v2.DynamicToolSpec[] = [
    {
      type: 'function',
      name: 'host_tool',
      description: 'A host tool',
      inputSchema: { type: 'object', properties: { q: { type: 'string' } } },
    },
    {
      type: 'namespace',
      name: 'hostns',
      description: 'Host namespace',
      tools: [
        {
          type: 'function',
          name: 'inner',
          description: 'inner tool',
          inputSchema: { type: 'object', properties: {} },
        },
      ],
    },
  ];

  async function webSocketClient(h: Harness) {
    const listener = await listenAppServer(h.server, {
      kind: 'websocket',
      host: '127.0.0.1',
      port: 0,
    });
    const client = await AppServerClient.connect(listener.url, { logger: silentLogger });
    const recorded = record(client);
    await client.initialize({ name: 'ws_host', version: '1.0.0' });
    return {
      ...recorded,
      close: async () => {
        await client.close();
        await listener.close();
      },
    };
  }

  it('the client that registered them answers item/tool/call; the model gets its answer', async () => {
    const h = await start({});
    h.mock.enqueue(
      scripted.items([namespacedCall(null, 'host_tool', { q: 'x' }, 'call_1')]),
      scripted.items([namespacedCall('hostns', 'inner', {}, 'call_2')]),
      scripted.text('done'),
    );
    const ws = await webSocketClient(h);
    try {
      const calls: v2.DynamicToolCallParams[] = [];
      ws.client.onServerRequest('item/tool/call', (params) => {
        calls.push(params);
        return {
          contentItems: [{ type: 'inputText', text: `host says hi to ${params.tool}` }],
          success: true,
        };
      });
      const { thread } = await ws.client.request('thread/start', { cwd: h.cwd, dynamicTools });
      const done = ws.client.waitFor('turn/completed');
      await ws.client.request('turn/start', { threadId: thread.id, input: text('go') });
      expect((await done).turn.status).toBe('completed');
      expect(calls).toStrictEqual([
        {
          threadId: thread.id,
          turnId: expect.any(String),
          callId: 'call_1',
          namespace: null,
          tool: 'host_tool',
          arguments: { q: 'x' },
        },
        {
          threadId: thread.id,
          turnId: expect.any(String),
          callId: 'call_2',
          namespace: 'hostns',
          tool: 'inner',
          arguments: {},
        },
      ]);
      const completed = itemsOf(ws, 'item/completed', 'dynamicToolCall');
      expect(completed[0]).toMatchObject({
        type: 'dynamicToolCall',
        id: 'call_1',
        namespace: null,
        tool: 'host_tool',
        arguments: { q: 'x' },
        status: 'completed',
        contentItems: [{ type: 'inputText', text: 'host says hi to host_tool' }],
        success: true,
      });
      for (const item of completed) expectValid('ThreadItem', item);
      expect(outputText(outputFor(h, 1, 'call_1'))).toContain('host says hi to host_tool');
      expect(outputText(outputFor(h, 2, 'call_2'))).toContain('host says hi to inner');
      const tools = offeredTools(h);
      expect(tools).toContain('host_tool');
      expect(tools).toContain('hostns');
    } finally {
      await ws.close();
    }
  });

  it('a client that never answers times out; a malformed answer fails the call; the turn completes', async () => {
    const h = await start({ server: { dynamicToolTimeoutMs: 500 } });
    h.mock.enqueue(
      scripted.items([namespacedCall(null, 'host_tool', { q: 'x' }, 'call_1')]),
      scripted.items([namespacedCall(null, 'host_tool', { q: 'y' }, 'call_2')]),
      scripted.text('done'),
    );
    const ws = await webSocketClient(h);
    try {
      let calls = 0;
      ws.client.onServerRequest('item/tool/call', () => {
        calls++;
        if (calls === 1) return new Promise(() => {});
        return { contentItems: 'nope', success: true } as unknown as v2.DynamicToolCallResponse;
      });
      const { thread } = await ws.client.request('thread/start', { cwd: h.cwd, dynamicTools });
      const done = ws.client.waitFor('turn/completed');
      await ws.client.request('turn/start', { threadId: thread.id, input: text('go') });
      expect((await done).turn.status).toBe('completed');
      expect(outputText(outputFor(h, 1, 'call_1'))).toMatch(/host_tool timed out/);
      expect(outputText(outputFor(h, 2, 'call_2'))).toMatch(/malformed.*contentItems/);
      const completed = itemsOf(ws, 'item/completed', 'dynamicToolCall');
      expect(completed.map((item) => item.type === 'dynamicToolCall' && item.success)).toEqual([
        false,
        false,
      ]);
    } finally {
      await ws.close();
    }
  });

  it('with its registering client gone, another subscriber runs the tool; with none, the model is told', async () => {
    const h = await start({});
    h.mock.enqueue(
      scripted.items([namespacedCall(null, 'host_tool', { q: 'x' }, 'call_1')]),
      scripted.text('one'),
      scripted.items([namespacedCall(null, 'host_tool', { q: 'y' }, 'call_2')]),
      scripted.text('two'),
    );
    const host = await AppServerClient.inProcess(h.server, { logger: silentLogger });
    await host.initialize({ name: 'host', version: '1' });
    const { thread } = await host.request('thread/start', { cwd: h.cwd, dynamicTools });
    const other = await h.client('other');
    await other.client.request('thread/resume', { threadId: thread.id, excludeTurns: true });
    other.client.onServerRequest('item/tool/call', () => ({
      contentItems: [{ type: 'inputText', text: 'answered by other' }],
      success: true,
    }));
    await host.close();
    let done = other.client.waitFor('turn/completed');
    await other.client.request('turn/start', { threadId: thread.id, input: text('one') });
    await done;
    expect(outputText(outputFor(h, 1, 'call_1'))).toContain('answered by other');
    await other.client.request('thread/unsubscribe', { threadId: thread.id });
    const watcher = await h.client('watcher');
    await watcher.client.request('thread/resume', { threadId: thread.id, excludeTurns: true });
    // A subscriber that cannot answer (no handler) fails the call; the turn goes on.
    done = watcher.client.waitFor('turn/completed');
    await watcher.client.request('turn/start', { threadId: thread.id, input: text('two') });
    await done;
    expect(outputText(outputFor(h, 3, 'call_2'))).toMatch(/host tool host_tool failed/);
  });

  it('bad dynamicTools are refused with the original messages', async () => {
    const h = await start({});
    const { client } = await h.client();
    await expect(
      client.request('thread/start', {
        cwd: h.cwd,
        dynamicTools: [{ type: 'function', name: 'bad name', description: '', inputSchema: {} }],
      }),
    ).rejects.toMatchObject({
      code: -32600,
      message: 'dynamic tool name must match ^[a-zA-Z0-9_-]+$ to match Responses API: bad name',
    });
    await expect(
      client.request('thread/start', {
        cwd: h.cwd,
        dynamicTools: [{ type: 'function', name: 'apply_patch', description: '', inputSchema: {} }],
      }),
    ).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/apply_patch/) });
  });
});

describe('hooks', () => {
  it('hooks/list answers one entry per cwd (the server cwd when none is given)', async () => {
    const h = await start({});
    const { client } = await h.client();
    const listed = await client.request('hooks/list', { cwds: [h.cwd] });
    expect(listed.data.map((entry) => entry.cwd)).toStrictEqual([h.cwd]);
    expectValid('HooksListResponse', listed);
  });

  it('lists the user hooks with their trust, and trusted ones run in turns as hook/started and hook/completed', async () => {
    const hooksJson = {
      hooks: {
        PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'echo {}' }] }],
        Stop: [{ hooks: [{ type: 'command', command: 'echo {}' }] }],
      },
    };
    const h = await start({ approvalPolicy: 'never', sandboxMode: 'danger-full-access' });
    writeFileSync(join(h.home.path, 'hooks.json'), JSON.stringify(hooksJson));
    const { client } = await h.client();
    const before = await client.request('hooks/list', { cwds: [h.cwd] });
    expectValid('HooksListResponse', before);
    const hooks = before.data[0]?.hooks ?? [];
    expect(hooks.map((hook) => [hook.eventName, hook.trustStatus, hook.source])).toStrictEqual([
      ['preToolUse', 'untrusted', 'user'],
      ['stop', 'untrusted', 'user'],
    ]);
    // Trust the PreToolUse hook only, as a client does: by writing its hash to config.toml.
    const pre = hooks[0];
    appendFileSync(
      h.home.configPath,
      `\n[hooks.state.${JSON.stringify(pre?.key)}]\ntrusted_hash = "${pre?.currentHash}"\n`,
    );
    const after = await client.request('hooks/list', { cwds: [h.cwd] });
    expect(after.data[0]?.hooks.map((hook) => hook.trustStatus)).toStrictEqual([
      'trusted',
      'untrusted',
    ]);
    h.mock.enqueue(
      scripted.items([functionCall('exec_command', { cmd: 'echo hi' }, { callId: 'c1' })]),
      scripted.text('done'),
    );
    const recorded = await h.client('hooked');
    const { thread } = await recorded.client.request('thread/start', { cwd: h.cwd });
    const done = recorded.client.waitFor('turn/completed');
    await recorded.client.request('turn/start', {
      threadId: thread.id,
      input: [{ type: 'text', text: 'go', text_elements: [] }],
    });
    await done;
    const runs = recorded.notifications.filter((n) => n.method.startsWith('hook/'));
    expect(runs.map((n) => n.method)).toStrictEqual(['hook/started', 'hook/completed']);
    const completed = runs[1]?.params as v2.HookCompletedNotification;
    expectValid('HookCompletedNotification', completed);
    expect(completed.threadId).toBe(thread.id);
    expect(completed.run).toMatchObject({ eventName: 'preToolUse', status: 'completed' });
  });
});
