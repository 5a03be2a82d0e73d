export {
  type AuthDecision,
  authorizeUpgrade,
  capabilityTokenAuth,
  capabilityTokenFileAuth,
  capabilityTokenSha256Auth,
  signedBearerTokenFileAuth,
  type WebSocketAuth,
} from './auth.js';
export { type CliOptions, parseCli, USAGE } from './cli.js';
export {
  type CommunicateOptions,
  type CommunicateResult,
  ExecServerClient,
  type ExecServerClientOptions,
  ExecServerError,
  type ExecServerErrorCode,
  type ExecServerEvent,
  type InProcessClientOptions,
  type WebSocketClientOptions,
} from './client.js';
export { DEFAULT_EXEC_SERVER_CONFIG, type ExecServerConfig, resolveConfig } from './config.js';
export {
  type ExecEventSink,
  type ExecExitEvent,
  type ExecOutputEvent,
  ExecServerHandler,
  type ExecServerHandlerOptions,
  type ProcessRead,
  type ReadChunk,
  type StartParams,
} from './handler.js';
export {
  DEFAULT_LISTEN_URL,
  type ListenTarget,
  parseListenUrl,
  type RunningWebSocketServer,
  type StdioServeOptions,
  serveStdio,
  startWebSocketServer,
  type WebSocketServeOptions,
} from './listen.js';
export {
  defaultExecServerCommand,
  type ExecServerLaunchCommand,
  type SpawnedExecServer,
  spawnLocalExecServer,
} from './local.js';
export { type ProcessExit, SpawnError, type SpawnErrorKind, signalExitCode } from './process.js';
export { type OutputChunk, RetainedOutput, type RetainedRead } from './retained-output.js';
export {
  type ExecServerConnection,
  type ExecServerOptions,
  execServerErrorPolicy,
  execServerIncoming,
  execServerOutgoing,
  type ServedExecConnection,
  serveExecConnection,
} from './server.js';
