export { loginWithApiKey } from '@codex/auth';
export {
  type AccountOptions,
  type LoginStatus,
  type LogoutOptions,
  type LogoutResult,
  loginStatus,
  logout,
} from './account.js';
export { LOGIN_CLI_USAGE, type LoginCliIo, runLoginCli } from './cli.js';
export {
  DEVICE_CODE_GRANT,
  type DeviceCodeLoginOptions,
  type DeviceCodePrompt,
  loginWithDeviceCode,
} from './device-code.js';
export { errorPage, successPage } from './pages.js';
export { generatePkce, generateState, type PkceCodes, pkceChallenge } from './pkce.js';
export {
  buildAuthorizeUrl,
  CLIENT_ID,
  DEFAULT_ISSUER,
  DEFAULT_LOGIN_PORT,
  type ExchangedTokens,
  exchangeCodeForTokens,
  LOGIN_SCOPES,
  LOGIN_TIMEOUT_MS,
  LoginError,
  type LoginErrorCode,
  type LoginResult,
  type LoginServer,
  type LoginServerOptions,
  openInBrowser,
  runLoginServer,
  saveChatgptTokens,
} from './server.js';
