// The same SDK API as `embed-core.mjs`, with the agent in a `codex-app-server` child process
// instead of this one: `RemoteCodex.spawn()` (or `RemoteCodex.connect(url, { token })` for a
// server on the network). Approvals still come to this program's `onApproval`; host tools
// still run here (the server calls back).
//
// Run after a build:  node examples/remote-sdk.mjs
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteCodex } from '@codex/app-server';
import {
  createTempCodexHome,
  functionCall,
  MockResponsesServer,
  scripted,
} from '@codex/test-support';
import { check } from './_support.mjs';

const mock = await MockResponsesServer.start();
const home = createTempCodexHome({ providerBaseUrl: mock.url });
const workdir = realpathSync(mkdtempSync(join(tmpdir(), 'example-remote-sdk-')));
mock.enqueue(
  scripted.items([functionCall('exec_command', { cmd: 'touch hello.txt' }, { callId: 'c1' })]),
  scripted.items([functionCall('word_count', { text: 'one two three' }, { callId: 'h1' })]),
  scripted.text('hello.txt exists; the phrase has 3 words.', { deltas: 5 }),
);

// The server is this repository's `codex-app-server` bin, spawned with the mock's CODEX_HOME.
const codex = await RemoteCodex.spawn({
  env: { ...process.env, ...home.env },
  onApproval: (request) => {
    console.log(`  approval asked: ${request.type} ${request.params.command ?? ''}`);
    return 'accept';
  },
});
try {
  const thread = await codex.startThread({
    cwd: workdir,
    approvalPolicy: 'untrusted',
    hostTools: [
      {
        name: 'word_count',
        description: 'Counts the words of a text',
        parameters: { type: 'object', properties: { text: { type: 'string' } } },
        run: ({ text }) => String(text.split(/\s+/).filter(Boolean).length),
      },
    ],
  });
  const { finalResponse, items, usage } = await thread.run('Create hello.txt and count words');
  console.log(`agent: ${finalResponse}`);
  check(finalResponse.includes('3 words'), 'the turn completed in the server');
  check(
    items.some((item) => item.type === 'commandExecution' && item.status === 'completed'),
    'the approved command ran in the server',
  );
  check(
    items.some((item) => item.type === 'dynamicToolCall' && item.success),
    'the host tool ran in this process',
  );
  check(usage.totalTokens > 0, `usage reported (${usage.totalTokens} tokens)`);
} finally {
  await codex.close();
  await mock.close();
  home.dispose();
  rmSync(workdir, { recursive: true, force: true });
}
