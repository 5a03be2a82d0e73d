import {
  type MethodOf,
  type NotificationTable,
  type RequestTable,
  type TableParams,
  type TableResult,
  v1,
  v2,
} from '@codex/protocol';
import { z } from 'zod';

/** `thread/rollback` params: drop the last `numTurns` turns of a thread. */
export const ThreadRollbackParamsSchema = z.object({
  /** The thread to roll back. */
  threadId: z.string(),
  /** How many of the last turns to drop; at least 1. */
  numTurns: z.number().int().min(1),
});
/** `thread/rollback` params. */
export type ThreadRollbackParams = z.infer<typeof ThreadRollbackParamsSchema>;

/** `thread/rollback` result: the thread as it is after the rollback, with its turns. */
export const ThreadRollbackResponseSchema = z.object({
  /** The thread after the rollback, with its remaining turns. */
  thread: v2.ThreadSchema,
});
/** `thread/rollback` result. */
export type ThreadRollbackResponse = z.infer<typeof ThreadRollbackResponseSchema>;

/**
 * Requests an app-server client may send: v2, the v1 conversation API, and `thread/rollback`
 * (an earlier v2 method the released schema dropped; kept for clients that still send it).
 */
export const clientRequests = {
  ...v2.clientRequestsV2,
  ...v1.clientRequestsV1,
  /** Drops the last turns of a thread (an earlier v2 method, kept for older clients). */
  'thread/rollback': {
    /** {@link ThreadRollbackParamsSchema} */
    params: ThreadRollbackParamsSchema,
    /** {@link ThreadRollbackResponseSchema} */
    result: ThreadRollbackResponseSchema,
  },
} as const satisfies RequestTable;

/** Notifications an app-server client may send. */
export const clientNotifications = v2.clientNotificationsV2;

/**
 * The table of {@link serverNotifications}, named: too large for declaration output to spell
 * out when inferred.
 */
export type ServerNotificationTable = typeof v2.serverNotificationsV2 &
  typeof v1.serverNotificationsV1;

/** Notifications the app-server sends: v2, and v1's `codex/event/*` and login notifications. */
export const serverNotifications: ServerNotificationTable = {
  ...v2.serverNotificationsV2,
  ...v1.serverNotificationsV1,
} as const satisfies NotificationTable;

/** Requests the app-server sends to its clients (approvals, token refresh). */
export const serverRequests = v2.serverRequestsV2;

/** What arrives at the server. */
export const serverIncoming = {
  requests: clientRequests,
  notifications: clientNotifications,
} as const;

/** What the server sends. */
export const serverOutgoing: {
  readonly requests: typeof serverRequests;
  readonly notifications: ServerNotificationTable;
} = {
  requests: serverRequests,
  notifications: serverNotifications,
} as const;

/** A request method a client may call. */
export type ClientRequestMethod = MethodOf<typeof clientRequests>;
/** The params of client request `M`. */
export type ClientRequestParams<M extends ClientRequestMethod> = TableParams<
  typeof clientRequests,
  M
>;
/** The result of client request `M`. */
export type ClientRequestResult<M extends ClientRequestMethod> = TableResult<
  typeof clientRequests,
  M
>;
/** A notification method the server sends. */
export type ServerNotificationMethod = MethodOf<typeof serverNotifications>;
/** The params of server notification `M`. */
export type ServerNotificationParams<M extends ServerNotificationMethod> = TableParams<
  typeof serverNotifications,
  M
>;
/** A request method the server sends. */
export type ServerRequestMethod = MethodOf<typeof serverRequests>;
/** The params of server request `M`. */
export type ServerRequestParams<M extends ServerRequestMethod> = TableParams<
  typeof serverRequests,
  M
>;
/** The result a client answers server request `M` with. */
export type ServerRequestResult<M extends ServerRequestMethod> = TableResult<
  typeof serverRequests,
  M
>;
