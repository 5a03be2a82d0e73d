import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from '@codex/common';
import { build } from 'esbuild';

const run = promisify(execFile);

/**
 * Bundles a TypeScript fixture (and this package's sources it imports) into one CommonJS file,
 * so a test can run it as a real separate Node process without building this package. Other
 * workspace packages stay external: the bundle sits inside this package, so it loads their
 * builds (and their native modules) as an installed copy would.
 */
export async function bundleFixture(name: string): Promise<string> {
  const bundles = fileURLToPath(new URL('./.bundles/', import.meta.url));
  mkdirSync(bundles, { recursive: true });
  const outfile = join(mkdtempSync(join(bundles, `${name}-`)), `${name}.cjs`);
  await build({
    entryPoints: [fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    external: [
      'keytar',
      'koffi',
      '@codex/common',
      '@codex/common/*',
      '@codex/auth',
      '@codex/protocol',
    ],
    tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)),
    logLevel: 'silent',
  });
  return outfile;
}

/** Runs a bundled fixture with `node`; resolves with its stdout. */
export async function runFixture(
  file: string,
  args: readonly string[],
  timeoutMs = 20_000,
): Promise<string> {
  const { stdout } = await run(process.execPath, [file, ...args], { timeout: timeoutMs });
  return stdout;
}

/** A logger that records what it is told, one line per call. */
export function recordingLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (message: string, error?: unknown) => {
    lines.push(`${level} ${message}${error instanceof Error ? `: ${error.message}` : ''}`);
  };
  return { lines, debug: record('debug'), warn: record('warn'), error: record('error') };
}

/** Whether a process with this pid exists (a zombie counts until reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Polls until the process is gone or `withinMs` passes; resolves with whether it is gone. */
export async function processGone(pid: number, withinMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (isAlive(pid) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  return !isAlive(pid);
}
