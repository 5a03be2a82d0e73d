import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidv7 } from '@codex/common';
import { afterEach, describe, expect, it } from 'vitest';
import { RolloutRecorder, readRolloutLines } from '../src/threads/rollout/index.js';
import { bundleFixture } from './helpers.js';

const children: ChildProcess[] = [];
const homes: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

/** Starts the writer; resolves once it printed its path and acknowledged `steps` flushes. */
async function startWriter(
  home: string,
  threadId: string,
  steps: number,
): Promise<{ child: ChildProcess; path: string; acknowledged: () => number }> {
  const bundle = await bundleFixture('rollout-writer');
  const child = spawn(process.execPath, [bundle, home, threadId], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let path = '';
  let acknowledged = -1;
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
    child.stdout?.on('data', (data: Buffer) => {
      buffered += data.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('path ')) path = line.slice(5);
        else acknowledged = Number(line);
      }
      if (path && acknowledged >= steps) resolve();
    });
  });
  return { child, path, acknowledged: () => acknowledged };
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

describe('a rollout writer under faults', () => {
  it('paused (SIGSTOP), it still holds the thread: a second writer is refused at once, not left waiting', async () => {
    const home = mkdtempSync(join(tmpdir(), 'rollout-faults-'));
    homes.push(home);
    const threadId = uuidv7();
    const writer = await startWriter(home, threadId, 5);
    writer.child.kill('SIGSTOP');
    const started = Date.now();
    await expect(RolloutRecorder.open(writer.path, { codexHome: home })).rejects.toThrow(
      `thread ${threadId} already has an active writer`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    writer.child.kill('SIGCONT');
  });

  it('killed mid-write (SIGKILL), it loses nothing it acknowledged and its lock is free again', async () => {
    const home = mkdtempSync(join(tmpdir(), 'rollout-faults-'));
    homes.push(home);
    const threadId = uuidv7();
    const writer = await startWriter(home, threadId, 200);
    writer.child.kill('SIGKILL');
    await exited(writer.child);
    const acknowledged = writer.acknowledged();
    const warnings: string[] = [];
    const steps: number[] = [];
    for await (const line of readRolloutLines(writer.path, {
      onWarning: (warning) => warnings.push(warning.message),
    })) {
      if (line.item.type !== 'response_item' || line.item.payload.type !== 'message') continue;
      const part = line.item.payload.content[0];
      const text = part?.type === 'input_text' ? part.text : '';
      steps.push(Number(/^step-(\d+)/.exec(text)?.[1]));
    }
    // Every acknowledged step is there, in order; at most the step in flight is torn.
    expect(steps.slice(0, acknowledged + 1)).toStrictEqual(
      Array.from({ length: acknowledged + 1 }, (_, step) => step),
    );
    expect(warnings.length).toBeLessThanOrEqual(1);
    // The dead writer's flock went with it: this process takes the thread over and appends.
    const next = await RolloutRecorder.open(writer.path, { codexHome: home });
    next.record([
      {
        type: 'response_item',
        payload: {
          type: 'message',
          role: 'user',
          content: [{ type: 'input_text', text: 'after' }],
        },
      },
    ]);
    await next.close();
    let last = '';
    for await (const line of readRolloutLines(writer.path)) {
      if (line.item.type === 'response_item' && line.item.payload.type === 'message') {
        const part = line.item.payload.content[0];
        last = part?.type === 'input_text' ? part.text : '';
      }
    }
    expect(last).toBe('after');
  });
});
