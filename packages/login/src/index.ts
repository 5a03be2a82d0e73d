export { loginWithApiKey } from '@codex/auth';
export {
  type LoginStatus,
  type LoginStatusOptions,
  loginStatus,
  maskApiKey,
} from './account.js';
export { LOGIN_CLI_USAGE, type LoginCliIo, runLoginCli } from './cli.js';
export {
  type DeviceCodeLoginOptions,
  type DeviceCodePrompt,
  loginWithDeviceCode,
} from './device-code.js';
export { LoginError, type LoginErrorCode } from './errors.js';
export type { ForcedWorkspaces, LoginResult } from './save.js';
export {
  DEFAULT_LOGIN_PORT,
  LOGIN_TIMEOUT_MS,
  type LoginServer,
  type LoginServerOptions,
  runLoginServer,
} from './server.js';
