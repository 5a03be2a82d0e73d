export { Codex, type CodexOptions } from './codex.js';
export { CodexRunError, type CodexRunErrorCode } from './errors.js';
export {
  type ApprovalResults,
  approvalResult,
  CodexThread,
  type CodexThreadSettings,
  type ThreadNotification,
  type ThreadTransport,
  type ThreadWireMessage,
} from './thread.js';
export type {
  ApprovalAnswer,
  ApprovalDecision,
  ApprovalHandler,
  ApprovalRequest,
  CodexApi,
  CodexInput,
  CodexInputItem,
  CodexThreadApi,
  CodexThreadOptions,
  RunOptions,
  RunResult,
  ThreadStreamEvent,
  TurnUsage,
} from './types.js';
