export {
  type ApprovalAnswer,
  type ApprovalElicitParams,
  decisionOf,
  type ExecApprovalElicitParams,
  type PatchApprovalElicitParams,
} from './approvals.js';
export {
  CODEX_EVENT,
  type CodexEventNotification,
  type CodexNotification,
  INITIAL_STATE,
  type InitialStateNotification,
} from './notifications.js';
export {
  CodexMcpServer,
  type CodexMcpServerOptions,
  McpConnection,
  type RunningCall,
} from './server.js';
export { STREAM_METHOD, type StreamResult } from './streams.js';
export {
  CODEX_REPLY_TOOL,
  CODEX_TOOL,
  type CodexReplyArguments,
  type CodexToolArguments,
  type CodexToolOutput,
} from './tools.js';
export type { CodexToolResult } from './turn-call.js';
export { MCP_SERVER_VERSION } from './version.js';
