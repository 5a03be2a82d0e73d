import { afterEach, describe, expect, it } from 'vitest';
import { ExecServerClient } from '../src/index.js';
import {
  baseEnv,
  exitOf,
  processesMatching,
  quiet,
  RawSession,
  startBin,
  startWsBin,
  until,
} from './helpers.js';

const children: Array<ReturnType<typeof startBin>['child']> = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await exitOf(child);
  }
});

/** A unique `sleep` duration, so the test can find exactly its own processes in /proc. */
let counter = 0;
const marker = () => `${1000 + (process.pid % 1000)}.${Date.now() % 100000}${counter++}`;

const startRaw = (
  session: RawSession,
  id: number,
  processId: string,
  script: string,
  tty = false,
) =>
  session.call(id, 'process/start', {
    processId,
    argv: ['bash', '-c', script],
    cwd: '/',
    env: baseEnv(),
    tty,
  });

describe('process lifetime', () => {
  it.each([false, true])('a closed connection leaves no orphans (tty %s)', async (tty) => {
    const [a, b] = [marker(), marker()];
    const { child } = startBin();
    children.push(child);
    const session = new RawSession(child);
    await session.handshake();
    await startRaw(session, 1, 'p', `sleep ${a} & sleep ${b}`, tty);
    await until(
      5_000,
      () =>
        processesMatching(`sleep ${a}`).length === 1 &&
        processesMatching(`sleep ${b}`).length === 1,
    );
    child.stdin?.end();
    expect(await exitOf(child)).toBe(0);
    expect(processesMatching(`sleep ${a}`)).toEqual([]);
    expect(processesMatching(`sleep ${b}`)).toEqual([]);
  });

  it('process/terminate ends the whole group, background children included', async () => {
    const [a, b] = [marker(), marker()];
    const { child } = startBin();
    children.push(child);
    const session = new RawSession(child);
    await session.handshake();
    await startRaw(session, 1, 'p', `sleep ${a} & sleep ${b}`);
    await until(5_000, () => processesMatching(`sleep ${b}`).length === 1);
    expect((await session.call(2, 'process/terminate', { processId: 'p' })).result).toEqual({
      running: true,
    });
    const exited = await session.next((message) => message.method === 'process/exited');
    expect(exited.params).toEqual({ processId: 'p', exitCode: 143 });
    await until(5_000, () => processesMatching(`sleep ${a}`).length === 0);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const { child } = startBin(['--terminate-grace-ms', '300']);
    children.push(child);
    const session = new RawSession(child);
    await session.handshake();
    await startRaw(session, 1, 'stubborn', `trap '' TERM; sleep ${marker()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await session.call(2, 'process/terminate', { processId: 'stubborn' });
    const exited = await session.next((message) => message.method === 'process/exited');
    expect(exited.params).toEqual({ processId: 'stubborn', exitCode: 137 });
  });

  it('reports a leader exit even when a background child keeps the pipes open', async () => {
    const a = marker();
    const { child } = startBin();
    children.push(child);
    const session = new RawSession(child);
    await session.handshake();
    await startRaw(session, 1, 'p', `sleep ${a} & echo started`);
    const exited = await session.next((message) => message.method === 'process/exited', 5_000);
    expect(exited.params).toEqual({ processId: 'p', exitCode: 0 });
    // The lingering child is still part of the connection's group and dies with it.
    expect(processesMatching(`sleep ${a}`)).toHaveLength(1);
    child.stdin?.end();
    await exitOf(child);
    expect(processesMatching(`sleep ${a}`)).toEqual([]);
  });

  it('shuts down cleanly on SIGTERM and SIGINT, terminating children', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const [a, b] = [marker(), marker()];
      const server = await startWsBin(['--ws-auth', 'none']);
      children.push(server.child);
      const client = await ExecServerClient.connectWebSocket(server.url, quiet);
      await client.exec({
        processId: 'p',
        argv: ['bash', '-c', `sleep ${a} & sleep ${b}`],
        cwd: '/',
        env: baseEnv(),
        tty: true,
      });
      await until(5_000, () => processesMatching(`sleep ${b}`).length === 1);
      server.child.kill(signal);
      expect(await exitOf(server.child)).toBe(0);
      expect(processesMatching(`sleep ${a}`)).toEqual([]);
      expect(processesMatching(`sleep ${b}`)).toEqual([]);
      await client.closed;
    }
  });
});
