import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { functionCall, scripted } from '@codex/test-support';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { Ajv } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness, type ToolResult } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

const inputOf = (n: number): Array<Record<string, unknown>> =>
  (harness?.mock.requests[n]?.body as { input?: Array<Record<string, unknown>> } | undefined)
    ?.input ?? [];

const functionOutput = (n: number): string =>
  String(inputOf(n).find((item) => item.type === 'function_call_output')?.output ?? '');

/** A turn whose model asks to run `command` outside the sandbox, then answers `reply`. */
const escalatedTurn = (command: string, reply: string) => [
  scripted.items([
    functionCall(
      'exec_command',
      { cmd: command, sandbox_permissions: 'require_escalated', justification: 'Create it?' },
      { callId: 'call_exec' },
    ),
  ]),
  scripted.text(reply),
];

describe('codex-mcp-server over stdio', () => {
  it('lists codex and codex-reply with valid JSON Schemas', async () => {
    harness = await startHarness();
    const { client } = await harness.start();
    expect(client.getServerVersion()).toMatchObject({ name: 'codex-mcp-server', title: 'Codex' });
    expect(client.getServerCapabilities()).toMatchObject({ tools: { listChanged: true } });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toStrictEqual(['codex', 'codex-reply']);
    const ajv = new Ajv({ strict: true, strictTypes: false });
    for (const tool of tools) {
      expect(ajv.validateSchema(tool.inputSchema), tool.name).toBe(true);
      expect(ajv.validateSchema(tool.outputSchema ?? {}), tool.name).toBe(true);
    }
    const codex = tools[0];
    expect(codex?.inputSchema.required).toStrictEqual(['prompt']);
    expect(Object.keys(codex?.inputSchema.properties ?? {})).toStrictEqual([
      'prompt',
      'model',
      'profile',
      'cwd',
      'approval-policy',
      'sandbox',
      'config',
      'base-instructions',
      'developer-instructions',
      'compact-prompt',
    ]);
    const validate = ajv.compile(codex?.inputSchema ?? {});
    expect(validate({ prompt: 'x', 'approval-policy': 'never' })).toBe(true);
    expect(validate({ prompt: 'x', bogus: 1 })).toBe(false);
  });

  it('codex runs a turn and codex-reply continues it; every event is a codex/event with the request id', async () => {
    harness = await startHarness();
    harness.mock.enqueue(scripted.text('First answer.', { deltas: 3 }), scripted.text('Second.'));
    const mcp = await harness.start();
    const first = (await mcp.client.callTool({
      name: 'codex',
      arguments: { prompt: 'hello', cwd: harness.cwd, 'base-instructions': 'Be brief.' },
    })) as ToolResult;
    expect(first.isError).toBeUndefined();
    expect(first.content).toStrictEqual([{ type: 'text', text: 'First answer.' }]);
    const threadId = first.structuredContent?.threadId ?? '';
    expect(first.structuredContent).toStrictEqual({ threadId, content: 'First answer.' });
    expect(threadId).toMatch(/^[0-9a-f-]{36}$/);
    // base-instructions replace the default ones.
    expect(JSON.stringify(inputOf(0))).toContain('Be brief.');

    // The request id of the first tools/call after initialize is 1 (the SDK counts from 0).
    const events = mcp.notifications.filter((n) => n.method === 'codex/event');
    const ids = new Set(events.map((n) => (n.params._meta as { requestId: unknown }).requestId));
    expect(ids.size).toBe(1);
    const [requestId] = [...ids];
    for (const event of events) {
      expect(event.params._meta).toStrictEqual({ threadId, requestId });
      expect(typeof event.params.id).toBe('string');
    }
    const types = mcp.eventsOf(requestId as number).map((msg) => msg.type);
    expect(types[0]).toBe('session_configured');
    expect(types).toContain('task_started');
    expect(types.filter((type) => type === 'agent_message_delta')).toHaveLength(3);
    expect(types.at(-1)).toBe('task_complete');

    const second = (await mcp.client.callTool({
      name: 'codex-reply',
      arguments: { threadId, prompt: 'and then?' },
    })) as ToolResult;
    expect(second.structuredContent).toStrictEqual({ threadId, content: 'Second.' });
    // The second request carries the whole conversation.
    expect(JSON.stringify(inputOf(1))).toContain('First answer.');
    // The older name of threadId works too.
    harness.mock.enqueue(scripted.text('Third.'));
    const third = (await mcp.client.callTool({
      name: 'codex-reply',
      arguments: { conversationId: threadId, prompt: 'more' },
    })) as ToolResult;
    expect(third.structuredContent?.content).toBe('Third.');
  });

  it('an exec approval by elicitation: accepted runs the command, declined tells the model', async () => {
    harness = await startHarness({ approvalPolicy: 'on-request', sandboxMode: 'workspace-write' });
    let answer: Record<string, unknown> = { action: 'accept' };
    const mcp = await harness.start({ elicitation: () => answer });
    harness.mock.enqueue(...escalatedTurn('touch accepted.txt && echo ran', 'Created.'));
    const accepted = (await mcp.client.callTool({
      name: 'codex',
      arguments: { prompt: 'create the file', cwd: harness.cwd },
    })) as ToolResult;
    expect(accepted.structuredContent?.content).toBe('Created.');
    expect(existsSync(join(harness.cwd, 'accepted.txt'))).toBe(true);
    expect(functionOutput(1)).toContain('ran');
    const [asked] = mcp.elicitations;
    const threadId = accepted.structuredContent?.threadId;
    expect(asked).toMatchObject({
      message: `Create it?\n\nAllow Codex to run \`/bin/bash -lc 'touch accepted.txt && echo ran'\` in \`${harness.cwd}\`?`,
      requestedSchema: { type: 'object' },
      threadId,
      codex_elicitation: 'exec-approval',
      codex_mcp_tool_call_id: expect.any(String),
      codex_event_id: expect.any(String),
      codex_call_id: 'call_exec',
      codex_command: ['/bin/bash', '-lc', 'touch accepted.txt && echo ran'],
      codex_cwd: harness.cwd,
    });
    // An answered elicitation is not cancelled afterwards.
    expect(mcp.received.some((m) => 'method' in m && m.method === 'notifications/cancelled')).toBe(
      false,
    );
    // The approval request is also among the call's events, before the command runs.
    const types = mcp.eventsOf(Number(asked?.codex_mcp_tool_call_id)).map((msg) => msg.type);
    expect(types.indexOf('exec_approval_request')).toBeLessThan(types.indexOf('exec_command_end'));

    answer = { action: 'decline' };
    harness.mock.enqueue(...escalatedTurn('touch declined.txt', 'Not created.'));
    const declined = (await mcp.client.callTool({
      name: 'codex',
      arguments: { prompt: 'create another', cwd: harness.cwd },
    })) as ToolResult;
    expect(declined.structuredContent?.content).toBe('Not created.');
    expect(existsSync(join(harness.cwd, 'declined.txt'))).toBe(false);
    expect(functionOutput(3)).toMatch(/rejected|declined|denied/i);

    // Accept with a decision picked in the form: approved for the rest of the session.
    answer = { action: 'accept', content: { decision: 'approved_for_session' } };
    harness.mock.enqueue(...escalatedTurn('touch session.txt', 'Session.'));
    await mcp.client.callTool({ name: 'codex', arguments: { prompt: 'again', cwd: harness.cwd } });
    expect(existsSync(join(harness.cwd, 'session.txt'))).toBe(true);

    // Cancel in the form stops the turn.
    answer = { action: 'cancel' };
    harness.mock.enqueue(...escalatedTurn('touch cancelled.txt', 'never sent'));
    const cancelled = (await mcp.client.callTool({
      name: 'codex',
      arguments: { prompt: 'cancel it', cwd: harness.cwd },
    })) as ToolResult;
    expect(cancelled.isError).toBe(true);
    expect(cancelled.content[0]?.text).toMatch(/aborted/);
    expect(existsSync(join(harness.cwd, 'cancelled.txt'))).toBe(false);
  });

  it('a patch approval is asked by elicitation with the changes', async () => {
    harness = await startHarness({ approvalPolicy: 'untrusted', sandboxMode: 'read-only' });
    const mcp = await harness.start({ elicitation: () => ({ action: 'accept' }) });
    const patch = '*** Begin Patch\n*** Add File: hello.txt\n+hello\n*** End Patch\n';
    harness.mock.enqueue(
      scripted.items([functionCall('apply_patch', { input: patch }, { callId: 'call_patch' })]),
      scripted.text('Patched.'),
    );
    const result = (await mcp.client.callTool({
      name: 'codex',
      arguments: { prompt: 'add hello', cwd: harness.cwd },
    })) as ToolResult;
    expect(result.structuredContent?.content).toBe('Patched.');
    expect(readFileSync(join(harness.cwd, 'hello.txt'), 'utf8')).toBe('hello\n');
    expect(mcp.elicitations[0]).toMatchObject({
      codex_elicitation: 'patch-approval',
      codex_call_id: 'call_patch',
      codex_changes: { [join(harness.cwd, 'hello.txt')]: { type: 'add', content: 'hello\n' } },
    });
    expect(mcp.elicitations[0]?.message).toContain('Allow Codex to apply proposed code changes');
  });

  it('a client without elicitation gets a clear tool error, not a hang', async () => {
    harness = await startHarness({ approvalPolicy: 'on-request', sandboxMode: 'workspace-write' });
    const mcp = await harness.start();
    harness.mock.enqueue(...escalatedTurn('touch never.txt', 'never sent'));
    const result = (await mcp.client.callTool({
      name: 'codex',
      arguments: { prompt: 'create it', cwd: harness.cwd },
    })) as ToolResult;
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(
      /^Codex needs approval to run `\/bin\/bash -lc touch never.txt`, but this MCP client does not support elicitation/,
    );
    expect(result.structuredContent?.threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(existsSync(join(harness.cwd, 'never.txt'))).toBe(false);
    expect(harness.mock.requests).toHaveLength(1);
  });

  it('an elicitation nobody answers times out as denied and the turn goes on', async () => {
    harness = await startHarness({ approvalPolicy: 'on-request', sandboxMode: 'workspace-write' });
    const mcp = await harness.start({ elicitation: () => null, args: ['--approval-timeout', '1'] });
    harness.mock.enqueue(...escalatedTurn('touch late.txt', 'Gave up.'));
    const result = (await mcp.client.callTool({
      name: 'codex',
      arguments: { prompt: 'create it', cwd: harness.cwd },
    })) as ToolResult;
    expect(result.structuredContent?.content).toBe('Gave up.');
    expect(mcp.elicitations).toHaveLength(1);
    expect(existsSync(join(harness.cwd, 'late.txt'))).toBe(false);
    expect(functionOutput(1)).toMatch(/rejected|declined|denied|timed out/i);
    expect(mcp.stderr()).toContain('within 1000 ms; declined');
  });

  it('bad arguments are refused with a message naming the field, never quoting values', async () => {
    harness = await startHarness();
    const { client } = await harness.start();
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = (await client.callTool({ name, arguments: args })) as ToolResult;
      expect(result.isError, JSON.stringify(args)).toBe(true);
      return result.content[0]?.text;
    };
    const prefix = 'Failed to parse configuration for Codex tool: ';
    expect(await call('codex', {})).toBe(`${prefix}missing field \`prompt\``);
    expect(await call('codex', { prompt: 42 })).toBe(
      `${prefix}invalid type: integer, expected a string at \`prompt\``,
    );
    expect(await call('codex', { prompt: 'x', 'approval-policy': 'sometimes-secret' })).toBe(
      `${prefix}unknown variant, expected one of \`untrusted\`, \`on-request\`, \`never\` at \`approval-policy\``,
    );
    expect(await call('codex', { prompt: 'x', unknownKey: 1 })).toBe(
      `${prefix}unknown field \`unknownKey\`, expected one of \`prompt\`, \`model\`, \`profile\`, \`cwd\`, \`approval-policy\`, \`sandbox\`, \`config\`, \`base-instructions\`, \`developer-instructions\`, \`compact-prompt\``,
    );
    expect(await call('codex', { prompt: 'x', config: 'hunter2' })).toBe(
      `${prefix}invalid type: a string, expected a map at \`config\``,
    );
    expect(await call('codex-reply', { prompt: 'x' })).toBe(
      'Failed to parse arguments for codex-reply: either threadId or conversationId must be provided',
    );
    expect(await call('codex-reply', { threadId: '../../etc/passwd', prompt: 'x' })).toBe(
      'Failed to parse thread_id: expected a UUID',
    );
    expect(
      await call('codex-reply', { threadId: '01a20747-0000-7000-8000-000000000000', prompt: 'x' }),
    ).toBe('Session not found for thread_id: 01a20747-0000-7000-8000-000000000000');
    expect(await call('nope', {})).toBe(
      "Unknown tool 'nope'; this server has 'codex' and 'codex-reply'",
    );
    // A bad config value is a tool error too, and the server stays up.
    expect(await call('codex', { prompt: 'x', config: { model_reasoning_effort: 7 } })).toMatch(
      /^Failed to start the Codex session: /,
    );
    expect((await client.listTools()).tools).toHaveLength(2);
    expect(harness.mock.requests).toHaveLength(0);
  });

  it('two concurrent codex calls run side by side, each with its own thread and events', async () => {
    harness = await startHarness();
    harness.mock.enqueue(
      scripted.text('Answer one.', { deltas: 5, delayMs: 20 }),
      scripted.text('Answer two.', { deltas: 5, delayMs: 20 }),
    );
    const mcp = await harness.start();
    const results = (await Promise.all([
      mcp.client.callTool({ name: 'codex', arguments: { prompt: 'one', cwd: harness.cwd } }),
      mcp.client.callTool({ name: 'codex', arguments: { prompt: 'two', cwd: harness.cwd } }),
    ])) as ToolResult[];
    const [a, b] = results.map((result) => result.structuredContent);
    expect(a?.threadId).not.toBe(b?.threadId);
    expect([a?.content, b?.content].sort()).toStrictEqual(['Answer one.', 'Answer two.']);
    const byRequest = new Map<unknown, Set<unknown>>();
    for (const n of mcp.notifications.filter((x) => x.method === 'codex/event')) {
      const meta = n.params._meta as { requestId: unknown; threadId: unknown };
      const threads = byRequest.get(meta.requestId) ?? new Set();
      threads.add(meta.threadId);
      byRequest.set(meta.requestId, threads);
    }
    expect(byRequest.size).toBe(2);
    for (const threads of byRequest.values()) expect(threads.size).toBe(1);
    expect(CallToolResultSchema.safeParse(results[0]).success).toBe(true);
  });
});
