import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { loadAuthDotJson } from '@codex/auth';
import { describe, expect, it } from 'vitest';
import { runLoginServer } from '../src/index.js';
import { pkceChallenge } from '../src/pkce.js';
import { loginErrorOf, quiet, useLoginFixture } from './helpers.js';

const fixture = useLoginFixture('codex-login-');

/** Follows redirects by hand, as a browser would; returns every status and the last body. */
async function browse(start: string): Promise<{ statuses: number[]; body: string; url: string }> {
  const statuses: number[] = [];
  let url = start;
  for (;;) {
    const response = await fetch(url, { redirect: 'manual' });
    statuses.push(response.status);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.arrayBuffer();
      url = new URL(location, url).toString();
      continue;
    }
    return { statuses, body: await response.text(), url };
  }
}

describe('runLoginServer (HTTP-driven)', () => {
  it('completes the PKCE flow and saves auth.json with mode 0600', async () => {
    const { home, issuer } = fixture;
    issuer.identity = { email: 'dev@example.com', accountId: 'acct_team', planType: 'team' };
    const server = await runLoginServer({
      codexHome: home,
      issuer: issuer.origin,
      port: 0,
      logger: quiet,
    });
    const authorize = new URL(server.authUrl);
    expect(authorize.origin + authorize.pathname).toBe(`${issuer.origin}/oauth/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'app_EMoamEEZ73f0CkXaXp7hrann',
      redirect_uri: `http://localhost:${server.port}/auth/callback`,
      scope: 'openid profile email offline_access',
      code_challenge_method: 'S256',
      id_token_add_organizations: 'true',
      codex_cli_simplified_flow: 'true',
      originator: 'codex_cli_rs',
    });
    const visit = await browse(server.authUrl);
    expect(visit.statuses).toEqual([302, 302, 200]);
    expect(visit.url).toBe(`http://localhost:${server.port}/success`);
    expect(visit.body).toContain('Signed in to Codex');
    expect(visit.body).toContain('dev@example.com');
    const result = await server.done;
    expect(result).toMatchObject({
      email: 'dev@example.com',
      accountId: 'acct_team',
      planType: 'team',
    });
    const exchange = issuer.requests.find(
      (request) => request.body.grant_type === 'authorization_code',
    );
    expect(pkceChallenge(String(exchange?.body.code_verifier))).toBe(
      authorize.searchParams.get('code_challenge'),
    );
    expect(statSync(join(home, 'auth.json')).mode & 0o777).toBe(0o600);
    const stored = await loadAuthDotJson(home, 'file');
    expect(stored?.authMode).toBe('chatgpt');
    expect(stored?.tokens?.accountId).toBe('acct_team');
    expect(JSON.parse(readFileSync(join(home, 'auth.json'), 'utf8')).tokens.refresh_token).toMatch(
      /^rt_/,
    );
  });

  it('refuses a callback with the wrong state and keeps waiting for the real one', async () => {
    const { home, issuer } = fixture;
    const server = await runLoginServer({
      codexHome: home,
      issuer: issuer.origin,
      port: 0,
      logger: quiet,
    });
    const forged = await fetch(
      `http://127.0.0.1:${server.port}/auth/callback?code=stolen&state=wrong`,
    );
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('state mismatch');
    const visit = await browse(server.authUrl);
    expect(visit.statuses.at(-1)).toBe(200);
    await expect(server.done).resolves.toMatchObject({ accountId: 'acct_mock' });
  });

  it('reports a declined consent and saves nothing', async () => {
    const { home, issuer } = fixture;
    issuer.denyNext = true;
    const server = await runLoginServer({
      codexHome: home,
      issuer: issuer.origin,
      port: 0,
      logger: quiet,
    });
    const visit = await browse(server.authUrl);
    expect(visit.body).toContain('the user declined');
    const error = await loginErrorOf(server.done);
    expect([error.code, error.message]).toEqual([
      'access_denied',
      'sign-in was not completed: the user declined',
    ]);
    expect(() => statSync(join(home, 'auth.json'))).toThrow(/ENOENT/);
  });

  it('refuses a login into another workspace when one is forced', async () => {
    const { home, issuer } = fixture;
    const server = await runLoginServer({
      codexHome: home,
      issuer: issuer.origin,
      port: 0,
      forcedWorkspaceId: 'acct_required',
      logger: quiet,
    });
    expect(new URL(server.authUrl).searchParams.get('allowed_workspace_id')).toBe('acct_required');
    const visit = await browse(server.authUrl);
    expect(visit.statuses.at(-1)).toBe(403);
    const error = await loginErrorOf(server.done);
    expect([error.code, error.message]).toEqual([
      'workspace_mismatch',
      'login is restricted to workspace acct_required, but you signed in to acct_mock',
    ]);
    expect(() => statSync(join(home, 'auth.json'))).toThrow(/ENOENT/);
  });

  it('stops on cancel(), on /cancel and on timeout', async () => {
    const { home, issuer } = fixture;
    const first = await runLoginServer({
      codexHome: home,
      issuer: issuer.origin,
      port: 0,
      logger: quiet,
    });
    first.cancel();
    expect((await loginErrorOf(first.done)).code).toBe('cancelled');
    await expect(fetch(`http://127.0.0.1:${first.port}/success`)).rejects.toThrow();

    const second = await runLoginServer({
      codexHome: home,
      issuer: issuer.origin,
      port: 0,
      logger: quiet,
    });
    expect((await fetch(`http://127.0.0.1:${second.port}/cancel`)).status).toBe(200);
    expect((await loginErrorOf(second.done)).code).toBe('cancelled');

    const third = await runLoginServer({
      codexHome: home,
      issuer: issuer.origin,
      port: 0,
      timeoutMs: 100,
      logger: quiet,
    });
    const timedOut = await loginErrorOf(third.done);
    expect([timedOut.code, timedOut.message]).toEqual([
      'timeout',
      'the login was not completed within 0 s',
    ]);
  });

  it('takes over the port from a previous login server, and falls back when something else holds it', async () => {
    const { home, issuer } = fixture;
    const previous = await runLoginServer({
      codexHome: home,
      issuer: issuer.origin,
      port: 0,
      logger: quiet,
    });
    const port = previous.port;
    const next = await runLoginServer({
      codexHome: home,
      issuer: issuer.origin,
      port,
      logger: quiet,
    });
    expect(next.port).toBe(port);
    expect((await loginErrorOf(previous.done)).code).toBe('cancelled');
    next.cancel();
    await next.done.catch(() => {});

    const squatter = createServer((_req, res) => res.end('not a login server'));
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve()));
    const busy = (squatter.address() as { port: number }).port;
    try {
      const moved = await runLoginServer({
        codexHome: home,
        issuer: issuer.origin,
        port: busy,
        logger: quiet,
      });
      expect(moved.port).toBeGreaterThan(busy);
      expect(moved.port).toBeLessThanOrEqual(busy + 10);
      expect(new URL(moved.authUrl).searchParams.get('redirect_uri')).toBe(
        `http://localhost:${moved.port}/auth/callback`,
      );
      moved.cancel();
      await moved.done.catch(() => {});
    } finally {
      squatter.close();
    }
  });
});
