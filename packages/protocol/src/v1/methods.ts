import { EVENT_MSG_TYPES, type EventMsgType } from '../core/events.js';
import { NoParamsSchema, type NotificationTable, type RequestTable } from '../method-table.js';
import {
  ApplyPatchApprovalParamsSchema,
  ApplyPatchApprovalResponseSchema,
  ExecCommandApprovalParamsSchema,
  ExecCommandApprovalResponseSchema,
} from '../v2/approval.js';
import {
  AddConversationListenerParamsSchema,
  AddConversationSubscriptionResponseSchema,
  CodexEventNotificationParamsSchema,
  EmptyResponseSchema,
  GitDiffToRemoteParamsSchema,
  GitDiffToRemoteResponseSchema,
  InterruptConversationParamsSchema,
  InterruptConversationResponseSchema,
  NewConversationParamsSchema,
  NewConversationResponseSchema,
  RemoveConversationListenerParamsSchema,
  SendUserMessageParamsSchema,
  SendUserTurnParamsSchema,
} from './conversation.js';
import {
  AuthStatusChangeNotificationSchema,
  CancelLoginChatGptParamsSchema,
  GetAuthStatusResponseSchema,
  LoginChatGptCompleteNotificationSchema,
  LoginChatGptResponseSchema,
} from './login.js';

/** The v1 conversation API: requests a client sends. */
export const clientRequestsV1 = {
  newConversation: { params: NewConversationParamsSchema, result: NewConversationResponseSchema },
  sendUserMessage: { params: SendUserMessageParamsSchema, result: EmptyResponseSchema },
  sendUserTurn: { params: SendUserTurnParamsSchema, result: EmptyResponseSchema },
  interruptConversation: {
    params: InterruptConversationParamsSchema,
    result: InterruptConversationResponseSchema,
  },
  addConversationListener: {
    params: AddConversationListenerParamsSchema,
    result: AddConversationSubscriptionResponseSchema,
  },
  removeConversationListener: {
    params: RemoveConversationListenerParamsSchema,
    result: EmptyResponseSchema,
  },
  loginChatGpt: { params: NoParamsSchema, result: LoginChatGptResponseSchema },
  cancelLoginChatGpt: { params: CancelLoginChatGptParamsSchema, result: EmptyResponseSchema },
  logoutChatGpt: { params: NoParamsSchema, result: EmptyResponseSchema },
  getAuthStatus: { params: NoParamsSchema, result: GetAuthStatusResponseSchema },
  gitDiffToRemote: { params: GitDiffToRemoteParamsSchema, result: GitDiffToRemoteResponseSchema },
} as const satisfies RequestTable;

/** The method of a v1 event notification. */
export type CodexEventMethod = `codex/event/${EventMsgType}`;

/** Builds the method string that carries core events of type `type`. */
export const codexEventMethod = <T extends EventMsgType>(type: T): `codex/event/${T}` =>
  `codex/event/${type}`;

const eventNotifications = Object.fromEntries(
  EVENT_MSG_TYPES.map((type) => [
    codexEventMethod(type),
    { params: CodexEventNotificationParamsSchema },
  ]),
) as {
  readonly [M in CodexEventMethod]: { readonly params: typeof CodexEventNotificationParamsSchema };
};

/** Notifications the v1 server sends: login outcome, auth changes, and one per core event. */
export const serverNotificationsV1 = {
  loginChatGptComplete: { params: LoginChatGptCompleteNotificationSchema },
  authStatusChange: { params: AuthStatusChangeNotificationSchema },
  ...eventNotifications,
} as const satisfies NotificationTable;

/**
 * Approval requests the v1 server sends to its client. A failed or unparsable reply counts
 * as `denied`.
 */
export const serverRequestsV1 = {
  execCommandApproval: {
    params: ExecCommandApprovalParamsSchema,
    result: ExecCommandApprovalResponseSchema,
  },
  applyPatchApproval: {
    params: ApplyPatchApprovalParamsSchema,
    result: ApplyPatchApprovalResponseSchema,
  },
} as const satisfies RequestTable;
