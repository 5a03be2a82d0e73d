#!/usr/bin/env node
// Lock fault benchmark: auth.json read-modify-writes from 20 processes; the same while one of
// them is replaced every 50 ms, either by an orderly exit (SIGTERM: it finishes its write) or by
// SIGKILL (anywhere, lock held or not); the same 20 writers while, every 50 ms, a light native
// process (util-linux flock) takes the lock, holds it about as long as a write takes, and is
// SIGKILLed holding it; and how long a killed lock holder stalls the next writer.
//   pnpm --filter @codex/auth bench
// Writes bench/results/auth-locks.json (repository root). Uses the built package (dist/).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { FileAuthStorage } from '../dist/index.js';

const WRITERS = 20;
const SECONDS = Number(process.env.LOCK_BENCH_SECONDS ?? 15);
const KILL_EVERY_MS = 50;
const here = import.meta.dirname;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function startWriter(home, tag, acks) {
  const child = spawn(process.execPath, [join(here, 'writer.mjs'), home, tag], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let partial = '';
  child.stdout.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    for (const line of lines) acks.set(tag, Number(line));
  });
  return child;
}

/**
 * Kills the writers, then counts acknowledged writes missing from auth.json: each writer's
 * count there must be at least what it acknowledged (one killed after writing and before
 * printing counts one more). Removes the home.
 */
async function stopAndCountLost(writers, home, acks) {
  for (const child of writers) child.kill('SIGKILL');
  await sleep(300);
  const stored = JSON.parse(readFileSync(join(home, 'auth.json'), 'utf8'));
  let lost = 0;
  for (const [tag, count] of acks)
    if ((stored[tag] ?? 0) < count) lost += count - (stored[tag] ?? 0);
  rmSync(home, { recursive: true, force: true });
  return lost;
}

/**
 * Runs WRITERS writers for SECONDS. With `replace`, every 50 ms one of them is stopped by that
 * signal and a new one started in its place.
 */
async function throughput(replace) {
  const home = mkdtempSync(join(tmpdir(), 'codex-lock-bench-'));
  const acks = new Map();
  const live = [];
  let started = 0;
  const spawnOne = () => {
    const tag = `w${started++}`;
    live.push({ tag, child: startWriter(home, tag, acks) });
  };
  for (let i = 0; i < WRITERS; i++) spawnOne();
  await sleep(1_000); // let them start
  const before = [...acks.values()].reduce((a, b) => a + b, 0);
  const deadline = Date.now() + SECONDS * 1000;
  let kills = 0;
  while (Date.now() < deadline) {
    if (replace) {
      await sleep(KILL_EVERY_MS);
      const victim = live.splice(Math.floor(Math.random() * live.length), 1)[0];
      victim.child.kill(replace);
      kills += 1;
      spawnOne();
    } else {
      await sleep(100);
    }
  }
  const acknowledged = [...acks.values()].reduce((a, b) => a + b, 0) - before;
  const lost = await stopAndCountLost(
    live.map(({ child }) => child),
    home,
    acks,
  );
  return { writesPerSecond: Math.round(acknowledged / SECONDS), acknowledged, kills, lost };
}

/**
 * WRITERS writers run for SECONDS, never killed; every KILL_EVERY_MS a `flock` process (which
 * starts in about a millisecond, unlike Node) queues for auth.json.lock like any writer, holds
 * it for 0-2 ms more (about one write) after saying so, and is SIGKILLed holding it: harsher
 * than killing a random writer, which holds the lock one time in twenty. Isolates what killed
 * holders cost the others.
 */
async function killedHolders() {
  const home = mkdtempSync(join(tmpdir(), 'codex-lock-holders-'));
  const acks = new Map();
  const writers = [];
  for (let i = 0; i < WRITERS; i++) writers.push(startWriter(home, `w${i}`, acks));
  await sleep(1_000);
  const before = [...acks.values()].reduce((a, b) => a + b, 0);
  const deadline = Date.now() + SECONDS * 1000;
  let kills = 0;
  let killedHolding = 0;
  while (Date.now() < deadline) {
    const holder = spawn(
      'flock',
      ['-x', join(home, 'auth.json.lock'), '-c', 'echo held; exec sleep 60'],
      { stdio: ['ignore', 'pipe', 'ignore'], detached: true },
    );
    const held = new Promise((resolve) => holder.stdout.once('data', () => resolve(true)));
    const gotIt = await Promise.race([held, sleep(KILL_EVERY_MS).then(() => false)]);
    if (gotIt) {
      await sleep(Math.random() * 2);
      killedHolding += 1;
    }
    // The whole group: flock, its shell and sleep all hold the lock's descriptor.
    process.kill(-holder.pid, 'SIGKILL');
    kills += 1;
    await sleep(gotIt ? KILL_EVERY_MS : 0);
  }
  const acknowledged = [...acks.values()].reduce((a, b) => a + b, 0) - before;
  const lost = await stopAndCountLost(writers, home, acks);
  return {
    writesPerSecond: Math.round(acknowledged / SECONDS),
    acknowledged,
    kills,
    killedHoldingTheLock: killedHolding,
    lost,
  };
}

/** How long after its holder is SIGKILLed the next writer gets the lock. */
async function stallAfterKill(rounds = 20) {
  const stalls = [];
  for (let round = 0; round < rounds; round++) {
    const home = mkdtempSync(join(tmpdir(), 'codex-lock-stall-'));
    const holder = spawn(process.execPath, [join(here, 'holder.mjs'), home], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    const storage = new FileAuthStorage(home, { lockTimeoutMs: 60_000 });
    const waiting = storage.save({ openaiApiKey: 'sk-after' });
    await sleep(50);
    const killedAt = performance.now();
    holder.kill('SIGKILL');
    await waiting;
    stalls.push(performance.now() - killedAt);
    rmSync(home, { recursive: true, force: true });
  }
  stalls.sort((a, b) => a - b);
  return {
    rounds,
    p50Ms: Number(stalls[Math.floor(rounds / 2)].toFixed(1)),
    maxMs: Number(stalls.at(-1).toFixed(1)),
  };
}

/** A lock directory left by codex-ts 0.1, dated in the future: how long the first write waits. */
async function futureDatedLockDirectory() {
  const home = mkdtempSync(join(tmpdir(), 'codex-lock-future-'));
  const lock = join(home, 'auth.json.lock');
  mkdirSync(lock);
  const future = new Date(Date.now() + 3600_000);
  utimesSync(lock, future, future);
  writeFileSync(join(home, 'auth.json'), '{"OPENAI_API_KEY":"sk-old"}');
  const start = performance.now();
  await new FileAuthStorage(home).save({ openaiApiKey: 'sk-new' });
  const ms = performance.now() - start;
  rmSync(home, { recursive: true, force: true });
  return { firstWriteMs: Number(ms.toFixed(1)) };
}

const noKills = await throughput(null);
const orderly = await throughput('SIGTERM');
const withKills = await throughput('SIGKILL');
const holders = await killedHolders();
const stall = await stallAfterKill();
const future = await futureDatedLockDirectory();
const result = {
  command: 'pnpm --filter @codex/auth bench',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, memoryBytes: totalmem(), node: process.version },
  writers: WRITERS,
  seconds: SECONDS,
  noKills,
  orderlyReplacement: { ...orderly, replacedEveryMs: KILL_EVERY_MS },
  withKills: { ...withKills, killEveryMs: KILL_EVERY_MS },
  killedRunShareOfNoKillThroughput: Number(
    (withKills.acknowledged / noKills.acknowledged).toFixed(2),
  ),
  killedRunShareOfOrderlyReplacementThroughput: Number(
    (withKills.acknowledged / orderly.acknowledged).toFixed(2),
  ),
  killedHolders: { ...holders, killEveryMs: KILL_EVERY_MS },
  killedHoldersShareOfNoKillThroughput: Number(
    (holders.acknowledged / noKills.acknowledged).toFixed(2),
  ),
  note: 'Starting a writer costs ~0.13 s of CPU (Node plus this package), so replacing one every 50 ms needs more than the 2 cores: any run that does is bound by process start-up, with or without kills. The orderly run (SIGTERM, the writer finishes its write) has the same start-up cost; the killed run against it isolates what SIGKILL costs. killedHolders keeps the 20 Node writers and kills a light native holder instead, which isolates what killed holders cost the writers.',
  stallAfterHolderKilled: stall,
  futureDatedLockDirectory: future,
};
console.log(JSON.stringify(result, null, 2));
const out = join(here, '..', '..', '..', 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'auth-locks.json'), `${JSON.stringify(result, null, 2)}\n`);
