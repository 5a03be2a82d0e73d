#!/usr/bin/env node
// Benchmarks `codex-app-server` the way shared/reference/original-app-server-transcripts.md §9
// measured the original (codex-cli 0.169.0), so the figures stand side by side: spawn →
// initialize, thread/start, turn/start → first delta, last SSE byte → turn/completed, peak RSS,
// and deltas/s when the mock streams 5,000 deltas with no delay. Writes
// bench/results/app-server.json at the repository root.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = join(here, '..', 'dist', 'bin.js');
const RESULTS = join(here, '..', '..', '..', 'bench', 'results', 'app-server.json');
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const THROUGHPUT_RUNS = 3;
const DELTAS = 5_000;

/** The original's medians from the transcripts reference §9. */
const ORIGINAL = {
  spawnToInitializeColdMs: 128.8,
  spawnToInitializeWarmMs: 55.9,
  threadStartMs: 24.6,
  turnStartToFirstDeltaMs: 73.2,
  lastSseByteToTurnCompletedMs: 17.6,
  peakRssMiB: 141.3,
  deltasPerSecond: 26_757,
};

// ---- a mock Responses server in this process, so both clocks are one ----
let script = { deltas: 20 };
let lastByteAt = 0;
const mock = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const frames = [];
    const push = (event) => frames.push(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    const id = 'msg_bench_0';
    push({
      type: 'response.created',
      response: { id: 'resp_bench', status: 'in_progress', output: [] },
    });
    push({
      type: 'response.output_item.added',
      output_index: 0,
      item: { type: 'message', id, role: 'assistant', content: [], status: 'in_progress' },
    });
    let text = '';
    for (let k = 0; k < script.deltas; k++) {
      const delta = `t${k} `;
      text += delta;
      push({
        type: 'response.output_text.delta',
        item_id: id,
        output_index: 0,
        content_index: 0,
        delta,
      });
    }
    const part = { type: 'output_text', text, annotations: [] };
    push({
      type: 'response.output_item.done',
      output_index: 0,
      item: { type: 'message', id, role: 'assistant', content: [part], status: 'completed' },
    });
    push({
      type: 'response.completed',
      response: {
        id: 'resp_bench',
        status: 'completed',
        output: [],
        usage: {
          input_tokens: 100,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 10,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 110,
        },
      },
    });
    res.end(frames.join(''), () => {
      lastByteAt = performance.now();
    });
  });
});
await new Promise((resolve) => mock.listen(0, '127.0.0.1', resolve));
const mockUrl = `http://127.0.0.1:${mock.address().port}/v1`;

function makeHome() {
  const home = mkdtempSync(join(tmpdir(), 'bench-app-server-'));
  writeFileSync(
    join(home, 'config.toml'),
    [
      'model = "mock-model"',
      'model_provider = "mock"',
      'approval_policy = "never"',
      'sandbox_mode = "danger-full-access"',
      '',
      '[model_providers.mock]',
      'name = "Mock Responses"',
      `base_url = "${mockUrl}"`,
      'wire_api = "responses"',
      'env_key = "MOCK_API_KEY"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ].join('\n'),
  );
  const work = mkdtempSync(join(tmpdir(), 'bench-app-server-work-'));
  return { home, work };
}

/** One process: spawn, initialize, thread/start, one turn; the timings of each step. */
async function runOnce({ home, work }) {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [BIN], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      CODEX_HOME: home,
      MOCK_API_KEY: 'dummy',
      LANG: 'C.UTF-8',
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const waiters = [];
  let deltaCount = 0;
  let firstDeltaAt = 0;
  let lastDeltaAt = 0;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const at = performance.now();
    // Deltas are counted without a full parse, as a client reading fast would.
    if (line.includes('"item/agentMessage/delta"')) {
      if (deltaCount === 0) firstDeltaAt = at;
      deltaCount++;
      lastDeltaAt = at;
    }
    const message = JSON.parse(line);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve({ message, at });
      }
    }
  });
  const next = (match) => new Promise((resolve) => waiters.push({ match, resolve }));
  const send = (message) => child.stdin.write(`${JSON.stringify(message)}\n`);

  const initialized = next((m) => m.id === 0);
  send({
    method: 'initialize',
    id: 0,
    params: { clientInfo: { name: 'bench', version: '0.1.0' } },
  });
  const init = await initialized;
  send({ method: 'initialized' });
  const threadSentAt = performance.now();
  const started = next((m) => m.id === 1);
  send({ method: 'thread/start', id: 1, params: { cwd: work } });
  const thread = await started;
  const completed = next((m) => m.method === 'turn/completed');
  const turnSentAt = performance.now();
  send({
    method: 'turn/start',
    id: 2,
    params: {
      threadId: thread.message.result.thread.id,
      input: [{ type: 'text', text: 'hello', text_elements: [] }],
    },
  });
  const done = await completed;
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin.end();
  await exited;
  return {
    spawnToInitializeMs: init.at - spawnedAt,
    threadStartMs: thread.at - threadSentAt,
    turnStartToFirstDeltaMs: firstDeltaAt - turnSentAt,
    lastSseByteToTurnCompletedMs: done.at - lastByteAt,
    peakRssMiB: peakKiB / 1024,
    deltas: deltaCount,
    deltasPerSecond: deltaCount > 1 ? ((deltaCount - 1) * 1000) / (lastDeltaAt - firstDeltaAt) : 0,
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const summarize = (runs, key) => ({
  median: Number(median(runs.map((run) => run[key])).toFixed(1)),
  min: Number(Math.min(...runs.map((run) => run[key])).toFixed(1)),
  max: Number(Math.max(...runs.map((run) => run[key])).toFixed(1)),
});

// Cold: a fresh CODEX_HOME and work dir each run. Warm: one home reused after a discarded run.
script = { deltas: 20 };
const cold = [];
for (let run = 0; run < RUNS; run++) {
  const dirs = makeHome();
  cold.push(await runOnce(dirs));
  rmSync(dirs.home, { recursive: true, force: true });
  rmSync(dirs.work, { recursive: true, force: true });
}
const warmDirs = makeHome();
await runOnce(warmDirs);
const warm = [];
for (let run = 0; run < RUNS; run++) warm.push(await runOnce(warmDirs));
script = { deltas: DELTAS };
const throughput = [];
for (let run = 0; run < THROUGHPUT_RUNS; run++) throughput.push(await runOnce(warmDirs));
rmSync(warmDirs.home, { recursive: true, force: true });
rmSync(warmDirs.work, { recursive: true, force: true });
mock.close();

const results = {
  benchmark: 'app-server',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  command: 'pnpm --filter @codex/app-server bench',
  runs: RUNS,
  figures: {
    spawnToInitializeColdMs: {
      ...summarize(cold, 'spawnToInitializeMs'),
      original: ORIGINAL.spawnToInitializeColdMs,
      target: '<= original',
    },
    spawnToInitializeWarmMs: {
      ...summarize(warm, 'spawnToInitializeMs'),
      original: ORIGINAL.spawnToInitializeWarmMs,
      target: '<= original',
    },
    threadStartMs: { ...summarize(warm, 'threadStartMs'), original: ORIGINAL.threadStartMs },
    turnStartToFirstDeltaMs: {
      ...summarize(warm, 'turnStartToFirstDeltaMs'),
      original: ORIGINAL.turnStartToFirstDeltaMs,
      target: '< 25',
    },
    lastSseByteToTurnCompletedMs: {
      ...summarize(warm, 'lastSseByteToTurnCompletedMs'),
      original: ORIGINAL.lastSseByteToTurnCompletedMs,
      target: '< 5',
    },
    peakRssMiB: {
      ...summarize(warm, 'peakRssMiB'),
      original: ORIGINAL.peakRssMiB,
      target: '< 100',
    },
    deltasPerSecond: {
      ...summarize(throughput, 'deltasPerSecond'),
      original: ORIGINAL.deltasPerSecond,
      target: '>= 55000',
      deltasReceived: throughput.map((run) => run.deltas),
    },
    throughputPeakRssMiB: summarize(throughput, 'peakRssMiB'),
  },
};
mkdirSync(dirname(RESULTS), { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
for (const [name, figure] of Object.entries(results.figures)) {
  console.log(
    `${name.padEnd(30)} median ${String(figure.median).padStart(9)}  (min ${figure.min}, max ${figure.max})${figure.original !== undefined ? `  original ${figure.original}` : ''}${figure.target ? `  target ${figure.target}` : ''}`,
  );
}
console.log(`wrote ${RESULTS}`);
