// One writer for locks.mjs: read-modify-writes auth.json as fast as it can, adding one to its
// own counter each time, and prints the count after each acknowledged write. SIGTERM makes it
// stop after the write in progress (an orderly exit); SIGKILL stops it anywhere.
//   node writer.mjs <codexHome> <tag>
import { FileAuthStorage } from '../dist/index.js';

const [codexHome, tag] = process.argv.slice(2);
const quiet = { debug() {}, warn() {}, error() {} };
const storage = new FileAuthStorage(codexHome, { lockTimeoutMs: 60_000, logger: quiet });
let acknowledged = 0;
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});
while (!stopping) {
  await storage.update((current) => ({
    ...(current ?? { openaiApiKey: null }),
    extra: { ...(current?.extra ?? {}), [tag]: acknowledged + 1 },
  }));
  acknowledged += 1;
  process.stdout.write(`${acknowledged}\n`);
}
