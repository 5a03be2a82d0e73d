// Spawn latency and output throughput of the exec-server beside bare child_process baselines.
// Run with `pnpm --filter @codex/exec-server bench`; writes bench/results/exec-server.json
// (repository root). Uses the built package (dist/).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ExecServerClient, spawnLocalExecServer } from '../dist/index.js';

const RUNS = 200;
const BYTES = 200 * 1024 * 1024;
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (value) => Math.round(value * 1000) / 1000;
  return { p50: round(quantile(sorted, 0.5)), p99: round(quantile(sorted, 0.99)) };
}

async function bareSpawnLatency() {
  const samples = [];
  for (let run = 0; run < RUNS + 10; run += 1) {
    const began = performance.now();
    await new Promise((resolve, reject) => {
      const child = spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'], env });
      child.once('error', reject);
      child.once('close', resolve);
      child.stdout.resume();
      child.stderr.resume();
    });
    if (run >= 10) samples.push(performance.now() - began);
  }
  return summarize(samples);
}

async function execServerLatency(client, label) {
  const samples = [];
  for (let run = 0; run < RUNS + 10; run += 1) {
    const processId = `${label}-${run}`;
    const began = performance.now();
    const exited = new Promise((resolve) => {
      const off = client.onExited((event) => {
        if (event.processId === processId) {
          off();
          resolve();
        }
      });
    });
    await client.exec({ processId, argv: ['true'], cwd: '/', env, tty: false });
    await exited;
    if (run >= 10) samples.push(performance.now() - began);
  }
  return summarize(samples);
}

async function barePipeThroughput() {
  const began = performance.now();
  let bytes = 0;
  await new Promise((resolve, reject) => {
    const child = spawn('head', ['-c', String(BYTES), '/dev/zero'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.once('error', reject);
    child.stdout.on('data', (chunk) => {
      bytes += chunk.length;
    });
    child.once('close', resolve);
  });
  if (bytes !== BYTES) throw new Error(`plain pipe delivered ${bytes} bytes`);
  return BYTES / (1024 * 1024) / ((performance.now() - began) / 1000);
}

async function execServerThroughput(client) {
  let bytes = 0;
  const off = client.onOutput((event) => {
    bytes += event.chunk.length;
  });
  const began = performance.now();
  await client.exec({
    processId: 'flood',
    argv: ['head', '-c', String(BYTES), '/dev/zero'],
    cwd: '/',
    env,
    tty: false,
  });
  await client.wait('flood', { timeoutMs: 300_000 });
  const seconds = (performance.now() - began) / 1000;
  off();
  if (bytes !== BYTES) throw new Error(`exec-server delivered ${bytes} bytes`);
  return BYTES / (1024 * 1024) / seconds;
}

const round1 = (value) => Math.round(value * 10) / 10;
const bare = await bareSpawnLatency();
const stdioServer = await spawnLocalExecServer();
const overStdio = await execServerLatency(stdioServer.client, 'stdio');
const inProcess = ExecServerClient.connectInProcess();
const overInProcess = await execServerLatency(inProcess, 'in-process');
const plain = await barePipeThroughput();
const throughStdio = await execServerThroughput(stdioServer.client);
const throughInProcess = await execServerThroughput(inProcess);
await stdioServer.close();
await inProcess.close();

const results = {
  command: 'pnpm --filter @codex/exec-server bench',
  date: new Date().toISOString(),
  machine: {
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  },
  spawnToExitMs: {
    runs: RUNS,
    command: 'true (pipes)',
    bareChildProcessSpawn: bare,
    execServerStdio: overStdio,
    execServerInProcess: overInProcess,
    ratioP50: {
      stdio: round1(overStdio.p50 / bare.p50),
      inProcess: round1(overInProcess.p50 / bare.p50),
    },
  },
  outputThroughputMBps: {
    bytes: BYTES,
    command: `head -c ${BYTES} /dev/zero`,
    plainPipe: round1(plain),
    execServerStdio: round1(throughStdio),
    execServerInProcess: round1(throughInProcess),
    ratio: {
      stdio: Math.round((throughStdio / plain) * 100) / 100,
      inProcess: Math.round((throughInProcess / plain) * 100) / 100,
    },
  },
};
const out = join(import.meta.dirname, '..', '..', '..', 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'exec-server.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
