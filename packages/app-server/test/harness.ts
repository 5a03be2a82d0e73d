import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import { createTempCodexHome, MockResponsesServer, type TempCodexHome } from '@codex/test-support';
import type { ReceivedNotification } from '../src/client.js';
import { AppServerClient } from '../src/client.js';
import { AppServer, type AppServerOptions } from '../src/server.js';

/** Settings of {@link startHarness}. */
export interface HarnessOptions {
  readonly approvalPolicy?: 'on-request' | 'never';
  readonly sandboxMode?: 'read-only' | 'workspace-write' | 'danger-full-access';
  readonly extraToml?: string;
  readonly server?: Partial<AppServerOptions>;
}

/** A mock model, a temp CODEX_HOME and a work dir; an in-process server and clients of it. */
export interface Harness {
  readonly mock: MockResponsesServer;
  readonly home: TempCodexHome;
  /** A fresh working directory (realpath). */
  readonly cwd: string;
  readonly server: AppServer;
  /** An in-process client, already initialized, recording every notification. */
  client(name?: string): Promise<RecordingClient>;
  dispose(): Promise<void>;
}

/** A client with the notifications it received, in order. */
export interface RecordingClient {
  readonly client: AppServerClient;
  readonly notifications: ReceivedNotification[];
  /** Methods of the notifications so far. */
  methods(): string[];
}

/** Records every notification of `client`. */
export function record(client: AppServerClient): RecordingClient {
  const notifications: ReceivedNotification[] = [];
  client.onAnyNotification((notification) => notifications.push(notification));
  return { client, notifications, methods: () => notifications.map((n) => n.method) };
}

/** Starts the mock model, a CODEX_HOME pointing at it, and an in-process app server. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const mock = await MockResponsesServer.start();
  const home = createTempCodexHome({
    providerBaseUrl: mock.url,
    approvalPolicy: options.approvalPolicy ?? 'never',
    sandboxMode: options.sandboxMode ?? 'danger-full-access',
    extraToml: options.extraToml,
  });
  const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'app-server-work-')));
  const env = { ...process.env, ...home.env };
  const server = await AppServer.create({
    codexHome: home.path,
    env,
    logger: silentLogger,
    ...options.server,
  });
  const clients: AppServerClient[] = [];
  return {
    mock,
    home,
    cwd,
    server,
    async client(name = 'test_client') {
      const client = await AppServerClient.inProcess(server, { logger: silentLogger });
      clients.push(client);
      const recording = record(client);
      await client.initialize({ name, title: 'Test', version: '1.0.0' });
      return recording;
    },
    async dispose() {
      await Promise.all(clients.map((client) => client.close().catch(() => {})));
      await server.shutdown();
      await mock.close();
      home.dispose();
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}
