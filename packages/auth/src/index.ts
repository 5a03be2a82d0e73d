export {
  type AuthApiOptions,
  deleteAuth,
  loadAuthDotJson,
  loginWithApiKey,
  saveAuth,
} from './api.js';
export {
  AUTH_CREDENTIALS_STORE_MODES,
  AUTH_MODES,
  type AuthCredentialsStoreMode,
  type AuthDotJson,
  type AuthMode,
  parseAuthDotJson,
  resolvedMode,
  serializeAuthDotJson,
  storageMode,
  type TokenData,
} from './auth-dot-json.js';
export { type AuthLockOptions, withAuthLock } from './auth-lock.js';
export { AuthStorageError, type AuthStorageErrorCode } from './errors.js';
export {
  type IdTokenInfo,
  IdTokenInfoError,
  type IdTokenInfoErrorCode,
  jwtExpiresAt,
  KNOWN_PLANS,
  type KnownPlan,
  type PlanType,
  parseChatgptJwtClaims,
  planTypeFromRaw,
  planTypeToString,
} from './jwt.js';
export { AutoAuthStorage } from './storage/auto.js';
export type { AuthStorage } from './storage/backend.js';
export { type AuthStorageOptions, createAuthStorage } from './storage/create.js';
export { EphemeralAuthStorage } from './storage/ephemeral.js';
export { FileAuthStorage, type FileAuthStorageOptions } from './storage/file.js';
export { KEYRING_SERVICE, KeyringAuthStorage, type KeyringBackend } from './storage/keyring.js';
export { computeStoreKey } from './store-key.js';
