import type { MethodOf, TableParams, TableResult } from '../method-table.js';
import type { execClientNotifications, execRequests, execServerNotifications } from './methods.js';

export { execClientNotifications, execRequests, execServerNotifications } from './methods.js';
export {
  type ByteChunk,
  ByteChunkSchema,
  type CloseStdinParams,
  CloseStdinParamsSchema,
  EXEC_SERVER_PROTOCOL_VERSION,
  ExecEmptyResponseSchema,
  type ExecExitedNotification,
  ExecExitedNotificationSchema,
  ExecInitializedParamsSchema,
  type ExecInitializeParams,
  ExecInitializeParamsSchema,
  type ExecInitializeResponse,
  ExecInitializeResponseSchema,
  type ExecOutputDeltaNotification,
  ExecOutputDeltaNotificationSchema,
  type ExecOutputStream,
  ExecOutputStreamSchema,
  type ExecParams,
  ExecParamsSchema,
  type ExecResponse,
  ExecResponseSchema,
  type ProcessId,
  ProcessIdSchema,
  type ProcessOutputChunk,
  ProcessOutputChunkSchema,
  type ReadParams,
  ReadParamsSchema,
  type ReadResponse,
  ReadResponseSchema,
  type ResizeParams,
  ResizeParamsSchema,
  type TerminalSize,
  TerminalSizeSchema,
  type TerminateParams,
  TerminateParamsSchema,
  type TerminateResponse,
  TerminateResponseSchema,
  type WriteParams,
  WriteParamsSchema,
  type WriteResponse,
  WriteResponseSchema,
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
