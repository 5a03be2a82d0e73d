import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';

const run = promisify(execFile);
const CHILD = join(import.meta.dirname, 'child.mjs');

export interface ChildOutcome {
  ok: boolean;
  result?: unknown;
  code?: string | null;
  message?: string;
  warnings: string[];
}

/** A fresh temporary CODEX_HOME, removed by `dispose`. */
export function tempHome(): { path: string; dispose: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'codex-auth-'));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

/** Environment without any D-Bus session or display: keytar cannot reach a keyring. */
export function envWithoutDbus(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  return env;
}

/** Runs one operation in a child process with the given environment. */
export async function inChild(
  command: Record<string, unknown>,
  env = envWithoutDbus(),
): Promise<ChildOutcome> {
  const { stdout } = await run(process.execPath, [CHILD, JSON.stringify(command)], {
    env,
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ChildOutcome;
}

/**
 * Runs several operations, in order, inside one private D-Bus session with an unlocked
 * gnome-keyring: a real Secret Service, as on a desktop.
 */
export async function inKeyringSession(
  commands: Record<string, unknown>[],
): Promise<ChildOutcome[]> {
  const steps = commands
    .map(
      (command) =>
        `${shellQuote(process.execPath)} ${shellQuote(CHILD)} ${shellQuote(JSON.stringify(command))}`,
    )
    .join('; ');
  const script = `printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; ${steps}`;
  // A private keyring folder, so that no existing login keyring (with another password) is used.
  const keyrings = mkdtempSync(join(tmpdir(), 'codex-keyring-'));
  try {
    const { stdout } = await run('dbus-run-session', ['--', 'sh', '-c', script], {
      env: { ...envWithoutDbus(), XDG_DATA_HOME: keyrings, HOME: keyrings },
      timeout: 60_000,
    });
    return parseOutcomes(stdout);
  } finally {
    rmSync(keyrings, { recursive: true, force: true });
  }
}

function parseOutcomes(stdout: string): ChildOutcome[] {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as ChildOutcome);
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const secret = new TextEncoder().encode('test-secret-test-secret-test-secret');

/** A real-shaped id token, as the auth issuer mints them (HS256, issuer, expiry). */
export function idToken(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setIssuer('https://auth.openai.com')
    .setExpirationTime('1h')
    .sign(secret);
}
