export { RolloutError, type RolloutErrorCode } from './errors.js';
export {
  type CompactedItem,
  type GitInfo,
  HISTORY_MODES,
  type HistoryMode,
  type KnownRolloutItemType,
  type PersistedEventMsg,
  parseRolloutLine,
  type RolloutItem,
  type RolloutLine,
  rolloutTimestamp,
  type SessionMeta,
  type SessionSource,
  serializeRolloutLine,
  type ThreadRolledBackEvent,
  type TurnContextItem,
  threadRolledBack,
  type WireSandboxPolicy,
} from './format.js';
export {
  ARCHIVED_SESSIONS_SUBDIR,
  codexHomeOf,
  findRolloutPath,
  isThreadId,
  rolloutFilePath,
  SESSIONS_SUBDIR,
} from './paths.js';
export { isPersistedResponseItem, type PersistedEventOptions, persistedEvent } from './policy.js';
export {
  type LoadedRollout,
  loadRollout,
  type ReadRolloutOptions,
  type RolloutReadWarning,
  readRolloutLines,
} from './reader.js';
export { HistoryReplay, type ReconstructedHistory, reconstructHistory } from './reconstruct.js';
export {
  type CreateRolloutOptions,
  type NewSessionMeta,
  type OpenRolloutOptions,
  RolloutRecorder,
} from './recorder.js';
export { turnContextItem, turnSettingsOf } from './turn-context.js';
export { WRITER_LOCK_DIR } from './writer-lock.js';
