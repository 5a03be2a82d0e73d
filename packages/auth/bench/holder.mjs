// Takes auth.json's commit lock and holds it until killed.   node holder.mjs <codexHome>
import { FileAuthStorage } from '../dist/index.js';

const storage = new FileAuthStorage(process.argv[2], { lockTimeoutMs: 60_000 });
await storage.update(async (current) => {
  process.stdout.write('locked\n');
  await new Promise(() => setInterval(() => {}, 60_000));
  return current;
});
