export {
  capabilityTokenAuth,
  capabilityTokenFileAuth,
  capabilityTokenSha256Auth,
  DEFAULT_LISTEN_URL,
  type ListenTarget,
  parseListenUrl,
  signedBearerTokenFileAuth,
  type WebSocketAuth,
} from '@codex/jsonrpc/server';
export * from './client-index.js';
export {
  type RunningUnixServer,
  type RunningWebSocketServer,
  type StdioServeOptions,
  serveStdio,
  startUnixServer,
  startWebSocketServer,
  type UnixServeOptions,
  type WebSocketServeOptions,
} from './listen.js';
export {
  type ExecServerConnection,
  type ExecServerOptions,
  type ServedExecConnection,
  serveExecConnection,
} from './server.js';
