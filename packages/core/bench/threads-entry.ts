// What bench/threads.mjs measures, bundled from the sources (the package does not export the
// thread index yet): bench/threads.mjs bundles this file with esbuild and runs it in children.
export {
  listItems,
  listThreads,
  listTurns,
  readThreadSummary,
  THREAD_INDEX_FILE,
} from '../src/threads/index/index.js';
export { loadThreadHistory } from '../src/threads/storage.js';
