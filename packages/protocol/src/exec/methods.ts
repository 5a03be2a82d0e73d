import type { NotificationTable, RequestTable } from '../method-table.js';
import {
  CloseStdinParamsSchema,
  ExecEmptyResponseSchema,
  ExecExitedNotificationSchema,
  ExecInitializedParamsSchema,
  ExecInitializeParamsSchema,
  ExecInitializeResponseSchema,
  ExecOutputDeltaNotificationSchema,
  ExecParamsSchema,
  ExecResponseSchema,
  ReadParamsSchema,
  ReadResponseSchema,
  ResizeParamsSchema,
  TerminateParamsSchema,
  TerminateResponseSchema,
  WriteParamsSchema,
  WriteResponseSchema,
} from './process.js';

/** exec-server requests (client → server). */
export const execRequests = {
  initialize: { params: ExecInitializeParamsSchema, result: ExecInitializeResponseSchema },
  'process/start': { params: ExecParamsSchema, result: ExecResponseSchema },
  'process/read': { params: ReadParamsSchema, result: ReadResponseSchema },
  'process/write': { params: WriteParamsSchema, result: WriteResponseSchema },
  'process/terminate': { params: TerminateParamsSchema, result: TerminateResponseSchema },
  'process/resize': { params: ResizeParamsSchema, result: ExecEmptyResponseSchema },
  'process/closeStdin': { params: CloseStdinParamsSchema, result: ExecEmptyResponseSchema },
} as const satisfies RequestTable;

/** exec-server notifications a client sends. */
export const execClientNotifications = {
  initialized: { params: ExecInitializedParamsSchema },
} as const satisfies NotificationTable;

/** exec-server notifications (server → client). */
export const execServerNotifications = {
  'process/output': { params: ExecOutputDeltaNotificationSchema },
  'process/exited': { params: ExecExitedNotificationSchema },
} as const satisfies NotificationTable;
