/**
 * `@codex/exec-server/client`: everything a client needs, without the server's CLI. The native
 * PTY module (node-pty) is loaded only if an in-process client starts a PTY process.
 *
 * @module client
 */
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
export { DEFAULT_EXEC_SERVER_CONFIG, type ExecServerConfig } from './config.js';
export {
  defaultExecServerCommand,
  type ExecServerLaunchCommand,
  type SpawnedExecServer,
  spawnLocalExecServer,
} from './local.js';
export { OrphanGuard, orphanGuard } from './orphan-guard.js';
