// Codex as an MCP server, driven by the official MCP TypeScript SDK's client.
//
// 1. Starts a local mock of the OpenAI Responses API and a temporary CODEX_HOME whose
//    config.toml points the model provider at it.
// 2. Spawns the `codex-mcp-server` bin over stdio with the SDK's `StdioClientTransport`.
// 3. Lists its tools, calls `codex` with a prompt (the scripted model runs a command, then
//    answers) and counts the `codex/event` notifications streamed during the call.
// 4. Continues the same thread with `codex-reply`.
//
// Run after a build:  node examples/mcp-client.mjs
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTempCodexHome,
  functionCall,
  MockResponsesServer,
  scripted,
} from '@codex/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { binPath, check, TIMEOUT_MS } from './_support.mjs';

/** The text parts of a tool result, joined. */
const textOf = (result) =>
  result.content
    .filter((part) => part.type === 'text')
    .map((part) => part.text)
    .join('');

// --- The mock model and the Codex home ---------------------------------------------------------

const mock = await MockResponsesServer.start();
// Approval policy `never` and no sandbox: commands run without asking (see
// packages/mcp-server/scripts/exchange.mjs for approvals by elicitation).
const home = createTempCodexHome({ providerBaseUrl: mock.url });
const workdir = realpathSync(mkdtempSync(join(tmpdir(), 'example-mcp-')));

// One scripted response per model request: the `codex` call makes two (a command, then the
// answer after seeing its output), the `codex-reply` call one.
mock.enqueue(
  scripted.items([functionCall('exec_command', { cmd: 'echo 42' }, { callId: 'call_echo' })]),
  scripted.text('The command printed 42.', { deltas: 3 }),
  scripted.text('Yes: 42 is what `echo 42` printed a moment ago.', { deltas: 3 }),
);

// The server runs in `workdir`, with CODEX_HOME and the mock's API key variable set. (The SDK
// passes the child only a minimal environment unless `env` is given.)
const transport = new StdioClientTransport({
  command: process.execPath,
  args: [binPath('@codex/mcp-server', 'codex-mcp-server')],
  cwd: workdir,
  env: { ...process.env, ...home.env },
  stderr: 'inherit',
});
const client = new Client({ name: 'mcp_example', version: '1.0.0' });

// While a tool call runs, the server streams every Codex event as a `codex/event`
// notification; the SDK hands notifications it has no schema for to this fallback.
const events = [];
client.fallbackNotificationHandler = async (notification) => {
  if (notification.method === 'codex/event') events.push(notification.params.msg.type);
};

try {
  await client.connect(transport, { timeout: TIMEOUT_MS });
  const server = client.getServerVersion();
  console.log(`connected to ${server?.name} ${server?.version}`);

  const { tools } = await client.listTools({}, { timeout: TIMEOUT_MS });
  console.log(`tools: ${tools.map((tool) => tool.name).join(', ')}`);
  check(
    ['codex', 'codex-reply'].every((name) => tools.some((tool) => tool.name === name)),
    'the server offers codex and codex-reply',
  );

  // `codex` starts a thread and runs one turn; its result is the turn's last agent message.
  const first = await client.callTool(
    { name: 'codex', arguments: { prompt: 'Run `echo 42` and tell me what it printed.' } },
    undefined,
    { timeout: TIMEOUT_MS },
  );
  const { threadId } = first.structuredContent;
  const counts = new Map();
  for (const type of events) counts.set(type, (counts.get(type) ?? 0) + 1);
  console.log(`codex → ${JSON.stringify(textOf(first))} (thread ${threadId})`);
  console.log(
    `  ${events.length} codex/event notifications: ${[...counts].map(([type, n]) => `${type}×${n}`).join(', ')}`,
  );
  check(!first.isError && textOf(first) === 'The command printed 42.', 'codex answered');
  check(
    events.includes('exec_command_end') && events.includes('task_complete'),
    'the events include the command and the end of the turn',
  );

  // `codex-reply` continues that thread: the model sees the whole conversation so far.
  const eventsBefore = events.length;
  const second = await client.callTool(
    { name: 'codex-reply', arguments: { threadId, prompt: 'Was it really 42?' } },
    undefined,
    { timeout: TIMEOUT_MS },
  );
  console.log(
    `codex-reply → ${JSON.stringify(textOf(second))} (${events.length - eventsBefore} more events)`,
  );
  check(!second.isError && textOf(second).startsWith('Yes: 42'), 'codex-reply answered');
  check(second.structuredContent.threadId === threadId, 'on the same thread');
  const sentToModel = JSON.stringify(mock.requests.at(-1)?.body);
  check(
    sentToModel.includes('Run `echo 42`') && sentToModel.includes('Was it really 42?'),
    'the model was sent the first prompt too',
  );
} catch (error) {
  console.error(`FAILED: ${error instanceof Error ? error.stack : error}`);
  process.exitCode = 1;
} finally {
  // Closing the client ends the server's stdin; the server then exits.
  await client.close().catch(() => {});
  await mock.close();
  home.dispose();
  rmSync(workdir, { recursive: true, force: true });
}
