#!/usr/bin/env node
// Fault benchmark of the exec-server bin over stdio: peak memory while a client leaves 3,000
// process/read replies unread, and "too many processes" refusals in a burst of 10,000 failing
// starts. Uses the built package (dist/bin.js).
//   pnpm --filter @codex/exec-server bench
// Writes bench/results/exec-server-faults.json (repository root).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const here = import.meta.dirname;
const BIN = join(here, '..', 'dist', 'bin.js');
const MiB = 1024 * 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const peakRss = (pid) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

function session() {
  const child = spawn(process.execPath, [BIN], { stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = [];
  let partial = '';
  child.stdout.on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    for (const line of parts) lines.push(JSON.parse(line));
  });
  const send = (messages) =>
    new Promise((resolve) => {
      const text = `${messages.map((m) => JSON.stringify(m)).join('\n')}\n`;
      if (child.stdin.write(text)) resolve();
      else child.stdin.once('drain', resolve);
    });
  const until = async (predicate, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await sleep(20);
    }
  };
  return { child, lines, send, until };
}

const handshake = [
  { id: 1, method: 'initialize', params: { clientName: 'bench' } },
  { method: 'initialized', params: {} },
];
const start = (processId, argv, cwd = '/') => ({
  processId,
  argv,
  cwd,
  env: { PATH: '/usr/bin:/bin' },
  tty: false,
});

async function unreadReads() {
  const s = session();
  await s.send([
    ...handshake,
    {
      id: 2,
      method: 'process/start',
      params: start('out', ['head', '-c', String(MiB), '/dev/urandom']),
    },
  ]);
  await s.until(() => s.lines.some((line) => line.method === 'process/exited'));
  const baseline = peakRss(s.child.pid);
  s.child.stdout.pause();
  const reads = 3_000;
  const sent = s.send(
    Array.from({ length: reads }, (_, i) => ({
      id: 1_000 + i,
      method: 'process/read',
      params: { processId: 'out', afterSeq: 0, maxBytes: 64 * 1024 },
    })),
  );
  await sleep(3_000);
  const whilePaused = peakRss(s.child.pid);
  s.child.stdout.resume();
  await sent;
  await s.until(() => s.lines.filter((line) => (line.id ?? 0) >= 1_000).length >= reads);
  const after = peakRss(s.child.pid);
  s.child.kill('SIGKILL');
  return {
    reads,
    repliesReceived: s.lines.filter((line) => (line.id ?? 0) >= 1_000).length,
    peakRssMiB: {
      beforeReads: Math.round(baseline / MiB),
      whilePaused: Math.round(whilePaused / MiB),
      atEnd: Math.round(after / MiB),
    },
  };
}

async function failingStartBurst() {
  const s = session();
  await s.send(handshake);
  const burst = 10_000;
  await s.send(
    Array.from({ length: burst }, (_, i) => ({
      id: 100 + i,
      method: 'process/start',
      params: start(`bad-${i}`, ['no-such-program-anywhere']),
    })),
  );
  await s.until(() => s.lines.filter((line) => (line.id ?? 0) >= 100).length >= burst);
  const errors = s.lines.filter((line) => line.error).map((line) => line.error.message);
  s.child.kill('SIGKILL');
  return {
    starts: burst,
    tooManyProcesses: errors.filter((m) => m.includes('too many running processes')).length,
    notFound: errors.filter((m) => m.includes('not found in PATH')).length,
  };
}

const result = {
  command: 'pnpm --filter @codex/exec-server bench',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, memoryBytes: totalmem(), node: process.version },
  unreadProcessReads: await unreadReads(),
  failingStartBurst: await failingStartBurst(),
};
console.log(JSON.stringify(result, null, 2));
const out = join(here, '..', '..', '..', 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'exec-server-faults.json'), `${JSON.stringify(result, null, 2)}\n`);
