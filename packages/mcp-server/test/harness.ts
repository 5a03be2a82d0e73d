import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTempCodexHome, MockResponsesServer, type TempCodexHome } from '@codex/test-support';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  type ElicitRequest,
  ElicitRequestSchema,
  type ElicitResult,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';

/** The built bin (the package's `test` script builds it first). */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** The params of an `elicitation/create` as sent (with the codex_* fields). */
export type RawElicitation = ElicitRequest['params'] & Record<string, unknown>;

/** What a `codex` / `codex-reply` call returned. */
export interface ToolResult {
  content: Array<{ type: string; text: string }>;
  structuredContent?: { threadId: string; content: string };
  isError?: boolean;
}

/** A notification the client received. */
export interface Received {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

/** How the test client answers `elicitation/create` (null: it never answers). */
export type ElicitationAnswer = (
  request: ElicitRequest['params'],
) => ElicitResult | Record<string, unknown> | null;

/** Settings of one client. */
export interface ClientOptions {
  /** Declare the `elicitation` capability and answer with this. Default: no capability. */
  readonly elicitation?: ElicitationAnswer;
  /** Extra arguments of the bin. */
  readonly args?: readonly string[];
}

/** A client of a `codex-mcp-server` child process, recording what it receives. */
export interface TestClient {
  readonly client: Client;
  readonly transport: StdioClientTransport;
  readonly notifications: Received[];
  /** The elicitations the server sent (their raw params), in order. */
  readonly elicitations: RawElicitation[];
  /** Every message the server sent, in order of arrival. */
  readonly received: JSONRPCMessage[];
  /** The server process's stderr so far. */
  stderr(): string;
  /** `codex/event` messages of one request, in order. */
  eventsOf(requestId: string | number): Array<{ type: string; [key: string]: unknown }>;
  close(): Promise<void>;
}

/** A mock model, a CODEX_HOME pointing at it, a work dir, and clients of fresh bins. */
export interface Harness {
  readonly mock: MockResponsesServer;
  readonly home: TempCodexHome;
  readonly cwd: string;
  start(options?: ClientOptions): Promise<TestClient>;
  dispose(): Promise<void>;
}

export async function startHarness(
  options: {
    readonly approvalPolicy?: 'on-request' | 'never' | 'untrusted';
    readonly sandboxMode?: 'read-only' | 'workspace-write' | 'danger-full-access';
  } = {},
): Promise<Harness> {
  const mock = await MockResponsesServer.start();
  const home = createTempCodexHome({
    providerBaseUrl: mock.url,
    approvalPolicy: options.approvalPolicy ?? 'never',
    sandboxMode: options.sandboxMode ?? 'danger-full-access',
  });
  const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'mcp-server-work-')));
  const clients: TestClient[] = [];
  return {
    mock,
    home,
    cwd,
    async start(clientOptions = {}) {
      const client = await startClient(home, cwd, clientOptions);
      clients.push(client);
      return client;
    },
    async dispose() {
      await Promise.all(clients.map((client) => client.close().catch(() => {})));
      await mock.close();
      home.dispose();
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

async function startClient(
  home: TempCodexHome,
  cwd: string,
  options: ClientOptions,
): Promise<TestClient> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, ...(options.args ?? [])],
    cwd,
    env: { ...(process.env as Record<string, string>), ...home.env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = new Client(
    { name: 'mcp-test', version: '1.0.0' },
    { capabilities: options.elicitation ? { elicitation: {} } : {} },
  );
  const notifications: Received[] = [];
  const elicitations: RawElicitation[] = [];
  const received: JSONRPCMessage[] = [];
  client.fallbackNotificationHandler = async (notification) => {
    notifications.push({
      method: notification.method,
      params: (notification.params ?? {}) as Record<string, unknown>,
    });
  };
  const answer = options.elicitation;
  if (answer) {
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      const reply = answer(request.params);
      // A client that never answers: the server must time out on its own.
      if (reply === null) return new Promise<ElicitResult>(() => {});
      return reply as ElicitResult;
    });
  }
  await client.connect(transport);
  // The SDK's schema drops fields it does not know from the params it hands the handler; the
  // raw request keeps them (the codex_* correlation fields).
  const deliver = transport.onmessage;
  transport.onmessage = (message: JSONRPCMessage) => {
    received.push(message);
    if ('method' in message && message.method === 'elicitation/create' && 'id' in message)
      elicitations.push(message.params as RawElicitation);
    deliver?.(message);
  };
  return {
    client,
    transport,
    notifications,
    elicitations,
    received,
    stderr: () => stderr,
    eventsOf(requestId) {
      return notifications
        .filter(
          (n) =>
            n.method === 'codex/event' &&
            (n.params._meta as { requestId?: unknown } | undefined)?.requestId === requestId,
        )
        .map((n) => n.params.msg as { type: string });
    },
    close: () => client.close(),
  };
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Pids of processes whose command line contains `marker` (read from /proc). */
export function processesMatching(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(marker)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** The text of the rollout of `threadId` under `codexHome` ('' while there is none). */
export function rolloutOf(codexHome: string, threadId: string): string {
  const sessions = join(codexHome, 'sessions');
  if (!existsSync(sessions)) return '';
  const found = readdirSync(sessions, { recursive: true, encoding: 'utf8' }).find((name) =>
    name.endsWith(`${threadId}.jsonl`),
  );
  return found ? readFileSync(join(sessions, found), 'utf8') : '';
}

/**
 * Waits until no process's command line contains `marker`; on timeout the error lists the
 * processes still there (pid, group, parent, state), to tell a leak from a slow kill.
 */
export async function untilGone(marker: string, what: string, timeoutMs = 10_000): Promise<void> {
  try {
    await until(() => processesMatching(marker).length === 0, what, timeoutMs);
  } catch (error) {
    const left = processesMatching(marker).map((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return `pid ${pid} state ${stat[0]} ppid ${stat[1]} pgid ${stat[2]}: ${cmdline}`;
      } catch {
        return `pid ${pid} (gone)`;
      }
    });
    throw new Error(`${(error as Error).message}; still running:\n${left.join('\n')}`);
  }
}
