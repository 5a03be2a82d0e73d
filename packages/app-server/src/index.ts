export type { ThreadConfigRequest } from '@codex/core';
/** What a request or connection fails with: an error answer, or a closed / refused connection. */
export { ConnectionError, type ConnectionErrorCode } from '@codex/jsonrpc';
export { JsonRpcError } from '@codex/protocol';
export {
  AppServerClient,
  type AppServerClientOptions,
  type ConnectAppServerOptions,
  type ReceivedNotification,
  type SpawnAppServerOptions,
} from './client.js';
export type { ClientSession } from './client-session.js';
export {
  type AppServerListener,
  type ListenOptions,
  listenAppServer,
  serveStdio,
} from './listen.js';
export { RemoteCodex, type RemoteCodexOptions } from './sdk/index.js';
export { AppServer, type AppServerOptions } from './server.js';
export {
  type ClientRequestMethod,
  type ClientRequestParams,
  type ClientRequestResult,
  clientNotifications,
  clientRequests,
  type ServerNotificationMethod,
  type ServerNotificationParams,
  type ServerRequestMethod,
  type ServerRequestParams,
  type ServerRequestResult,
  serverNotifications,
  serverRequests,
  type ThreadRollbackParams,
  ThreadRollbackParamsSchema,
  type ThreadRollbackResponse,
  ThreadRollbackResponseSchema,
} from './tables.js';
