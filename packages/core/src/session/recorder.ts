import type { core } from '@codex/protocol';
import type { ConversationListener } from './conversation.js';
import type { TurnContext } from './turn-context.js';

/**
 * What a session tells the thread layer to persist: conversation changes, every event (the
 * recorder keeps the subset it stores), each turn's settings; `flush` at every turn's end makes
 * it durable.
 */
export interface SessionRecorder extends ConversationListener {
  /** Records one event the session emitted. */
  event(msg: core.EventMsg): void;
  /** Records the settings a turn starts with. */
  turnStarted(context: TurnContext): void;
  /** Resolves once everything recorded so far is on disk. */
  flush(): Promise<void>;
}
