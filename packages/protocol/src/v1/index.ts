import type { MethodOf, TableParams, TableResult } from '../method-table.js';
import type { clientRequestsV1, serverNotificationsV1, serverRequestsV1 } from './methods.js';

export {
  AddConversationListenerParamsSchema,
  type AddConversationListenerParams,
  AddConversationSubscriptionResponseSchema,
  type AddConversationSubscriptionResponse,
  CodexEventNotificationParamsSchema,
  type CodexEventNotificationParams,
  ConversationIdSchema,
  type ConversationId,
  EmptyResponseSchema,
  type EmptyResponse,
  GitDiffToRemoteParamsSchema,
  type GitDiffToRemoteParams,
  GitDiffToRemoteResponseSchema,
  type GitDiffToRemoteResponse,
  InputItemSchema,
  type InputItem,
  InterruptConversationParamsSchema,
  type InterruptConversationParams,
  InterruptConversationResponseSchema,
  type InterruptConversationResponse,
  NewConversationParamsSchema,
  type NewConversationParams,
  NewConversationResponseSchema,
  type NewConversationResponse,
  RemoveConversationListenerParamsSchema,
  type RemoveConversationListenerParams,
  SendUserMessageParamsSchema,
  type SendUserMessageParams,
  SendUserTurnParamsSchema,
  type SendUserTurnParams,
} from './conversation.js';
export {
  AuthModeSchema,
  type AuthMode,
  AuthStatusChangeNotificationSchema,
  type AuthStatusChangeNotification,
  CancelLoginChatGptParamsSchema,
  type CancelLoginChatGptParams,
  GetAuthStatusResponseSchema,
  type GetAuthStatusResponse,
  LoginChatGptCompleteNotificationSchema,
  type LoginChatGptCompleteNotification,
  LoginChatGptResponseSchema,
  type LoginChatGptResponse,
} from './login.js';
export {
  clientRequestsV1,
  type CodexEventMethod,
  codexEventMethod,
  serverNotificationsV1,
  serverRequestsV1,
} from './methods.js';

type Requests = typeof clientRequestsV1 & typeof serverRequestsV1;
type Notifications = typeof serverNotificationsV1;
/** Every v1 request method, either direction. */
export type RequestMethod = MethodOf<Requests>;
/** Every v1 notification method. */
export type NotificationMethod = MethodOf<Notifications>;
/** Every v1 method. */
export type Method = RequestMethod | NotificationMethod;
/** The params type of a v1 method. */
export type ParamsOf<M extends Method> = M extends RequestMethod
  ? TableParams<Requests, M>
  : M extends NotificationMethod
    ? TableParams<Notifications, M>
    : never;
/** The result type of a v1 request method. */
export type ResultOf<M extends RequestMethod> = TableResult<Requests, M>;
