// The public surface of @codex/core. Everything else is internal: tests import it from `src`.

/** Thrown when credentials cannot be read or stored (a lock timeout among them). */
export { AuthStorageError, type AuthStorageErrorCode } from '@codex/auth';
export {
  createConsoleLogger,
  type Logger,
  setDefaultLogger,
  silentLogger,
} from '@codex/common';
export {
  AuthManager,
  type AuthManagerOptions,
  type AuthSource,
  type CodexAuth,
  type ExternalAuthRefreshContext,
  type ExternalAuthRefresher,
  type ExternalAuthTokens,
  type LogoutResult,
  type ModelAuthProvider,
} from './auth/manager.js';
export {
  type AuthorizeUrlParams,
  CLIENT_ID,
  DEFAULT_ISSUER,
  type DeviceAuthorization,
  type DevicePoll,
  type LoginTokens,
  OAuthClient,
  type OAuthClientOptions,
  OAuthError,
  type OAuthErrorCode,
  type RefreshedTokens,
} from './auth/oauth.js';
export { RefreshTokenError, type RefreshTokenErrorCode } from './auth/refresh.js';
export { ModelError, type ModelErrorCode } from './client/errors.js';
export {
  ModelClient,
  type ModelClientOptions,
  type StreamOptions,
} from './client/model-client.js';
export type { TurnSettings } from './client/responses.js';
export type {
  ContentItem,
  JsonSchema,
  Prompt,
  ResponseEvent,
  ResponseItem,
  TokenUsage,
  ToolSpec,
} from './client/types.js';
export type { MergeStrategy } from './config/edit.js';
export { ConfigError, type ConfigErrorCode } from './config/errors.js';
export {
  type Config,
  type ConfigLayer,
  type ConfigLayerMetadata,
  type ConfigLayerSource,
  type ConfigOverrides,
  type ConfigWarning,
  DEFAULT_MODEL,
  findCodexHome,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  profileConfigFile,
  type SandboxWorkspaceWrite,
  type ShellEnvironmentPolicy,
  SYSTEM_CONFIG_FILE,
} from './config/load.js';
export {
  combineInstructions,
  discoverProjectDocs,
  type ProjectDocOptions,
  type ProjectDocs,
} from './config/project-doc.js';
export { configReadResponse, type ReadConfigOptions, readConfig } from './config/read.js';
export type {
  ApprovalPolicy,
  ConfigToml,
  ForcedLoginMethod,
  ReasoningEffort,
  ReasoningSummary,
  SandboxMode,
  Verbosity,
} from './config/schema.js';
export {
  batchWriteConfig,
  type ConfigValueEdit,
  type ConfigWriteOptions,
  type ConfigWriteResult,
  writeConfigValue,
} from './config/write.js';
export {
  collectGitInfo,
  GitError,
  type GitErrorCode,
  type GitInfo,
  gitDiffToRemote,
} from './git/index.js';
export {
  type HookListing,
  type HookMetadata,
  type HookOutputEntry,
  type HookRunSummary,
  Hooks,
  type HooksLoadOptions,
  loadHookListing,
} from './hooks/index.js';
export type { McpServerConfig, McpToolApprovalMode, McpTransportConfig } from './mcp/config.js';
export {
  listMcpServers,
  McpCallError,
  type McpCallErrorCode,
  type McpElicitation,
  type McpElicitationAnswer,
  type McpServerState,
  type McpServerStatus,
} from './mcp/connections.js';
export {
  builtInModelProviders,
  createOpenaiProvider,
  createOssProvider,
  EnvVarError,
  type ModelProviderInfo,
  type WireApi,
} from './providers.js';
export { BashParserError, type BashParserErrorCode } from './sandbox/bash-parser.js';
export type { SandboxStatus } from './sandbox/bubblewrap.js';
export {
  appendAllowRule,
  ExecPolicy,
  type ExecPolicyDecision,
  ExecPolicyError,
  type ExecPolicyErrorCode,
  type ExecPolicyEvaluation,
  parseRules,
  type Rule as ExecPolicyRule,
} from './sandbox/exec-policy/index.js';
export {
  isKnownSafeCommand,
  isKnownSafeCommandAsync,
  loadBashParser,
  parseShellScript,
} from './sandbox/safe-command.js';
export { looksLikeSandboxDenial, Sandbox } from './sandbox/sandbox.js';
export { shellEnvironment } from './sandbox/shell-environment.js';
export {
  type ApprovalAnswer,
  type ApprovalDecision,
  type ApprovalHandler,
  type ApprovalRequest,
  type ApprovalResults,
  approvalResult,
  Codex,
  type CodexApi,
  type CodexInput,
  type CodexInputItem,
  type CodexOptions,
  CodexRunError,
  type CodexRunErrorCode,
  CodexThread,
  type CodexThreadApi,
  type CodexThreadOptions,
  type CodexThreadSettings,
  type DeltaEvent,
  type ItemEvent,
  type PlanUpdatedEvent,
  type RunOptions,
  type RunResult,
  type StreamErrorEvent,
  type ThreadNotification,
  type ThreadStreamEvent,
  type ThreadTransport,
  type ThreadWireMessage,
  type TurnCompletedEvent,
  type TurnErrorInfo,
  type TurnFailedEvent,
  type TurnInterruptedEvent,
  type TurnStartedEvent,
  type TurnUsage,
  threadConfigRequest,
  type UsageUpdatedEvent,
  type WarningEvent,
} from './sdk/index.js';
export { SessionError, type SessionErrorCode } from './session/errors.js';
export type { SessionRecorder } from './session/recorder.js';
export {
  type ExecServerOption,
  Session,
  type SessionOptions,
} from './session/session.js';
export {
  type DynamicToolAnswer,
  type HostTool,
  type HostToolContext,
  runHostTool,
} from './session/tools/dynamic.js';
export type { TurnSettings as SessionTurnSettings } from './session/turn-context.js';
export { sandboxPolicyOf } from './session/turn-context.js';
export type { EventHubOptions, Subscription, ThreadEvent } from './threads/event-hub.js';
export {
  type ThreadConfigRequest,
  ThreadHost,
  type ThreadHostOptions,
} from './threads/host.js';
export {
  type HistoryItem,
  type ItemPage,
  type ListItemsOptions,
  type ListThreadsOptions,
  type ListTurnsOptions,
  listItems,
  listTurns,
  readThreadSummary,
  ThreadIndexError,
  type ThreadIndexErrorCode,
  type ThreadPage,
  type ThreadSummary,
  type TurnPage,
  type TurnStatus,
  type TurnSummary,
} from './threads/index/index.js';
export {
  type ThreadLifecycleEvent,
  type ThreadLocator,
  ThreadManager,
  type ThreadManagerOptions,
  type ThreadStartOptions,
} from './threads/manager.js';
export {
  findRolloutPath,
  type LoadedRollout,
  loadRollout,
  RolloutError,
  type RolloutErrorCode,
  type RolloutItem,
  type RolloutLine,
  RolloutRecorder,
  readRolloutLines,
  reconstructHistory,
  type SessionMeta,
} from './threads/rollout/index.js';
export { Thread } from './threads/thread.js';
export {
  type AppliedChanges,
  ApplyPatchError,
  type ApplyPatchErrorCode,
  type ApplyPatchResult,
  applyPatch,
  extractPatchFromCommand,
  extractPatchFromScript,
  type ParsedPatch,
  type PatchHunk,
  type PatchInvocation,
  type PatchPreview,
  parsePatch,
  previewPatch,
  type UpdateFileChunk,
} from './tools/apply-patch/index.js';
export { type ParsedArguments, parseArguments } from './tools/arguments.js';
