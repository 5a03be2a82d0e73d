import { statSync } from 'node:fs';
import { join } from 'node:path';
import { loadAuthDotJson } from '@codex/auth';
import { describe, expect, it } from 'vitest';
import { type DeviceCodePrompt, loginWithDeviceCode } from '../src/index.js';
import { loginErrorOf, quiet, useLoginFixture } from './helpers.js';

const fixture = useLoginFixture('codex-device-', (issuer) => {
  issuer.deviceInterval = 0.05;
});

describe('loginWithDeviceCode', () => {
  it('shows the code, polls at the given interval, slows down when asked, and saves the login', async () => {
    const { home, issuer } = fixture;
    issuer.deviceScript.push('pending', 'slow_down', 'pending');
    const prompts: DeviceCodePrompt[] = [];
    const result = await loginWithDeviceCode({
      codexHome: home,
      issuer: issuer.origin,
      slowDownIncrementMs: 150,
      logger: quiet,
      onPrompt: (prompt) => {
        prompts.push(prompt);
        // The user approves in a browser on another machine.
        fetch(`${prompt.verificationUriComplete}`).catch((error: unknown) => console.error(error));
      },
    });
    expect(prompts).toHaveLength(1);
    expect(prompts[0]?.userCode).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(prompts[0]?.verificationUri).toBe(`${issuer.origin}/device`);
    expect(result.accountId).toBe('acct_mock');
    const gaps = issuer.devicePolls
      .slice(1)
      .map((time, index) => time - (issuer.devicePolls[index] as number));
    expect(issuer.devicePolls).toHaveLength(4);
    expect(gaps[0]).toBeGreaterThanOrEqual(45); // 50 ms interval
    expect(gaps[1]).toBeGreaterThanOrEqual(190); // 50 + 150 after slow_down
    expect(gaps[2]).toBeGreaterThanOrEqual(190);
    expect(statSync(join(home, 'auth.json')).mode & 0o777).toBe(0o600);
    expect((await loadAuthDotJson(home, 'file'))?.authMode).toBe('chatgpt');
  });

  it('stops on expired_token and access_denied with messages that say what to do', async () => {
    const { home, issuer } = fixture;
    issuer.deviceScript.push('expired_token');
    const expired = await loginErrorOf(
      loginWithDeviceCode({
        codexHome: home,
        issuer: issuer.origin,
        logger: quiet,
        onPrompt: () => {},
      }),
    );
    expect(expired.code).toBe('timeout');
    expect(expired.message).toMatch(
      /^the code [0-9A-F-]+ expired before it was approved; start the login again$/,
    );
    issuer.deviceScript.push('access_denied');
    const denied = await loginErrorOf(
      loginWithDeviceCode({
        codexHome: home,
        issuer: issuer.origin,
        logger: quiet,
        onPrompt: () => {},
      }),
    );
    expect([denied.code, denied.message]).toEqual([
      'access_denied',
      'sign-in was not completed: the request was denied',
    ]);
    expect(() => statSync(join(home, 'auth.json'))).toThrow(/ENOENT/);
  });

  it('is cancelled by its AbortSignal and refuses other workspaces', async () => {
    const { home, issuer } = fixture;
    const controller = new AbortController();
    const cancelled = await loginErrorOf(
      loginWithDeviceCode({
        codexHome: home,
        issuer: issuer.origin,
        logger: quiet,
        signal: controller.signal,
        onPrompt: () => setTimeout(() => controller.abort(), 120),
      }),
    );
    expect(cancelled.code).toBe('cancelled');
    const mismatch = await loginErrorOf(
      loginWithDeviceCode({
        codexHome: home,
        issuer: issuer.origin,
        forcedWorkspaceId: 'acct_required',
        logger: quiet,
        onPrompt: (prompt) => issuer.approveDevice(prompt.userCode),
      }),
    );
    expect(mismatch.code).toBe('workspace_mismatch');
  });
});
