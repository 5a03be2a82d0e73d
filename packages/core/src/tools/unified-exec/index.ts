// The unified exec tools (`exec_command` / `write_stdin`): what the session needs from this folder.
export {
  type ExecCommandArgs,
  parseExecCommandArgs,
  parseWriteStdinArgs,
  type SandboxPermissions,
  type WriteStdinArgs,
} from './arguments.js';
export {
  DEFAULT_EXEC_YIELD_TIME_MS,
  DEFAULT_MAX_OUTPUT_TOKENS,
  DEFAULT_WRITE_STDIN_YIELD_TIME_MS,
  MAX_UNIFIED_EXEC_PROCESSES,
  MAX_YIELD_TIME_MS,
  MIN_EMPTY_YIELD_TIME_MS,
  MIN_YIELD_TIME_MS,
  UNIFIED_EXEC_OUTPUT_MAX_BYTES,
} from './constants.js';
export { UNIFIED_EXEC_ENV } from './environment.js';
export { UnifiedExecError, type UnifiedExecErrorCode } from './errors.js';
export type { OutputObserver } from './exec-process.js';
export {
  type ExecCommandRequest,
  UnifiedExecManager,
  type UnifiedExecManagerOptions,
  type WriteStdinRequest,
} from './manager.js';
export { type ExecCommandResult, formatExecCommandResult } from './result.js';
