import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAuthDotJson } from '@codex/auth';
import { MockIssuer } from '@codex/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { maskApiKey, runLoginCli } from '../src/index.js';

let home: string;
let issuer: MockIssuer;
beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'codex-login-cli-'));
  issuer = await MockIssuer.start();
  issuer.deviceInterval = 0.05;
});
afterEach(async () => {
  await issuer.close();
  rmSync(home, { recursive: true, force: true });
});

async function cli(args: string[], stdin = '', onStderr?: (text: string) => void) {
  let stdout = '';
  let stderr = '';
  const code = await runLoginCli(['--codex-home', home, ...args], {
    stdin: [stdin],
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
      onStderr?.(text);
    },
    env: {},
  });
  return { code, stdout, stderr };
}

describe('maskApiKey', () => {
  it('shows keys as the original does, and never breaks on non-ASCII', () => {
    expect(maskApiKey('sk-x')).toBe('***');
    expect(maskApiKey('1234567890123')).toBe('***');
    expect(maskApiKey('12345678901234')).toBe('12345678***01234');
    expect(maskApiKey('sk-proj-abcdefghijklmnopqrstuvwxyz123456')).toBe('sk-proj-***23456');
    // The original panics on this key and prints it whole.
    expect(maskApiKey('ééééééééééééééé')).toBe('éééééééé***ééééé');
  });
});

describe('codex-login', () => {
  it('logs in with an API key from stdin, reports status without the secret, and logs out', async () => {
    expect(await cli(['status'])).toMatchObject({ code: 1, stdout: 'Not logged in.\n' });
    expect(await cli(['login', '--with-api-key'], 'sk-test-1234567890\n')).toMatchObject({
      code: 0,
      stdout: 'Logged in with an API key.\n',
    });
    expect((await loadAuthDotJson(home, 'file'))?.openaiApiKey).toBe('sk-test-1234567890');
    expect(await cli(['status'])).toMatchObject({
      code: 0,
      stdout: 'Logged in using an API key (sk-test-***67890).\n',
    });
    expect(await cli(['logout'])).toMatchObject({ code: 0, stdout: 'Logged out.\n' });
    expect(await cli(['logout'])).toMatchObject({ code: 0, stdout: 'Not logged in.\n' });
  });

  it('logs in with a device code, then logout revokes the refresh token at the issuer', async () => {
    const login = await cli(['login', '--device-code', '--issuer', issuer.origin], '', (text) => {
      const code = /enter the code ([0-9A-F-]+)/.exec(text)?.[1];
      if (code) issuer.approveDevice(code);
    });
    expect(login.stderr).toMatch(
      new RegExp(
        `^To sign in, open ${issuer.origin}/device on any device and enter the code [0-9A-F]{4}-[0-9A-F]{4} \\(it expires in 10 minutes\\)\\.\\n$`,
      ),
    );
    expect(login).toMatchObject({
      code: 0,
      stdout: 'Logged in with ChatGPT as user@example.com (plus).\n',
    });
    expect(await cli(['status'])).toMatchObject({
      code: 0,
      stdout: 'Logged in using ChatGPT as user@example.com (plus).\n',
    });
    const refreshToken = (await loadAuthDotJson(home, 'file'))?.tokens?.refreshToken;
    expect(await cli(['logout', '--issuer', issuer.origin])).toMatchObject({
      code: 0,
      stdout: 'Logged out.\n',
    });
    expect(issuer.revoked).toEqual([refreshToken]);
  });

  it('honours forced_login_method from config.toml and rejects bad usage with exit code 2', async () => {
    expect((await cli(['login', '--with-api-key'], '  \n')).stderr).toContain(
      'no API key on stdin',
    );
    writeFileSync(join(home, 'config.toml'), 'forced_login_method = "chatgpt"\n');
    const refused = await cli(['login', '--with-api-key'], 'sk-x');
    expect(refused).toMatchObject({
      code: 1,
      stderr: 'codex-login: config.toml requires ChatGPT login (forced_login_method = "chatgpt")\n',
    });
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['login', '--store', 'cloud'])).stderr).toContain(
      '--store must be one of file, keyring, auto, ephemeral, not cloud',
    );
  });
});
