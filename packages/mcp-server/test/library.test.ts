import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import { ThreadHost } from '@codex/core';
import {
  createTempCodexHome,
  functionCall,
  MockResponsesServer,
  scripted,
  type TempCodexHome,
} from '@codex/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CodexMcpServer } from '../src/index.js';
import { processesMatching, rolloutOf, type ToolResult, until } from './harness.js';

let mock: MockResponsesServer;
let home: TempCodexHome;
let cwd: string;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeEach(async () => {
  mock = await MockResponsesServer.start();
  home = createTempCodexHome({ providerBaseUrl: mock.url });
  cwd = realpathSync(mkdtempSync(join(tmpdir(), 'mcp-library-')));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await mock.close();
  home.dispose();
  rmSync(cwd, { recursive: true, force: true });
});

const env = () => ({ ...process.env, ...home.env });

/** A server in this process and an SDK client joined to it by an in-memory transport pair. */
async function inProcess(
  options: { host?: ThreadHost } = {},
): Promise<{ server: CodexMcpServer; client: Client }> {
  const server = await CodexMcpServer.create({
    codexHome: home.path,
    env: env(),
    logger: silentLogger,
    ...options,
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'in-process', version: '1.0.0' });
  await client.connect(clientSide);
  cleanups.push(() => server.close());
  return { server, client };
}

const StreamResultSchema = z.object({ threadId: z.string(), streaming: z.boolean() });

describe('CodexMcpServer in process', () => {
  it('close() interrupts a running turn and resolves once it is recorded and its command gone', async () => {
    const marker = `mcp-close-${process.pid}-${Date.now()}`;
    mock.enqueue(
      scripted.items([
        functionCall('exec_command', {
          cmd: `sleep 30; echo ${marker}`,
          yield_time_ms: 60_000,
          login: false,
        }),
      ]),
    );
    const { server, client } = await inProcess();
    const threadIds: string[] = [];
    client.fallbackNotificationHandler = async (notification) => {
      const meta = (notification.params as { _meta?: { threadId?: string } })._meta;
      if (meta?.threadId && !threadIds.includes(meta.threadId)) threadIds.push(meta.threadId);
    };
    const call = client.callTool({ name: 'codex', arguments: { prompt: 'long', cwd } });
    call.catch(() => {});
    await until(() => processesMatching(marker).length > 0, 'the command');
    await server.close();
    expect(processesMatching(marker)).toStrictEqual([]);
    expect(rolloutOf(home.path, threadIds[0] ?? '')).toContain('"turn_aborted"');
  });

  it('close() of a server on a shared host leaves the host and its threads to their other users', async () => {
    const host = await ThreadHost.create({
      codexHome: home.path,
      env: env(),
      logger: silentLogger,
    });
    cleanups.push(() => host.close());
    mock.enqueue(scripted.text('Shared.'));
    const { server, client } = await inProcess({ host });
    const result = (await client.callTool({
      name: 'codex',
      arguments: { prompt: 'hello', cwd },
    })) as ToolResult;
    const threadId = result.structuredContent?.threadId ?? '';
    await server.close();
    expect(host.threads().listLoaded()).toContain(threadId);
    // Another server on the same host goes on using the thread.
    mock.enqueue(scripted.text('Still here.'));
    const other = await inProcess({ host });
    const reply = (await other.client.callTool({
      name: 'codex-reply',
      arguments: { threadId, prompt: 'again' },
    })) as ToolResult;
    expect(reply.structuredContent?.content).toBe('Still here.');
  });

  it('`stream: false` sent while `stream: true` is still loading the thread wins', async () => {
    mock.enqueue(scripted.text('Stored.'));
    const first = await inProcess();
    const stored = (await first.client.callTool({
      name: 'codex',
      arguments: { prompt: 'store', cwd },
    })) as ToolResult;
    const threadId = stored.structuredContent?.threadId ?? '';
    await first.server.close();

    const { client } = await inProcess();
    const initialStates: unknown[] = [];
    client.fallbackNotificationHandler = async (notification) => {
      if (notification.method === 'notifications/initial_state') initialStates.push(notification);
    };
    const on = client.request({ method: 'codex/stream', params: { threadId } }, StreamResultSchema);
    const off = client.request(
      { method: 'codex/stream', params: { threadId, stream: false } },
      StreamResultSchema,
    );
    expect(await off).toStrictEqual({ threadId, streaming: false });
    expect(await on).toStrictEqual({ threadId, streaming: false });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(initialStates).toStrictEqual([]);
  });

  it('refuses an approval timeout Node cannot wait for', async () => {
    await expect(
      CodexMcpServer.create({ codexHome: home.path, env: env(), approvalTimeoutMs: 2 ** 31 }),
    ).rejects.toThrow('approvalTimeoutMs must be a whole number of ms from 1 to 2147483647');
  });
});
