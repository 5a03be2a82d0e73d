import type { MethodOf, TableParams, TableResult } from '../method-table.js';
import type { execClientNotifications, execRequests, execServerNotifications } from './methods.js';

export { execClientNotifications, execRequests, execServerNotifications } from './methods.js';
export {
  ByteChunkSchema,
  type ByteChunk,
  CloseStdinParamsSchema,
  type CloseStdinParams,
  EXEC_SERVER_PROTOCOL_VERSION,
  ExecEmptyResponseSchema,
  ExecExitedNotificationSchema,
  type ExecExitedNotification,
  ExecInitializeParamsSchema,
  type ExecInitializeParams,
  ExecInitializeResponseSchema,
  type ExecInitializeResponse,
  ExecInitializedParamsSchema,
  ExecOutputDeltaNotificationSchema,
  type ExecOutputDeltaNotification,
  ExecOutputStreamSchema,
  type ExecOutputStream,
  ExecParamsSchema,
  type ExecParams,
  ExecResponseSchema,
  type ExecResponse,
  ProcessIdSchema,
  type ProcessId,
  ProcessOutputChunkSchema,
  type ProcessOutputChunk,
  ReadParamsSchema,
  type ReadParams,
  ReadResponseSchema,
  type ReadResponse,
  ResizeParamsSchema,
  type ResizeParams,
  TerminalSizeSchema,
  type TerminalSize,
  TerminateParamsSchema,
  type TerminateParams,
  TerminateResponseSchema,
  type TerminateResponse,
  WriteParamsSchema,
  type WriteParams,
  WriteResponseSchema,
  type WriteResponse,
} from './process.js';

type Notifications = typeof execClientNotifications & typeof execServerNotifications;
/** Every exec-server request method. */
export type RequestMethod = MethodOf<typeof execRequests>;
/** Every exec-server notification method, either direction. */
export type NotificationMethod = MethodOf<Notifications>;
/** Every exec-server method. */
export type Method = RequestMethod | NotificationMethod;
/** The params type of an exec-server method. */
export type ParamsOf<M extends Method> = M extends RequestMethod
  ? TableParams<typeof execRequests, M>
  : M extends NotificationMethod
    ? TableParams<Notifications, M>
    : never;
/** The result type of an exec-server request method. */
export type ResultOf<M extends RequestMethod> = TableResult<typeof execRequests, M>;
