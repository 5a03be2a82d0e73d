// The app server over WebSocket, as an editor or a web UI would use it.
//
// 1. Starts a local mock of the OpenAI Responses API and a temporary CODEX_HOME whose
//    config.toml points the model provider at it.
// 2. Starts the `codex-app-server` bin listening on ws://127.0.0.1 (a free port), protected by a
//    capability token read from a file.
// 3. Connects `AppServerClient` over WebSocket with that token, then: initialize, thread/start
//    (approvals on request), turn/start. The scripted model asks to run a command outside the
//    sandbox; the client approves it; the command writes a file; the model's answer streams in.
// 4. Reads the thread back with thread/read.
//
// Run after a build:  node examples/app-server-websocket.mjs
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppServerClient } from '@codex/app-server';
import {
  createTempCodexHome,
  functionCall,
  MockResponsesServer,
  scripted,
} from '@codex/test-support';
import { binPath, check, listeningUrl, TIMEOUT_MS } from './_support.mjs';

// --- The mock model and the Codex home -------------------------------------------------------

const mock = await MockResponsesServer.start();
// config.toml: `model_provider = "mock"` with `base_url = <mock>/v1`; approval and sandbox
// defaults (the thread below asks for its own too).
const home = createTempCodexHome({
  providerBaseUrl: mock.url,
  approvalPolicy: 'on-request',
  sandboxMode: 'workspace-write',
});
const workdir = realpathSync(mkdtempSync(join(tmpdir(), 'example-app-server-')));
const secrets = mkdtempSync(join(tmpdir(), 'example-token-'));

// What the model will answer, one scripted response per request it makes:
// first a call of the `exec_command` tool asking to run outside the sandbox (which needs the
// user's approval under `on-request`), then, once it sees the command's output, a reply.
mock.enqueue(
  scripted.items([
    functionCall(
      'exec_command',
      {
        cmd: 'echo "written by codex" > note.txt && cat note.txt',
        sandbox_permissions: 'require_escalated',
        justification: 'Create note.txt in the workspace?',
      },
      { callId: 'call_note' },
    ),
  ]),
  scripted.text('I created note.txt; it says "written by codex".', { deltas: 6 }),
);

let server;
let client;
try {
  // --- The server ------------------------------------------------------------------------------

  // Clients must send `Authorization: Bearer <token>`; the server only keeps its SHA-256.
  const token = randomBytes(32).toString('hex');
  const tokenFile = join(secrets, 'token');
  writeFileSync(tokenFile, token, { mode: 0o600 });

  server = spawn(
    process.execPath,
    [
      binPath('@codex/app-server', 'codex-app-server'),
      '--listen',
      'ws://127.0.0.1:0', // port 0: the server picks a free one and prints its URL on stderr
      '--ws-auth',
      'capability-token',
      '--ws-token-file',
      tokenFile,
    ],
    { env: { ...process.env, ...home.env }, stdio: ['ignore', 'inherit', 'pipe'] },
  );
  const url = await listeningUrl(server, 'codex-app-server');
  console.log(`codex-app-server listening on ${url}`);

  // --- The client ------------------------------------------------------------------------------

  client = await AppServerClient.connect(url, { token, requestTimeoutMs: TIMEOUT_MS });
  const init = await client.initialize({ name: 'websocket_example', version: '1.0.0' });
  console.log(`initialize → ${init.userAgent}`);

  const { thread } = await client.request('thread/start', {
    cwd: workdir,
    approvalPolicy: 'on-request',
    sandbox: 'workspace-write',
  });
  console.log(`thread/start → ${thread.id}`);

  // The server asks the client before running the command: this is the user's "Allow?" prompt.
  const approvals = [];
  client.onServerRequest('item/commandExecution/requestApproval', (params) => {
    console.log(`approval asked: run \`${params.command}\` (${params.reason ?? 'no reason'})`);
    approvals.push(params);
    return { decision: 'accept' };
  });
  // Items as they finish, and the agent's text as it streams in. (thread/read, below, rebuilds
  // the turns from the thread's rollout file, which records the messages but not the commands.)
  const commands = [];
  client.onNotification('item/completed', ({ item }) => {
    if (item.type !== 'commandExecution') return;
    commands.push(item);
    console.log(
      `command finished: \`${item.command}\` → exit ${item.exitCode}, output ${JSON.stringify(item.aggregatedOutput)}`,
    );
  });
  client.onNotification('item/agentMessage/delta', ({ delta }) =>
    console.log(`  agent delta: ${JSON.stringify(delta)}`),
  );

  // Subscribe before starting the turn so that the notification cannot be missed.
  const completed = client.waitFor('turn/completed', () => true, TIMEOUT_MS);
  await client.request('turn/start', {
    threadId: thread.id,
    input: [{ type: 'text', text: 'Write a note in note.txt.' }],
  });
  const { turn } = await completed;
  console.log(`turn/completed → ${turn.status}`);

  const read = await client.request('thread/read', { threadId: thread.id, includeTurns: true });
  const items = read.thread.turns.flatMap((t) => t.items);
  console.log(
    `thread/read → ${read.thread.turns.length} turn(s), items: ${items.map((i) => i.type).join(', ')}`,
  );

  // --- What should have happened ---------------------------------------------------------------
  check(turn.status === 'completed', 'the turn completed');
  check(approvals.length === 1, 'the client was asked once to approve the command');
  check(commands.length === 1 && commands[0].exitCode === 0, 'the command ran, exit code 0');
  check(
    existsSync(join(workdir, 'note.txt')) &&
      readFileSync(join(workdir, 'note.txt'), 'utf8') === 'written by codex\n',
    'the approved command wrote note.txt',
  );
  const reply = items.findLast((i) => i.type === 'agentMessage');
  check(
    reply?.text === 'I created note.txt; it says "written by codex".',
    'thread/read has the reply',
  );
} catch (error) {
  console.error(`FAILED: ${error instanceof Error ? error.stack : error}`);
  process.exitCode = 1;
} finally {
  // Clean up even on failure: the connection, the server process, the mock, the temp folders.
  await client?.close().catch(() => {});
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM'); // the server interrupts turns and flushes rollouts, then exits
    const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await mock.close();
  home.dispose();
  rmSync(workdir, { recursive: true, force: true });
  rmSync(secrets, { recursive: true, force: true });
}
