// One `codex` tool call with an approval, against the built bin and a local mock model; prints
// every JSON-RPC message in both directions (long strings cut). Run after a build:
//   node packages/mcp-server/scripts/exchange.mjs
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createTempCodexHome,
  functionCall,
  MockResponsesServer,
  scripted,
} from '@codex/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const mock = await MockResponsesServer.start();
const home = createTempCodexHome({
  providerBaseUrl: mock.url,
  approvalPolicy: 'on-request',
  sandboxMode: 'workspace-write',
});
const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'mcp-exchange-')));
mock.enqueue(
  scripted.items([
    functionCall(
      'exec_command',
      {
        cmd: 'touch approved.txt && echo mcp-approved',
        sandbox_permissions: 'require_escalated',
        justification: 'Create approved.txt?',
      },
      { callId: 'call_exec_0' },
    ),
  ]),
  scripted.text('Done: approved.txt created.', { deltas: 3 }),
);

const cut = (value) =>
  JSON.stringify(value, (_key, v) =>
    typeof v === 'string' && v.length > 160 ? `${v.slice(0, 160)}…` : v,
  );
const started = performance.now();
const stamp = () => `${String(Math.round(performance.now() - started)).padStart(5)} ms`;

const transport = new StdioClientTransport({
  command: process.execPath,
  args: [bin],
  cwd,
  env: { ...process.env, ...home.env },
});
const send = transport.send.bind(transport);
transport.send = (message, options) => {
  console.log(`${stamp()} C>S ${cut(message)}`);
  return send(message, options);
};
const client = new Client(
  { name: 'exchange', version: '1.0.0' },
  { capabilities: { elicitation: {} } },
);
client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept' }));
await client.connect(transport);
// initialize's answer came before this hook: print what the SDK took from it.
console.log(
  `        S>C (initialize result) serverInfo ${cut(client.getServerVersion())}, capabilities ${cut(client.getServerCapabilities())}`,
);
const deliver = transport.onmessage;
transport.onmessage = (message) => {
  console.log(`${stamp()} S>C ${cut(message)}`);
  deliver?.(message);
};
await client.listTools();
const result = await client.callTool({
  name: 'codex',
  arguments: { prompt: 'create approved.txt', cwd },
});
console.log(`\nresult: ${cut(result)}`);
console.log(
  `approved.txt exists: ${(await import('node:fs')).existsSync(join(cwd, 'approved.txt'))}`,
);
await client.close();
await mock.close();
home.dispose();
rmSync(cwd, { recursive: true, force: true });
