#!/usr/bin/env node
// The main job's last step: starts the built `codex-app-server` (over stdio, with a temporary
// CODEX_HOME) against a local mock of the Responses API, and runs a scripted session through
// the typed client: initialize, thread/start, one turn whose reply streams in, thread/read.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppServerClient } from '../packages/app-server/dist/index.js';
import {
  createTempCodexHome,
  MockResponsesServer,
  scripted,
} from '../packages/test-support/dist/index.js';

const mock = await MockResponsesServer.start();
const home = createTempCodexHome({ providerBaseUrl: mock.url });
const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'app-server-session-')));
mock.enqueue(
  scripted.text('Hello from the app server: this reply streamed in eight parts.', { deltas: 8 }),
);
const client = await AppServerClient.spawn({
  args: [join(import.meta.dirname, '..', 'packages', 'app-server', 'dist', 'bin.js')],
  env: { PATH: process.env.PATH, HOME: home.path, ...home.env },
});
try {
  const init = await client.initialize({
    name: 'codex_ts_demo',
    title: 'codex-ts demo',
    version: '0.1.0',
  });
  console.log(`initialize → ${init.userAgent} (CODEX_HOME ${init.codexHome})`);
  const { thread } = await client.request('thread/start', { cwd });
  console.log(`thread/start → ${thread.id}`);
  client.onNotification('item/agentMessage/delta', ({ delta }) =>
    process.stdout.write(`  delta: ${JSON.stringify(delta)}\n`),
  );
  const completed = client.waitFor('turn/completed');
  await client.request('turn/start', {
    threadId: thread.id,
    input: [{ type: 'text', text: 'Say hello.', text_elements: [] }],
  });
  const { turn } = await completed;
  const reply = turn.items.find((item) => item.type === 'agentMessage');
  console.log(
    `turn/completed → ${turn.status}: ${reply?.type === 'agentMessage' ? reply.text : ''}`,
  );
  const read = await client.request('thread/read', { threadId: thread.id, includeTurns: true });
  console.log(
    `thread/read → ${read.thread.turns.length} turn(s), preview ${JSON.stringify(read.thread.preview)}`,
  );
} finally {
  await client.close();
  await mock.close();
  home.dispose();
  rmSync(cwd, { recursive: true, force: true });
}
