// Helpers the examples share (not an example: run-all skips files whose names start with `_`).
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** How long an example waits for anything before it fails. */
export const TIMEOUT_MS = 30_000;

/** The absolute path of a package's bin, from its package.json. */
export function binPath(packageName, binName) {
  const manifestUrl = import.meta.resolve(`${packageName}/package.json`);
  const { bin } = JSON.parse(readFileSync(fileURLToPath(manifestUrl), 'utf8'));
  return fileURLToPath(new URL(bin[binName], manifestUrl));
}

/** Fails the example if `condition` does not hold. */
export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  console.log(`  ✓ ${message}`);
}

/**
 * The `ws://` URL a server bin started with `--listen ws://127.0.0.1:0` logs on stderr once it
 * listens; its other stderr lines are passed through, prefixed with `name`.
 */
export function listeningUrl(child, name) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not listen in time`)), TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    createInterface({ input: child.stderr }).on('line', (line) => {
      const listening = /listening on (ws:\/\/\S+)/.exec(line);
      if (listening) {
        clearTimeout(timer);
        resolve(listening[1]);
      } else {
        process.stderr.write(`[${name}] ${line}\n`);
      }
    });
  });
}
