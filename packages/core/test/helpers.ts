import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const run = promisify(execFile);

/**
 * Bundles a TypeScript fixture (and the package sources it imports) into one CommonJS file, so a
 * test can run it as a real separate Node process without a prior build.
 */
export async function bundleFixture(name: string): Promise<string> {
  const outfile = join(mkdtempSync(join(tmpdir(), 'codex-fixture-')), `${name}.cjs`);
  await build({
    entryPoints: [fileURLToPath(new URL(`./fixtures/${name}.ts`, import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    external: ['keytar', 'koffi'],
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
