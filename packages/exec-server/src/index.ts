export {
  capabilityTokenAuth,
  capabilityTokenFileAuth,
  capabilityTokenSha256Auth,
  signedBearerTokenFileAuth,
  type WebSocketAuth,
} from './auth.js';
export * from './client-index.js';
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
  type ExecServerConnection,
  type ExecServerOptions,
  type ServedExecConnection,
  serveExecConnection,
} from './server.js';
