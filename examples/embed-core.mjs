// Codex embedded in your own program with `@codex/core`'s SDK: no server, no child process.
//
// 1. Starts a local mock of the OpenAI Responses API and a temporary CODEX_HOME whose
//    config.toml points the model provider at it (with a real API, skip this: `new Codex()`
//    reads ~/.codex like the CLI does).
// 2. `new Codex({ onApproval })` decides every approval request in code: this one accepts
//    commands that only touch the workspace's `notes/` and declines everything else.
// 3. A thread with `approvalPolicy: 'untrusted'` (ask before any command that is not known to
//    be read-only) and a host tool, `current_sprint`, that is a plain function of this program.
// 4. `thread.runStreamed()` prints the answer as it streams; `thread.run()` gives the result in
//    one piece, with its items and token usage; an `AbortSignal` interrupts a turn, and the
//    thread goes on.
//
// Run after a build:  node examples/embed-core.mjs
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Codex } from '@codex/core';
import {
  assistantMessage,
  createTempCodexHome,
  functionCall,
  MockResponsesServer,
  responseEvents,
  scripted,
} from '@codex/test-support';
import { check } from './_support.mjs';

const mock = await MockResponsesServer.start();
const home = createTempCodexHome({ providerBaseUrl: mock.url });
const workdir = realpathSync(mkdtempSync(join(tmpdir(), 'example-embed-')));

// What the model answers, one scripted response per request: it asks to run two commands (the
// first is accepted, the second declined), calls the host tool, then answers.
mock.enqueue(
  scripted.items([
    functionCall(
      'exec_command',
      { cmd: 'mkdir -p notes && touch notes/todo.md' },
      { callId: 'c1' },
    ),
  ]),
  scripted.items([functionCall('exec_command', { cmd: 'rm -rf src' }, { callId: 'c2' })]),
  scripted.items([functionCall('current_sprint', {}, { callId: 'h1' })]),
  scripted.text('Created notes/todo.md for sprint 42; I left src alone.', { deltas: 8 }),
);

const approvals = [];
const codex = new Codex({
  codexHome: home.path,
  env: { ...process.env, ...home.env },
  // Every approval request of every thread comes here (a thread may have its own handler).
  onApproval: async (request) => {
    if (request.type !== 'commandExecution') return 'decline';
    const command = request.params.command ?? '';
    const decision = command.includes('notes/') ? 'accept' : 'decline';
    approvals.push(`${decision}: ${command}`);
    return decision;
  },
});

try {
  const thread = await codex.startThread({
    cwd: workdir,
    approvalPolicy: 'untrusted',
    sandbox: 'workspace-write',
    hostTools: [
      {
        name: 'current_sprint',
        description: 'The number and goal of the current sprint',
        run: () => 'Sprint 42: ship the notes feature',
      },
    ],
  });
  console.log(`thread ${thread.id}`);

  // --- A streamed turn ---------------------------------------------------------------------
  process.stdout.write('agent: ');
  let result;
  for await (const event of thread.runStreamed('Set up a todo file for this sprint')) {
    if (event.type === 'text.delta') process.stdout.write(event.delta);
    if (event.type === 'item.completed' && event.item.type === 'commandExecution') {
      process.stdout.write(`\n  [${event.item.status}] ${event.item.command}\nagent: `);
    }
    if (event.type === 'turn.completed') result = event.result;
  }
  process.stdout.write('\n');
  for (const line of approvals) console.log(`  approval → ${line}`);

  check(result?.finalResponse.includes('sprint 42'), 'the turn completed with the final answer');
  check(existsSync(join(workdir, 'notes', 'todo.md')), 'the accepted command ran');
  check(
    existsSync(join(workdir, 'src')) === false && approvals.length === 2,
    'two approvals asked',
  );
  check(
    result.items.some((item) => item.type === 'dynamicToolCall' && item.success),
    'the host tool answered the model',
  );
  console.log(`  usage: ${JSON.stringify(result.usage)}`);

  // --- run(): the result in one piece ------------------------------------------------------
  mock.enqueue(scripted.text('Two files: notes/todo.md and nothing else.'));
  const { finalResponse, items, usage } = await thread.run('What did you create?');
  console.log(`agent: ${finalResponse}`);
  check(
    items.at(-1)?.type === 'agentMessage' && usage.totalTokens > 0,
    'run() gives items and usage',
  );

  // --- An AbortSignal interrupts only the turn ----------------------------------------------
  mock.enqueue(
    {
      kind: 'stream',
      events: responseEvents([assistantMessage('a very long essay…', { deltas: 4 })]),
      stallAfter: 3,
    },
    scripted.text('Back again.'),
  );
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  const aborted = await thread
    .run('Write an essay', { signal: controller.signal })
    .catch((error) => error);
  check(aborted?.name === 'AbortError', 'the aborted run rejected with an AbortError');
  const after = await thread.run('Are you still there?');
  check(after.finalResponse === 'Back again.', 'the thread goes on after the interrupted turn');
} finally {
  await codex.close();
  await mock.close();
  home.dispose();
  rmSync(workdir, { recursive: true, force: true });
}
