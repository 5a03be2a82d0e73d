export {
  DEFAULT_LISTEN_URL,
  isLoopbackHost,
  type ListenTarget,
  type ParseListenUrlOptions,
  parseListenUrl,
} from './listen-url.js';
export {
  type RunningUnixListener,
  startUnixListener,
  type UnixListenerOptions,
} from './unix-listener.js';
export {
  type AuthDecision,
  authorizeUpgrade,
  capabilityTokenAuth,
  capabilityTokenFileAuth,
  capabilityTokenSha256Auth,
  DEFAULT_MAX_CLOCK_SKEW_SECONDS,
  type SignedBearerTokenChecks,
  signedBearerTokenFileAuth,
  type WebSocketAuth,
} from './upgrade-auth.js';
export {
  type ParseWebSocketAuthFlagsOptions,
  parseWebSocketAuthFlags,
  WEBSOCKET_AUTH_FLAG_OPTIONS,
  type WebSocketAuthFlags,
} from './upgrade-auth-flags.js';
export type { ConnectionListener, UpgradeInfo } from './upgrade-server.js';
export {
  type RunningListener,
  startWebSocketListener,
  type WebSocketListenerOptions,
} from './websocket-listener.js';
