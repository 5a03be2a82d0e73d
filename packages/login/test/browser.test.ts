import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAuthDotJson } from '@codex/auth';
import { MockIssuer } from '@codex/test-support';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LoginError, runLoginServer } from '../src/index.js';

// Debian's chromium, installed by scripts/bootstrap.sh; playwright gives each launch a fresh profile. The test fails (it is not skipped) when
// the browser is missing: the login flow must be proven in a real browser.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const quiet = { warn: () => {}, debug: () => {} };

let browser: Browser;
let home: string;
let issuer: MockIssuer;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: run scripts/bootstrap.sh (it installs chromium)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'codex-login-browser-'));
  issuer = await MockIssuer.start();
  issuer.consent = 'page';
  issuer.identity = { email: 'browser@example.com', accountId: 'acct_browser', planType: 'pro' };
});
afterEach(async () => {
  await issuer.close();
  rmSync(home, { recursive: true, force: true });
});

describe('ChatGPT login in a real browser', () => {
  it('consents on the issuer page, lands on the success page and saves auth.json', async () => {
    const login = await runLoginServer({
      codexHome: home,
      issuer: issuer.origin,
      port: 0,
      logger: quiet,
    });
    const page = await browser.newPage();
    try {
      await page.goto(login.authUrl);
      await page.click('#allow');
      await page.waitForURL(`http://localhost:${login.port}/success`);
      expect(await page.textContent('h1')).toBe('Signed in to Codex');
      expect(await page.textContent('main')).toContain('browser@example.com');
    } finally {
      await page.close();
    }
    await expect(login.done).resolves.toMatchObject({
      email: 'browser@example.com',
      accountId: 'acct_browser',
      planType: 'pro',
    });
    expect(statSync(join(home, 'auth.json')).mode & 0o777).toBe(0o600);
    expect((await loadAuthDotJson(home, 'file'))?.tokens?.accountId).toBe('acct_browser');
  });

  it('shows the error page when the user denies, and saves nothing', async () => {
    const login = await runLoginServer({
      codexHome: home,
      issuer: issuer.origin,
      port: 0,
      logger: quiet,
    });
    const page = await browser.newPage();
    try {
      await page.goto(login.authUrl);
      await page.click('#deny');
      await page.waitForURL(/\/auth\/callback\?/);
      expect(await page.textContent('h1')).toBe('Login failed');
    } finally {
      await page.close();
    }
    const error = await login.done.catch((caught: unknown) => caught);
    expect(LoginError.isInstance(error) && error.code).toBe('access_denied');
    expect(existsSync(join(home, 'auth.json'))).toBe(false);
  });
});
