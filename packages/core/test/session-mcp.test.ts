import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@codex/common';
import type { v2 } from '@codex/protocol';
import { createTempCodexHome, functionCall, scripted } from '@codex/test-support';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { McpCallError } from '../src/mcp/connections.js';
import { SessionError } from '../src/session/errors.js';
import { Session } from '../src/session/session.js';
import type { HostTool } from '../src/session/tools/dynamic.js';
import { ThreadManager } from '../src/threads/manager.js';
import {
  EventLog,
  type Harness,
  requestInput,
  toolOutput,
  useMockSessions,
} from './session-harness.js';

const SERVER = fileURLToPath(new URL('./fixtures/mcp-session/stdio-server.mjs', import.meta.url));
/** A 1×1 PNG (the fixture's `image` tool returns it). */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const HEADER = /^Wall time: \d+\.\d{4} seconds\nOutput:$/;
const header = { type: 'input_text', text: expect.stringMatching(HEADER) };
const text = (value: string) => ({ type: 'input_text', text: value });

const ctx = useMockSessions();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A `[mcp_servers.<name>]` table running the fixture server over stdio. */
function stdioServer(name: string, extra: Record<string, string | number | boolean> = {}) {
  return tomlTable(name, { command: process.execPath, args: [SERVER, 'serve'], ...extra });
}

function tomlTable(name: string, keys: Record<string, unknown>): string {
  const lines = Object.entries(keys).map(([key, value]) => `${key} = ${JSON.stringify(value)}`);
  return [`[mcp_servers.${JSON.stringify(name)}]`, ...lines, ''].join('\n');
}

interface StartOptions {
  readonly mcp: string;
  readonly approvalPolicy?: 'untrusted' | 'on-failure' | 'on-request' | 'never';
  readonly sandboxMode?: 'read-only' | 'workspace-write' | 'danger-full-access';
  readonly env?: Readonly<Record<string, string>>;
  readonly dynamicTools?: readonly v2.DynamicToolSpec[];
  readonly hostTools?: readonly HostTool[];
  readonly dynamicToolTimeoutMs?: number;
}

/** The config (in a temp CODEX_HOME and cwd) and environment of a session against the mock. */
async function sessionConfig(options: StartOptions) {
  const home = createTempCodexHome({
    providerBaseUrl: ctx.mock.url,
    approvalPolicy: options.approvalPolicy,
    sandboxMode: options.sandboxMode,
    extraToml: options.mcp,
  });
  const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'codex-mcp-work-')));
  cleanups.push(
    () => home.dispose(),
    () => rmSync(cwd, { recursive: true, force: true }),
  );
  const env = {
    PATH: process.env.PATH,
    HOME: home.path,
    SHELL: '/bin/bash',
    MOCK_API_KEY: 'dummy',
    ...options.env,
  };
  const { config } = await loadConfig({
    codexHome: home.path,
    systemConfigFile: null,
    env,
    overrides: { cwd },
  });
  return { config, env, home: home.path, cwd };
}

/** A session with MCP servers (and host tools) against the mock; disposed after the test. */
async function startMcpSession(options: StartOptions): Promise<Harness> {
  const { config, env, home, cwd } = await sessionConfig(options);
  const session = await Session.start({
    config,
    env,
    logger: silentLogger,
    dynamicTools: options.dynamicTools,
    hostTools: options.hostTools,
    dynamicToolTimeoutMs: options.dynamicToolTimeoutMs,
  });
  const log = new EventLog(session);
  const harness: Harness = {
    session,
    log,
    cwd,
    home,
    async dispose() {
      const shut = session.shutdown();
      await log.done;
      await shut;
    },
  };
  ctx.harness = harness;
  return harness;
}

const say = (session: Session, prompt: string) =>
  session.submit({ type: 'user_input', items: [{ type: 'text', text: prompt }] });

/** The tools of the `n`th request the mock received. */
function requestTools(n: number): Array<Record<string, unknown>> {
  const body = ctx.mock.requests[n]?.body as { tools?: Array<Record<string, unknown>> } | undefined;
  if (!body?.tools) throw new Error(`the mock has no request #${n} with tools`);
  return body.tools;
}

/** The text of an MCP call's result, as the model read it (after the wall-time header). */
function mcpText(n: number, callId: string): string {
  const output = toolOutput(ctx.mock, n, callId) as Array<{ text?: string }>;
  expect(output[0]).toStrictEqual(header);
  return output[1]?.text ?? '';
}

const mcpFailure = (server: string, tool: string, cause: string) =>
  `tool call error: tool call failed for \`${server}/${tool}\`\n\nCaused by:\n    ${cause}`;

/** Whether `pid` runs (a zombie waiting for its parent's wait() does not count). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls until none of `pids` runs; resolves with those still running after `withinMs`. */
async function survivors(pids: readonly number[], withinMs = 5_000): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let alive = pids.filter(running);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    alive = alive.filter(running);
  }
  return alive;
}

/** Waits until every MCP server of `session` is ready or failed. */
async function untilReady(session: Session, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (session.mcpServers().some((status) => status.state === 'starting')) {
    if (Date.now() > deadline) throw new Error('MCP servers still starting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('MCP tools in a turn', () => {
  it('are offered in a sanitized namespace, called by their raw names, and answered with the wall-time header', async () => {
    const { session, log } = await startMcpSession({ mcp: stdioServer('my-srv') });
    const ns = { namespace: 'mcp__my_srv' };
    ctx.mock.enqueue(
      scripted.items([
        functionCall('echo', { text: 'hi' }, { callId: 'c1', id: 'fc_1', ...ns }),
        functionCall(
          'weird_name_with_spaces_ok',
          { mode: 'fast' },
          { callId: 'c2', id: 'fc_2', ...ns },
        ),
        functionCall('structured', {}, { callId: 'c3', id: 'fc_3', ...ns }),
        functionCall('image', {}, { callId: 'c4', id: 'fc_4', ...ns }),
      ]),
      scripted.text('done'),
    );
    say(session, 'use the tools');
    await log.waitFor('task_complete');

    expect(log.of('mcp_startup_update')).toStrictEqual([
      { type: 'mcp_startup_update', server: 'my-srv', status: { state: 'starting' } },
      { type: 'mcp_startup_update', server: 'my-srv', status: { state: 'ready' } },
    ]);
    expect(log.of('mcp_startup_complete')).toStrictEqual([
      { type: 'mcp_startup_complete', ready: ['my-srv'], failed: [], cancelled: [] },
    ]);

    const namespace = requestTools(0).find((tool) => tool.type === 'namespace');
    expect(namespace).toMatchObject({
      type: 'namespace',
      name: 'mcp__my_srv',
      description: 'Session server instructions.',
    });
    const tools = namespace?.tools as Array<Record<string, unknown>>;
    // Alphabetical by the name the model sees.
    expect(tools.map((tool) => tool.name)).toStrictEqual([
      'ask',
      'crash',
      'delete_things',
      'echo',
      'image',
      'pid',
      'read_things',
      'slow',
      'spawn',
      'structured',
      'weird_name_with_spaces_ok',
    ]);
    expect(tools.find((tool) => tool.name === 'echo')).toStrictEqual({
      type: 'function',
      name: 'echo',
      description: 'Echo back text',
      strict: false,
      parameters: { type: 'object', properties: { text: { type: 'string' } } },
    });
    expect(tools.find((tool) => tool.name === 'weird_name_with_spaces_ok')).toStrictEqual({
      type: 'function',
      name: 'weird_name_with_spaces_ok',
      description: 'Odd name',
      strict: false,
      parameters: {
        type: 'object',
        properties: { mode: { type: 'string', enum: ['fast'] }, anything: {} },
        required: ['mode'],
      },
    });

    // Events name the raw server and tool; each call ends before the next begins.
    const begins = log.of('mcp_tool_call_begin');
    expect(begins.map((event) => [event.call_id, event.invocation])).toStrictEqual([
      ['c1', { server: 'my-srv', tool: 'echo', arguments: { text: 'hi' } }],
      ['c2', { server: 'my-srv', tool: 'weird.name-with spaces/ok', arguments: { mode: 'fast' } }],
      ['c3', { server: 'my-srv', tool: 'structured', arguments: {} }],
      ['c4', { server: 'my-srv', tool: 'image', arguments: {} }],
    ]);
    const turnId = log.of('task_started')[0]?.turn_id;
    expect(begins[0]).toMatchObject({ turn_id: turnId, read_only_hint: null });
    const ends = log.of('mcp_tool_call_end');
    expect(ends[0]).toMatchObject({
      call_id: 'c1',
      invocation: { server: 'my-srv', tool: 'echo', arguments: { text: 'hi' } },
      result: { Ok: { content: [{ type: 'text', text: 'echo: hi' }] } },
      turn_id: turnId,
    });
    const order = log.msgs
      .filter((msg) => msg.type === 'mcp_tool_call_begin' || msg.type === 'mcp_tool_call_end')
      .map((msg) => `${msg.type === 'mcp_tool_call_begin' ? 'begin' : 'end'} ${msg.call_id}`);
    expect(order).toStrictEqual([
      'begin c1',
      'end c1',
      'begin c2',
      'end c2',
      'begin c3',
      'end c3',
      'begin c4',
      'end c4',
    ]);

    // The next request carries each result.
    expect(toolOutput(ctx.mock, 1, 'c1')).toStrictEqual([header, text('echo: hi')]);
    expect(mcpText(1, 'c2')).toBe('called weird.name-with spaces/ok with {"mode":"fast"}');
    expect(toolOutput(ctx.mock, 1, 'c3')).toMatch(
      /^Wall time: \d+\.\d{4} seconds\nOutput:\n\{"k":1\}$/,
    );
    expect(toolOutput(ctx.mock, 1, 'c4')).toStrictEqual([
      header,
      { type: 'input_image', image_url: `data:image/png;base64,${PNG}`, detail: 'high' },
    ]);
    const call = requestInput(ctx.mock, 1).find((item) => item.call_id === 'c1');
    expect(call).toMatchObject({ type: 'function_call', name: 'echo', namespace: 'mcp__my_srv' });
  });
});

describe('MCP tool approvals', () => {
  it('ask for tools that are not read-only; accept runs, decline rejects, a session approval sticks; never + read-only rejects unasked', async () => {
    const { session, log } = await startMcpSession({
      mcp: stdioServer('s'),
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
    });
    const ns = { namespace: 'mcp__s' };
    const answer = (id: string, decision: 'accept' | 'decline' | 'cancel', meta?: unknown) =>
      session.submit({
        type: 'resolve_elicitation',
        server_name: 's',
        request_id: id,
        decision,
        ...(meta ? { meta } : {}),
      });

    // Turn 1: echo asked and accepted; delete_things asked and declined; read_things unasked.
    ctx.mock.enqueue(
      scripted.items([functionCall('echo', { text: 'x' }, { callId: 'c1', id: 'fc_1', ...ns })]),
      scripted.items([
        functionCall('delete_things', { what: 'all' }, { callId: 'c2', id: 'fc_2', ...ns }),
      ]),
      scripted.items([functionCall('read_things', {}, { callId: 'c3', id: 'fc_3', ...ns })]),
      scripted.text('one'),
    );
    say(session, 'one');
    const first = await log.waitFor('elicitation_request');
    const turnId = log.of('task_started')[0]?.turn_id;
    expect(first).toStrictEqual({
      type: 'elicitation_request',
      server_name: 's',
      id: 'mcp_tool_call_approval_c1',
      turn_id: turnId,
      message: 'Allow the s MCP server to run tool "echo"?',
      requested_schema: { type: 'object', properties: {} },
      meta: {
        codex_approval_kind: 'mcp_tool_call',
        persist: ['session', 'always'],
        tool_name: 'echo',
        tool_description: 'Echo back text',
        tool_params: { text: 'x' },
        tool_params_display: [{ name: 'text', value: 'x', display_name: 'text' }],
      },
    });
    // The call is announced before the question; nothing ran yet.
    expect(log.of('mcp_tool_call_begin').map((event) => event.call_id)).toStrictEqual(['c1']);
    expect(log.of('mcp_tool_call_end')).toStrictEqual([]);
    answer(first.id, 'accept');
    const second = await log.waitFor('elicitation_request', 2);
    expect(second).toMatchObject({
      id: 'mcp_tool_call_approval_c2',
      message: 'Allow the s MCP server to run tool "delete_things"?',
      meta: { tool_name: 'delete_things', tool_annotations: { destructiveHint: true } },
    });
    answer(second.id, 'decline');
    await log.waitFor('task_complete');
    expect(log.of('elicitation_request')).toHaveLength(2);
    expect(mcpText(1, 'c1')).toBe('echo: x');
    expect(mcpText(2, 'c2')).toBe('user rejected MCP tool call');
    expect(
      log.of('mcp_tool_call_end').find((event) => event.call_id === 'c2')?.result,
    ).toStrictEqual({
      Err: 'user rejected MCP tool call',
    });
    expect(mcpText(3, 'c3')).toBe('read');
    expect(
      log.of('mcp_tool_call_begin').find((event) => event.call_id === 'c3')?.read_only_hint,
    ).toBe(true);

    // Turn 2: echo allowed for the session; its next call is not asked about, another tool is.
    ctx.mock.enqueue(
      scripted.items([functionCall('echo', { text: 'y' }, { callId: 'c4', id: 'fc_4', ...ns })]),
      scripted.items([functionCall('echo', { text: 'z' }, { callId: 'c5', id: 'fc_5', ...ns })]),
      scripted.items([
        functionCall('delete_things', { what: 'b' }, { callId: 'c6', id: 'fc_6', ...ns }),
      ]),
      scripted.text('two'),
    );
    say(session, 'two');
    const third = await log.waitFor('elicitation_request', 3);
    expect(third.id).toBe('mcp_tool_call_approval_c4');
    answer(third.id, 'accept', { persist: 'session' });
    const fourth = await log.waitFor('elicitation_request', 4);
    expect(fourth.id).toBe('mcp_tool_call_approval_c6');
    answer(fourth.id, 'cancel');
    await log.waitFor('task_complete', 2);
    expect(mcpText(5, 'c4')).toBe('echo: y');
    expect(mcpText(6, 'c5')).toBe('echo: z');
    expect(mcpText(7, 'c6')).toBe('user rejected MCP tool call');

    // Turn 3: approval never with a read-only sandbox: nobody to ask, so rejected unasked;
    // read-only tools still run.
    session.submit({
      type: 'override_turn_context',
      approval_policy: 'never',
      sandbox_policy: { mode: 'read-only' },
    });
    ctx.mock.enqueue(
      scripted.items([
        functionCall('delete_things', { what: 'c' }, { callId: 'c7', id: 'fc_7', ...ns }),
        functionCall('read_things', {}, { callId: 'c8', id: 'fc_8', ...ns }),
      ]),
      scripted.text('three'),
    );
    say(session, 'three');
    await log.waitFor('task_complete', 3);
    expect(log.of('elicitation_request')).toHaveLength(4);
    expect(mcpText(9, 'c7')).toBe('user rejected MCP tool call');
    expect(mcpText(9, 'c8')).toBe('read');
  });
});

describe('MCP server elicitations', () => {
  it("a server's elicitation/create is asked in the turn (meta null) and the answer reaches the server", async () => {
    const { session, log } = await startMcpSession({
      mcp: stdioServer('s'),
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
    });
    const ns = { namespace: 'mcp__s' };
    ctx.mock.enqueue(
      scripted.items([functionCall('ask', {}, { callId: 'c1', id: 'fc_1', ...ns })]),
      scripted.items([functionCall('ask', {}, { callId: 'c2', id: 'fc_2', ...ns })]),
      scripted.text('asked'),
    );
    say(session, 'ask me');
    const question = await log.waitFor('elicitation_request');
    expect(question).toStrictEqual({
      type: 'elicitation_request',
      server_name: 's',
      id: expect.any(String),
      turn_id: log.of('task_started')[0]?.turn_id,
      message: 'Please give a name',
      requested_schema: {
        type: 'object',
        properties: { name: { type: 'string', title: 'Name' } },
        required: ['name'],
      },
      meta: null,
    });
    session.submit({
      type: 'resolve_elicitation',
      server_name: 's',
      request_id: question.id,
      decision: 'accept',
      content: { name: 'Bob' },
    });
    const again = await log.waitFor('elicitation_request', 2);
    expect(again.id).not.toBe(question.id);
    session.submit({
      type: 'resolve_elicitation',
      server_name: 's',
      request_id: again.id,
      decision: 'decline',
      content: { name: 'ignored' },
    });
    await log.waitFor('task_complete');
    expect(JSON.parse(mcpText(1, 'c1'))).toStrictEqual({
      action: 'accept',
      content: { name: 'Bob' },
    });
    expect(JSON.parse(mcpText(2, 'c2'))).toStrictEqual({ action: 'decline' });

    // Under `never` nobody can answer: the server is told no without a question.
    session.submit({ type: 'override_turn_context', approval_policy: 'never' });
    ctx.mock.enqueue(
      scripted.items([functionCall('ask', {}, { callId: 'c3', id: 'fc_3', ...ns })]),
      scripted.text('unasked'),
    );
    say(session, 'again');
    await log.waitFor('task_complete', 2);
    expect(log.of('elicitation_request')).toHaveLength(2);
    expect(JSON.parse(mcpText(4, 'c3'))).toStrictEqual({ action: 'decline' });
  });
});

describe('MCP failures', () => {
  it('a missing command, a hung start, a slow call and a crash never break the thread', async () => {
    const { session, log } = await startMcpSession({
      mcp: [
        stdioServer('good', { tool_timeout_sec: 1 }),
        tomlTable('bad', { command: '/nonexistent/mcp-server' }),
        tomlTable('hang', {
          command: process.execPath,
          args: [SERVER, 'hang'],
          startup_timeout_sec: 0.5,
        }),
      ].join('\n'),
    });
    const ns = { namespace: 'mcp__good' };
    ctx.mock.enqueue(
      scripted.items([functionCall('slow', {}, { callId: 'c1', id: 'fc_1', ...ns })]),
      scripted.items([functionCall('crash', {}, { callId: 'c2', id: 'fc_2', ...ns })]),
      scripted.items([functionCall('echo', { text: 'x' }, { callId: 'c3', id: 'fc_3', ...ns })]),
      scripted.items([
        functionCall('echo', { text: 'x' }, { callId: 'c4', id: 'fc_4', namespace: 'mcp__bad' }),
      ]),
      scripted.text('survived'),
    );
    say(session, 'break things');
    await log.waitFor('task_complete');

    const complete = log.of('mcp_startup_complete');
    expect(complete).toHaveLength(1);
    expect(complete[0]?.ready).toStrictEqual(['good']);
    expect(complete[0]?.failed.map((entry) => entry.server)).toStrictEqual(['bad', 'hang']);
    const failed = log
      .of('mcp_startup_update')
      .filter((event) => event.server !== 'good')
      .flatMap((event) =>
        event.status.state === 'failed' ? [[event.server, event.status.error]] : [],
      );
    expect(Object.fromEntries(failed)).toStrictEqual({
      bad: expect.stringMatching(/^MCP client for `bad` failed to start: MCP startup failed: /),
      hang: 'MCP client for `hang` timed out after 0.5 seconds. Add or adjust `startup_timeout_sec` in your config.toml:\n[mcp_servers.hang]\nstartup_timeout_sec = XX',
    });
    // Only the ready server's tools are offered.
    expect(
      requestTools(0)
        .filter((tool) => tool.type === 'namespace')
        .map((tool) => tool.name),
    ).toStrictEqual(['mcp__good']);

    expect(mcpText(1, 'c1')).toBe(
      mcpFailure('good', 'slow', 'timed out awaiting tools/call after 1s'),
    );
    expect(log.of('mcp_tool_call_end')[0]?.result).toStrictEqual({
      Err: mcpFailure('good', 'slow', 'timed out awaiting tools/call after 1s'),
    });
    expect(mcpText(2, 'c2')).toBe(mcpFailure('good', 'crash', 'Transport closed'));
    expect(mcpText(3, 'c3')).toBe(mcpFailure('good', 'echo', 'Transport closed'));
    expect(toolOutput(ctx.mock, 4, 'c4')).toMatch(/^unsupported call: /);
    expect(session.mcpServers().map((status) => [status.name, status.state])).toStrictEqual([
      ['bad', 'failed'],
      ['good', 'failed'],
      ['hang', 'failed'],
    ]);

    // The next turn runs as usual.
    ctx.mock.enqueue(scripted.text('still here'));
    say(session, 'again');
    const second = await log.waitFor('task_complete', 2);
    expect(second.last_agent_message).toBe('still here');
    expect(log.types).not.toContain('error');
  });

  // The original reports a server that dies after its start only through failing calls: no
  // new startup status (research notes §4, `runs/dead`).
  it('a server dying mid-session is not reported as a startup update', async () => {
    const { session, log } = await startMcpSession({ mcp: stdioServer('s') });
    ctx.mock.enqueue(
      scripted.items([
        functionCall('crash', {}, { callId: 'c1', id: 'fc_1', namespace: 'mcp__s' }),
      ]),
      scripted.text('crashed'),
    );
    say(session, 'crash');
    await log.waitFor('task_complete');
    expect(mcpText(1, 'c1')).toBe(mcpFailure('s', 'crash', 'Transport closed'));
    expect(log.of('mcp_startup_update').map((event) => event.status)).toStrictEqual([
      { state: 'starting' },
      { state: 'ready' },
    ]);
  });

  it('a required server that fails makes the start fail, and stops the servers that did start', async () => {
    const pidFile = join(realpathSync(mkdtempSync(join(tmpdir(), 'codex-mcp-pids-'))), 'pids');
    cleanups.push(() => rmSync(dirname(pidFile), { recursive: true, force: true }));
    const { config, env } = await sessionConfig({
      mcp: [
        tomlTable('req', { command: '/nonexistent/mcp-server', required: true }),
        stdioServer('fine'),
        `env = { PID_FILE = ${JSON.stringify(pidFile)} }`,
      ].join('\n'),
    });
    const error = await Session.start({ config, env, logger: silentLogger }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(SessionError.isInstance(error)).toBe(true);
    expect((error as SessionError).code).toBe('mcp_required');
    expect((error as SessionError).message).toMatch(
      /^required MCP servers failed to initialize: req: MCP client for `req` failed to start: MCP startup failed: /,
    );
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(1);
    expect(await survivors(pids)).toStrictEqual([]);
  });
});

describe('streamable HTTP MCP servers', () => {
  it('are reached at their url with the bearer token from the environment', async () => {
    const TOKEN = 'tok-123';
    const seen: IncomingHttpHeaders[] = [];
    const methods: string[] = [];
    const http: HttpServer = createServer(async (req, res) => {
      seen.push(req.headers);
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401).end();
        return;
      }
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      methods.push(
        ...[body].flat().map((message) => (message as { method?: string }).method ?? ''),
      );
      const server = new Server(
        { name: 'http-test', version: '1.0.0' },
        { capabilities: { tools: {} } },
      );
      server.setRequestHandler(ListToolsRequestSchema, () => ({
        tools: [{ name: 'whoami', description: 'Who calls', inputSchema: { type: 'object' } }],
      }));
      server.setRequestHandler(CallToolRequestSchema, (_request, extra) => ({
        content: [{ type: 'text', text: `auth=${extra.requestInfo?.headers.authorization}` }],
      }));
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const { port } = http.address() as AddressInfo;

    const { session, log } = await startMcpSession({
      mcp: tomlTable('remote', {
        url: `http://127.0.0.1:${port}/mcp`,
        bearer_token_env_var: 'REMOTE_MCP_TOKEN',
      }),
      env: { REMOTE_MCP_TOKEN: TOKEN },
    });
    ctx.mock.enqueue(
      scripted.items([
        functionCall('whoami', {}, { callId: 'c1', id: 'fc_1', namespace: 'mcp__remote' }),
      ]),
      scripted.text('done'),
    );
    say(session, 'who');
    await log.waitFor('task_complete');
    expect(log.of('mcp_startup_complete')[0]?.ready).toStrictEqual(['remote']);
    expect(mcpText(1, 'c1')).toBe(`auth=Bearer ${TOKEN}`);
    expect(methods).toEqual(expect.arrayContaining(['initialize', 'tools/list', 'tools/call']));
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.every((headers) => headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });
});

describe('MCP server processes', () => {
  it('shutdown ends every server and what it started', async () => {
    const harness = await startMcpSession({ mcp: [stdioServer('a'), stdioServer('b')].join('\n') });
    const { session, log } = harness;
    ctx.mock.enqueue(
      scripted.items([
        functionCall('pid', {}, { callId: 'a1', id: 'fc_1', namespace: 'mcp__a' }),
        functionCall('spawn', {}, { callId: 'a2', id: 'fc_2', namespace: 'mcp__a' }),
        functionCall('pid', {}, { callId: 'b1', id: 'fc_3', namespace: 'mcp__b' }),
      ]),
      scripted.text('spawned'),
    );
    say(session, 'spawn');
    await log.waitFor('task_complete');
    const pids = ['a1', 'a2', 'b1'].map((callId) => Number(mcpText(1, callId)));
    expect(pids.every((pid) => Number.isInteger(pid) && pid > 0)).toBe(true);
    expect(pids.filter(running)).toStrictEqual(pids);
    await harness.dispose();
    ctx.harness = undefined;
    expect(await survivors(pids)).toStrictEqual([]);
  });

  it('unloading a thread ends its servers and what they started', async () => {
    const { config, env } = await sessionConfig({ mcp: stdioServer('s') });
    const manager = new ThreadManager({ config, env, logger: silentLogger });
    cleanups.push(() => manager.shutdown());
    const thread = await manager.startThread({ ephemeral: true });
    await untilReady(thread.session);
    const started = await thread.session.callMcpTool('s', 'spawn');
    const own = await thread.session.callMcpTool('s', 'pid');
    const pids = [started, own].map((result) =>
      Number((result.content[0] as { text: string }).text),
    );
    expect(pids.filter(running)).toStrictEqual(pids);
    await manager.unloadThread(thread.id);
    expect(manager.listLoaded()).toStrictEqual([]);
    expect(await survivors(pids)).toStrictEqual([]);
  });
});

describe('host-defined tools', () => {
  it('client tools are answered with dynamic_tool_response; an unanswered one times out; host tools run in process', async () => {
    const ran: unknown[] = [];
    const { session, log } = await startMcpSession({
      mcp: '',
      dynamicTools: [
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
              name: 'silent',
              description: 'Never answered',
              inputSchema: { type: 'object', properties: {} },
            },
          ],
        },
      ],
      dynamicToolTimeoutMs: 1_000,
      hostTools: [
        {
          name: 'add',
          description: 'Adds',
          parameters: {
            type: 'object',
            properties: { a: { type: 'number' }, b: { type: 'number' } },
          },
          run: (args, context) => {
            ran.push({ args, callId: context.callId });
            const { a, b } = args as { a: number; b: number };
            return String(a + b);
          },
        },
        {
          name: 'explode',
          description: 'Throws',
          run: () => {
            throw new Error('boom');
          },
        },
      ],
    });
    ctx.mock.enqueue(
      scripted.items([functionCall('host_tool', { q: 'x' }, { callId: 'd1', id: 'fc_1' })]),
      scripted.items([
        functionCall('silent', {}, { callId: 'd2', id: 'fc_2', namespace: 'hostns' }),
      ]),
      scripted.items([
        functionCall('add', { a: 2, b: 3 }, { callId: 'h1', id: 'fc_3' }),
        functionCall('explode', {}, { callId: 'h2', id: 'fc_4' }),
      ]),
      scripted.text('done'),
    );
    say(session, 'host tools');
    const request = await log.waitFor('dynamic_tool_call_request');
    const turnId = log.of('task_started')[0]?.turn_id;
    expect(request).toStrictEqual({
      type: 'dynamic_tool_call_request',
      call_id: 'd1',
      turn_id: turnId,
      namespace: null,
      tool: 'host_tool',
      arguments: { q: 'x' },
    });
    session.submit({
      type: 'dynamic_tool_response',
      id: 'd1',
      response: { content_items: [{ type: 'inputText', text: 'host says hi' }], success: true },
    });
    const silent = await log.waitFor('dynamic_tool_call_request', 2);
    expect(silent).toMatchObject({ call_id: 'd2', namespace: 'hostns', tool: 'silent' });
    await log.waitFor('task_complete');

    const tools = requestTools(0);
    expect(tools.find((tool) => tool.name === 'host_tool')).toStrictEqual({
      type: 'function',
      name: 'host_tool',
      description: 'A host tool',
      strict: false,
      parameters: { type: 'object', properties: { q: { type: 'string' } } },
    });
    expect(tools.find((tool) => tool.name === 'hostns')).toStrictEqual({
      type: 'namespace',
      name: 'hostns',
      description: 'Host namespace',
      tools: [
        {
          type: 'function',
          name: 'silent',
          description: 'Never answered',
          strict: false,
          parameters: { type: 'object', properties: {} },
        },
      ],
    });
    expect(tools.find((tool) => tool.name === 'explode')).toMatchObject({
      type: 'function',
      parameters: { type: 'object', properties: {} },
    });

    expect(toolOutput(ctx.mock, 1, 'd1')).toBe('host says hi');
    expect(toolOutput(ctx.mock, 2, 'd2')).toBe(
      'the client did not answer the call to silent within 1 s',
    );
    expect(ran).toStrictEqual([{ args: { a: 2, b: 3 }, callId: 'h1' }]);
    expect(toolOutput(ctx.mock, 3, 'h1')).toBe('5');
    expect(toolOutput(ctx.mock, 3, 'h2')).toBe('explode failed: boom');
    const responses = log.of('dynamic_tool_call_response');
    expect(responses.map((event) => [event.call_id, event.success, event.error])).toStrictEqual([
      ['d1', true, null],
      ['d2', false, 'the client did not answer the call to silent within 1 s'],
      ['h1', true, null],
      ['h2', false, 'explode failed: boom'],
    ]);
    // An answer after the timeout changes nothing.
    session.submit({
      type: 'dynamic_tool_response',
      id: 'd2',
      response: { content_items: [{ type: 'inputText', text: 'too late' }], success: true },
    });
    expect(log.of('dynamic_tool_call_response')).toHaveLength(4);
  });
});

describe('waits that an interrupt ends', () => {
  it('an interrupt during a client tool call ends the wait at once; the late answer is ignored', async () => {
    const { session, log } = await startMcpSession({
      mcp: '',
      dynamicTools: [
        {
          type: 'function',
          name: 'host_tool',
          description: 'A host tool',
          inputSchema: { type: 'object', properties: {} },
        },
      ],
      dynamicToolTimeoutMs: 60_000,
    });
    ctx.mock.enqueue(
      scripted.items([functionCall('host_tool', {}, { callId: 'd1' })]),
      scripted.text('after'),
    );
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'go' }] });
    await log.waitFor('dynamic_tool_call_request');
    const started = Date.now();
    session.submit({ type: 'interrupt' });
    await log.waitFor('turn_aborted');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(log.of('dynamic_tool_call_response')).toMatchObject([
      {
        call_id: 'd1',
        success: false,
        content_items: [{ type: 'inputText', text: 'aborted by user' }],
      },
    ]);
    // Answered too late: ignored; the next turn is unaffected.
    session.submit({
      type: 'dynamic_tool_response',
      id: 'd1',
      response: { content_items: [{ type: 'inputText', text: 'late' }], success: true },
    });
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'again' }] });
    await log.waitFor('task_complete');
    expect(toolOutput(ctx.mock, 1, 'd1')).toBe('aborted by user');
  });
});

describe('Session.callMcpTool', () => {
  // `Session.start` does not wait for servers that are not required; a direct call made right
  // after it (the app-server's `mcpServer/tool/call` after `thread/start`) should wait for the
  // server's start as a turn does, not fail with "not running".
  it('a call right after the start waits for the server to be ready', async () => {
    const { session } = await startMcpSession({ mcp: stdioServer('s') });
    await expect(session.callMcpTool('s', 'echo', { text: 'early' })).resolves.toMatchObject({
      content: [{ type: 'text', text: 'echo: early' }],
    });
  });

  it('calls a server tool directly, without approval; an unknown server or tool rejects', async () => {
    const { session, log } = await startMcpSession({
      mcp: stdioServer('s'),
      approvalPolicy: 'on-request',
      sandboxMode: 'read-only',
    });
    await log.waitFor('mcp_startup_complete');
    await expect(session.callMcpTool('s', 'echo', { text: 'direct' })).resolves.toMatchObject({
      content: [{ type: 'text', text: 'echo: direct' }],
    });
    expect(session.mcpServers().map((status) => [status.name, status.state])).toStrictEqual([
      ['s', 'ready'],
    ]);
    await expect(session.callMcpTool('nope', 'echo', {})).rejects.toThrow(
      /no MCP server is named `nope`/,
    );
    await expect(session.callMcpTool('s', 'no_such_tool', {})).rejects.toThrow(
      /no tool no_such_tool/,
    );
  });

  it('rejects when the session has no MCP server at all', async () => {
    const { session } = await startMcpSession({ mcp: '' });
    expect(session.mcpServers()).toStrictEqual([]);
    await expect(session.callMcpTool('nope', 'echo', {})).rejects.toThrow(McpCallError);
  });
});
