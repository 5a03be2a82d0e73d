// A remote exec-server: the process runner Codex uses for its commands, on the other end of a
// WebSocket.
//
// 1. Starts the `codex-exec-server` bin on ws://127.0.0.1 (a free port), protected by a
//    capability token read from a file.
// 2. Connects `ExecServerClient` with the token, starts a process whose stdin stays open, streams
//    its output, writes two lines to its stdin, closes it and prints the exit code.
// 3. Shows that a client with a wrong token is refused before any JSON-RPC.
// 4. Runs a Codex thread (an in-process `AppServer`, against a local mock of the model) whose
//    commands go to that remote exec-server instead of running in this process.
//
// Run after a build:  node examples/remote-exec-server.mjs
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppServer, AppServerClient } from '@codex/app-server';
import { ExecServerClient } from '@codex/exec-server/client';
import {
  createTempCodexHome,
  functionCall,
  MockResponsesServer,
  scripted,
} from '@codex/test-support';
import { binPath, check, listeningUrl, TIMEOUT_MS } from './_support.mjs';

const workdir = realpathSync(mkdtempSync(join(tmpdir(), 'example-exec-server-')));
const secrets = mkdtempSync(join(tmpdir(), 'example-token-'));
let server;
let client;
let mock;
let home;
let appServer;
let appClient;
try {
  // --- The exec-server -------------------------------------------------------------------------

  const token = randomBytes(32).toString('hex');
  const tokenFile = join(secrets, 'token');
  writeFileSync(tokenFile, token, { mode: 0o600 });

  server = spawn(
    process.execPath,
    [
      binPath('@codex/exec-server', 'codex-exec-server'),
      '--listen',
      'ws://127.0.0.1:0', // port 0: the server picks a free one and prints its URL on stderr
      '--ws-auth',
      'capability-token',
      '--ws-token-file',
      tokenFile,
    ],
    { stdio: ['ignore', 'inherit', 'pipe'] },
  );
  const url = await listeningUrl(server, 'codex-exec-server');
  console.log(`codex-exec-server listening on ${url}`);

  // --- A process, driven by hand ---------------------------------------------------------------

  // `connectWebSocket` opens the socket and performs the `initialize` handshake.
  client = await ExecServerClient.connectWebSocket(url, { token, requestTimeoutMs: TIMEOUT_MS });

  // Events arrive for every process of this connection: output chunks, then one exit.
  let output = '';
  client.onOutput(({ processId, stream, chunk }) => {
    if (processId !== 'greeter') return;
    output += chunk.toString('utf8');
    console.log(`  [${processId} ${stream}] ${JSON.stringify(chunk.toString('utf8'))}`);
  });

  await client.exec({
    processId: 'greeter', // chosen by the client; unique per connection
    argv: ['sh', '-c', 'echo ready; while read -r name; do echo "hello, $name"; done; exit 3'],
    cwd: workdir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    tty: false, // pipes; `tty: true` runs it in a PTY instead
    openStdin: true, // keep stdin open for `write`
  });
  await client.write('greeter', 'Ada\n');
  await client.write('greeter', 'Grace\n');
  await client.closeStdin('greeter'); // ends the `while read` loop
  const exitCode = await client.wait('greeter', { timeoutMs: TIMEOUT_MS });
  console.log(`greeter exited with ${exitCode}`);
  check(output === 'ready\nhello, Ada\nhello, Grace\n', 'the output streamed back in order');
  check(exitCode === 3, 'the exit code came back (3)');

  // `communicate` does all of that in one call: start, feed stdin, collect, wait.
  const upper = await client.communicate(
    {
      processId: 'upper',
      argv: ['tr', 'a-z', 'A-Z'],
      cwd: workdir,
      env: { PATH: process.env.PATH },
      tty: false,
    },
    { stdin: 'shout\n', timeoutMs: TIMEOUT_MS },
  );
  console.log(`communicate → exit ${upper.exitCode}, stdout ${JSON.stringify(`${upper.stdout}`)}`);
  check(upper.exitCode === 0 && upper.stdout.toString() === 'SHOUT\n', 'communicate ran tr');

  // --- A wrong token ---------------------------------------------------------------------------

  // The server answers the WebSocket upgrade with HTTP 401, so no connection is made.
  const refused = await ExecServerClient.connectWebSocket(url, { token: 'not-the-token' }).then(
    (intruder) => intruder.close().then(() => null),
    (error) => error,
  );
  console.log(`wrong token → ${refused?.name} (code ${refused?.code}): ${refused?.message}`);
  check(refused?.code === 'closed' && /HTTP 401/.test(refused.message), 'a wrong token is refused');

  // --- Codex running its commands on the remote exec-server ------------------------------------

  mock = await MockResponsesServer.start();
  home = createTempCodexHome({ providerBaseUrl: mock.url }); // approvals: never; no sandbox
  mock.enqueue(
    scripted.items([
      functionCall('exec_command', { cmd: 'echo "my parent is $PPID"' }, { callId: 'call_ppid' }),
    ]),
    scripted.text('The command ran on the exec-server.'),
  );

  // Every process Codex starts shows up as an event on our client's connection.
  const remoteRuns = [];
  client.onExited(({ processId, exitCode }) => {
    if (processId === 'greeter' || processId === 'upper') return;
    remoteRuns.push(exitCode);
    console.log(`  exec-server: Codex's process ${processId} exited with ${exitCode}`);
  });

  // The app server as a library, in this process; `execServer` is where its threads run
  // commands (by default an exec-server of its own, in process). It stays ours to close.
  appServer = await AppServer.create({
    codexHome: home.path,
    env: { ...process.env, ...home.env },
    execServer: client,
  });
  appClient = await AppServerClient.inProcess(appServer, { requestTimeoutMs: TIMEOUT_MS });
  await appClient.initialize({ name: 'remote_exec_example', version: '1.0.0' });
  const { thread } = await appClient.request('thread/start', { cwd: workdir });
  const commands = [];
  appClient.onNotification('item/completed', ({ item }) => {
    if (item.type === 'commandExecution') commands.push(item);
  });
  const completed = appClient.waitFor('turn/completed', () => true, TIMEOUT_MS);
  await appClient.request('turn/start', {
    threadId: thread.id,
    input: [{ type: 'text', text: 'Which process started you?' }],
  });
  const { turn } = await completed;
  const command = commands[0];
  console.log(
    `turn ${turn.status}; \`${command?.command}\` → ${JSON.stringify(command?.aggregatedOutput)}`,
  );
  check(turn.status === 'completed', 'the turn completed');
  check(command?.exitCode === 0, 'the command ran');
  check(remoteRuns.length >= 1, "the remote exec-server reported the command's exit");
  check(
    command.aggregatedOutput === `my parent is ${server.pid}\n`,
    `its parent process was the exec-server (pid ${server.pid}), not this one (${process.pid})`,
  );
} catch (error) {
  console.error(`FAILED: ${error instanceof Error ? error.stack : error}`);
  process.exitCode = 1;
} finally {
  // Clean up even on failure. Closing a client makes the server end that client's processes.
  await appClient?.close().catch(() => {});
  await appServer?.shutdown().catch(() => {});
  await client?.close().catch(() => {});
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await mock?.close();
  home?.dispose();
  rmSync(workdir, { recursive: true, force: true });
  rmSync(secrets, { recursive: true, force: true });
}
