// What a turn through the SDK costs beyond the model's own time: `thread.run()` of the in-process
// `Codex` against the mock model, set beside the same scripted response fetched and read whole
// with a bare `fetch` (the model's time as a client sees it). The difference is the SDK's
// overhead: prompt building, the request, SSE parsing, the session, the v2 items, the rollout.
// When the original Codex is installed (ORIGINAL_CODEX=/path/to/codex, or /tmp/orig), it also
// times `codex exec` per turn against the same mock: what `@openai/codex-sdk` spawns each turn.
// Run with `pnpm --filter @codex/core bench`; writes bench/results/core-sdk.json (repository
// root). Uses the built package (dist/).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createTempCodexHome, MockResponsesServer, scripted } from '@codex/test-support';
import { Codex, silentLogger } from '../dist/index.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const WARMUP = 20;
const ORIGINAL_RUNS = 10;
const ANSWER = 'The tests pass; nothing to change.';

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const stats = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    median: round(quantile(sorted, 0.5)),
    p99: round(quantile(sorted, 0.99)),
    min: round(sorted[0]),
  };
};

/** The scripted answer every run gets: a short message in 5 deltas. */
const answer = () => scripted.text(ANSWER, { deltas: 5 });

/** The model's own time: the same response, requested and read whole by a bare client. */
async function modelTime(mock) {
  const samples = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    mock.enqueue(answer());
    const started = performance.now();
    const response = await fetch(`${mock.url}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
      body: JSON.stringify({ model: 'mock-model', input: 'hi', stream: true }),
    });
    await response.text();
    if (i >= WARMUP) samples.push(performance.now() - started);
  }
  return samples;
}

/** `thread.run()` wall time, on one thread (a growing conversation, as a real one). */
async function sdkRun(mock, home, cwd) {
  const codex = new Codex({
    codexHome: home.path,
    env: { PATH: process.env.PATH, HOME: home.path, SHELL: '/bin/bash', MOCK_API_KEY: 'x' },
    logger: silentLogger,
  });
  try {
    const thread = await codex.startThread({ cwd });
    const samples = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      mock.enqueue(answer());
      const started = performance.now();
      const result = await thread.run(`Check the tests (${i})`);
      if (i >= WARMUP) samples.push(performance.now() - started);
      if (result.finalResponse !== ANSWER)
        throw new Error(`unexpected answer ${result.finalResponse}`);
    }
    const fresh = [];
    for (let i = 0; i < 20; i++) {
      mock.enqueue(answer());
      const started = performance.now();
      const thread = await codex.startThread({ cwd });
      await thread.run('Check the tests');
      fresh.push(performance.now() - started);
      await thread.close();
    }
    return { samples, fresh };
  } finally {
    await codex.close();
  }
}

function findOriginal() {
  const candidates = [process.env.ORIGINAL_CODEX, '/tmp/orig/node_modules/.bin/codex'];
  return candidates.find((path) => path && existsSync(path)) ?? null;
}

/** `codex exec` of the original, one process per turn, as @openai/codex-sdk runs it. */
async function originalExec(codexBin, mock, home, cwd) {
  const samples = [];
  for (let i = 0; i < ORIGINAL_RUNS + 2; i++) {
    mock.enqueue(answer());
    const started = performance.now();
    const code = await new Promise((resolve, reject) => {
      const child = spawn(
        codexBin,
        ['exec', '--skip-git-repo-check', '--json', `Check the tests (${i})`],
        { cwd, env: { ...process.env, ...home.env }, stdio: ['ignore', 'ignore', 'ignore'] },
      );
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('error', reject);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    if (code !== 0) throw new Error(`codex exec exited with ${code}`);
    if (i >= 2) samples.push(performance.now() - started);
  }
  return samples;
}

const mock = await MockResponsesServer.start();
const home = createTempCodexHome({ providerBaseUrl: mock.url });
const cwd = mkdtempSync(join(os.tmpdir(), 'codex-sdk-bench-'));
try {
  const model = stats(await modelTime(mock));
  const { samples, fresh } = await sdkRun(mock, home, cwd);
  const run = stats(samples);
  const figures = {
    runOverheadMs: {
      median: round(run.median - model.median),
      p99: round(run.p99 - model.p99),
      target: '< 20',
    },
    runMs: run,
    modelMs: model,
    startThreadAndRunMs: stats(fresh),
  };
  const codexBin = findOriginal();
  let original = null;
  if (codexBin) {
    try {
      const exec = stats(await originalExec(codexBin, mock, home, cwd));
      figures.originalExecPerTurnMs = exec;
      figures.originalExecOverheadMs = { median: round(exec.median - model.median) };
      original = codexBin;
    } catch (error) {
      console.error(`the original's codex exec could not be timed: ${error.message}`);
    }
  }
  const results = {
    benchmark: 'core-sdk',
    command: 'pnpm --filter @codex/core bench',
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    runs: RUNS,
    scenario: `one thread, ${RUNS} turns of a 5-delta answer (after ${WARMUP} warm-up turns); model time = the same response read whole by fetch()`,
    original,
    figures,
  };
  const out = join(import.meta.dirname, '..', '..', '..', 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'core-sdk.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
} finally {
  await mock.close();
  home.dispose();
  rmSync(cwd, { recursive: true, force: true });
}
