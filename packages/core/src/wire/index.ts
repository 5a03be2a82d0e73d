// `@codex/core/wire`: a thread as the app-server v2 protocol shows it. Servers (the app-server)
// and the remote SDK speak it; the in-process SDK uses it so that both give the same items.

export { commandDecision, fileChangeDecision, legacyDecision } from './approvals.js';
export {
  type HistoryItemsView,
  historyItemId,
  isConversationTurn,
  itemsForView,
  type TurnFromSummaryOptions,
  threadItemsFromHistory,
  turnErrorsFromHistory,
  turnFromSummary,
  turnsFromHistory,
} from './history.js';
export {
  commandActionsFromParsed,
  inProgressTurn,
  shellJoin,
  type ThreadItemOf,
} from './items.js';
export {
  type ApprovalMethod,
  type ApprovalOf,
  availableDecisions,
  type ElicitationMessage,
  elicitationKey,
  type NotificationOf,
  type ServerNotificationMethod,
  ThreadEventTranslator,
  type ThreadEventTranslatorOptions,
  type ToolCallMessage,
  type TranslatedMessage,
  turnError,
} from './translate.js';
