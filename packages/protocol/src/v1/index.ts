import type { MethodOf, TableParams, TableResult } from '../method-table.js';
import type { clientRequestsV1, serverNotificationsV1, serverRequestsV1 } from './methods.js';

export {
  type AddConversationListenerParams,
  AddConversationListenerParamsSchema,
  type AddConversationSubscriptionResponse,
  AddConversationSubscriptionResponseSchema,
  type CodexEventNotificationParams,
  CodexEventNotificationParamsSchema,
  type ConversationId,
  ConversationIdSchema,
  type EmptyResponse,
  EmptyResponseSchema,
  type GitDiffToRemoteParams,
  GitDiffToRemoteParamsSchema,
  type GitDiffToRemoteResponse,
  GitDiffToRemoteResponseSchema,
  type InputItem,
  InputItemSchema,
  type InterruptConversationParams,
  InterruptConversationParamsSchema,
  type InterruptConversationResponse,
  InterruptConversationResponseSchema,
  type NewConversationParams,
  NewConversationParamsSchema,
  type NewConversationResponse,
  NewConversationResponseSchema,
  type RemoveConversationListenerParams,
  RemoveConversationListenerParamsSchema,
  type SendUserMessageParams,
  SendUserMessageParamsSchema,
  type SendUserTurnParams,
  SendUserTurnParamsSchema,
} from './conversation.js';
export {
  type AuthMode,
  AuthModeSchema,
  type AuthStatusChangeNotification,
  AuthStatusChangeNotificationSchema,
  type CancelLoginChatGptParams,
  CancelLoginChatGptParamsSchema,
  type GetAuthStatusResponse,
  GetAuthStatusResponseSchema,
  type LoginChatGptCompleteNotification,
  LoginChatGptCompleteNotificationSchema,
  type LoginChatGptResponse,
  LoginChatGptResponseSchema,
} from './login.js';
export {
  type CodexEventMethod,
  clientRequestsV1,
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
