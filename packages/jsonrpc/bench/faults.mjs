#!/usr/bin/env node
// Fault benchmark of a JSON-RPC server (the built package, in a child process): peak memory
// against hostile input and readers that stop reading, replies kept, and log volume.
//   pnpm --filter @codex/jsonrpc bench
// Writes bench/results/jsonrpc-faults.json (repository root).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';

const here = import.meta.dirname;
const MiB = 1024 * 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A server over stdio; the caller reads its stdout lines (or not). */
function stdioServer() {
  const child = spawn(process.execPath, [join(here, 'server.mjs')], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderrBytes = 0;
  child.stderr.on('data', (chunk) => {
    stderrBytes += chunk.length;
  });
  const lines = [];
  let partial = '';
  const waiters = [];
  child.stdout.on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    lines.push(...parts);
    for (const wake of waiters.splice(0)) wake();
  });
  const until = async (predicate, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  const write = (text) =>
    new Promise((resolve) =>
      child.stdin.write(text) ? resolve() : child.stdin.once('drain', resolve),
    );
  const peakRss = async () => {
    const id = `m${Math.random()}`;
    await write(`${JSON.stringify({ id, method: 'memory' })}\n`);
    await until(() => lines.some((line) => line.includes(id)));
    return JSON.parse(lines.find((line) => line.includes(id))).result.peakRss;
  };
  const stop = () => child.kill('SIGKILL');
  return { child, lines, until, write, peakRss, stop, stderr: () => stderrBytes };
}

const mb = (bytes) => Math.round(bytes / MiB);

async function idle() {
  const server = stdioServer();
  const peak = await server.peakRss();
  server.stop();
  return { peakRssMiB: mb(peak) };
}

/** One 60 MB line of `[{},{},…]`: refused before it is parsed. */
async function hugeLine() {
  const server = stdioServer();
  const unit = Buffer.from('{},');
  const chunk = Buffer.concat(Array.from({ length: 100_000 }, () => unit));
  await server.write('[');
  for (let sent = 0; sent < 60 * MiB; sent += chunk.length) await server.write(chunk);
  await server.write('{}]\n');
  const peak = await server.peakRss();
  const answered = server.lines.some((line) => line.includes('"code":-32700'));
  server.stop();
  return { peakRssMiB: mb(peak), answeredParseError: answered };
}

/** Three 60 MB WebSocket messages at once, from three clients. */
async function threeWebSocketMessages() {
  const child = spawn(process.execPath, [join(here, 'server.mjs'), 'ws'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve) =>
    child.stdout.once('data', (d) => resolve(String(d).trim())),
  );
  const payload = `[${'{},'.repeat(20 * MiB)}{}]`;
  const closes = await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise((resolve) => {
          const socket = new WebSocket(url, { maxPayload: 64 * MiB });
          socket.on('open', () => socket.send(payload));
          socket.on('close', (code) => resolve(code));
          socket.on('error', () => {});
        }),
    ),
  );
  const probe = new WebSocket(url);
  const peak = await new Promise((resolve) => {
    probe.on('open', () => probe.send(JSON.stringify({ id: 1, method: 'memory' })));
    probe.on('message', (data) => resolve(JSON.parse(String(data)).result.peakRss));
  });
  probe.close();
  child.kill('SIGKILL');
  return { peakRssMiB: mb(peak), closeCodes: closes };
}

/** 400 replies of 1 MB each to a client that does not read for 3 s, then reads everything. */
async function bigRepliesToPausedReader() {
  const server = stdioServer();
  server.child.stdout.pause();
  const requests = Array.from({ length: 400 }, (_, id) =>
    JSON.stringify({ id, method: 'big', params: { bytes: MiB } }),
  );
  await server.write(`${requests.join('\n')}\n`);
  await sleep(3_000);
  server.child.stdout.resume();
  await server.until(() => server.lines.filter((line) => line.startsWith('{"id":')).length >= 400);
  const peak = await server.peakRss();
  const replies = server.lines.filter((line) => line.length > MiB).length;
  server.stop();
  return { peakRssMiB: mb(peak), repliesReceived: replies, requested: 400 };
}

/** 40,000 pipelined requests while the client does not read for 4.5 s. */
async function pipelinedToPausedReader() {
  const server = stdioServer();
  server.child.stdout.pause();
  const total = 40_000;
  const requests = Array.from({ length: total }, (_, id) =>
    JSON.stringify({ id, method: 'echo', params: { id, pad: 'p'.repeat(40) } }),
  );
  const written = server.write(`${requests.join('\n')}\n`);
  await sleep(4_500);
  server.child.stdout.resume();
  await written;
  await server.until(() => server.lines.length >= total);
  const ids = new Set(server.lines.map((line) => JSON.parse(line).id));
  const peak = await server.peakRss();
  server.stop();
  return { requests: total, repliesReceived: ids.size, peakRssMiB: mb(peak) };
}

/** 1 MB of garbage lines: how much the server logs about them. */
async function garbageLogVolume() {
  const server = stdioServer();
  const garbage = 'this is not json at all, line after line of it\n'.repeat(Math.ceil(MiB / 48));
  await server.write(garbage);
  await server.peakRss(); // after the garbage is handled
  await sleep(200);
  const stderrBytes = server.stderr();
  server.stop();
  return { garbageBytes: garbage.length, stderrBytes };
}

const result = {
  command: 'pnpm --filter @codex/jsonrpc bench',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, memoryBytes: totalmem(), node: process.version },
  defaults: 'maxMessageBytes 16 MiB, nesting 128, 500,000 values; high-water mark 1 MiB',
  idle: await idle(),
  hugeLine60MB: await hugeLine(),
  threeWebSocketMessages60MB: await threeWebSocketMessages(),
  bigRepliesToPausedReader: await bigRepliesToPausedReader(),
  pipelinedToPausedReader: await pipelinedToPausedReader(),
  garbageLogVolume: await garbageLogVolume(),
};
console.log(JSON.stringify(result, null, 2));
const out = join(here, '..', '..', '..', 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'jsonrpc-faults.json'), `${JSON.stringify(result, null, 2)}\n`);
