// Thread listing and paged history at scale: summaries from rollout heads, the SQLite index
// beside the rollouts, names, archive / unarchive, and turn / item pages read as streams.
export { archiveThread, unarchiveThread } from './archive.js';
export { ThreadIndexError, type ThreadIndexErrorCode } from './errors.js';
export {
  DEFAULT_ITEM_PAGE_SIZE,
  DEFAULT_TURN_PAGE_SIZE,
  type HistoryItem,
  type ItemPage,
  type ListItemsOptions,
  type ListTurnsOptions,
  listItems,
  listTurns,
  MAX_ITEM_PAGE_SIZE,
  MAX_TURN_PAGE_SIZE,
  type TurnPage,
  type TurnStatus,
  type TurnSummary,
} from './history.js';
export {
  DEFAULT_THREAD_PAGE_SIZE,
  type ListThreadsOptions,
  listThreads,
  MAX_THREAD_PAGE_SIZE,
  type ThreadPage,
} from './list.js';
export {
  readThreadNames,
  SESSION_INDEX_FILE,
  setThreadName,
  type ThreadNameEntry,
} from './names.js';
export { ARCHIVED_SESSIONS_SUBDIR, SESSIONS_SUBDIR } from './rollout-files.js';
export { readThreadSummary, type ThreadSummary } from './summary.js';
export { type RefreshStats, THREAD_INDEX_FILE, ThreadIndex } from './thread-index.js';
