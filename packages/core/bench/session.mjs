// The session's hot path, in process: streamed deltas per second from the mock model's SSE to
// the session's events, and the time from submit() to the model request arriving at the mock.
// Run with `pnpm --filter @codex/core bench`; writes bench/results/core-session.json
// (repository root). Uses the built packages (dist/).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ExecServerClient } from '@codex/exec-server/client';
import {
  assistantMessage,
  createTempCodexHome,
  frameEvent,
  MockResponsesServer,
  responseEvents,
  scripted,
} from '@codex/test-support';
import { loadConfig, Sandbox, Session, silentLogger } from '../dist/index.js';

const DELTAS = 300_000;
const LATENCY_RUNS = 200;
const RUNS = 5;
const SPAWN_RUNS = 200;

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const round = (value, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** One response of `count` one-word deltas, pre-framed into 64 KiB chunks. */
function deltaStream(count) {
  const text = 'word '.repeat(count).trimEnd();
  const frames = responseEvents([assistantMessage(text, { deltas: count, id: 'msg_bench' })]).map(
    frameEvent,
  );
  const chunks = [];
  let current = '';
  for (const frame of frames) {
    current += frame;
    if (current.length >= 64 * 1024) {
      chunks.push(current);
      current = '';
    }
  }
  if (current) chunks.push(current);
  return { kind: 'raw', chunks };
}

async function startSession(mock) {
  const home = createTempCodexHome({ providerBaseUrl: mock.url });
  const cwd = mkdtempSync(join(os.tmpdir(), 'codex-bench-'));
  const env = { PATH: process.env.PATH, HOME: home.path, SHELL: '/bin/bash', MOCK_API_KEY: 'x' };
  const { config } = await loadConfig({
    codexHome: home.path,
    systemConfigFile: null,
    env,
    overrides: { cwd },
  });
  const session = await Session.start({ config, env, logger: silentLogger });
  await session.nextEvent(); // session_configured
  return {
    session,
    async dispose() {
      await session.shutdown();
      while (await session.nextEvent());
      home.dispose();
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/** Reads events until `task_complete`; returns how many deltas arrived. */
async function drainTurn(session) {
  let deltas = 0;
  for (;;) {
    const event = await session.nextEvent();
    if (!event) throw new Error('the session ended mid-turn');
    if (event.msg.type === 'agent_message_delta') deltas++;
    if (event.msg.type === 'error') throw new Error(event.msg.message);
    if (event.msg.type === 'task_complete') return deltas;
  }
}

async function deltaThroughput(mock) {
  const { session, dispose } = await startSession(mock);
  const rates = [];
  for (let run = 0; run < RUNS + 1; run++) {
    mock.enqueue(deltaStream(DELTAS));
    const began = performance.now();
    session.submit({ type: 'user_input', items: [{ type: 'text', text: 'go' }] });
    const count = await drainTurn(session);
    const seconds = (performance.now() - began) / 1000;
    if (count !== DELTAS) throw new Error(`expected ${DELTAS} deltas, got ${count}`);
    if (run > 0) rates.push(count / seconds); // the first run warms up
  }
  await dispose();
  const sorted = [...rates].sort((a, b) => a - b);
  return {
    deltasPerTurn: DELTAS,
    runs: RUNS,
    medianPerSecond: Math.round(quantile(sorted, 0.5)),
    minPerSecond: Math.round(sorted[0]),
  };
}

async function submitToRequest(mock) {
  const { session, dispose } = await startSession(mock);
  const samples = [];
  for (let run = 0; run < LATENCY_RUNS + 10; run++) {
    mock.enqueue(scripted.text('ok'));
    const seen = mock.requests.length;
    const began = performance.now();
    session.submit({ type: 'user_input', items: [{ type: 'text', text: `turn ${run}` }] });
    await mock.waitForRequests(seen + 1, 10_000);
    const elapsed = performance.now() - began;
    await drainTurn(session);
    if (run >= 10) samples.push(elapsed);
  }
  await dispose();
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    runs: LATENCY_RUNS,
    p50: round(quantile(sorted, 0.5)),
    p99: round(quantile(sorted, 0.99)),
  };
}

/** `true` through the in-process exec-server, bare and wrapped in the workspace-write sandbox. */
async function sandboxOverhead() {
  const sandbox = await Sandbox.probe(process.env);
  if (!sandbox.available) return { skipped: sandbox.status.reason };
  const cwd = mkdtempSync(join(os.tmpdir(), 'codex-bench-sb-'));
  const wrap = sandbox.wrapperFor({ mode: 'workspace-write' }, cwd);
  const client = ExecServerClient.connectInProcess({ logger: silentLogger });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const measure = async (label, wrapped) => {
    const samples = [];
    for (let run = 0; run < SPAWN_RUNS + 10; run++) {
      const processId = `${label}-${run}`;
      const began = performance.now();
      const command = wrapped ? await wrap({ argv: ['true'], env }) : { argv: ['true'], env };
      const exited = new Promise((resolve) => {
        const off = client.onExited((event) => {
          if (event.processId !== processId) return;
          off();
          resolve(event.exitCode);
        });
      });
      await client.exec({
        processId,
        argv: [...command.argv],
        cwd,
        env: { ...command.env },
        tty: false,
      });
      const code = await exited;
      if (code !== 0) throw new Error(`${label}: exit ${code}`);
      if (run >= 10) samples.push(performance.now() - began);
    }
    const sorted = samples.sort((a, b) => a - b);
    return { p50: round(quantile(sorted, 0.5)), p99: round(quantile(sorted, 0.99)) };
  };
  const bare = await measure('bare', false);
  const sandboxed = await measure('bwrap', true);
  await client.close();
  rmSync(cwd, { recursive: true, force: true });
  return {
    runs: SPAWN_RUNS,
    command: 'true (pipes, in-process exec-server)',
    sandbox:
      sandbox.status.kind === 'bubblewrap'
        ? `${sandbox.status.version} (${sandbox.status.bwrap})`
        : sandbox.status.kind,
    unsandboxedMs: bare,
    sandboxedMs: sandboxed,
    addedP50Ms: round(sandboxed.p50 - bare.p50),
  };
}

const mock = await MockResponsesServer.start();
try {
  const results = {
    command: 'pnpm --filter @codex/core bench',
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    deltasFromSseToEvents: await deltaThroughput(mock),
    submitToModelRequestMs: await submitToRequest(mock),
    sandboxSpawnToExit: await sandboxOverhead(),
  };
  const out = join(import.meta.dirname, '..', '..', '..', 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'core-session.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
} finally {
  mock.close();
}
