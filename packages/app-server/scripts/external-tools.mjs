// One turn that calls an MCP tool and a host-defined tool, against the built `codex-app-server`
// (stdio), a local mock model and a real stdio MCP server; prints every JSON-RPC message in
// both directions (long strings cut). Run after a build:
//   node packages/app-server/scripts/external-tools.mjs
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  createTempCodexHome,
  functionCall,
  MockResponsesServer,
  scripted,
} from '@codex/test-support';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const mcpServer = fileURLToPath(
  new URL('../../core/test/fixtures/mcp-test-server.mjs', import.meta.url),
);
const mock = await MockResponsesServer.start();
const home = createTempCodexHome({
  providerBaseUrl: mock.url,
  approvalPolicy: 'on-request',
  sandboxMode: 'workspace-write',
});
appendFileSync(
  home.configPath,
  `\n[mcp_servers.test]\ncommand = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(mcpServer)}]\n`,
);
const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'external-tools-')));
mock.enqueue(
  scripted.items([
    functionCall(
      'echo',
      { text: 'hello from the model' },
      { callId: 'call_mcp', namespace: 'mcp__test' },
    ),
  ]),
  scripted.items([functionCall('lookup_ticket', { id: 'T-42' }, { callId: 'call_host' })]),
  scripted.text('The MCP server echoed and ticket T-42 is about the login bug.', { deltas: 2 }),
);

const cut = (value) =>
  JSON.stringify(value, (_key, v) =>
    typeof v === 'string' && v.length > 160 ? `${v.slice(0, 160)}…` : v,
  );
const started = performance.now();
const stamp = () => `${String(Math.round(performance.now() - started)).padStart(5)} ms`;

const child = spawn(process.execPath, [bin], {
  cwd,
  env: { ...process.env, ...home.env },
  stdio: ['pipe', 'pipe', 'inherit'],
});
const send = (message) => {
  console.log(`${stamp()} C>S ${cut(message)}`);
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
};
let nextId = 0;
const pending = new Map();
const request = (method, params) =>
  new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    send({ id, method, params });
  });
let onNotification = () => {};
createInterface({ input: child.stdout }).on('line', (line) => {
  const message = JSON.parse(line);
  console.log(`${stamp()} S>C ${cut(message)}`);
  if ('id' in message && !('method' in message)) {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(message.error.message));
    else waiter?.resolve(message.result);
    return;
  }
  if ('id' in message) {
    // Requests from the server: the approval of the MCP tool, and the host tool's call.
    if (message.method === 'mcpServer/elicitation/request')
      send({ id: message.id, result: { action: 'accept', content: null } });
    else if (message.method === 'item/tool/call')
      send({
        id: message.id,
        result: {
          contentItems: [
            {
              type: 'inputText',
              text: `Ticket ${message.params.arguments.id}: the login page rejects valid passwords.`,
            },
          ],
          success: true,
        },
      });
    else send({ id: message.id, error: { code: -32601, message: 'not handled here' } });
    return;
  }
  onNotification(message);
});
const until = (method) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${method} within 30 s`)), 30_000);
    const previous = onNotification;
    onNotification = (message) => {
      previous(message);
      if (message.method === method) {
        clearTimeout(timer);
        resolve(message.params);
      }
    };
  });

try {
  await request('initialize', { clientInfo: { name: 'external-tools', version: '1.0.0' } });
  send({ method: 'initialized' });
  const ready = until('mcpServer/startupStatus/updated');
  const { thread } = await request('thread/start', {
    cwd,
    dynamicTools: [
      {
        type: 'function',
        name: 'lookup_ticket',
        description: 'Reads a ticket of the tracker by id',
        inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      },
    ],
  });
  await ready;
  const completed = until('turn/completed');
  await request('turn/start', {
    threadId: thread.id,
    input: [{ type: 'text', text: 'Echo something, then read ticket T-42.', text_elements: [] }],
  });
  const { turn } = await completed;
  console.log(`\nturn ${turn.status}`);
  const outputs = mock.requests
    .at(-1)
    ?.body.input.filter((item) => item.type === 'function_call_output');
  console.log('what the model was told:', cut(outputs));
} finally {
  child.stdin.end();
  await new Promise((resolve) => child.once('exit', resolve));
  await mock.close();
  home.dispose();
  rmSync(cwd, { recursive: true, force: true });
}
