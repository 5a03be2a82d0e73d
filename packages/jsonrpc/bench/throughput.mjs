#!/usr/bin/env node
// Connection throughput and latency over each transport, on this machine.
//   pnpm --filter @codex/jsonrpc bench
// Writes bench/results/jsonrpc.json (repository root). Uses the built package (dist/).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import { WebSocketServer } from 'ws';
import { Connection, createLinkedPair } from '../dist/index.js';
import { StdioTransport } from '../dist/stdio.js';
import { connectWebSocket, WebSocketTransport } from '../dist/websocket.js';

const NOTIFICATIONS = 100_000;
const ROUND_TRIPS = 2_000;
// Shaped like an app-server `item/agentMessage/delta` notification.
const deltaParams = {
  threadId: '01a20155-597c-7242-83fe-6d41fab0bd15',
  turnId: '01a20155-59a2-7931-a503-64bbf40fdf15',
  itemId: 'msg_mock_1_0',
  delta: 'Hello ',
};

async function memoryPair() {
  const [a, b] = createLinkedPair();
  return { a, b, dispose: async () => {} };
}

async function unixSocketPair() {
  const dir = mkdtempSync(join(tmpdir(), 'codex-bench-'));
  const path = join(dir, 'sock');
  const accepted = new Promise((resolve) => {
    const server = createServer((socket) => {
      server.close();
      resolve(socket);
    });
    server.listen(path);
  });
  const client = connect(path);
  await new Promise((resolve) => client.once('connect', resolve));
  const server = await accepted;
  return {
    a: new StdioTransport({ input: client, output: client }),
    b: new StdioTransport({ input: server, output: server }),
    dispose: async () => {
      client.destroy();
      server.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function websocketPair() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  const accepted = new Promise((resolve) => wss.once('connection', resolve));
  const a = await connectWebSocket(`ws://127.0.0.1:${wss.address().port}`);
  const b = new WebSocketTransport(await accepted);
  return {
    a,
    b,
    dispose: async () => {
      await a.close();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function measure(name, makePair) {
  const { a, b, dispose } = await makePair();
  const sender = new Connection(a, { logger: silentLogger });
  const receiver = new Connection(b, { logger: silentLogger });
  let received = 0;
  let done;
  const allReceived = new Promise((resolve) => {
    done = resolve;
  });
  receiver.onNotification('item/agentMessage/delta', () => {
    received += 1;
    if (received === NOTIFICATIONS) done();
  });
  receiver.onRequest('ping', (params) => params);
  await sender.listen();
  await receiver.listen();

  const start = performance.now();
  for (let i = 0; i < NOTIFICATIONS; i++)
    await sender.notify('item/agentMessage/delta', deltaParams);
  await allReceived;
  const seconds = (performance.now() - start) / 1000;

  const latencies = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t0 = performance.now();
    await sender.request('ping', { i });
    latencies.push(performance.now() - t0);
  }
  latencies.sort((x, y) => x - y);
  await sender.close();
  await dispose();
  return {
    transport: name,
    notificationsPerSecond: Math.round(NOTIFICATIONS / seconds),
    roundTripMs: {
      p50: +percentile(latencies, 50).toFixed(3),
      p99: +percentile(latencies, 99).toFixed(3),
    },
  };
}

const results = [];
for (const [name, make] of [
  ['in-memory', memoryPair],
  ['stdio (unix socket)', unixSocketPair],
  ['websocket (127.0.0.1)', websocketPair],
]) {
  const result = await measure(name, make);
  results.push(result);
  console.log(
    `${name.padEnd(22)} ${String(result.notificationsPerSecond).padStart(8)} notifications/s   ` +
      `request round trip p50 ${result.roundTripMs.p50} ms, p99 ${result.roundTripMs.p99} ms`,
  );
}

const out = join(import.meta.dirname, '..', '..', '..', 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'jsonrpc.json'),
  `${JSON.stringify(
    {
      command: 'pnpm --filter @codex/jsonrpc bench',
      date: new Date().toISOString(),
      machine: {
        cores: cpus().length,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      notifications: NOTIFICATIONS,
      roundTrips: ROUND_TRIPS,
      results,
    },
    null,
    2,
  )}\n`,
);
