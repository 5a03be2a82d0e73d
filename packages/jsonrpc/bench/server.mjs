// A JSON-RPC server for faults.mjs, on the built package: over stdio, or WebSocket with `ws`
// (it prints its URL). `echo` answers its params, `big` a string of `bytes` bytes, `memory`
// this process's peak RSS (VmHWM).
import { readFileSync } from 'node:fs';
import { WebSocketServer } from 'ws';
import { Connection, DEFAULT_FRAME_LIMITS } from '../dist/index.js';
import { StdioTransport } from '../dist/stdio.js';
import { WebSocketTransport } from '../dist/websocket.js';

const peakRss = () =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;

function serve(transport) {
  const connection = new Connection(transport);
  connection.onRequest('echo', (params) => params);
  connection.onRequest('big', (params) => 'x'.repeat(params.bytes));
  connection.onRequest('memory', () => ({ peakRss: peakRss() }));
  void connection.listen();
  return connection;
}

if (process.argv[2] === 'ws') {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    maxPayload: DEFAULT_FRAME_LIMITS.maxMessageBytes,
  });
  wss.on('connection', (socket) => serve(new WebSocketTransport(socket)));
  wss.on('listening', () => process.stdout.write(`ws://127.0.0.1:${wss.address().port}\n`));
} else {
  const connection = serve(new StdioTransport({ input: process.stdin, output: process.stdout }));
  connection.closed.then(() => process.exit(0));
}
