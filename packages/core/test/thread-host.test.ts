import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import { createTempCodexHome, MockResponsesServer, scripted } from '@codex/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { ThreadHost } from '../src/threads/host.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function host(extra: { cliOverrides?: string[]; profile?: string } = {}) {
  const mock = await MockResponsesServer.start();
  const home = createTempCodexHome({ providerBaseUrl: mock.url, extraToml: '' });
  const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'thread-host-')));
  const env = { PATH: process.env.PATH, HOME: home.path, SHELL: '/bin/bash', MOCK_API_KEY: 'x' };
  const created = await ThreadHost.create({
    codexHome: home.path,
    env,
    logger: silentLogger,
    ...extra,
  });
  cleanups.push(
    () => mock.close(),
    () => home.dispose(),
    () => rmSync(cwd, { recursive: true, force: true }),
    () => created.close(),
  );
  return { host: created, mock, cwd };
}

describe('ThreadHost', () => {
  it("layers a request's settings over the host's, and -c overrides over config.toml", async () => {
    const { host: threads, cwd } = await host({ cliOverrides: ['model="from-cli"'] });
    expect(threads.config.model).toBe('from-cli');
    const config = await threads.threadConfig({
      cwd,
      approvalPolicy: 'untrusted',
      sandbox: 'read-only',
      baseInstructions: 'Be brief.',
      config: { compact_prompt: 'Summarise.' },
    });
    expect(config).toMatchObject({
      cwd,
      model: 'from-cli',
      approvalPolicy: 'untrusted',
      sandboxMode: 'read-only',
      baseInstructions: 'Be brief.',
    });
    expect(config.toml.compact_prompt).toBe('Summarise.');
    await expect(threads.threadConfig({ model: 'asked-for' })).resolves.toMatchObject({
      model: 'asked-for',
    });
  });

  it('one manager and one exec-server for every thread; close unloads them and refuses more', async () => {
    const { host: threads, mock, cwd } = await host();
    mock.enqueue(scripted.text('hello'));
    const manager = threads.threads();
    expect(threads.threads()).toBe(manager);
    const thread = await manager.startThread({ config: await threads.threadConfig({ cwd }) });
    const done = new Promise<void>((resolve) => {
      void (async () => {
        for await (const item of thread.subscribe())
          if (item.kind === 'event' && item.event.msg.type === 'task_complete') return resolve();
      })();
    });
    thread.submit({ type: 'user_input', items: [{ type: 'text', text: 'hi' }] });
    await done;
    expect(manager.listLoaded()).toStrictEqual([thread.id]);
    await threads.close();
    expect(manager.listLoaded()).toStrictEqual([]);
    expect(() => threads.threads()).toThrow('the thread host is shutting down');
  });
});
