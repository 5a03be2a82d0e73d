// Takes codex-ts file locks in a separate process, against the built package.
//   node lock-child.mjs hold <lockPath>                  → prints "locked", holds until killed
//   node --expose-gc lock-child.mjs hold-and-collect <lockPath>  → the same, collecting garbage
//   node lock-child.mjs hold-then-write <lockPath> <file> <text> <ms>
//   node lock-child.mjs count <lockPath> <file> <times>  → read-increment-write under the lock
import { readFile } from 'node:fs/promises';
import { withFileLock, writeFileAtomic } from '../dist/files.js';

const [op, lockPath, ...rest] = process.argv.slice(2);
const options = { timeoutMs: 60_000 };
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

switch (op) {
  case 'hold':
    await withFileLock(lockPath, options, async () => {
      process.stdout.write('locked\n');
      // A timer keeps the process (and so the lock) alive until it is killed.
      await new Promise(() => setInterval(() => {}, 60_000));
    });
    break;
  case 'hold-and-collect':
    // Holds the lock while awaiting a promise nothing references, collecting garbage: the
    // lock's descriptor must not be collected with it.
    await withFileLock(lockPath, options, async () => {
      for (let i = 0; i < 5; i++) {
        globalThis.gc();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      process.stdout.write('locked\n');
      await new Promise(() => {
        setInterval(() => globalThis.gc(), 20);
      });
    });
    break;
  case 'hold-then-write': {
    const [file, text, ms] = rest;
    await withFileLock(lockPath, options, async () => {
      process.stdout.write('locked\n');
      await sleep(Number(ms));
      await writeFileAtomic(file, text);
    });
    process.stdout.write('written\n');
    break;
  }
  case 'count': {
    const [file, times] = rest;
    for (let i = 0; i < Number(times); i++) {
      await withFileLock(lockPath, options, async () => {
        const current = Number(await readFile(file, 'utf8').catch(() => '0'));
        await writeFileAtomic(file, String(current + 1));
      });
    }
    break;
  }
  default:
    throw new Error(`unknown op ${op}`);
}
