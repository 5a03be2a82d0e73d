import { afterEach, describe, expect, it } from 'vitest';
import { spawnLocalExecServer } from '../src/index.js';
import { BIN, baseEnv, exitOf, memoryOf, quiet, startBin } from './helpers.js';

const MiB = 1024 * 1024;
const children: Array<ReturnType<typeof startBin>['child']> = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await exitOf(child);
  }
});

describe('output volume and flow control', () => {
  it('streams 200 MB to a client while retention stays at the cap and server memory stays bounded', async () => {
    const server = await spawnLocalExecServer(
      { program: process.execPath, args: [BIN, '--retained-output-bytes', String(MiB)] },
      quiet,
    );
    children.push(server.child);
    const total = 200 * MiB;
    let received = 0;
    server.client.onOutput((event) => {
      received += event.chunk.length;
    });
    await server.client.exec({
      processId: 'big',
      argv: ['head', '-c', String(total), '/dev/zero'],
      cwd: '/',
      env: baseEnv(),
      tty: false,
    });
    expect(await server.client.wait('big', { timeoutMs: 120_000 })).toBe(0);
    expect(received).toBe(total);
    const read = await server.client.read({ processId: 'big', afterSeq: 0, maxBytes: 4 * MiB });
    expect(read.truncated).toBe(true);
    const retained = read.chunks.reduce((sum, chunk) => sum + chunk.chunk.length, 0);
    expect(retained).toBeGreaterThan(0);
    expect(retained).toBeLessThanOrEqual(MiB);
    expect(read.chunks.every((chunk) => chunk.chunk.every((byte) => byte === 0))).toBe(true);
    // Peak RSS of the server (about 175 MB here, mostly garbage not yet collected) plateaus;
    // it does not grow with the 267 MB of base64 that went through it.
    const pid = server.child.pid ?? 0;
    expect(memoryOf(pid).hwm).toBeLessThan(256 * MiB);
    await server.close();
  }, 180_000);

  it('stops reading a process whose client stops reading, without buffering its output', async () => {
    const { child } = startBin();
    children.push(child);
    const send = (message: unknown) => child.stdin?.write(`${JSON.stringify(message)}\n`);
    send({ id: 1, method: 'initialize', params: { clientName: 'stalled' } });
    send({ method: 'initialized', params: {} });
    send({
      id: 2,
      method: 'process/start',
      params: {
        processId: 'flood',
        argv: ['head', '-c', String(2048 * MiB), '/dev/zero'],
        cwd: '/',
        env: baseEnv(),
        tty: false,
      },
    });
    // Nobody reads the server's stdout.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const first = memoryOf(child.pid ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const second = memoryOf(child.pid ?? 0);
    expect(second.hwm).toBeLessThan(160 * MiB);
    expect(second.rss - first.rss).toBeLessThan(32 * MiB);
    // Reading again lets the flood continue to the end.
    let bytes = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(bytes).toBeGreaterThan(4 * MiB);
  }, 30_000);
});
