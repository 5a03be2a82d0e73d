import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functionCall, MockIssuer, scripted } from '@codex/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppServerClient } from '../src/client.js';
import { type Harness, startHarness } from './harness.js';

let harness: Harness | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const text = (value: string) => [{ type: 'text' as const, data: { text: value } }];

type EventParams = { conversationId: string; msg: { type: string } & Record<string, unknown> };

async function conversation(client: AppServerClient, cwd: string) {
  const created = await client.request('newConversation', { cwd });
  const { subscriptionId } = await client.request('addConversationListener', {
    conversationId: created.conversationId,
  });
  return { ...created, subscriptionId };
}

describe('v1 conversations', () => {
  it('creates a conversation, streams codex/event/* to its listener, and removes the listener', async () => {
    harness = await startHarness();
    harness.mock.enqueue(scripted.text('Hello there.', { deltas: 3 }));
    const { client, notifications } = await harness.client();
    const created = await conversation(client, harness.cwd);
    expect(created.conversationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.model).toBe('mock-model');
    const done = client.waitFor('codex/event/task_complete');
    expect(
      await client.request('sendUserMessage', {
        conversationId: created.conversationId,
        items: text('hi'),
      }),
    ).toStrictEqual({});
    await done;
    const events = notifications.filter((n) => n.method.startsWith('codex/event/'));
    expect(events.map((n) => n.method)).toContain('codex/event/agent_message_delta');
    for (const event of events) {
      const params = event.params as EventParams;
      expect(params.conversationId).toBe(created.conversationId);
      expect(event.method).toBe(`codex/event/${params.msg.type}`);
    }
    expect(
      await client.request('removeConversationListener', {
        subscriptionId: created.subscriptionId,
      }),
    ).toStrictEqual({});
    await expect(
      client.request('removeConversationListener', { subscriptionId: created.subscriptionId }),
    ).rejects.toMatchObject({
      code: -32600,
      message: `subscription not found: ${created.subscriptionId}`,
    });
  });

  it('sends a user turn with its settings and refuses unknown conversations', async () => {
    harness = await startHarness();
    harness.mock.enqueue(scripted.text('ok'));
    const { client } = await harness.client();
    const created = await conversation(client, harness.cwd);
    const done = client.waitFor('codex/event/task_complete');
    await client.request('sendUserTurn', {
      conversationId: created.conversationId,
      items: text('turn'),
      cwd: harness.cwd,
      approvalPolicy: 'never',
      sandboxPolicy: { mode: 'danger-full-access' },
      model: 'other-model',
      summary: 'auto',
    });
    await done;
    expect(harness.mock.requests[0]?.body).toMatchObject({ model: 'other-model' });
    const missing = '01a20640-357e-77d0-a2ed-c4aaa2999665';
    await expect(
      client.request('sendUserMessage', { conversationId: missing, items: text('x') }),
    ).rejects.toMatchObject({ code: -32600, message: `conversation not found: ${missing}` });
  });

  it('answers interruptConversation when the turn is aborted', async () => {
    harness = await startHarness();
    harness.mock.enqueue(scripted.text('x'.repeat(100), { deltas: 100, delayMs: 50 }));
    const { client } = await harness.client();
    const created = await conversation(client, harness.cwd);
    const streaming = client.waitFor('codex/event/agent_message_delta');
    await client.request('sendUserMessage', {
      conversationId: created.conversationId,
      items: text('slow'),
    });
    await streaming;
    const aborted = client.waitFor('codex/event/turn_aborted');
    expect(
      await client.request('interruptConversation', { conversationId: created.conversationId }),
    ).toStrictEqual({ abortReason: 'interrupted' });
    expect(((await aborted) as EventParams).msg.reason).toBe('interrupted');
  });
});

describe('v1 approvals', () => {
  async function approvalTurn(answer: (client: AppServerClient) => void) {
    harness = await startHarness({ approvalPolicy: 'untrusted' as 'on-request' });
    harness.mock.enqueue(
      scripted.items([functionCall('exec_command', { cmd: 'touch made.txt' }, { callId: 'a1' })]),
      scripted.text('done'),
    );
    const { client } = await harness.client();
    const created = await conversation(client, harness.cwd);
    answer(client);
    await client.request('sendUserMessage', {
      conversationId: created.conversationId,
      items: text('make a file'),
    });
    await harness.mock.waitForRequests(2, 10_000);
    return JSON.stringify(harness.mock.requests[1]?.body);
  }

  it('runs the command when the client approves', async () => {
    const asked: unknown[] = [];
    const second = await approvalTurn((client) =>
      client.onServerRequest('execCommandApproval', (params) => {
        asked.push(params);
        return { decision: 'approved' };
      }),
    );
    expect(asked).toMatchObject([{ callId: 'a1', command: expect.any(Array) }]);
    expect(second).toContain('a1');
    expect(existsSync(join((harness as Harness).cwd, 'made.txt'))).toBe(true);
  });

  it('counts an unparsable answer as denied', async () => {
    const second = await approvalTurn((client) =>
      client.onServerRequest(
        'execCommandApproval',
        () => ({ decision: 'garbage' }) as unknown as { decision: 'approved' },
      ),
    );
    expect(second).toContain('rejected by user');
    expect(existsSync(join((harness as Harness).cwd, 'made.txt'))).toBe(false);
  });

  it('counts a client that disconnects before answering as denied', async () => {
    const second = await approvalTurn((client) =>
      client.onServerRequest('execCommandApproval', () => {
        void client.close();
        return new Promise(() => {});
      }),
    );
    expect(second).toContain('rejected by user');
    expect(existsSync(join((harness as Harness).cwd, 'made.txt'))).toBe(false);
  });
});

describe('v1 login and auth status', () => {
  it('logs in through the browser with loginChatGptComplete and authStatusChange', async () => {
    const issuer = await MockIssuer.start();
    cleanups.push(() => issuer.close());
    harness = await startHarness({ server: { issuer: issuer.origin, loginPort: 0 } });
    const { client } = await harness.client();
    expect(await client.request('getAuthStatus', undefined)).toStrictEqual({
      authMethod: null,
      preferredAuthMethod: 'chatgpt',
    });
    const login = await client.request('loginChatGpt', undefined);
    const complete = client.waitFor('loginChatGptComplete');
    const status = client.waitFor('authStatusChange');
    let url = login.authUrl;
    for (let hop = 0; hop < 5; hop++) {
      const response = await fetch(url, { redirect: 'manual' });
      await response.arrayBuffer();
      const location = response.headers.get('location');
      if (!location) break;
      url = new URL(location, url).toString();
    }
    expect(await complete).toStrictEqual({ loginId: login.loginId, success: true, error: null });
    expect(await status).toStrictEqual({ authMethod: 'chatgpt' });
    expect(await client.request('getAuthStatus', undefined)).toMatchObject({
      authMethod: 'chatgpt',
    });
    const loggedOut = client.waitFor('authStatusChange', (p) => p.authMethod === null);
    expect(await client.request('logoutChatGpt', undefined)).toStrictEqual({});
    await loggedOut;
    expect((await client.request('getAuthStatus', undefined)).authMethod).toBeNull();
  });

  it('cancels a running login and refuses an unknown login id', async () => {
    const issuer = await MockIssuer.start();
    cleanups.push(() => issuer.close());
    harness = await startHarness({ server: { issuer: issuer.origin, loginPort: 0 } });
    const { client } = await harness.client();
    const login = await client.request('loginChatGpt', undefined);
    const complete = client.waitFor('loginChatGptComplete');
    expect(await client.request('cancelLoginChatGpt', { loginId: login.loginId })).toStrictEqual(
      {},
    );
    expect(await complete).toMatchObject({ loginId: login.loginId, success: false });
    await expect(
      client.request('cancelLoginChatGpt', { loginId: login.loginId }),
    ).rejects.toMatchObject({ code: -32600, message: `login id not found: ${login.loginId}` });
  });
});

describe('gitDiffToRemote', () => {
  it('diffs against the remote branch, and refuses a directory that is not a repository', async () => {
    const base = realpathSync(mkdtempSync(join(tmpdir(), 'v1-git-')));
    cleanups.push(() => rmSync(base, { recursive: true, force: true }));
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', args, {
        cwd,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@e',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@e',
        },
      }).trim();
    const remote = join(base, 'remote.git');
    const work = join(base, 'work');
    git(base, 'init', '-q', '--bare', remote);
    git(base, 'init', '-q', '-b', 'main', work);
    writeFileSync(join(work, 'a.txt'), 'one\n');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'first');
    git(work, 'remote', 'add', 'origin', remote);
    git(work, 'push', '-q', '-u', 'origin', 'main');
    const sha = git(work, 'rev-parse', 'HEAD');
    writeFileSync(join(work, 'a.txt'), 'two\n');

    harness = await startHarness();
    const { client } = await harness.client();
    const diff = await client.request('gitDiffToRemote', { cwd: work });
    expect(diff.sha).toBe(sha);
    expect(diff.diff).toContain('+two');
    await expect(client.request('gitDiffToRemote', { cwd: base })).rejects.toMatchObject({
      code: -32600,
      message: `failed to compute git diff to remote for cwd: ${JSON.stringify(base)}`,
    });
  });
});
