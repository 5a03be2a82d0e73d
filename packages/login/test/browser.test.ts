import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadAuthDotJson } from '@codex/auth';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoginServer, runLoginServer } from '../src/index.js';
import { loginErrorOf, quiet, useLoginFixture } from './helpers.js';

// Debian's chromium, installed by scripts/bootstrap.sh; playwright gives each launch a fresh
// profile. The test fails (it is not skipped) when the browser is missing: the login flow must
// be proven in a real browser.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let browser: Browser;
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

const fixture = useLoginFixture('codex-login-browser-', (issuer) => {
  issuer.consent = 'page';
  issuer.identity = { email: 'browser@example.com', accountId: 'acct_browser', planType: 'pro' };
});

/** Starts a login, opens its URL in a new tab and runs `steps` there. */
async function inBrowser(
  steps: (page: Page, login: LoginServer) => Promise<void>,
): Promise<LoginServer> {
  const login = await runLoginServer({
    codexHome: fixture.home,
    issuer: fixture.issuer.origin,
    port: 0,
    logger: quiet,
  });
  const page = await browser.newPage();
  try {
    await page.goto(login.authUrl);
    await steps(page, login);
  } finally {
    await page.close();
  }
  return login;
}

describe('ChatGPT login in a real browser', () => {
  it('consents on the issuer page, lands on the success page and saves auth.json', async () => {
    const login = await inBrowser(async (page, { port }) => {
      await page.click('#allow');
      await page.waitForURL(`http://localhost:${port}/success`);
      expect(await page.textContent('h1')).toBe('Signed in to Codex');
      expect(await page.textContent('main')).toContain('browser@example.com');
    });
    await expect(login.done).resolves.toMatchObject({
      email: 'browser@example.com',
      accountId: 'acct_browser',
      planType: 'pro',
    });
    expect(statSync(join(fixture.home, 'auth.json')).mode & 0o777).toBe(0o600);
    expect((await loadAuthDotJson(fixture.home, 'file'))?.tokens?.accountId).toBe('acct_browser');
  });

  it('shows the error page when the user denies, and saves nothing', async () => {
    const login = await inBrowser(async (page) => {
      await page.click('#deny');
      await page.waitForURL(/\/auth\/callback\?/);
      expect(await page.textContent('h1')).toBe('Login failed');
    });
    expect((await loginErrorOf(login.done)).code).toBe('access_denied');
    expect(existsSync(join(fixture.home, 'auth.json'))).toBe(false);
  });
});
